using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace ServerlessCommerce.Functions.Api;

/// <summary>
/// Says what is wrong with a JSON body in the client's words: the field's JSON path and the kind of value expected
/// there ("items[0].priceFen must be a whole number"), never the .NET type the body is read into.
/// </summary>
public static class JsonBodyErrors
{
    /// <summary>The detail for a body System.Text.Json could not read as <paramref name="root"/>.</summary>
    public static (string? Field, string Detail) Explain(JsonException json, Type root)
    {
        var field = Field(json.Path);
        if (json.InnerException is InvalidOperationException { Message: var inner } && inner.Contains("UTF-", StringComparison.Ordinal))
        {
            return (field, $"{field ?? "The body"} is not valid Unicode text (a lone surrogate or a broken escape).");
        }

        if (json.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            // A body type that refuses unknown members (e.g. a PATCH, where a misspelt field would silently change nothing).
            var unknown = json.Message.Split('\'') is { Length: > 2 } parts ? parts[1] : field;
            return (unknown, $"'{unknown}' is not a field of this body: leave it out, or check its spelling against /api/openapi.json.");
        }

        if (!json.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            // A syntax error: the reader's own words name no type, only the position.
            var syntax = json.Message.Split(" Path:")[0].Split(". Path:")[0].TrimEnd('.');
            return (field, $"The body is not valid JSON: {syntax}{(field is null ? string.Empty : $" (at {field})")}.");
        }

        if (field is null)
        {
            return (null, "The body must be a JSON object with the fields this route lists in /api/openapi.json.");
        }

        var expected = ExpectedAt(root, json.Path!);
        return (field, expected is null ? $"{field} has a value of the wrong kind." : $"{field} must be {expected}.");
    }

    /// <summary>The JSON path without its <c>$.</c> root, e.g. <c>items[0].priceFen</c>; null for the body itself.</summary>
    public static string? Field(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string? ExpectedAt(Type root, string path)
    {
        Type? type = root;
        foreach (var step in Steps(path))
        {
            type = Unwrap(type!);
            type = step is null ? ElementType(type) : type.GetProperty(step, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
            if (type is null)
            {
                return null;
            }
        }

        return Describe(Unwrap(type!));
    }

    /// <summary>Property names, and null for an array index.</summary>
    private static IEnumerable<string?> Steps(string path)
    {
        foreach (var part in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? part : part[..bracket];
            if (name.Length > 0)
            {
                yield return name.Trim('\'', '[', ']');
            }

            for (var i = bracket; i >= 0 && i < part.Length; i = part.IndexOf('[', i + 1))
            {
                yield return null;
            }
        }
    }

    private static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[^1]
        : null;

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(string) => "text (a JSON string)",
        _ when type == typeof(int) => "a whole number between -2147483648 and 2147483647",
        _ when type == typeof(long) => "a whole number between -9223372036854775808 and 9223372036854775807",
        _ when type == typeof(short) || type == typeof(byte) => "a small whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO-8601 time such as 2026-12-01T10:00:00Z",
        _ when type.IsEnum => "one of: " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName)),
        _ when ElementType(type) is not null && type != typeof(string) => "an array",
        _ => "a JSON object",
    };
}
