using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// infra/deploy.sh end to end with the Azure CLI replaced by a stand-in (tests/Package/fake-az.sh: Azure is the one
/// edge we cannot reach) whose outputs point at the real app: deploy, deploy again, and re-issue the admin key. The
/// stand-in compiles bicep/main.bicepparam with the real Bicep CLI, as az does, and refuses any storage-key call.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class DeployScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sc-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int Code, string Output)> DeployAsync(TestApp app, string resourceGroup, params string[] extra) =>
        DeployAsync(app, resourceGroup, new Dictionary<string, string>(), extra);

    private async Task<(int Code, string Output)> DeployAsync(TestApp app, string resourceGroup, Dictionary<string, string> environment, params string[] extra)
    {
        var root = Repo.Root;
        var bin = Path.Combine(_dir, "bin");
        var state = Path.Combine(_dir, "state");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(state);
        var az = Path.Combine(bin, "az");
        File.Copy(Path.Combine(root, "tests", "Package", "fake-az.sh"), az, overwrite: true);
        File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var zip = Path.Combine(_dir, "package.zip");
        await File.WriteAllBytesAsync(zip, "PK\u0005\u0006\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"u8.ToArray());

        var psi = new ProcessStartInfo("bash", [Path.Combine(root, "infra", "deploy.sh"), "--resource-group", resourceGroup, "--location", "eastasia",
            "--chain-name", "邻里鲜 \"总店\"", "--package", zip, "--message-webhook-url", "https://sms.example.com/hook", .. extra])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["FAKE_AZ_STATE"] = state;
        psi.Environment["FAKE_APP_URL"] = app.BaseAddress.ToString();
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("SC_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["SC_PLATFORM_ADMIN_KEY"] = TestApp.PlatformKey;
        psi.Environment["BICEP_BIN"] = BicepCli.Path;
        psi.Environment["SC_DEPLOY_RETRY_SECONDS"] = "0";
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private string State(string name) => Path.Combine(_dir, "state", name);

    /// <summary>A parameter of deployment N as az would send it: the compiled main.bicepparam.</summary>
    private JsonElement Parameter(int deployment, string name)
    {
        using var compiled = JsonDocument.Parse(File.ReadAllText(State($"deployment-{deployment}.json")));
        using var parameters = JsonDocument.Parse(compiled.RootElement.GetProperty("parametersJson").GetString()!);
        return parameters.RootElement.GetProperty("parameters").TryGetProperty(name, out var p) ? p.GetProperty("value").Clone() : default;
    }

    private string[] Published() => Directory.GetFiles(Path.Combine(_dir, "state"), "published-*.zip").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task DeployingTwiceKeepsTheSecretsAndTheFirstChainAndANewAdminKeyIsIssuedOnlyOnRequest()
    {
        var app = await TestApp.SharedAsync();
        var rg = "rg-" + Guid.NewGuid().ToString("N")[..8];

        // First deploy: infrastructure, the package published to the app, the chain and its admin key.
        var (code, output) = await DeployAsync(app, rg, "--max-instances", "20");
        Assert.True(code == 0, output);
        var adminKey = AdminKey().Match(output).Groups[1].Value;
        Assert.StartsWith("sca_", adminKey, StringComparison.Ordinal);
        var me = await TestApp.OkJsonAsync(await app.GetAsync("/api/me", adminKey));
        Assert.Equal("admin", me.GetProperty("role").GetString());
        Assert.Equal("邻里鲜 \"总店\"", me.GetProperty("chainName").GetString());
        Assert.Contains(app.BaseAddress.ToString(), output, StringComparison.Ordinal); // the console URL

        // One Bicep deployment with the secrets from the environment (no packageUrl on Flex), then one publish of the
        // zip to the app (config-zip), and no storage key, SAS or blob upload on the way (the stand-in refuses them).
        Assert.Equal(JsonValueKind.Undefined, Parameter(1, "packageUrl").ValueKind);
        Assert.Equal("sc", Parameter(1, "namePrefix").GetString());
        Assert.Equal(20, Parameter(1, "maximumInstanceCount").GetInt32());
        var signingKey = Parameter(1, "tokenSigningKey").GetString()!;
        Assert.True(signingKey.Length >= 32, "the generated signing key is too short");
        Assert.Equal(TestApp.PlatformKey, Parameter(1, "platformAdminKey").GetString());
        var published = Assert.Single(Published());
        Assert.EndsWith("-sc-test-app.zip", published, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_dir, "package.zip")), await File.ReadAllBytesAsync(published));
        var calls = await File.ReadAllTextAsync(State("calls.log"));
        Assert.Contains($"deployment group create -g {rg} -n serverlesscommerce -f {Repo.Root}/bicep/main.bicep -p {Repo.Root}/bicep/main.bicepparam", calls, StringComparison.Ordinal);
        Assert.Contains($"functionapp deployment source config-zip -g {rg} -n sc-test-app --src {Path.Combine(_dir, "package.zip")}", calls, StringComparison.Ordinal);
        foreach (var keyed in new[] { "storage account keys", "generate-sas", "--account-key", "storage blob upload", "WEBSITE_RUN_FROM_PACKAGE" })
        {
            Assert.DoesNotContain(keyed, calls, StringComparison.Ordinal);
        }

        // Nothing secret on the screen but the admin key, nor on any az command line.
        foreach (var secret in new[] { signingKey, TestApp.PlatformKey })
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, calls, StringComparison.Ordinal);
        }

        // Second deploy: the same signing key (read back from the app), a second publish, no new chain.
        (code, output) = await DeployAsync(app, rg);
        Assert.True(code == 0, output);
        Assert.DoesNotMatch(AdminKey(), output);
        Assert.Contains("issued at the first deploy", output, StringComparison.Ordinal);
        Assert.Equal(signingKey, Parameter(2, "tokenSigningKey").GetString());
        Assert.Equal(10, Parameter(2, "maximumInstanceCount").GetInt32());
        Assert.Equal(2, Published().Length);
        await TestApp.OkJsonAsync(await app.GetAsync("/api/me", adminKey)); // still works

        // A lost admin key: --new-admin-key issues one for the same chain; the old one stops working.
        (code, output) = await DeployAsync(app, rg, "--new-admin-key");
        Assert.True(code == 0, output);
        var newKey = AdminKey().Match(output).Groups[1].Value;
        Assert.NotEqual(adminKey, newKey);
        Assert.Equal(me.GetProperty("chainId").GetString(), (await TestApp.OkJsonAsync(await app.GetAsync("/api/me", newKey))).GetProperty("chainId").GetString());
        Assert.Equal(401, (int)(await app.GetAsync("/api/me", adminKey)).StatusCode);
    }

    [Fact]
    public async Task APublishRefusedWhileTheIdentitysRolesPropagateIsRetriedAndOneThatKeepsFailingStopsTheDeploy()
    {
        var app = await TestApp.SharedAsync();
        var (code, output) = await DeployAsync(app, "rg-" + Guid.NewGuid().ToString("N")[..8], new Dictionary<string, string> { ["FAKE_AZ_PUBLISH_FAILURES"] = "2" });
        Assert.True(code == 0, output);
        Assert.Contains("trying again", output, StringComparison.Ordinal);
        Assert.Equal("3", (await File.ReadAllTextAsync(State("publish-tries"))).Trim());
        Assert.Single(Published());
        Assert.Matches(AdminKey(), output);

        Directory.Delete(Path.Combine(_dir, "state"), recursive: true);
        (code, output) = await DeployAsync(app, "rg-" + Guid.NewGuid().ToString("N")[..8], new Dictionary<string, string> { ["FAKE_AZ_PUBLISH_FAILURES"] = "99" });
        Assert.NotEqual(0, code);
        Assert.Contains("Publishing failed 5 times", output, StringComparison.Ordinal);
        Assert.Empty(Published());
        Assert.DoesNotMatch(AdminKey(), output); // no chain is created on an app without its code
    }

    [Fact]
    public async Task MissingArgumentsAreRefusedWithWhatToDo()
    {
        var app = await TestApp.SharedAsync();
        var (code, output) = await DeployAsync(app, "");
        Assert.NotEqual(0, code);
        Assert.Contains("--resource-group is required", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithVerificationOnADeployWithoutAMessageWebhookIsRefusedBeforeAnythingIsMade()
    {
        var app = await TestApp.SharedAsync();
        var (code, output) = await DeployAsync(app, "rg-" + Guid.NewGuid().ToString("N")[..8], "--message-webhook-url", "");
        Assert.NotEqual(0, code);
        Assert.Contains("--message-webhook-url", output, StringComparison.Ordinal);
        Assert.Contains("--member-verification off", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Resource group", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Chain admin key: (sca_\S+)")]
    private static partial Regex AdminKey();
}
