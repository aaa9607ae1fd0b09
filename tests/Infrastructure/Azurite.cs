using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// One real Azurite (from <c>infra/node_modules</c>, in memory, on free ports) shared by every test in the run.
/// Tests isolate themselves with unique table, queue and container names.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private static readonly Lazy<Task<Azurite>> SharedInstance = new(async () =>
    {
        var azurite = await StartAsync();
        azurite.IsShared = true;
        return azurite;
    });
    private readonly Process _process;

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

    public static async Task<Azurite> StartAsync()
    {
        var exe = FindExecutable();
        for (var attempt = 1; ; attempt++)
        {
            int blob = FreePort(), queue = FreePort(), table = FreePort();
            var psi = ChildProcesses.Guarded(exe,
            [
                "--inMemoryPersistence", "--disableTelemetry", "--silent",
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
                var azurite = new Azurite(process, StorageConnection.Development(blob, queue, table));
                AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.Kill();
                return azurite;
            }

            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            if (attempt >= 3)
            {
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                throw new InvalidOperationException($"Azurite did not start on ports {blob}/{queue}/{table}:\n{log}");
            }
        }
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
