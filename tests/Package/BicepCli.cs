using System.Diagnostics;
using System.Text.RegularExpressions;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// The Bicep CLI that the test project's <c>PackageDownload</c> of Azure.Bicep.CommandLine.linux-x64 restores into the
/// NuGet packages folder (<c>NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>): a restore brings it, nothing else is
/// downloaded. The version is read from the project file, so the two cannot drift apart.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static partial class BicepCli
{
    public const string PackageId = "Azure.Bicep.CommandLine.linux-x64";

    /// <summary>The fake scope the committed snapshot is made for (the README's overwrite command uses the same).</summary>
    public static readonly string[] SnapshotScope =
        ["--subscription-id", "00000000-0000-0000-0000-000000000000", "--resource-group", "rg-snapshot", "--location", "eastasia"];

    /// <summary>
    /// Stand-ins for the two secrets main.bicepparam reads from the environment (at least 32 characters, as main.bicep
    /// requires); the snapshot records <c>[parameters(...)]</c>, never their values.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SnapshotEnvironment = new Dictionary<string, string>
    {
        ["SC_PLATFORM_ADMIN_KEY"] = "snapshot-only-not-a-secret-0000000000",
        ["SC_TOKEN_SIGNING_KEY"] = "snapshot-only-not-a-secret-0000000000",
    };

    /// <summary>The command that rewrites bicep/main.snapshot.json on purpose (run from the repository root).</summary>
    public static string OverwriteCommand =>
        $"cd bicep && {string.Join(' ', SnapshotEnvironment.Select(e => $"{e.Key}={e.Value}"))} {Path} snapshot main.bicepparam --mode overwrite {string.Join(' ', SnapshotScope)}";

    private static readonly Lazy<string> Binary = new(Locate);

    /// <summary>The full path of the <c>bicep</c> executable.</summary>
    public static string Path => Binary.Value;

    public static string Version
    {
        get
        {
            var project = File.ReadAllText(System.IO.Path.Combine(Repo.Root, "tests", "ServerlessCommerce.Tests.csproj"));
            var match = PackageDownload().Match(project);
            Assert.True(match.Success, $"tests/ServerlessCommerce.Tests.csproj has no <PackageDownload Include=\"{PackageId}\" Version=\"[x.y.z]\" />");
            return match.Groups[1].Value;
        }
    }

    /// <summary>Runs bicep with <paramref name="arguments"/>; the SC_* settings of the caller's shell never leak in.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var psi = new ProcessStartInfo(Path, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("SC_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {Path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, StripColours(await stdout + await stderr));
    }

    /// <summary>Lines that report a warning or an error (bicep exits 0 on warnings, so the text decides).</summary>
    public static IReadOnlyList<string> Diagnostics(string output) =>
        output.Split('\n').Where(l => Diagnostic().IsMatch(l)).Select(l => l.Trim()).ToList();

    private static string Locate()
    {
        var version = Version;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = System.IO.Path.Combine(packages, PackageId.ToLowerInvariant(), version, "tools", "bicep");
        Assert.True(File.Exists(path),
            $"The Bicep CLI is not at {path}. It comes with the test project's restore (PackageDownload {PackageId} [{version}]): run 'dotnet restore tests/ServerlessCommerce.Tests.csproj'.");

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            // NuGet extracts files without their run bit.
            File.SetUnixFileMode(path, mode | execute);
        }

        return path;
    }

    private static string StripColours(string text) => AnsiEscape().Replace(text, string.Empty);

    [GeneratedRegex(@"<PackageDownload\s+Include=""Azure\.Bicep\.CommandLine\.linux-x64""\s+Version=""\[([^\]]+)\]""")]
    private static partial Regex PackageDownload();

    [GeneratedRegex(@": (Warning|Error) ")]
    private static partial Regex Diagnostic();

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
