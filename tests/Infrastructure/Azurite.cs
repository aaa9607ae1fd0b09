using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// One real Azurite (from <c>infra/node_modules</c>, in memory, on free ports) shared by every test in the run.
/// Tests isolate themselves with unique table, queue and container names. The fault-injection runs start theirs on
/// disk (<see cref="StartOnDiskAsync"/>) to stop and restart it with its data.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private static readonly Lazy<Task<Azurite>> SharedInstance = new(async () =>
    {
        var azurite = await StartAsync();
        azurite.IsShared = true;
        return azurite;
    });
    private Process _process;
    private string? _location;

    private Azurite(Process process, StorageConnection account)
    {
        _process = process;
        Account = account;
    }

    public StorageConnection Account { get; }

    /// <summary>True for the one Azurite every test run shares (<see cref="SharedAsync"/>).</summary>
    public bool IsShared { get; private set; }

    public string ConnectionString => Account.ToConnectionString();

    public static Task<Azurite> SharedAsync() => SharedInstance.Value;

    public static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("AZURITE_BIN");
        if (!string.IsNullOrEmpty(configured) && File.Exists(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "infra", "node_modules", ".bin", "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "Azurite is not installed. Run `bash infra/test.sh` (it runs `npm ci` in infra/), or set AZURITE_BIN.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Task<Azurite> StartAsync() => StartAsync(location: null, ports: null);

    /// <summary>
    /// An Azurite that keeps its data on disk in <paramref name="location"/> (created when missing), so it can be
    /// stopped (<see cref="StopAsync"/>) and started again (<see cref="RestartAsync"/>) on the same ports with the same data.
    /// </summary>
    public static Task<Azurite> StartOnDiskAsync(string location)
    {
        Directory.CreateDirectory(location);
        return StartAsync(location, ports: null);
    }

    private static async Task<Azurite> StartAsync(string? location, (int Blob, int Queue, int Table)? ports)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (blob, queue, table) = ports ?? (FreePort(), FreePort(), FreePort());
            var (process, error) = await LaunchAsync(location, blob, queue, table);
            if (process is not null)
            {
                var azurite = new Azurite(process, StorageConnection.Development(blob, queue, table)) { _location = location };
                AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.Kill();
                return azurite;
            }

            // Fixed ports (a restart) may still be held for a moment by the stopped process: try again a little later.
            if (attempt >= (ports is null ? 3 : 10))
            {
                throw new InvalidOperationException($"Azurite did not start on ports {blob}/{queue}/{table}:\n{error}");
            }

            if (ports is not null)
            {
                await Task.Delay(500);
            }
        }
    }

    private static async Task<(Process? Process, string Error)> LaunchAsync(string? location, int blob, int queue, int table)
    {
        var exe = FindExecutable();
        string[] persistence = location is null ? ["--inMemoryPersistence"] : ["--location", location];
        var psi = ChildProcesses.Guarded(exe,
        [
            .. persistence, "--disableTelemetry", "--silent",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]);

        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start Azurite.");
        var listening = 0;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("successfully listening", StringComparison.Ordinal) && Interlocked.Increment(ref listening) == 3)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first == ready.Task)
        {
            return (process, string.Empty);
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        lock (output)
        {
            return (null, output.ToString());
        }
    }

    /// <summary>
    /// Stops an on-disk Azurite as an orderly shutdown does: its guard shell gets end-of-input and sends SIGTERM to
    /// Azurite (by PID), which closes its listeners and writes its data; returns once it has exited. The ports stay ours.
    /// </summary>
    public async Task StopAsync()
    {
        if (_location is null)
        {
            throw new InvalidOperationException("An in-memory Azurite would lose its data: only an on-disk one is stopped and restarted.");
        }

        var process = _process;
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts a stopped on-disk Azurite again on the same ports with the same data.</summary>
    public async Task RestartAsync()
    {
        if (_location is null || !_process.HasExited)
        {
            throw new InvalidOperationException("Only a stopped on-disk Azurite is restarted.");
        }

        var uri = Account.BlobEndpoint;
        (int, int, int) ports = (uri.Port, Account.QueueEndpoint.Port, Account.TableEndpoint.Port);
        var restarted = await StartAsync(_location, ports);
        _process.Dispose();
        _process = restarted._process;
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
