using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessCommerce.Tests.Hosting;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// The package infra/package.sh publishes is a complete isolated-worker Functions app: the functions.metadata the
/// host reads (every route, page, timer and queue), worker.config.json, host.json without a custom handler, and a zip
/// holding the folder file for file. The published app also runs as the local host.
/// </summary>
public sealed partial class PackageTests
{
    [Fact]
    public async Task ThePublishedFunctionsMetadataIsTheOneTheBuildGeneratesAndDescribesEveryFunction()
    {
        var package = await FunctionsPackage.SharedAsync();
        var published = FunctionsMetadataTests.Metadata(package.Site);
        var built = FunctionsMetadataTests.Metadata();
        Assert.True(JsonNode.DeepEquals(built, published), "the published functions.metadata differs from the build's");
        var triggers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in published)
        {
            var name = function!["name"]!.GetValue<string>();
            Assert.Matches(FunctionName(), name);
            Assert.Equal("ServerlessCommerce.Functions.dll", function["scriptFile"]!.GetValue<string>());
            Assert.Equal("dotnet-isolated", function["language"]!.GetValue<string>());
            var bindings = function["bindings"]!.AsArray();
            var trigger = bindings.Single(b => b!["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal))!;
            var type = trigger["type"]!.GetValue<string>();
            triggers.Add(type);
            switch (type)
            {
                case "httpTrigger":
                    Assert.Equal("Anonymous", trigger["authLevel"]!.GetValue<string>(), ignoreCase: true);
                    Assert.All(trigger["methods"]!.AsArray(), m => Assert.Contains(m!.GetValue<string>(), new[] { "get", "post", "put", "delete", "patch" }));
                    var route = trigger["route"]!.GetValue<string>();
                    Assert.False(route.StartsWith('/'), $"{name}: route '{route}' starts with '/'");
                    Assert.Contains(bindings, b => b!["type"]!.GetValue<string>() == "http" && b["direction"]!.GetValue<string>() == "Out");
                    break;
                case "queueTrigger":
                    Assert.Matches(QueueName(), trigger["queueName"]!.GetValue<string>());
                    break;
                case "timerTrigger":
                    Assert.Equal(6, trigger["schedule"]!.GetValue<string>().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
                    break;
            }
        }

        Assert.Contains("httpTrigger", triggers);
        Assert.Contains("queueTrigger", triggers);
        Assert.Contains("timerTrigger", triggers);
        foreach (var page in new[] { "ConsolePage", "LiveRoomPage", "PageAssets" })
        {
            Assert.Contains(published, f => f!["name"]!.GetValue<string>() == page);
        }
    }

    [Fact]
    public async Task TheFolderIsAnIsolatedWorkerAppForTheHost()
    {
        var package = await FunctionsPackage.SharedAsync();
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Site, "host.json")))!;
        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.Null(host["customHandler"]);
        Assert.Equal("", host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
        var worker = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Site, "worker.config.json")))!;
        Assert.Equal("ServerlessCommerce.Functions.dll", worker["description"]!["defaultWorkerPath"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(package.Site, "ServerlessCommerce.Functions.dll")));
        Assert.True(File.Exists(Path.Combine(package.Site, "extensions.json")));
        Assert.False(File.Exists(Path.Combine(package.Site, "libcoreclr.so")), "the platform provides .NET 10: the package is framework-dependent");
    }

    [Fact]
    public async Task TheZipHoldsTheAppFolderFileForFile()
    {
        var package = await FunctionsPackage.SharedAsync();
        using var zip = ZipFile.OpenRead(package.Zip);
        var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        var files = Directory.GetFiles(package.Site, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(package.Site, f).Replace(Path.DirectorySeparatorChar, '/')).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(files.Order(StringComparer.Ordinal), entries.Order(StringComparer.Ordinal));
        Assert.Contains("host.json", entries);
        Assert.Contains("functions.metadata", entries);
        Assert.Contains("worker.config.json", entries);
    }

    [Fact]
    public async Task ThePublishedAppRunsOnTheLocalHostFromItsOwnFolder()
    {
        var package = await FunctionsPackage.SharedAsync();
        await using var azurite = await Azurite.StartAsync();
        var port = Azurite.FreePort();
        await using var app = await AppProcess.StartAsync(port, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PlatformAdminKey"] = TestApp.PlatformKey,
            ["TokenSigningKey"] = "package-test-signing-key-0123456789abcdef",
            ["DurableTaskHubName"] = "pkg" + Guid.NewGuid().ToString("N")[..10],
        }, package.Site, Path.Combine(package.Site, "ServerlessCommerce.Functions"));

        var health = await app.Client.GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("local", health.GetProperty("mode").GetString());
        Assert.Equal("text/html", (await app.Client.GetAsync("/")).Content.Headers.ContentType?.MediaType);
        Assert.Equal(200, (int)(await app.Client.GetAsync("/assets/signalr.min.js")).StatusCode);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,126}$")]
    private static partial Regex FunctionName();

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueName();
}
