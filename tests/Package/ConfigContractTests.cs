using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// The configuration contract between the app, the Bicep and local development: every setting the app reads is
/// provided in Azure and listed for local runs; every table, queue and container it uses is declared; nothing secret
/// leaves through Bicep outputs or logs. (The Bicep cannot be compiled here: these checks read its text.)
/// </summary>
public sealed partial class ConfigContractTests
{
    private static readonly string Root = Repo.Root;

    private static string Bicep(string relative) => File.ReadAllText(Path.Combine(Root, "bicep", relative));

    private static IEnumerable<string> BicepFiles() =>
        Directory.GetFiles(Path.Combine(Root, "bicep"), "*.bicep", SearchOption.AllDirectories);

    /// <summary>Settings the Functions host itself reads (not the app).</summary>
    private static readonly string[] HostSettings =
        ["FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsDisableHomepage", "APPLICATIONINSIGHTS_CONNECTION_STRING", "WEBSITE_RUN_FROM_PACKAGE"];

    private static HashSet<string> BicepAppSettings() =>
        AppSettingName().Matches(Bicep("modules/functionApp.bicep")).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static List<string> BicepList(string variable)
    {
        var main = Bicep("main.bicep");
        var start = main.IndexOf($"var {variable} = [", StringComparison.Ordinal);
        Assert.True(start >= 0, $"main.bicep has no 'var {variable} = ['");
        var end = main.IndexOf(']', start);
        return QuotedValue().Matches(main[start..end]).Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public void EverySettingTheAppReadsIsProvidedByTheBicepAndListedInTheLocalSample()
    {
        var bicep = BicepAppSettings();
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        var local = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var name in AppSettings.Names)
        {
            Assert.True(bicep.Contains(name), $"the Bicep does not set '{name}'");
            Assert.True(local.Contains(name), $"local.settings.sample.json does not list '{name}'");
        }

        foreach (var name in HostSettings)
        {
            Assert.True(bicep.Contains(name), $"the Bicep does not set the host setting '{name}'");
        }

        // Nothing stale: each Bicep setting is read by the app or by the host.
        Assert.Empty(bicep.Except(AppSettings.Names).Except(HostSettings));
        Assert.Contains("'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated'", Bicep("modules/functionApp.bicep"), StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsDisableHomepage', value: 'true'", Bicep("modules/functionApp.bicep"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheBicepDeclaresEveryTableQueueAndContainerTheAppUses()
    {
        Assert.Equal(StorageInitializer.Tables.Order(StringComparer.Ordinal), BicepList("tables").Order(StringComparer.Ordinal));
        Assert.Equal(StorageInitializer.Containers.Order(StringComparer.Ordinal), BicepList("containers").Order(StringComparer.Ordinal));
        var queues = ServerlessCommerce.Functions.Hosting.Local.FunctionCatalog.App.Queues.Select(q => q.Queue.QueueName).Distinct();
        Assert.Equal(queues.Order(StringComparer.Ordinal), BicepList("queues").Order(StringComparer.Ordinal));
        Assert.Contains("'${q}-poison'", Bicep("modules/storage.bicep"), StringComparison.Ordinal); // the poison twins
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
    public void EveryParameterIsDescribedAndSecretsAreSecure()
    {
        foreach (var file in BicepFiles())
        {
            AssertDecorated(file, "param", "@description(");
        }

        var main = Bicep("main.bicep");
        foreach (var secret in new[] { "platformAdminKey", "tokenSigningKey", "packageUrl" })
        {
            Assert.Matches(new Regex($@"@secure\(\)\s*(@\w+\([^)]*\)\s*)*param {secret} string"), main);
        }

        // The parameters file holds no secrets and only parameters main.bicep declares.
        using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "bicep", "main.parameters.json")));
        var declared = ParamLine().Matches(main).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        foreach (var p in parameters.RootElement.GetProperty("parameters").EnumerateObject())
        {
            Assert.Contains(p.Name, declared);
            Assert.DoesNotContain(p.Name, new[] { "platformAdminKey", "tokenSigningKey", "packageUrl" });
        }
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

    [GeneratedRegex(@"\{ name: '([^']+)', value:")]
    private static partial Regex AppSettingName();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedValue();

    [GeneratedRegex(@"^output (?<name>\w+) \w+ = (?<value>.+)$", RegexOptions.Multiline)]
    private static partial Regex OutputLine();

    [GeneratedRegex(@"^param (\w+) ", RegexOptions.Multiline)]
    private static partial Regex ParamLine();

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex("listKeys|[Kk]ey\\b|[Kk]eys|[Ss]ecret|[Pp]assword|[Cc]onnection[Ss]tring|packageUrl|AccessKey|sas", RegexOptions.None)]
    private static partial Regex SecretLooking();
}
