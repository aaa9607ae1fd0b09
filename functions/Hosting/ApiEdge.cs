using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// What every <c>/api/</c> answer gets on both hosts, before the function runs: <c>X-Content-Type-Options: nosniff</c>;
/// <c>Cache-Control: no-store</c> when the request carried a secret (the answer is someone's own data); CORS headers
/// for the origins of <see cref="AppSettings.CorsAllowedOrigins"/>; and an unknown secret refused with 401 on every
/// route, public ones included (API.md), except health. Pages ignore <c>Authorization</c>.
/// </summary>
public static class ApiEdge
{
    private const string AllowedHeaders = "Authorization, Content-Type, Idempotency-Key, x-correlation-id, x-file-name";

    /// <summary>Applies the edge rules; false when the request was answered here (a CORS preflight).</summary>
    public static async Task<bool> RunAsync(HttpContext context, IServiceProvider services, IEnumerable<KeyValuePair<string, object?>> routeValues)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var response = context.Response;
        var hasSecret = !string.IsNullOrEmpty(request.Headers.Authorization.ToString());
        var origin = request.Headers.Origin.ToString();
        var allowedOrigin = origin.Length > 0 && services.GetRequiredService<AppSettings>().CorsAllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase) ? origin : null;
        response.OnStarting(() =>
        {
            // Set as the answer starts: the problem writer clears headers it finds.
            response.Headers.XContentTypeOptions = "nosniff";
            // A stricter answer of the function's own (the 提货码 QR's "private, no-store") stays as it is.
            if (hasSecret && !response.Headers.CacheControl.ToString().Contains("no-store", StringComparison.Ordinal))
            {
                response.Headers.CacheControl = "no-store";
            }

            if (allowedOrigin is not null)
            {
                response.Headers.AccessControlAllowOrigin = allowedOrigin;
                response.Headers.AccessControlExposeHeaders = "x-correlation-id, Retry-After, Location";
                response.Headers.Vary = "Origin";
            }

            return Task.CompletedTask;
        });

        if (HttpMethods.IsOptions(request.Method) && request.Headers.AccessControlRequestMethod.Count > 0)
        {
            response.StatusCode = allowedOrigin is null ? StatusCodes.Status403Forbidden : StatusCodes.Status204NoContent;
            if (allowedOrigin is not null)
            {
                response.Headers.AccessControlAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
                response.Headers.AccessControlAllowHeaders = AllowedHeaders;
                response.Headers.AccessControlMaxAge = "600";
            }

            return false;
        }

        RefuseImpossibleIds(routeValues);
        if (hasSecret && !request.Path.StartsWithSegments("/api/health", StringComparison.OrdinalIgnoreCase))
        {
            // Throws the 401 problem for an unknown secret; the caller is cached for the function.
            await services.GetRequiredService<CallerContext>().GetAsync(request);
        }

        return true;
    }

    /// <summary>
    /// Our ids are lower-case letters, digits and '-' (<see cref="Common.Ids"/>), at most a few dozen characters. A path
    /// id with anything else ('#', '?', '\', NUL, 600 characters) names nothing: 404 here, before it reaches a storage
    /// key, where such characters are refused with an error the client cannot act on.
    /// </summary>
    private static void RefuseImpossibleIds(IEnumerable<KeyValuePair<string, object?>> routeValues)
    {
        foreach (var (name, value) in routeValues)
        {
            if (name.Length > 2 && name.EndsWith("Id", StringComparison.Ordinal) && value is string id && !IsPlausibleId(id))
            {
                throw Common.AppProblem.NotFound(name[..^2], id);
            }
        }
    }

    public static bool IsPlausibleId(string id) => id.Length is > 0 and <= 120 && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}

/// <summary>The local host's <see cref="ApiEdge"/>.</summary>
public sealed class ApiEdgeMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (await ApiEdge.RunAsync(context, context.RequestServices, context.Request.RouteValues))
        {
            await next(context);
        }
    }
}
