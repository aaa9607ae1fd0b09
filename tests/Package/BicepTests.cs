using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// CI compiles the Bicep: every file under bicep/ builds and lints with no warning and no error (bicep exits 0 on
/// warnings, so its output decides), with the linter rules bicep/bicepconfig.json turns on; and the resources
/// main.bicepparam would deploy match the committed snapshot (bicep/main.snapshot.json), so a change in what Azure
/// gets fails until the snapshot is overwritten on purpose. The CLI comes from NuGet (<see cref="BicepCli"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BicepTests : IDisposable
{
    private static readonly string BicepFolder = Path.Combine(Repo.Root, "bicep");

    private readonly string _dir = Directory.CreateTempSubdirectory("sc-bicep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EveryBicepFileBuildsAndLintsWithoutAWarningOrAnError()
    {
        var files = Directory.GetFiles(BicepFolder, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(BicepFolder, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("main.bicep", files);

        var outDir = Path.Combine(_dir, "out");
        var (code, output) = await BicepCli.RunAsync(BicepFolder, null, "build", "--pattern", "**/*.bicep", "--outdir", outDir);
        Assert.True(code == 0, $"bicep build failed:\n{output}");
        Assert.Empty(BicepCli.Diagnostics(output));
        foreach (var file in files)
        {
            var json = Path.Combine(outDir, Path.ChangeExtension(file, ".json"));
            Assert.True(File.Exists(json), $"bicep build produced no {json} for {file}");
            using var template = JsonDocument.Parse(File.ReadAllText(json));
            Assert.StartsWith("https://schema.management.azure.com/schemas/", template.RootElement.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        }

        // lint reports each file's own diagnostics (a module's warnings do not show when linting main.bicep).
        (code, output) = await BicepCli.RunAsync(BicepFolder, null, "lint", "--pattern", "**/*.bicep");
        Assert.True(code == 0, $"bicep lint failed:\n{output}");
        Assert.Empty(BicepCli.Diagnostics(output));

        (code, output) = await BicepCli.RunAsync(BicepFolder, BicepCli.SnapshotEnvironment, "lint", "main.bicepparam");
        Assert.True(code == 0 && BicepCli.Diagnostics(output).Count == 0, $"bicep lint main.bicepparam:\n{output}");
        (code, output) = await BicepCli.RunAsync(BicepFolder, BicepCli.SnapshotEnvironment, "build-params", "main.bicepparam", "--stdout");
        Assert.True(code == 0 && BicepCli.Diagnostics(output).Count == 0, $"bicep build-params main.bicepparam:\n{output}");
    }

    [Fact]
    public async Task TheLinterConfigurationFailsAWarningAndLeavesOutOnlyTheDateDependentRule()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepFolder, "bicepconfig.json")));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        Assert.True(core.GetProperty("enabled").GetBoolean());
        var rules = core.GetProperty("rules").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetProperty("level").GetString());
        Assert.Equal("off", rules["use-recent-api-versions"]);
        Assert.All(rules.Where(r => r.Key != "use-recent-api-versions"), r => Assert.Contains(r.Value, new[] { "warning", "error" }));

        // The same configuration on a file with faults: each one is reported, so the check above can fail. Among them
        // a rule that is off unless configured (no-hardcoded-location); an old API version is not reported.
        File.Copy(Path.Combine(BicepFolder, "bicepconfig.json"), Path.Combine(_dir, "bicepconfig.json"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "faulty.bicep"), """
            @description('Never used.')
            param unused string = 'x'

            resource account 'Microsoft.Storage/storageAccounts@2021-01-01' = {
              name: 'scfaulty'
              location: 'eastasia'
              sku: {
                name: 'Standard_LRS'
              }
              kind: 'StorageV2'
            }

            @description('A key in an output.')
            output key string = account.listKeys().keys[0].value
            """);
        var (_, output) = await BicepCli.RunAsync(_dir, null, "lint", "faulty.bicep");
        var diagnostics = BicepCli.Diagnostics(output);
        Assert.Contains(diagnostics, d => d.Contains("no-unused-params", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Contains("no-hardcoded-location", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Contains(": Error outputs-should-not-contain-secrets", StringComparison.Ordinal));
        Assert.DoesNotContain(diagnostics, d => d.Contains("use-recent-api-versions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThePredictedResourcesMatchTheCommittedSnapshot()
    {
        Assert.True(File.Exists(Path.Combine(BicepFolder, "main.snapshot.json")), "bicep/main.snapshot.json is missing. Make it with:\n" + BicepCli.OverwriteCommand);
        var (code, output) = await BicepCli.RunAsync(BicepFolder, BicepCli.SnapshotEnvironment, ["snapshot", "main.bicepparam", "--mode", "validate", .. BicepCli.SnapshotScope]);
        Assert.True(code == 0,
            "The resources bicep/main.bicepparam deploys differ from bicep/main.snapshot.json:\n" + output +
            "\nIf the change is intended, overwrite the snapshot and commit it with the change (from the repository root):\n" + BicepCli.OverwriteCommand);
        Assert.Empty(BicepCli.Diagnostics(output));
    }

    [Fact]
    public async Task AChangeInThePredictedResourcesFailsUntilTheSnapshotIsOverwritten()
    {
        // A copy of bicep/ with one changed value: the instance cap the app would get.
        var copy = Path.Combine(_dir, "bicep");
        foreach (var file in Directory.GetFiles(BicepFolder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(BicepFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var parameters = Path.Combine(copy, "main.bicepparam");
        var text = await File.ReadAllTextAsync(parameters);
        Assert.Contains("'SC_MAXIMUM_INSTANCE_COUNT', '10'", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(parameters, text.Replace("'SC_MAXIMUM_INSTANCE_COUNT', '10'", "'SC_MAXIMUM_INSTANCE_COUNT', '11'", StringComparison.Ordinal));

        string[] Snapshot(string mode) => ["snapshot", "main.bicepparam", "--mode", mode, .. BicepCli.SnapshotScope];
        var (code, output) = await BicepCli.RunAsync(copy, BicepCli.SnapshotEnvironment, Snapshot("validate"));
        Assert.NotEqual(0, code);
        Assert.Contains("maximumInstanceCount", output, StringComparison.Ordinal);

        (code, output) = await BicepCli.RunAsync(copy, BicepCli.SnapshotEnvironment, Snapshot("overwrite"));
        Assert.True(code == 0, output);
        (code, output) = await BicepCli.RunAsync(copy, BicepCli.SnapshotEnvironment, Snapshot("validate"));
        Assert.True(code == 0, output);
    }
}
