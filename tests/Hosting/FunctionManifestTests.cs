using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Functions;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Hosting;
using Microsoft.AspNetCore.Routing;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>function.json files come from the app's own endpoint and trigger tables.</summary>
public sealed class FunctionManifestTests
{
    private static IReadOnlyList<FunctionDefinition> Functions()
    {
        using var app = ServerlessCommerceApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }));
        return ServerlessCommerceApp.Functions(app);
    }

    private static (string Route, string[] Methods) Http(FunctionDefinition f)
    {
        var trigger = f.FunctionJson["bindings"]![0]!;
        return (trigger["route"]!.GetValue<string>(), trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()).ToArray());
    }

    [Fact]
    public void EveryRouteOfApiMdForChainsAndPeopleHasAnHttpFunction()
    {
        var routes = Functions().Where(f => f.FunctionJson["bindings"]![0]!["type"]!.GetValue<string>() == "httpTrigger")
            .Select(f => Http(f)).SelectMany(h => h.Methods.Select(m => $"{m} {h.Route}")).ToHashSet();

        foreach (var expected in new[]
                 {
                     "post api/chains", "post api/chains/{chainId}/admin-key/rotate", "get api/me", "post api/chains/{chainId}/stores",
                     "get api/chains/{chainId}/stores", "post api/chains/{chainId}/leaders", "post api/leaders/{leaderId}/key/rotate",
                     "post api/chains/{chainId}/members", "post api/members/{memberId}/token", "post api/members/me/token",
                     "get api/health", "get api/openapi.json", "get ",
                 })
        {
            Assert.Contains(expected, routes);
        }
    }

    [Fact]
    public void HttpFunctionsAreAnonymousForwardedPairsWithRoutesThatKeepTheirApiPrefix()
    {
        foreach (var f in Functions().Where(f => f.FunctionJson["bindings"]![0]!["type"]!.GetValue<string>() == "httpTrigger"))
        {
            var bindings = f.FunctionJson["bindings"]!.AsArray();
            Assert.Equal(2, bindings.Count);
            Assert.Equal("in", bindings[0]!["direction"]!.GetValue<string>());
            Assert.Equal("anonymous", bindings[0]!["authLevel"]!.GetValue<string>());
            Assert.Equal("http", bindings[1]!["type"]!.GetValue<string>());
            Assert.Equal("out", bindings[1]!["direction"]!.GetValue<string>());
            Assert.Equal("res", bindings[1]!["name"]!.GetValue<string>());
            var route = Http(f).Route;
            Assert.False(route.StartsWith('/'), route);
            Assert.True(route.StartsWith("api/", StringComparison.Ordinal) || route.StartsWith("hubs/", StringComparison.Ordinal)
                || route.Length == 0 || route == "live/{campaignId}" || route == "assets/{name}", $"{f.Name}: route '{route}' must carry its api/ prefix, be the hub, or be a page");
            Assert.DoesNotContain(':', route);
        }
    }

    [Fact]
    public void TriggersComeFromTheTriggerTableWithWellFormedBindings()
    {
        var functions = Functions().ToDictionary(f => f.Name);
        var heartbeat = functions["Heartbeat"].FunctionJson["bindings"]![0]!;
        Assert.Equal("timerTrigger", heartbeat["type"]!.GetValue<string>());
        Assert.Equal("timer", heartbeat["name"]!.GetValue<string>());
        Assert.True(CronSchedule.TryParse(heartbeat["schedule"]!.GetValue<string>(), out _));

        var events = functions["DomainEvents"].FunctionJson["bindings"]![0]!;
        Assert.Equal("queueTrigger", events["type"]!.GetValue<string>());
        Assert.Equal("msg", events["name"]!.GetValue<string>());
        Assert.Equal("domain-events", events["queueName"]!.GetValue<string>());
        Assert.Equal("AzureWebJobsStorage", events["connection"]!.GetValue<string>());
    }

    [Fact]
    public void EveryMappedRouteIsAFunctionSoNothingIsUnreachableUnderTheHost()
    {
        using var app = ServerlessCommerceApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }));
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        var missing = endpoints.Where(e => e.Metadata.GetMetadata<InvocationEndpointMetadata>() is null && e.Metadata.GetMetadata<HttpFunctionAttribute>() is null)
            .Select(e => e.RoutePattern.RawText).ToList();
        Assert.True(missing.Count == 0, "Routes without .AsFunction(...): " + string.Join(", ", missing));
    }

    [Fact]
    public void FunctionNamesAreUniqueAndValid()
    {
        var names = Functions().Select(f => f.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Matches("^[A-Za-z][A-Za-z0-9_-]*$", n));
    }

    [Fact]
    public async Task TheExecutableWritesOneFunctionJsonPerFunction()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fnjson-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, output) = await AppProcess.RunToExitAsync(new Dictionary<string, string>(), TimeSpan.FromSeconds(60), "--write-functions", dir);
            Assert.True(exit == 0, output);
            var written = Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)!).ToHashSet();
            Assert.Equal(Functions().Select(f => f.Name).ToHashSet(), written);
            var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "CreateChain", "function.json")))!;
            Assert.Equal("api/chains", json["bindings"]![0]!["route"]!.GetValue<string>());
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void HostJsonConfiguresTheCustomHandlerAsTheContractRequires()
    {
        var root = RepoRoot();
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "host.json")));
        var h = host.RootElement;
        Assert.Equal("2.0", h.GetProperty("version").GetString());
        Assert.Equal("ServerlessCommerce.Functions", h.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(h.GetProperty("customHandler").GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal(string.Empty, h.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("base64", h.GetProperty("extensions").GetProperty("queues").GetProperty("messageEncoding").GetString());
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", h.GetProperty("extensionBundle").GetProperty("id").GetString());
    }

    [Fact]
    public void TheSampleSettingsListEverySettingTheAppReads()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        foreach (var name in AppSettings.Names)
        {
            Assert.True(values.TryGetProperty(name, out _), $"local.settings.sample.json lacks {name}");
        }

        Assert.Equal("custom", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("local-platform-admin-key", values.GetProperty("PlatformAdminKey").GetString());
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ServerlessCommerce.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found.");
    }
}
