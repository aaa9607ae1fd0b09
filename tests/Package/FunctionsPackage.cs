using System.Diagnostics;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// The Functions package built once per test run by the real script (<c>bash infra/package.sh</c>) into
/// <c>artifacts/package</c>, so CI keeps it as an artefact.
/// </summary>
public sealed class FunctionsPackage
{
    public const string Executable = "ServerlessCommerce.Functions";

    private static readonly Lazy<Task<FunctionsPackage>> Shared = new(BuildAsync);

    private FunctionsPackage(string site, string zip, string output)
    {
        Site = site;
        Zip = zip;
        ScriptOutput = output;
    }

    /// <summary>The Functions app folder (host.json, the executable, one folder per function).</summary>
    public string Site { get; }

    /// <summary>The zip Azure runs (infra/deploy.sh publishes it to the Flex Consumption app with config-zip).</summary>
    public string Zip { get; }

    public string ScriptOutput { get; }

    public static Task<FunctionsPackage> SharedAsync() => Shared.Value;

    private static async Task<FunctionsPackage> BuildAsync()
    {
        var root = Repo.Root;
        var output = Path.Combine(root, "artifacts", "package");
        var psi = new ProcessStartInfo("bash", [Path.Combine(root, "infra", "package.sh"), "--output", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start infra/package.sh.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra/package.sh failed ({process.ExitCode}):\n{text}");
        }

        return new FunctionsPackage(Path.Combine(output, "site"), Path.Combine(output, "serverlesscommerce.zip"), text);
    }
}
