using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// infra/deploy.sh end to end with the Azure CLI replaced by a stand-in (tests/Package/fake-az.sh: Azure is the one
/// edge we cannot reach) whose outputs point at the real app: deploy, deploy again, and re-issue the admin key.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class DeployScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sc-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Code, string Output)> DeployAsync(TestApp app, string resourceGroup, params string[] extra)
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
            "--chain-name", "邻里鲜 \"总店\"", "--package", zip, .. extra])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["FAKE_AZ_STATE"] = state;
        psi.Environment["FAKE_APP_URL"] = app.BaseAddress.ToString();
        psi.Environment["SC_PLATFORM_ADMIN_KEY"] = TestApp.PlatformKey;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private string State(string name) => Path.Combine(_dir, "state", name);

    private static string? Parameter(string file, string name) =>
        JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty(name).GetProperty("value").GetString();

    [Fact]
    public async Task DeployingTwiceKeepsTheSecretsAndTheFirstChainAndANewAdminKeyIsIssuedOnlyOnRequest()
    {
        var app = await TestApp.SharedAsync();
        var rg = "rg-" + Guid.NewGuid().ToString("N")[..8];

        // First deploy: infrastructure, package upload, the package's SAS URL, the chain and its admin key.
        var (code, output) = await DeployAsync(app, rg);
        Assert.True(code == 0, output);
        var adminKey = AdminKey().Match(output).Groups[1].Value;
        Assert.StartsWith("sca_", adminKey, StringComparison.Ordinal);
        var me = await TestApp.OkJsonAsync(await app.GetAsync("/api/me", adminKey));
        Assert.Equal("admin", me.GetProperty("role").GetString());
        Assert.Equal("邻里鲜 \"总店\"", me.GetProperty("chainName").GetString());
        Assert.Contains(app.BaseAddress.ToString(), output, StringComparison.Ordinal); // the console URL

        Assert.Equal("", Parameter(State("deployment-1.json"), "packageUrl"));
        var packageUrl = Parameter(State("deployment-2.json"), "packageUrl")!;
        Assert.Matches(@"^https://scteststore\.blob\.core\.windows\.net/deployments/serverlesscommerce-\d{14}-\w+-[0-9a-f]{8}\.zip\?.*sp=r", packageUrl);
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "state"), "uploaded-serverlesscommerce-*.zip"));
        var signingKey = Parameter(State("deployment-1.json"), "tokenSigningKey")!;
        Assert.True(signingKey.Length >= 32, "the generated signing key is too short");
        Assert.Equal(TestApp.PlatformKey, Parameter(State("deployment-1.json"), "platformAdminKey"));

        // Nothing secret on the screen but the admin key, nor on any az command line.
        var calls = await File.ReadAllTextAsync(State("calls.log"));
        foreach (var secret in new[] { signingKey, TestApp.PlatformKey, "FAKESIGNATURE" })
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, calls, StringComparison.Ordinal);
        }

        // Second deploy: the same signing key, the running package kept during the infrastructure step, no new chain.
        (code, output) = await DeployAsync(app, rg);
        Assert.True(code == 0, output);
        Assert.DoesNotMatch(AdminKey(), output);
        Assert.Contains("issued at the first deploy", output, StringComparison.Ordinal);
        Assert.Equal(signingKey, Parameter(State("deployment-3.json"), "tokenSigningKey"));
        Assert.Equal(packageUrl, Parameter(State("deployment-3.json"), "packageUrl"));
        Assert.NotEqual(packageUrl, Parameter(State("deployment-4.json"), "packageUrl"));
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
    public async Task MissingArgumentsAreRefusedWithWhatToDo()
    {
        var app = await TestApp.SharedAsync();
        var (code, output) = await DeployAsync(app, "");
        Assert.NotEqual(0, code);
        Assert.Contains("--resource-group is required", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Chain admin key: (sca_\S+)")]
    private static partial Regex AdminKey();
}
