using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// The configuration contract between the app, the Bicep and local development: every setting the app reads is
/// provided in Azure and listed for local runs; the app runs on Flex Consumption under its own identity with the data
/// roles it needs and no storage account key anywhere; every table, queue and container it uses is declared; nothing
/// secret leaves through Bicep outputs or logs. The checks read the resources Bicep predicts
/// (bicep/main.snapshot.json, which <see cref="BicepTests"/> proves current) and the Bicep text.
/// </summary>
public sealed partial class ConfigContractTests
{
    private static readonly string Root = Repo.Root;

    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string SignalRAppServer = "420fcaa2-552c-430f-98ca-3264be4806c7";

    private static string Bicep(string relative) => File.ReadAllText(Path.Combine(Root, "bicep", relative));

    private static IEnumerable<string> BicepFiles() =>
        Directory.GetFiles(Path.Combine(Root, "bicep"), "*.bicep", SearchOption.AllDirectories);

    /// <summary>Settings the Functions host itself reads (not the app).</summary>
    private static readonly string[] HostSettings =
        ["AzureWebJobsDisableHomepage", "APPLICATIONINSIGHTS_CONNECTION_STRING", "AzureWebJobsStorage__credential", "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED"];

    /// <summary>What Flex Consumption refuses or ignores: the runtime and the package are in functionAppConfig.</summary>
    private static readonly string[] NotOnFlex =
    [
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "linuxFxVersion", "functionAppScaleLimit",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE", "WEBSITE_NODE_DEFAULT_VERSION",
    ];

    /// <summary>The keys that remain in app settings, each with its reason (README "Deploying"): none is a storage key.</summary>
    private static readonly Dictionary<string, string> KeyedSettings = new(StringComparer.Ordinal)
    {
        ["AzureSignalRConnectionString"] = "Microsoft.SignalRService/signalR", // our REST client signs JWTs with the access key
        ["EventGridTopicKey"] = "Microsoft.EventGrid/topics", // the outbox publishes with AzureKeyCredential
    };

