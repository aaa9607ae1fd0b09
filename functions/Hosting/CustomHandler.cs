using System.Globalization;
using System.Text.Json;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// The Functions host's side of non-HTTP triggers: <c>POST /{FunctionName}</c> with
/// <c>{"Data": {...}, "Metadata": {...}}</c>, answered with <c>{Outputs, Logs, ReturnValue}</c>. Values are decoded
/// tolerantly because the host's code and docs disagree on quoting (AZURE-CONTRACTS.md).
/// </summary>
public static class CustomHandler
{
    public static void MapInvocations(this IEndpointRouteBuilder app, TriggerCatalog catalog)
    {
        foreach (var trigger in catalog.All)
        {
            app.MapPost("/" + trigger.FunctionName, (HttpContext http, TriggerInvoker invoker, ILoggerFactory logs) =>
                    InvokeAsync(http, trigger, invoker, logs.CreateLogger("CustomHandler")))
                .ExcludeFromDescription()
                .WithMetadata(new InvocationEndpointMetadata(trigger.FunctionName));
        }
    }

    private static async Task<IResult> InvokeAsync(HttpContext http, TriggerDefinition trigger, TriggerInvoker invoker, ILogger logger)
    {
        var invocationId = http.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
        var logs = new List<string>();
        JsonElement root;
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            logs.Add($"Invocation body is not JSON: {ex.Message}");
            return Reply(400, logs);
        }

        var data = Property(root, "Data");
        var metadata = Property(root, "Metadata");
        try
        {
            switch (trigger)
            {
                case QueueTriggerDefinition queue:
                    var text = Unquote(BindingValue(data, "msg")) ?? string.Empty;
                    var dequeueCount = long.TryParse(Unquote(Property(metadata, "DequeueCount")), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 1;
                    var inserted = DateTimeOffset.TryParse(Unquote(Property(metadata, "InsertionTime")), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
                    await invoker.RunQueueAsync(queue, new QueueInvocation(queue.FunctionName, queue.QueueName, text, dequeueCount, Unquote(Property(metadata, "Id")), inserted), http.RequestAborted);
                    logs.Add($"{queue.FunctionName} handled message {Unquote(Property(metadata, "Id"))} (delivery {dequeueCount})");
                    break;
                case TimerTriggerDefinition timer:
                    var timerInfo = ParseMaybeJson(BindingValue(data, "timer"));
                    var isPastDue = timerInfo is { ValueKind: JsonValueKind.Object } t && Property(t, "IsPastDue") is { } due &&
                                    (due.ValueKind == JsonValueKind.True || (due.ValueKind == JsonValueKind.String && bool.TryParse(Unquote(due), out var b) && b));
                    var now = DateTimeOffset.TryParse(Unquote(Property(Property(metadata, "sys"), "UtcNow")), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var utcNow)
                        ? utcNow
                        : DateTimeOffset.UtcNow;
                    await invoker.RunTimerAsync(timer, new TimerInvocation(timer.FunctionName, now, isPastDue), http.RequestAborted);
                    logs.Add($"{timer.FunctionName} ran{(isPastDue ? " (past due)" : string.Empty)}");
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A non-2xx makes the host count a failure: queue messages are retried, then poisoned.
            logger.LogError(ex, "Invocation {InvocationId} of {FunctionName} failed", invocationId, trigger.FunctionName);
            logs.Add($"{trigger.FunctionName} failed: {ex.GetType().Name}");
            return Reply(500, logs);
        }

        return Reply(200, logs);
    }

    private static IResult Reply(int status, List<string> logs) =>
        Results.Json(new Dictionary<string, object?> { ["Outputs"] = new Dictionary<string, object>(), ["Logs"] = logs, ["ReturnValue"] = null }, statusCode: status);

    /// <summary>The named binding's value, or the only one there is (binding names are ours, but be forgiving).</summary>
    private static JsonElement? BindingValue(JsonElement? data, string name)
    {
        if (data is not { ValueKind: JsonValueKind.Object } d)
        {
            return null;
        }

        return Property(d, name) ?? d.EnumerateObject().Select(p => (JsonElement?)p.Value).FirstOrDefault();
    }

    private static JsonElement? Property(JsonElement? element, string name)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e)
        {
            return null;
        }

        foreach (var p in e.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// A value as text: JSON strings are unquoted, and unquoted again if the result is itself a JSON string literal
    /// (<c>"\"abc\""</c> → <c>abc</c>); objects and numbers come back as their JSON text.
    /// </summary>
    internal static string? Unquote(JsonElement? value)
    {
        if (value is not { } v || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            return v.GetRawText();
        }

        var text = v.GetString()!;
        for (var i = 0; i < 2 && text.Length >= 2 && text[0] == '"' && text[^1] == '"'; i++)
        {
            try
            {
                text = JsonSerializer.Deserialize<string>(text) ?? text;
            }
            catch (JsonException)
            {
                break;
            }
        }

        return text;
    }

    private static JsonElement? ParseMaybeJson(JsonElement? value)
    {
        if (value is { ValueKind: JsonValueKind.String } s && Unquote(s) is { } text)
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return value;
    }
}

/// <summary>Marks the endpoints that serve host invocations (not public routes, not in function.json as HTTP).</summary>
public sealed record InvocationEndpointMetadata(string FunctionName);
