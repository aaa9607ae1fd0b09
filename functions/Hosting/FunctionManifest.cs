using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>One function folder for the Functions host: its name and the content of its function.json.</summary>
public sealed record FunctionDefinition(string Name, JsonObject FunctionJson);

/// <summary>
/// Generates the host's function.json files from the app's own tables — the mapped HTTP endpoints and the
/// <see cref="TriggerCatalog"/> — so routes and triggers are declared once, in C#.
/// </summary>
public static partial class FunctionManifest
{
    public const string QueueBinding = "msg";
    public const string TimerBinding = "timer";

    public static IReadOnlyList<FunctionDefinition> Build(EndpointDataSource endpoints, TriggerCatalog triggers)
    {
        var functions = new List<FunctionDefinition>();
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<InvocationEndpointMetadata>() is not null || endpoint.Metadata.GetMetadata<HttpFunctionAttribute>() is not { } fn)
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST", "DELETE"];
            // One attribute may cover several endpoints (a SignalR hub maps its negotiate and connection routes):
            // each becomes its own function, named after its last literal segment.
            var hubNegotiate = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.SignalR.HubMetadata>() is not null
                && endpoint.RoutePattern.RawText?.EndsWith("/negotiate", StringComparison.Ordinal) == true;
            var name = functions.Any(f => f.Name == fn.Name) || hubNegotiate
                ? fn.Name + Capitalize(endpoint.RoutePattern.PathSegments[^1].Parts.OfType<RoutePatternLiteralPart>().FirstOrDefault()?.Content ?? "Route")
                : fn.Name;
            functions.Add(new FunctionDefinition(name, new JsonObject
            {
                ["bindings"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "httpTrigger",
                        ["direction"] = "in",
                        ["name"] = "req",
                        ["authLevel"] = "anonymous",
                        ["methods"] = new JsonArray(methods.Select(m => (JsonNode)m.ToLowerInvariant()).ToArray()),
                        ["route"] = FunctionRoute(endpoint.RoutePattern),
                    },
                    new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
            }));
        }

        foreach (var trigger in triggers.All)
        {
            JsonObject binding = trigger switch
            {
                TimerTriggerDefinition t => new JsonObject
                {
                    ["type"] = "timerTrigger", ["direction"] = "in", ["name"] = TimerBinding, ["schedule"] = t.Schedule, ["useMonitor"] = true,
                },
                QueueTriggerDefinition q => new JsonObject
                {
                    ["type"] = "queueTrigger", ["direction"] = "in", ["name"] = QueueBinding, ["queueName"] = q.QueueName, ["connection"] = "AzureWebJobsStorage",
                },
                _ => throw new InvalidOperationException($"Unknown trigger kind {trigger.GetType().Name}."),
            };
            functions.Add(new FunctionDefinition(trigger.FunctionName, new JsonObject { ["bindings"] = new JsonArray(binding) }));
        }

        var invalid = functions.FirstOrDefault(f => !FunctionName().IsMatch(f.Name));
        if (invalid is not null)
        {
            throw new InvalidOperationException($"'{invalid.Name}' is not a valid function name.");
        }

        var duplicate = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? functions : throw new InvalidOperationException($"Function name '{duplicate.Key}' is used twice.");
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>The route as the host writes it: no leading slash, parameters without ASP.NET constraints.</summary>
    public static string FunctionRoute(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart l => l.Content,
            RoutePatternParameterPart p => p.IsCatchAll ? $"{{*{p.Name}}}" : p.IsOptional ? $"{{{p.Name}?}}" : $"{{{p.Name}}}",
            RoutePatternSeparatorPart s => s.Content,
            _ => string.Empty,
        })));
        return string.Join('/', segments);
    }

    /// <summary>Writes one folder per function with its function.json under <paramref name="root"/>.</summary>
    public static void WriteTo(string root, IReadOnlyList<FunctionDefinition> functions)
    {
        foreach (var f in functions)
        {
            var dir = Path.Combine(root, f.Name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "function.json"), f.FunctionJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,126}$")]
    private static partial Regex FunctionName();
}

/// <summary>
/// Declares an HTTP endpoint as a function of the Functions app (its folder name). Every public route carries one;
/// the manifest test fails if a mapped route lacks it.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public sealed class HttpFunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

public static class HttpFunctionExtensions
{
    /// <summary>Names the endpoint's function (and its OpenAPI operation id).</summary>
    public static RouteHandlerBuilder AsFunction(this RouteHandlerBuilder builder, string name) =>
        builder.WithName(name).WithMetadata(new HttpFunctionAttribute(name));
}
