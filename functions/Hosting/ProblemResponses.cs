using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// The one place errors become problem+json (RFC 9457): <see cref="AppProblem"/> with its fixed code, request-binding
/// failures (malformed JSON, wrong types, huge bodies) as 400/413, storage outages as 503, anything else as a 500
/// that leaks nothing.
/// </summary>
public sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title, detail, errors) = exception switch
        {
            AppProblem p => (p.Status, p.Code, p.Title, p.Message, p.Errors),
            BadHttpRequestException { StatusCode: 413 } => (413, ProblemCodes.TooLarge, "Too large", "The request body is larger than this route accepts.", null),
            BadHttpRequestException b => (400, ProblemCodes.Validation, "Unreadable request", Explain(b), null),
            JsonException j => (400, ProblemCodes.Validation, "Unreadable request", Api.JsonBodyErrors.Explain(j, typeof(object)).Detail, null),
            ObjectDisposedException => (503, "unavailable", "Restarting", "The service is restarting; nothing was changed. Retry in a moment.", (IReadOnlyDictionary<string, string[]>?)null),
            _ when IsStorageOutage(exception) => (503, "unavailable", "Storage unavailable", "Storage could not be reached; nothing was changed. Try again shortly.", (IReadOnlyDictionary<string, string[]>?)null),
            _ => (500, "internal", "Unexpected error", "Something went wrong on our side; nothing you sent was at fault. Try again; if it persists, tell the operator the trace id.", null),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", httpContext.Request.Method, httpContext.Request.Path, status);
        }
        else
        {
            logger.LogInformation("Request {Method} {Path} refused: {Status} {Code}", httpContext.Request.Method, httpContext.Request.Path, status, code);
        }

        await Problems.WriteAsync(httpContext, status, code, title, detail, errors, (exception as AppProblem)?.RetryAfter, (exception as AppProblem)?.Extensions);
        return true;
    }

    /// <summary>
    /// Storage that cannot be reached or answers 5xx: the SDK reports a refused connection as a RequestFailedException
    /// with status 0, or, once its retries are spent, as an AggregateException of those.
    /// </summary>
    internal static bool IsStorageOutage(Exception exception) => exception switch
    {
        StorageException { Status: >= 500 } or HttpRequestException => true,
        Azure.RequestFailedException { Status: 0 or >= 500 } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStorageOutage),
        _ => false,
    };

    private static string Explain(BadHttpRequestException ex)
    {
        if (ex.InnerException is JsonException json)
        {
            return Api.JsonBodyErrors.Explain(json, typeof(object)).Detail;
        }

        if (ex.StatusCode == 415)
        {
            return "Send the body as JSON with 'Content-Type: application/json'.";
        }

        return ex.Message.Contains("body", StringComparison.OrdinalIgnoreCase)
            ? "This route needs a JSON body (Content-Type: application/json)."
            : ex.Message;
    }
}

/// <summary>Writes problem+json bodies.</summary>
public static class Problems
{
    // Readable in a terminal: Chinese text and quotes are not \u-escaped (the body is UTF-8 and never HTML).
    private static readonly JsonSerializerOptions ProblemJson = new(JsonSerializerOptions.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Task WriteAsync(HttpContext context, int status, string code, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json; charset=utf-8";
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var body = new Dictionary<string, object?>
        {
            ["type"] = $"/problems/{code}",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["code"] = code,
            ["instance"] = context.Request.Path.Value,
            ["traceId"] = context.TraceIdentifier,
        };
        if (errors is not null)
        {
            body["errors"] = errors;
        }

        foreach (var (name, value) in extensions ?? new Dictionary<string, object?>())
        {
            body.TryAdd(name, value);
        }

        return context.Response.WriteAsync(JsonSerializer.Serialize(body, ProblemJson));
    }

    /// <summary>Bodiless 404/405 answers (no route, wrong verb) become problem+json too.</summary>
    public static Task StatusCodePage(StatusCodeContext context)
    {
        var http = context.HttpContext;
        return http.Response.StatusCode switch
        {
            404 => WriteAsync(http, 404, ProblemCodes.NotFound, "No such route", $"Nothing is served at {http.Request.Method} {http.Request.Path}. See /api/openapi.json."),
            405 => WriteAsync(http, 405, "method-not-allowed", "Method not allowed", $"{http.Request.Method} is not accepted on {http.Request.Path}. See /api/openapi.json."),
            401 => WriteAsync(http, 401, ProblemCodes.Unauthorized, "Sign-in required", "Send 'Authorization: Bearer <secret>'."),
            413 => WriteAsync(http, 413, ProblemCodes.TooLarge, "Too large", "The request body is larger than this route accepts."),
            415 => WriteAsync(http, 400, ProblemCodes.Validation, "Unreadable request", "Send the body as JSON with 'Content-Type: application/json'."),
            _ => Task.CompletedTask,
        };
    }
}
