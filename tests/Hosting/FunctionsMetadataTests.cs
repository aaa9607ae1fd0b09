using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker;
using NCrontab;
using ServerlessCommerce.Functions.Hosting.Local;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>
/// What the Functions host reads — the <c>functions.metadata</c> the Worker SDK generates from the <c>[Function]</c>
/// attributes — against API.md, the Bicep and the local host's own catalogue (which must agree with it exactly).
/// </summary>
public sealed partial class FunctionsMetadataTests
{
    /// <summary>API.md routes that later issues add (they are not served yet; this list shrinks as they land).</summary>
    private static readonly HashSet<string> NotYetServed =
    [
    ];

    internal static JsonArray Metadata(string? folder = null)
    {
        folder ??= Path.GetDirectoryName(AppProcess.FindAppDll())!;
        var path = Path.Combine(folder, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: the Worker SDK writes it at build.");
        return JsonNode.Parse(File.ReadAllText(path))!.AsArray();
    }

    private static JsonObject TriggerOf(JsonNode? function) =>
        function!["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => b["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal));

    private static IEnumerable<string> HttpRoutes(JsonArray metadata) =>
        metadata.Select(TriggerOf).Where(t => t["type"]!.GetValue<string>() == "httpTrigger")
            .SelectMany(t => t["methods"]!.AsArray().Select(m => $"{m!.GetValue<string>().ToUpperInvariant()} {t["route"]!.GetValue<string>()}"));

    [Fact]
    public void TheLocalHostRunsExactlyTheFunctionsTheHostReads()
    {
        var metadata = Metadata();
        var catalog = FunctionCatalog.App;
        Assert.Equal(metadata.Select(f => f!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal), catalog.All.Select(f => f.Name));
        foreach (var function in metadata)
        {
            var local = catalog.Find(function!["name"]!.GetValue<string>())!;
            var trigger = TriggerOf(function);
            Assert.Equal($"{local.DeclaringType.FullName}.{local.Method.Name}", function["entryPoint"]!.GetValue<string>());
            switch (local.Trigger)
            {
                case HttpTriggerAttribute http:
                    Assert.Equal("httpTrigger", trigger["type"]!.GetValue<string>());
                    Assert.Equal(http.Route, trigger["route"]!.GetValue<string>());
                    Assert.Equal(FunctionCatalog.Methods(http), trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()));
                    Assert.Equal("Anonymous", trigger["authLevel"]!.GetValue<string>(), ignoreCase: true);
                    break;
                case TimerTriggerAttribute timer:
                    Assert.Equal("timerTrigger", trigger["type"]!.GetValue<string>());
                    Assert.Equal(timer.Schedule, trigger["schedule"]!.GetValue<string>());
                    break;
                case QueueTriggerAttribute queue:
                    Assert.Equal("queueTrigger", trigger["type"]!.GetValue<string>());
                    Assert.Equal(queue.QueueName, trigger["queueName"]!.GetValue<string>());
                    break;
                default:
                    Assert.Contains(trigger["type"]!.GetValue<string>(), new[] { "orchestrationTrigger", "activityTrigger", "entityTrigger" });
                    break;
            }
        }
    }

    [Fact]
    public void EveryApiMdRouteIsAnHttpFunctionWithItsMethod()
    {
        var served = HttpRoutes(Metadata()).ToHashSet(StringComparer.Ordinal);
        var apiMd = File.ReadAllText(Path.Combine(Repo.Root, "..", "shared", "API.md"));
        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match row in RouteRow().Matches(apiMd))
        {
            foreach (var path in row.Groups["paths"].Value.Split('·', StringSplitOptions.TrimEntries))
            {
                var parts = path.Trim('`', ' ').Split(' ', 2);
                var (method, route) = parts.Length == 2 ? (parts[0], parts[1]) : ("GET", parts[0]);
                route = route.Split('?')[0];
                if (route.StartsWith('…'))
                {
                    // "`POST /api/chains/{chainId}/stores` · `GET …/stores`": the same prefix as the first path of the row.
                    var first = row.Groups["paths"].Value.Split('·')[0].Trim('`', ' ').Split(' ', 2)[1].Split('?')[0];
                    route = first[..first.LastIndexOf('/')] + route[1..];
                }

                documented.Add($"{method} {route.TrimStart('/')}");
            }
        }

        Assert.True(documented.Count > 40, $"only {documented.Count} routes read from API.md");
        var missing = documented.Except(served).Except(NotYetServed).ToList();
        Assert.True(missing.Count == 0, "API.md routes no function serves: " + string.Join(", ", missing));
        Assert.Empty(NotYetServed.Intersect(served)); // a route that landed leaves the list
        foreach (var page in new[] { "GET ", "GET live/{campaignId}", "GET assets/{name}", "GET api/health", "GET api/openapi.json" })
        {
            Assert.Contains(page, served);
        }
    }

    [Fact]
    public void EveryQueueTriggerListensOnAQueueTheBicepCreatesAndEveryTimerScheduleParses()
    {
        var bicep = File.ReadAllText(Path.Combine(Repo.Root, "bicep", "main.bicep"));
        var queues = BicepList().Match(bicep).Groups["items"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(q => q.Trim('\'')).ToHashSet(StringComparer.Ordinal);
        var triggers = Metadata().Select(TriggerOf).ToList();
        var listened = triggers.Where(t => t["type"]!.GetValue<string>() == "queueTrigger").Select(t => t["queueName"]!.GetValue<string>()).ToHashSet();
        Assert.NotEmpty(listened);
        Assert.Equal(listened.Order(), queues.Order());
        foreach (var timer in triggers.Where(t => t["type"]!.GetValue<string>() == "timerTrigger"))
        {
            var schedule = timer["schedule"]!.GetValue<string>();
            Assert.Equal(6, schedule.Split(' ').Length);
            Assert.NotNull(CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }));
        }
    }

    [Fact]
    public void FunctionNamesAreUniqueAndValid()
    {
        var names = Metadata().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Matches("^[A-Za-z][A-Za-z0-9_-]{0,126}$", n));
    }

    [Fact]
    public void HostJsonServesRoutesWithoutPrefixAndDecodesBase64Queues()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "host.json")));
        var h = host.RootElement;
        Assert.Equal("2.0", h.GetProperty("version").GetString());
        Assert.False(h.TryGetProperty("customHandler", out _));
        Assert.Equal(string.Empty, h.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("base64", h.GetProperty("extensions").GetProperty("queues").GetProperty("messageEncoding").GetString());
        Assert.Equal(5, h.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public void TheSampleSettingsListEverySettingTheAppReads()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        foreach (var name in AppSettings.Names)
        {
            Assert.True(values.TryGetProperty(name, out _), $"local.settings.sample.json lacks {name}");
        }

        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("local-platform-admin-key", values.GetProperty("PlatformAdminKey").GetString());
    }

    [GeneratedRegex(@"^\| (?<paths>`(?:GET|POST|PATCH|PUT|DELETE) /api/[^|]*?) \|", RegexOptions.Multiline)]
    private static partial Regex RouteRow();

    [GeneratedRegex(@"var queues = \[(?<items>[^\]]*)\]")]
    private static partial Regex BicepList();
}
