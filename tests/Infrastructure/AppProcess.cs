using System.Diagnostics;
using System.Text;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// The real executable (functions/bin/…/ServerlessCommerce.Functions.dll) started as its own process, as the Functions
/// host or the run script starts it. Stopped by PID on dispose.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>
    /// Sends a trigger invocation as the Functions host does (<c>POST /{function}</c> with its JSON and an invocation
    /// id) and checks the answer's status and shape: <c>Outputs</c>, <c>Logs</c> and <c>ReturnValue</c>.
    /// </summary>
    public async Task<System.Text.Json.JsonElement> InvokeAsync(string function, string body, int expectedStatus = 200)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + function) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"{function}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}\n{Output}");
        var reply = System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(System.Text.Json.JsonValueKind.Object, reply.GetProperty("Outputs").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, reply.GetProperty("Logs").ValueKind);
        Assert.True(reply.TryGetProperty("ReturnValue", out _));
        return reply;
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string FindAppDll()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!; // tests/bin/<Configuration>/net10.0
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "functions", "bin", configuration, "net10.0", "ServerlessCommerce.Functions.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("functions/bin/<Configuration>/net10.0/ServerlessCommerce.Functions.dll not found; build the solution first.");
    }

    /// <summary>
    /// Starts the app with exactly these environment settings and waits until <c>GET /</c> answers. By default the built
    /// dll runs under <c>dotnet</c>; <paramref name="executable"/> runs a published native executable instead (as the
    /// Functions host runs the package).
    /// </summary>
    public static async Task<AppProcess> StartAsync(int port, IDictionary<string, string> environment, string? workingDirectory = null, string? executable = null)
    {
        ProcessStartInfo psi;
        if (executable is null)
        {
            var dll = FindAppDll();
            psi = ChildProcesses.Guarded("dotnet", [dll], workingDirectory ?? Path.GetDirectoryName(dll)!);
        }
        else
        {
            psi = ChildProcesses.Guarded(executable, [], workingDirectory ?? Path.GetDirectoryName(executable)!);
        }

        foreach (var (k, v) in TestApp.OpenJoinSettings)
        {
            psi.Environment[k] = v; // the caller's environment below may say otherwise
        }

        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the app.");
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with {process.ExitCode}:\n{app.Output}");
            }

            try
            {
                using var response = await app.Client.GetAsync("/");
                return app;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        await app.DisposeAsync();
        throw new TimeoutException($"The app did not answer GET / within 30 s:\n{app.Output}");
    }

    /// <summary>Runs the app to completion (for start-up refusals) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var dll = FindAppDll();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The app did not exit.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
