using Microsoft.AspNetCore.Routing;

namespace ServerlessCommerce.Functions.Hosting.Local;

/// <summary>
/// The local host's HTTP triggers: each <c>[HttpTrigger]</c> function becomes a Kestrel route with the same template
/// and methods the Functions host would serve (route prefix <c>""</c>, as in host.json). The method gets the
/// <see cref="HttpRequest"/>, its route values by parameter name, and the request's cancellation; an
/// <see cref="IResult"/> it returns is executed. Exceptions reach the one problem+json handler.
/// </summary>
public static class LocalHttp
{
    public static void MapHttpFunctions(this IEndpointRouteBuilder app, FunctionCatalog catalog)
    {
        foreach (var (function, http) in catalog.Http)
        {
            var route = FunctionCatalog.LocalRoute(http, function.Name);
            var routeParameters = Microsoft.AspNetCore.Routing.Patterns.RoutePatternFactory.Parse(route).Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            Invocation.Validate(function, p => p.ParameterType == typeof(string) && routeParameters.Contains(p.Name!));
            app.MapMethods(route, FunctionCatalog.Methods(http), context => RunAsync(function, context))
                .WithName(function.Name)
                .WithMetadata(function)
                .WithMetadata(function.Method.GetCustomAttributes(inherit: true)); // e.g. [RequestSizeLimit] for report uploads
        }
    }

    private static async Task RunAsync(LocalFunction function, HttpContext context)
    {
        var result = await Invocation.InvokeAsync(function, context.RequestServices, p =>
            p == function.TriggerParameter ? context.Request
            : context.Request.RouteValues.TryGetValue(p.Name!, out var value) ? value?.ToString()
            : null, context.RequestAborted);
        switch (result)
        {
            case IResult r:
                await r.ExecuteAsync(context);
                break;
            case null:
                break;
            default:
                throw new InvalidOperationException($"Function {function.Name} returned a {result.GetType().Name}; HTTP functions return an IResult.");
        }
    }
}
