namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// One correlation id per request: the caller's <c>x-correlation-id</c> (or the host's invocation id) when sent,
/// else the request's trace id. Echoed in the response and carried by every log line of the request.
/// </summary>
public sealed class CorrelationMiddleware(RequestDelegate next, ILogger<CorrelationMiddleware> logger)
{
    public const string Header = "x-correlation-id";

    /// <summary>A caller's id is echoed only when it is short and plain (it lands in logs and headers).</summary>
    public static bool IsAcceptable(string sent) => sent.Length is > 0 and <= 64 && sent.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public async Task InvokeAsync(HttpContext context)
    {
        var sent = context.Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(sent))
        {
            sent = context.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
        }

        var id = IsAcceptable(sent) ? sent : context.TraceIdentifier;
        context.TraceIdentifier = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = id; // set late: error handling may clear the headers first
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(context);
        }
    }
}
