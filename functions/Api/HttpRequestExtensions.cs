using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Functions.Api;

/// <summary>
/// What HTTP functions read from a request, the same on the local host and under the Functions host: the JSON body
/// (≤ 256 KiB, with a 400 a person can act on when it is not the JSON the route expects), the Idempotency-Key, and
/// query values.
/// </summary>
public static class HttpRequestExtensions
{
    public const long MaxJsonBodyBytes = 256 * 1024;

    public static async Task<T> ReadJsonAsync<T>(this HttpRequest request) where T : class
    {
        if (request.ContentLength > MaxJsonBodyBytes)
        {
            throw new AppProblem(ProblemCodes.TooLarge, "Too large", $"The request body is larger than this route accepts ({MaxJsonBodyBytes / 1024} KiB).");
        }

        if (request.ContentType is { Length: > 0 } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new AppProblem(ProblemCodes.Validation, "Unreadable request", "Send the body as JSON with 'Content-Type: application/json'.");
        }

        var options = request.HttpContext.RequestServices.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions ?? JsonSerializerOptions.Web;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxJsonBodyBytes)
            {
                throw new AppProblem(ProblemCodes.TooLarge, "Too large", $"The request body is larger than this route accepts ({MaxJsonBodyBytes / 1024} KiB).");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw new AppProblem(ProblemCodes.Validation, "Unreadable request", "This route needs a JSON body (Content-Type: application/json).");
        }

        var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        try
        {
            RefuseNullElements(json);
            return JsonSerializer.Deserialize<T>(json, options)
                ?? throw new AppProblem(ProblemCodes.Validation, "Unreadable request", "The body must be a JSON object, not null.");
        }
        catch (JsonException problem)
        {
            var (field, detail) = JsonBodyErrors.Explain(problem, typeof(T));
            throw field is null
                ? new AppProblem(ProblemCodes.Validation, "Unreadable request", detail)
                : AppProblem.Validation(field, detail);
        }
    }

    /// <summary>No list of ours holds nulls: <c>items: [null]</c> is refused here, naming the element, before any rule reads it.</summary>
    private static void RefuseNullElements(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        var path = new List<(string Name, int Index, bool IsArray)>();
        string? property = null;
        while (reader.Read())
        {
            if (path.Count > 0 && path[^1].IsArray && reader.TokenType is not JsonTokenType.EndArray)
            {
                path[^1] = path[^1] with { Index = path[^1].Index + 1 };
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = reader.GetString();
                    break;
                case JsonTokenType.StartArray or JsonTokenType.StartObject:
                    path.Add((property ?? string.Empty, -1, reader.TokenType == JsonTokenType.StartArray));
                    property = null;
                    break;
                case JsonTokenType.EndArray or JsonTokenType.EndObject:
                    path.RemoveAt(path.Count - 1);
                    break;
                case JsonTokenType.Null when path.Count > 1 && path[^1].IsArray:
                    var field = string.Concat(path.Skip(1).Select((p, i) => (i == 0 || p.Name.Length == 0 ? p.Name : "." + p.Name) + (p.IsArray ? $"[{p.Index}]" : string.Empty)));
                    throw AppProblem.Validation(field, $"{field} must not be null: leave the element out instead.");
            }
        }
    }

    public static string? IdempotencyKey(this HttpRequest request) =>
        request.Headers[Idempotency.HeaderName].ToString() is { Length: > 0 } key ? key : null;

    public static string? QueryString(this HttpRequest request, string name) =>
        request.Query[name].ToString() is { Length: > 0 } value ? value : null;

    public static int? QueryInt(this HttpRequest request, string name) =>
        request.QueryString(name) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw AppProblem.Validation(name, $"'{name}' must be a whole number.");

    /// <summary>True when the caller asked for CSV (<c>?format=csv</c> or <c>Accept: text/csv</c>).</summary>
    public static bool WantsCsv(this HttpRequest request) =>
        string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase) ||
        request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);
}
