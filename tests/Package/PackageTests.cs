using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Events;
using ServerlessCommerce.Functions;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// The package infra/package.sh builds is a complete Functions app: every route and trigger has its function.json,
/// the bindings are what the host accepts, host.json names the executable, the zip keeps the run bit, and the
/// published executable serves the host's requests.
/// </summary>
public sealed partial class PackageTests
{
    private static Dictionary<string, JsonObject> Expected()
    {
        using var app = ServerlessCommerceApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }));
        return ServerlessCommerceApp.Functions(app).ToDictionary(f => f.Name, f => f.FunctionJson);
    }

    private static Dictionary<string, JsonObject> Packaged(FunctionsPackage package) =>
        Directory.GetDirectories(package.Site)
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .ToDictionary(d => Path.GetFileName(d), d => JsonNode.Parse(File.ReadAllText(Path.Combine(d, "function.json")))!.AsObject());

    [Fact]
    public async Task EveryRouteAndTriggerOfTheAppHasItsFunctionJsonInThePackageAndNothingElse()
    {
        var package = await FunctionsPackage.SharedAsync();
        var expected = Expected();
        var packaged = Packaged(package);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), packaged.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, json) in expected)
        {
            Assert.True(JsonNode.DeepEquals(json, packaged[name]), $"{name}: {packaged[name].ToJsonString()} differs from the app's {json.ToJsonString()}");
        }

        // The pages, their assets and the hub are functions as well (route prefix "").
        Assert.Contains("ConsolePage", packaged.Keys);
        Assert.Contains("LiveRoomPage", packaged.Keys);
        Assert.Contains("PageAssets", packaged.Keys);
        Assert.Contains("LiveHub", packaged.Keys);
    }

    [Fact]
    public async Task EveryBindingIsWhatTheFunctionsHostAccepts()
    {
        var package = await FunctionsPackage.SharedAsync();
        var triggers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, json) in Packaged(package))
        {
            Assert.Matches(FunctionName(), name);
            var bindings = json["bindings"]!.AsArray();
            var trigger = bindings[0]!.AsObject();
            var type = trigger["type"]!.GetValue<string>();
            triggers.Add(type);
            Assert.Equal("in", trigger["direction"]!.GetValue<string>());
            switch (type)
            {
                case "httpTrigger":
                    // Forwarded HTTP needs exactly one httpTrigger in and one http out.
                    Assert.Equal(2, bindings.Count);
                    Assert.Equal("anonymous", trigger["authLevel"]!.GetValue<string>());
                    Assert.NotEmpty(trigger["methods"]!.AsArray());
                    Assert.All(trigger["methods"]!.AsArray(), m => Assert.Contains(m!.GetValue<string>(), new[] { "get", "post", "put", "delete", "patch", "options", "head" }));
                    var route = trigger["route"]!.GetValue<string>();
                    Assert.False(route.StartsWith('/'), $"{name}: route '{route}' starts with '/'");
                    Assert.DoesNotContain(':', route);
                    Assert.Equal(JsonObject.Parse("""{"type":"http","direction":"out","name":"res"}"""), bindings[1], JsonNode.DeepEquals);
                    break;
                case "timerTrigger":
                    Assert.Single(bindings);
                    Assert.Equal(6, trigger["schedule"]!.GetValue<string>().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
                    break;
                case "queueTrigger":
                    Assert.Single(bindings);
                    Assert.Matches(QueueName(), trigger["queueName"]!.GetValue<string>());
                    Assert.Equal("AzureWebJobsStorage", trigger["connection"]!.GetValue<string>());
                    break;
                default:
                    Assert.Fail($"{name}: unexpected trigger type {type}");
                    break;
            }
        }

        Assert.Equal(["httpTrigger", "queueTrigger", "timerTrigger"], triggers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HostJsonNamesTheExecutableWhichIsALinuxProgramWithItsRunBit()
    {
        var package = await FunctionsPackage.SharedAsync();
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Site, "host.json")))!;
        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.Equal("", host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
        Assert.True(host["customHandler"]!["enableForwardingHttpRequest"]!.GetValue<bool>());
        var executable = host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>();
        Assert.Equal(FunctionsPackage.Executable, executable);

        var path = Path.Combine(package.Site, executable);
        Assert.True(File.Exists(path), $"{executable} is not in the package");
        Assert.False(OperatingSystem.IsWindows(), "the package is built and checked on Linux (the run bit must survive)");
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), "the executable lost its run bit");
        }

        var magic = new byte[4];
        await using (var file = File.OpenRead(path))
        {
            await file.ReadExactlyAsync(magic);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), magic);
        // Self-contained: the runtime travels with the app (the host machine has no .NET).
        Assert.True(File.Exists(Path.Combine(package.Site, "libcoreclr.so")), "the package is not self-contained");
    }

    [Fact]
    public async Task TheZipHoldsTheAppFolderFileForFileWithTheRunBitKept()
    {
        var package = await FunctionsPackage.SharedAsync();
        using var zip = ZipFile.OpenRead(package.Zip);
        var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName, StringComparer.Ordinal);
        var files = Directory.GetFiles(package.Site, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(package.Site, f).Replace(Path.DirectorySeparatorChar, '/')).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(files.Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("host.json", entries.Keys);
        Assert.Contains("PlaceOrder/function.json", entries.Keys);
        var mode = (entries[FunctionsPackage.Executable].ExternalAttributes >> 16) & 0x1FF;
        Assert.True((mode & 0x40) != 0, $"the executable's mode in the zip is {Convert.ToString(mode, 8)}: no run bit");
    }

    [Fact]
    public async Task ThePublishedExecutableStartsInCustomHandlerModeAndServesTheHostsRequests()
    {
        var package = await FunctionsPackage.SharedAsync();
        await using var azurite = await Azurite.StartAsync();
        var port = Azurite.FreePort();
        await using var app = await AppProcess.StartAsync(port, new Dictionary<string, string>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = Guid.NewGuid().ToString(),
            ["FUNCTIONS_APP_ROOT_PATH"] = package.Site,
            ["FUNCTIONS_WORKER_RUNTIME"] = "custom",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PlatformAdminKey"] = TestApp.PlatformKey,
            ["TokenSigningKey"] = "package-test-signing-key-0123456789abcdef",
        }, package.Site, Path.Combine(package.Site, FunctionsPackage.Executable));

        // Forwarded HTTP on the original paths: API, pages and their assets.
        var health = await app.Client.GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("customHandler", health.GetProperty("mode").GetString());
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/chains") { Content = new StringContent("""{"name":"打包测试"}""", Encoding.UTF8, "application/json") };
        create.Headers.Authorization = new("Bearer", TestApp.PlatformKey);
        using var created = await app.Client.SendAsync(create);
        Assert.Equal(201, (int)created.StatusCode);
        var chainId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("chainId").GetString()!;
        Assert.Equal("text/html", (await app.Client.GetAsync("/")).Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/html", (await app.Client.GetAsync("/live/c_x")).Content.Headers.ContentType?.MediaType);
        Assert.Equal(200, (int)(await app.Client.GetAsync("/assets/signalr.min.js")).StatusCode);

        // Invocations for the timer and queue functions, in the host's JSON.
        var timer = await app.InvokeAsync("Heartbeat", """
            {"Data": {"timer": {"Schedule": {"AdjustForDST": true}, "ScheduleStatus": null, "IsPastDue": false}},
             "Metadata": {"sys": {"MethodName": "Heartbeat", "UtcNow": "2026-11-22T02:03:00Z", "RandGuid": "1b2c"}}}
            """);
        Assert.Equal(JsonValueKind.Object, timer.GetProperty("Outputs").ValueKind);
        var domainEvent = JsonSerializer.Serialize(DomainEvent.Create("test.packaged", chainId, "tests/1", new { n = 1 }, DateTimeOffset.UtcNow), JsonSerializerOptions.Web);
        await app.InvokeAsync("DomainEvents", JsonSerializer.Serialize(new { Data = new { msg = JsonSerializer.Serialize(domainEvent) }, Metadata = new { DequeueCount = "1" } }));
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,126}$")]
    private static partial Regex FunctionName();

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueName();
}
