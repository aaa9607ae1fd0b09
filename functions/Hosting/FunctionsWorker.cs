using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// The app as an Azure Functions isolated worker with ASP.NET Core integration: the host owns triggers and HTTP, the
/// worker runs the same <c>[Function]</c> methods with the same services as the local host.
/// </summary>
public static class FunctionsWorker
{
    public static async Task RunAsync(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        LocalSettings.AddTo(builder.Configuration);
        var settings = ServerlessCommerceApp.ReadSettings(builder.Configuration);
        ServerlessCommerceApp.AddAppServices(builder.Services, settings, new AppHost(IsFunctionsHost: true));
        builder.Services.AddAppTelemetry(builder.Configuration);
        builder.Services.AddSingleton<ProblemExceptionHandler>();
        builder.UseMiddleware<HttpProblemsMiddleware>();
        using var host = builder.Build();
        await host.RunAsync();
    }
}

/// <summary>
/// Under the Functions host: an HTTP function's exception becomes the same problem+json answer the local host gives
/// (the one <see cref="ProblemExceptionHandler"/>), with the correlation id echoed; other triggers rethrow so the host
/// retries them (queues: 5 deliveries, then <c>-poison</c>).
/// </summary>
public sealed class HttpProblemsMiddleware(ProblemExceptionHandler problems) : IFunctionsWorkerMiddleware
{
    /// <summary>Each HTTP function's route parameter names: its binding data also carries query and body values.</summary>
    private static readonly Dictionary<string, HashSet<string>> RouteParameters = Local.FunctionCatalog.App.Http.ToDictionary(
        h => h.Function.Name,
        h => Microsoft.AspNetCore.Routing.Patterns.RoutePatternFactory.Parse(Local.FunctionCatalog.LocalRoute(h.Http, h.Function.Name)).Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
        StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<KeyValuePair<string, object?>> RouteValues(FunctionContext context) =>
        RouteParameters.TryGetValue(context.FunctionDefinition.Name, out var names)
            ? context.BindingContext.BindingData.Where(b => names.Contains(b.Key))
            : [];

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is not null)
        {
            var sent = http.Request.Headers[CorrelationMiddleware.Header].ToString();
            var id = CorrelationMiddleware.IsAcceptable(sent) ? sent : context.InvocationId;
            http.TraceIdentifier = id;
            http.Response.OnStarting(() =>
            {
                http.Response.Headers[CorrelationMiddleware.Header] = id;
                return Task.CompletedTask;
            });
        }

        try
        {
            if (http is null || await ApiEdge.RunAsync(http, context.InstanceServices, RouteValues(context)))
            {
                await next(context);
            }
        }
        catch (Exception ex) when (http is not null)
        {
            var inner = ex is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : ex;
            await problems.TryHandleAsync(http, inner, context.CancellationToken);
        }
    }
}