    private static readonly Lazy<JsonElement> SnapshotDocument = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "bicep", "main.snapshot.json"))).RootElement);

    private static IEnumerable<JsonElement> Resources(string type) =>
        SnapshotDocument.Value.GetProperty("predictedResources").EnumerateArray().Where(r => r.GetProperty("type").GetString() == type);

    private static JsonElement Site => Resources("Microsoft.Web/sites").Single();

    private static JsonElement StorageAccount => Resources("Microsoft.Storage/storageAccounts").Single();

    private static Dictionary<string, string> SiteAppSettings() =>
        Site.GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!, StringComparer.Ordinal);

    private static List<string> ChildNames(string type) =>
        Resources(type).Select(r => r.GetProperty("name").GetString()!.Split('/')[^1]).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void EverySettingTheAppReadsIsProvidedByTheBicepAndListedInTheLocalSample()
    {
        var bicep = SiteAppSettings();
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        var local = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        // AzureWebJobsStorage is provided in its identity-based form: the three service URIs, from the account itself.
        var storageParts = StorageIdentitySettings.SettingSuffixes.Select(s => $"AzureWebJobsStorage__{s}").ToList();
        Assert.DoesNotContain("AzureWebJobsStorage", bicep.Keys);
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.Contains($"/Microsoft.Storage/storageAccounts/{StorageAccount.GetProperty("name").GetString()}', '2024-01-01').primaryEndpoints.{service}]",
                bicep[$"AzureWebJobsStorage__{service}ServiceUri"], StringComparison.Ordinal);
        }

        Assert.Equal("managedidentity", bicep["AzureWebJobsStorage__credential"]);

        foreach (var name in AppSettings.Names)
        {
            Assert.True(name == "AzureWebJobsStorage" || bicep.ContainsKey(name), $"the Bicep does not set '{name}'");
            Assert.True(local.Contains(name), $"local.settings.sample.json does not list '{name}'");
        }

        foreach (var name in HostSettings)
        {
            Assert.True(bicep.ContainsKey(name), $"the Bicep does not set the host setting '{name}'");
        }

        // Nothing stale: each Bicep setting is read by the app or by the host.
        Assert.Empty(bicep.Keys.Except(AppSettings.Names).Except(HostSettings).Except(storageParts));
        Assert.Equal("true", bicep["AzureWebJobsDisableHomepage"]);
        Assert.Equal("[parameters('platformAdminKey')]", bicep["PlatformAdminKey"]);
        Assert.Equal("[parameters('tokenSigningKey')]", bicep["TokenSigningKey"]);
    }

    [Fact]
    public void TheAppRunsOnFlexConsumptionWithDotnetIsolated10FromTheDeploymentContainerUnderItsOwnIdentity()
    {
        var plan = Resources("Microsoft.Web/serverfarms").Single();
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean(), "Flex Consumption is Linux: reserved must be true");

        var site = Site;
        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
        Assert.Equal("SystemAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        var properties = site.GetProperty("properties");
        Assert.Equal(plan.GetProperty("id").GetString(), properties.GetProperty("serverFarmId").GetString());
        Assert.True(properties.GetProperty("httpsOnly").GetBoolean());

        var config = properties.GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());

        var deployment = config.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("blobContainer", deployment.GetProperty("type").GetString());
        Assert.Equal("SystemAssignedIdentity", deployment.GetProperty("authentication").GetProperty("type").GetString());
        var container = SnapshotDocument.Value.GetProperty("outputs").GetProperty("PACKAGE_CONTAINER").GetString()!;
        Assert.Contains(container, ChildNames("Microsoft.Storage/storageAccounts/blobServices/containers"));
        Assert.Matches($@"^\[format\('\{{0\}}\{{1\}}', reference\('[^']*/storageAccounts/{StorageAccount.GetProperty("name").GetString()}', '[^']+'\)\.primaryEndpoints\.blob, '{container}'\)\]$",
            deployment.GetProperty("value").GetString());

        // The scale limits are parameters, and the durable group (orchestrations, activities) stays warm.
        var main = Bicep("main.bicep");
        Assert.Matches(@"(?m)^param maximumInstanceCount int", main);
        Assert.Matches(@"(?m)^param instanceMemoryMB int", main);
        var scale = config.GetProperty("scaleAndConcurrency");
        Assert.Equal(10, scale.GetProperty("maximumInstanceCount").GetInt32());
        Assert.Equal(2048, scale.GetProperty("instanceMemoryMB").GetInt32());
        var durable = scale.GetProperty("alwaysReady").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "durable");
        Assert.Equal(1, durable.GetProperty("instanceCount").GetInt32());

        // Nothing of Linux Consumption is left: not in the predicted site, not in any Bicep file.
        var siteText = site.GetRawText();
        foreach (var name in NotOnFlex)
        {
            Assert.DoesNotContain(name, siteText, StringComparison.Ordinal);
            foreach (var file in BicepFiles())
            {
                Assert.DoesNotContain(CodeLines(file), l => l.Contains(name, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void TheAppsIdentityHoldsTheStorageDataRolesOnTheAccountAndSignalRKeepsItsKey()
    {
        var account = StorageAccount.GetProperty("id").GetString()!;
        var site = Site.GetProperty("id").GetString()!;
        var assignments = Resources("Microsoft.Authorization/roleAssignments").ToList();
        var granted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            Assert.StartsWith(account + "/providers/Microsoft.Authorization/roleAssignments/", assignment.GetProperty("id").GetString(), StringComparison.Ordinal);
            var properties = assignment.GetProperty("properties");
            Assert.Equal($"[reference('{site}', '2024-04-01', 'full').identity.principalId]", properties.GetProperty("principalId").GetString());
            Assert.Equal("ServicePrincipal", properties.GetProperty("principalType").GetString());
            granted.Add(properties.GetProperty("roleDefinitionId").GetString()!.Split('/')[^1]);
        }

        Assert.Equal(new[] { BlobDataOwner, QueueDataContributor, TableDataContributor }.Order(StringComparer.Ordinal), granted.Order(StringComparer.Ordinal));

        // SignalR: the app signs with the access key (its connection string), so its identity needs no SignalR role;
        // an identity-based SignalR connection would need the SignalR App Server role here.
        Assert.StartsWith("[listKeys(", SiteAppSettings()["AzureSignalRConnectionString"], StringComparison.Ordinal);
        Assert.DoesNotContain(SignalRAppServer, granted);
    }

    [Fact]
    public void NoStorageAccountKeyReachesAnAppSettingOrAnOutputAndSharedKeyIsOffByDefault()
    {
        Assert.False(StorageAccount.GetProperty("properties").GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.Matches(@"(?m)^param allowStorageSharedKeyAccess bool = false$", Bicep("main.bicep"));

        foreach (var (name, value) in SiteAppSettings())
        {
            Assert.DoesNotContain("Microsoft.Storage/storageAccounts/", value.Contains("listKeys", StringComparison.Ordinal) ? value : string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain("AccountKey", value, StringComparison.Ordinal);
            if (value.Contains("listKeys", StringComparison.Ordinal) || value.Contains("listConnectionStrings", StringComparison.Ordinal))
            {
                Assert.True(KeyedSettings.TryGetValue(name, out var resourceType), $"app setting {name} holds a key that is not on the list of kept keys: {value}");
                Assert.Contains("/" + resourceType + "/", value, StringComparison.Ordinal);
            }
        }

        foreach (var output in SnapshotDocument.Value.GetProperty("outputs").EnumerateObject())
        {
            Assert.False(SecretLooking().IsMatch(output.Value.GetRawText()), $"output {output.Name} looks secret: {output.Value}");
        }

        foreach (var file in BicepFiles())
        {
            var text = File.ReadAllText(file);
            Assert.False(Regex.IsMatch(text, @"(storage|account)\.listKeys\(|listAccountSas|listServiceSas"), $"{Path.GetFileName(file)} reads a storage account key");
        }
    }

    [Fact]
    public void TheBicepDeclaresEveryTableQueueAndContainerTheAppUses()
    {
        Assert.Equal(StorageInitializer.Tables.Order(StringComparer.Ordinal), ChildNames("Microsoft.Storage/storageAccounts/tableServices/tables"));
        var containers = ChildNames("Microsoft.Storage/storageAccounts/blobServices/containers");
        var packageContainer = SnapshotDocument.Value.GetProperty("outputs").GetProperty("PACKAGE_CONTAINER").GetString()!;
        Assert.Equal(StorageInitializer.Containers.Append(packageContainer).Order(StringComparer.Ordinal), containers);

        // Every queue trigger's queue and its poison twin.
        var queues = ServerlessCommerce.Functions.Hosting.Local.FunctionCatalog.App.Queues.Select(q => q.Queue.QueueName).Distinct().ToList();
        Assert.NotEmpty(queues);
        Assert.Equal(queues.Concat(queues.Select(q => q + "-poison")).Order(StringComparer.Ordinal), ChildNames("Microsoft.Storage/storageAccounts/queueServices/queues"));

        // Browsers PUT review photos to SAS URLs from the app's origin: the Blob service allows it (the app cannot set
        // this itself under an identity).
        var cors = Resources("Microsoft.Storage/storageAccounts/blobServices").Single().GetProperty("properties").GetProperty("cors").GetProperty("corsRules").EnumerateArray().Single();
        Assert.Equal(SiteAppSettings()["PublicBaseUrl"], cors.GetProperty("allowedOrigins").EnumerateArray().Single().GetString());
        var methods = cors.GetProperty("allowedMethods").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains("PUT", methods);
        Assert.Contains("OPTIONS", methods);
    }

    [Fact]
    public void OutputsAreUpperSnakeDescribedAndNeverSecret()
    {
        var outputs = OutputLine().Matches(Bicep("main.bicep")).ToList();
        Assert.NotEmpty(outputs);
        foreach (Match output in outputs)
        {
            Assert.Matches(UpperSnake(), output.Groups["name"].Value);
        }

        foreach (var file in BicepFiles())
        {
            foreach (Match output in OutputLine().Matches(File.ReadAllText(file)))
            {
                var expression = output.Groups["value"].Value;
                Assert.False(SecretLooking().IsMatch(expression), $"{Path.GetFileName(file)}: output {output.Groups["name"].Value} = {expression} looks secret");
            }

            AssertDecorated(file, "output", "@description(");
        }

        Assert.Contains("CONSOLE_URL", outputs.Select(o => o.Groups["name"].Value));
    }

    [Fact]
    public void EveryParameterIsDescribedAndSecretsAreSecureAndComeOnlyFromTheEnvironment()
    {
        foreach (var file in BicepFiles())
        {
            AssertDecorated(file, "param", "@description(");
        }

        var main = Bicep("main.bicep");
        var secrets = new[] { "platformAdminKey", "tokenSigningKey" };
        foreach (var secret in secrets)
        {
            Assert.Matches(new Regex($@"@secure\(\)\s*(@\w+\([^)]*\)\s*)*param {secret} string\r?\n"), main);
        }

        // main.bicepparam sets only parameters main.bicep declares; the secrets come from the environment with no
        // fallback (a deployment without them is refused, never made with a known value).
        var parameters = Bicep("main.bicepparam");
        Assert.Contains("using 'main.bicep'", parameters, StringComparison.Ordinal);
        var declared = ParamLine().Matches(main).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var set = ParamLine().Matches(parameters).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(set);
        Assert.All(set, p => Assert.Contains(p, declared));
        Assert.Contains($"param platformAdminKey = readEnvironmentVariable('SC_PLATFORM_ADMIN_KEY')", parameters, StringComparison.Ordinal);
        Assert.Contains($"param tokenSigningKey = readEnvironmentVariable('SC_TOKEN_SIGNING_KEY')", parameters, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Root, "bicep", "main.parameters.json")), "main.bicepparam replaces main.parameters.json");
    }

    [Fact]
    public void NamesComeFromUniqueStringAndEveryModuleIsUsed()
    {
        var main = Bicep("main.bicep");
        Assert.Contains("uniqueString(resourceGroup().id", main, StringComparison.Ordinal);
        foreach (var module in Directory.GetFiles(Path.Combine(Root, "bicep", "modules"), "*.bicep"))
        {
            Assert.Contains($"'modules/{Path.GetFileName(module)}'", main, StringComparison.Ordinal);
        }
    }

    /// <summary>A Bicep file's lines without their comments (a comment may name what is no longer set).</summary>
    private static IEnumerable<string> CodeLines(string file) =>
        File.ReadAllLines(file)
            .Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(l => l.Contains(" // ", StringComparison.Ordinal) ? l[..l.IndexOf(" // ", StringComparison.Ordinal)] : l);

    [Fact]
    public async Task NoSecretReachesTheLogsEvenAtTraceLevel()
    {
        var captured = new CapturingLoggerProvider();
        const string signingKey = "log-test-signing-key-0123456789abcdef-XYZ";
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["TokenSigningKey"] = signingKey }, services =>
        {
            services.AddSingleton<ILoggerProvider>(captured);
            services.Configure<LoggerFilterOptions>(o => o.MinLevel = LogLevel.Trace);
        });

        var f = await app.NewChainWithPeopleAsync();
        var (campaignId, itemId) = await app.NewLiveCampaignAsync(f);
        await TestApp.OkJsonAsync(await app.OrderAsync(campaignId, f.MemberToken, itemId), 201);
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/live/negotiate?campaignId={campaignId}", secret: f.MemberToken));
        var rotated = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/admin-key/rotate", secret: f.AdminKey));
        var reissued = await TestApp.OkJsonAsync(await app.PostAsync($"/api/members/{f.MemberId}/token", secret: f.LeaderKey));
        await app.GetAsync("/api/me", "sca_wrong_secret-that-should-not-be-logged");

        var secrets = new[]
        {
            TestApp.PlatformKey, signingKey, f.AdminKey, f.LeaderKey, f.MemberToken,
            rotated.GetProperty("adminKey").GetString()!, reissued.GetProperty("memberToken").GetString()!,
            "sca_wrong_secret-that-should-not-be-logged",
        };
        var lines = captured.Lines;
        Assert.NotEmpty(lines);
        foreach (var secret in secrets)
        {
            var leak = lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a secret reached the log: {leak}");
        }

        Assert.DoesNotContain(lines, l => l.Contains(f.Phone, StringComparison.Ordinal)); // phones are personal data
    }

    private static void AssertDecorated(string file, string keyword, string decorator)
    {
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith(keyword + " ", StringComparison.Ordinal))
            {
                continue;
            }

            var j = i - 1;
            var found = false;
            while (j >= 0 && (lines[j].StartsWith('@') || lines[j].StartsWith("  ", StringComparison.Ordinal) || lines[j] == "])"))
            {
                found |= lines[j].StartsWith(decorator, StringComparison.Ordinal);
                j--;
            }

            Assert.True(found, $"{Path.GetFileName(file)}:{i + 1}: '{lines[i]}' has no {decorator}…)");
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public List<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = $"{category}: {formatter(state, exception)} {exception}";
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    line += " " + string.Join(' ', values.Select(v => $"{v.Key}={v.Value}"));
                }

                lock (owner._lines)
                {
                    owner._lines.Add(line);
                }
            }
        }
    }

    [GeneratedRegex(@"^output (?<name>\w+) \w+ = (?<value>.+)$", RegexOptions.Multiline)]
    private static partial Regex OutputLine();

    [GeneratedRegex(@"^param (\w+)\b", RegexOptions.Multiline)]
    private static partial Regex ParamLine();

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex("listKeys|[Kk]ey\\b|[Kk]eys|[Ss]ecret|[Pp]assword|[Cc]onnection[Ss]tring|packageUrl|AccessKey|sas", RegexOptions.None)]
    private static partial Regex SecretLooking();
}
