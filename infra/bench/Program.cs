using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessCommerce.Storage;

// Order-capture benchmark: the real app (Release build, its own process) against a real in-memory Azurite, driven by
// closed-loop HTTP clients on this machine. Prints figures; never fails on timing. See README "Benchmarks".
if (args.Length > 0 && args[0] == "--viewer-process")
{
    // The viewers run in their own process so their garbage collections never pause the order clients' clocks.
    return await ViewerProcess.RunAsync(args);
}

var options = BenchOptions.Parse(args);
var root = Paths.RepoRoot();
if (options.Instances is { } instanceCounts)
{
    return await InstancesBench.RunAsync(root, instanceCounts, options);
}

await using var azurite = await Child.StartAzuriteAsync(root);
var appPort = Child.FreePort();
await using var app = await Child.StartAppAsync(root, appPort, azurite.ConnectionString);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    BaseAddress = new Uri($"http://127.0.0.1:{appPort}"),
    Timeout = TimeSpan.FromSeconds(60),
};
var api = new Api(http);
Console.WriteLine($"ServerlessCommerce order-capture benchmark — {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"app pid {app.Pid} on :{appPort}, Azurite (in memory) on :{azurite.TablePort}");

var chain = await api.NewChainAsync();
if (options.Burst)
{
    await BurstAsync(api, chain, app);
}

if (options.Throughput)
{
    await ThroughputAsync(api, chain, app, azurite, options);
}

if (options.Lifecycle)
{
    await LifecycleAsync(api, chain);
}

if (options.Live)
{
    LiveRoomBench.StorageProbeUrl = $"http://127.0.0.1:{azurite.TablePort}/devstoreaccount1/Tables";
    LiveRoomBench.StorageStartedAt = Process.GetProcessById(azurite.Pid).StartTime.ToUniversalTime();
    await LiveRoomBench.RunAsync(api, chain, app, options);
}

return 0;

static async Task BurstAsync(Api api, ChainSetup chain, Child app)
{
    const int stock = 500, buyers = 2000, concurrency = 200;
    Console.WriteLine();
    Console.WriteLine($"== Burst correctness: stock {stock}, {buyers} buyers, concurrency {concurrency}, every 5th buyer retries with the same key");
    var members = await api.JoinManyAsync(chain, buyers, "burst");
    var (campaignId, itemId) = await api.NewLiveCampaignAsync(chain, stock);
    var acknowledged = new ConcurrentDictionary<string, string>(); // buyer/key → orderId
    var duplicatedAnswers = 0;
    var statuses = new ConcurrentDictionary<int, int>();
    long soldOutAtTicks = 0;
    var start = Stopwatch.GetTimestamp();
    var memory = app.SampleMemory();
    await Parallel.ForEachAsync(Enumerable.Range(0, buyers), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (n, ct) =>
    {
        var key = $"burst-{n}";
        for (var attempt = 0; attempt < (n % 5 == 0 ? 2 : 1); attempt++)
        {
            var (status, orderId, _) = await api.OrderAsync(campaignId, members[n], itemId, key);
            statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            if (orderId is not null && !acknowledged.TryAdd(members[n] + key, orderId) && acknowledged[members[n] + key] != orderId)
            {
                Interlocked.Increment(ref duplicatedAnswers);
            }

            if (status == 409 && orderId is null)
            {
                Interlocked.CompareExchange(ref soldOutAtTicks, Stopwatch.GetTimestamp() - start, 0);
            }
        }
    });
    var elapsed = Stopwatch.GetElapsedTime(start);
    var peak = await memory.StopAsync();
    var view = await api.CampaignAsync(campaignId);
    var sold = view.GetProperty("items")[0].GetProperty("sold").GetInt32();
    var stored = await api.OrdersAsync(chain, campaignId);
    var storedIds = stored.Select(o => o.GetProperty("orderId").GetString()!).ToHashSet();
    var lost = acknowledged.Values.Count(id => !storedIds.Contains(id));
    var duplicated = stored.Count - stored.Select(o => o.GetProperty("orderId").GetString()).Distinct().Count() + duplicatedAnswers
                     + Math.Max(0, stored.Count - acknowledged.Count);
    Console.WriteLine($"sold                      {sold} of {stock}");
    Console.WriteLine($"oversold                  {Math.Max(0, sold - stock)}");
    Console.WriteLine($"duplicated orders         {duplicated}");
    Console.WriteLine($"lost acknowledged orders  {lost}");
    Console.WriteLine($"acknowledged orders       {acknowledged.Count} (stored {stored.Count})");
    Console.WriteLine($"answers                   {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
    Console.WriteLine($"time to sell out          {(soldOutAtTicks == 0 ? elapsed.TotalMilliseconds : TimeSpan.FromTicks(soldOutAtTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalMilliseconds):F0} ms (whole burst {elapsed.TotalMilliseconds:F0} ms)");
    Console.WriteLine($"peak app memory           {peak / 1024 / 1024} MiB");
}

// The durable lifecycle on the local host: how late a due timer acts (history "at" minus the scheduled instant), and how
// long the 成团 evaluation of 500 orders takes after close (history: closed → fulfilling).
static async Task LifecycleAsync(Api api, ChainSetup chain)
{
    Console.WriteLine();
    Console.WriteLine("== Lifecycle (durable orchestration on the local host)");
    var lateness = new List<double>();
    for (var i = 0; i < 5; i++)
    {
        var dueAt = DateTimeOffset.UtcNow.AddSeconds(6 + i);
        var id = await api.NewScheduledCampaignAsync(chain, preheatAt: dueAt, liveStartAt: dueAt.AddHours(1), liveEndAt: dueAt.AddHours(2));
        var history = await api.WaitForHistoryAsync(chain, id, "preheat", TimeSpan.FromSeconds(60));
        lateness.Add((history - dueAt).TotalMilliseconds);
    }

    lateness.Sort();
    Console.WriteLine($"due timer → transition    {string.Join(" · ", lateness.Select(l => $"{l:F0} ms"))} (5 campaigns)");

    const int orders = 500;
    var members = await api.JoinManyAsync(chain, 50, "ev");
    var (campaignId, itemId) = await api.NewLiveCampaignAsync(chain, orders);
    await Parallel.ForEachAsync(Enumerable.Range(0, orders), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (n, _) =>
    {
        var (status, _, body) = await api.OrderAsync(campaignId, members[n % members.Length], itemId, $"ev-{n}");
        if (status != 201)
        {
            throw new InvalidOperationException($"order {n}: {status} {body}");
        }
    });
    var closedAt = await api.CloseAsync(chain, campaignId);
    var fulfillingAt = await api.WaitForHistoryAsync(chain, campaignId, "fulfilling", TimeSpan.FromSeconds(120));
    var evaluation = (fulfillingAt - closedAt).TotalSeconds;
    Console.WriteLine($"成团 evaluation, {orders} orders: {evaluation:F1} s from close to fulfilling");
    Console.WriteLine($"targets: due timer ≤ 2 s → {(lateness[^1] <= 2000 ? "met" : "NOT met")}; 成团 of 500 ≤ 5 s → {(evaluation <= 5 ? "met" : "NOT met")}");
}

static async Task ThroughputAsync(Api api, ChainSetup chain, Child app, Child azurite, BenchOptions options)
{
    Console.WriteLine();
    Console.WriteLine($"== Throughput: closed loop, concurrency {options.Concurrency}, {options.Duration.TotalSeconds:F0} s, stock never runs out");
    var members = await api.JoinManyAsync(chain, 500, "tp");
    var (campaignId, itemId) = await api.NewLiveCampaignAsync(chain, 100_000);
    await api.OrderAsync(campaignId, members[0], itemId, "warm-up");
    var memory = app.SampleMemory();
    var ours = await ClosedLoop.RunAsync(options.Concurrency, options.Duration, async (worker, n) =>
    {
        var (status, _, _) = await api.OrderAsync(campaignId, members[(worker * 7919 + n) % members.Length], itemId, $"tp-{worker}-{n}");
        return status == 201;
    });
    var peak = await memory.StopAsync();
    ours.Print("ServerlessCommerce (HTTP → desk → group commit)");
    Console.WriteLine($"  peak app memory   {peak / 1024 / 1024} MiB");

    // The naive way: one stock row; read it, replace it with If-Match (retry on 412), then insert the order.
    var store = new AzureTableStore(new StorageClients(StorageConnection.Parse(azurite.ConnectionString)).Tables);
    const string table = "NaiveOrders";
    await store.CreateTableIfNotExistsAsync(table);
    await store.UpsertAsync(table, new TableEntity("naive", "stock") { ["Remaining"] = 10_000_000 });
    var conflicts = 0L;
    var naive = await ClosedLoop.RunAsync(options.Concurrency, options.Duration, async (worker, n) =>
    {
        while (true)
        {
            var row = (await store.GetAsync(table, "naive", "stock"))!;
            row["Remaining"] = row.GetInt32("Remaining")!.Value - 1;
            try
            {
                await store.UpdateAsync(table, row, TableUpdateMode.Replace, row.ETag!);
                break;
            }
            catch (ConcurrencyException)
            {
                Interlocked.Increment(ref conflicts);
            }
        }

        await store.InsertAsync(table, new TableEntity("naive", $"o-{worker}-{n}") { ["Qty"] = 1 });
        return true;
    });
    naive.Print("Naive baseline (one stock row: read, replace If-Match, retry; then insert)");
    Console.WriteLine($"  ETag conflicts    {conflicts}");
    Console.WriteLine();
    Console.WriteLine($"throughput ratio (ours / naive): {ours.PerSecond / Math.Max(naive.PerSecond, 0.001):F1}×");
    Console.WriteLine($"targets: ≥ 1,000 orders/s → {(ours.PerSecond >= 1000 ? "met" : "NOT met")}; ≥ 30× naive → {(ours.PerSecond >= 30 * naive.PerSecond ? "met" : "NOT met")}; p99 ≤ 250 ms → {(ours.P(0.99) <= 250 ? "met" : "NOT met")}");
}

internal sealed record BenchOptions(bool Burst, bool Throughput, bool Live, int Viewers, int Concurrency, TimeSpan Duration, bool Lifecycle = false, IReadOnlyList<int>? Instances = null)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var scenario = Value("--scenario") ?? "all";
        // --instances 1,3: the multi-instance scenario only (InstancesBench.cs); its runs default to 15 s.
        var instances = Value("--instances")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.Parse(n, CultureInfo.InvariantCulture) is var c and >= 1 ? c : throw new ArgumentException($"--instances: {n} is not a count of instances"))
            .ToList();
        return new BenchOptions(scenario is "all" or "burst", scenario is "all" or "throughput", scenario is "all" or "live",
            int.Parse(Value("--viewers") ?? "1000", CultureInfo.InvariantCulture),
            int.Parse(Value("--concurrency") ?? "64", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(Value("--seconds") ?? (instances is null ? "30" : "15"), CultureInfo.InvariantCulture)),
            scenario is "all" or "lifecycle",
            instances);
    }
}

internal sealed class ClosedLoopResult(List<double> latenciesMs, int accepted, TimeSpan elapsed)
{
    public double PerSecond => accepted / elapsed.TotalSeconds;

    public double P(double q)
    {
        if (latenciesMs.Count == 0)
        {
            return double.NaN;
        }

        latenciesMs.Sort();
        return latenciesMs[Math.Min(latenciesMs.Count - 1, (int)Math.Ceiling(q * latenciesMs.Count) - 1)];
    }

    public void Print(string title)
    {
        Console.WriteLine(title);
        Console.WriteLine($"  accepted orders/s {PerSecond:F0} ({accepted} in {elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"  latency p50 {P(0.50):F1} ms · p95 {P(0.95):F1} ms · p99 {P(0.99):F1} ms");
    }
}

internal static class ClosedLoop
{
    /// <summary>Each worker sends its next request as soon as the previous one is answered, until the time is up.</summary>
    public static async Task<ClosedLoopResult> RunAsync(int workers, TimeSpan duration, Func<int, int, Task<bool>> send)
    {
        var latencies = new ConcurrentBag<double>();
        var accepted = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < end; n++)
            {
                var t = Stopwatch.GetTimestamp();
                var ok = await send(w, n);
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (ok)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        })));
        return new ClosedLoopResult([.. latencies], accepted, Stopwatch.GetElapsedTime(start));
    }
}

internal sealed record ChainSetup(string ChainId, string AdminKey, string StoreId, string LeaderId, string LeaderKey, string ProductId);

internal sealed class Api(HttpClient http)
{
    public string BaseAddress => http.BaseAddress!.ToString();

    private const string PlatformKey = "bench-platform-admin-key-0123456789";

    public static string Platform => PlatformKey;

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, string? secret, int expected, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<ChainSetup> NewChainAsync()
    {
        var chain = await SendAsync(HttpMethod.Post, "/api/chains", new { name = "压测连锁" }, PlatformKey, 201);
        var chainId = chain.GetProperty("chainId").GetString()!;
        var admin = chain.GetProperty("adminKey").GetString()!;
        var store = await SendAsync(HttpMethod.Post, $"/api/chains/{chainId}/stores", new { name = "压测店", address = "测试路 1 号" }, admin, 201);
        var storeId = store.GetProperty("storeId").GetString()!;
        var leader = await SendAsync(HttpMethod.Post, $"/api/chains/{chainId}/leaders", new { name = "压测团长", storeId }, admin, 201);
        var product = await SendAsync(HttpMethod.Post, $"/api/chains/{chainId}/products", new { name = "水蜜桃", category = "水果", unit = "盒" }, admin, 201);
        return new ChainSetup(chainId, admin, storeId, leader.GetProperty("leaderId").GetString()!, leader.GetProperty("leaderKey").GetString()!, product.GetProperty("productId").GetString()!);
    }

    public async Task<string[]> JoinManyAsync(ChainSetup chain, int count, string tag)
    {
        var tokens = new string[count];
        var prefix = Random.Shared.Next(30, 39) * 100_000_000L + Random.Shared.Next(0, 90) * 1_000_000L;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var phone = "1" + (prefix + i).ToString("D10", CultureInfo.InvariantCulture);
            var member = await SendAsync(HttpMethod.Post, $"/api/chains/{chain.ChainId}/members", new { name = $"{tag}{i}", phone, storeId = chain.StoreId }, null, 201);
            tokens[i] = member.GetProperty("memberToken").GetString()!;
        });
        return tokens;
    }

    public async Task<(string CampaignId, string ItemId)> NewLiveCampaignAsync(ChainSetup chain, int stock)
    {
        var now = DateTimeOffset.UtcNow;
        var campaign = await SendAsync(HttpMethod.Post, $"/api/chains/{chain.ChainId}/campaigns", new
        {
            title = "压测专场", storeId = chain.StoreId, leaderId = chain.LeaderId,
            items = new[] { new { productId = chain.ProductId, priceFen = 3990, livePriceFen = 2990, stock, minGroupSize = 1 } },
            preheatAt = now.AddMinutes(-5), liveStartAt = now.AddMinutes(-1), liveEndAt = now.AddHours(3), pickupUntil = now.AddDays(2),
        }, chain.LeaderKey, 201);
        var id = campaign.GetProperty("campaignId").GetString()!;
        await SendAsync(HttpMethod.Post, $"/api/campaigns/{id}/actions/go-live", null, chain.LeaderKey, 200);
        return (id, campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!);
    }

    /// <summary>Status, the order id when accepted (201/200), and the body.</summary>
    public async Task<(int Status, string? OrderId, string Body)> OrderAsync(string campaignId, string token, string itemId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { itemId, quantity = 1 } } }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        string? orderId = null;
        if (status is 200 or 201)
        {
            orderId = JsonDocument.Parse(body).RootElement.GetProperty("orderId").GetString();
        }

        return (status, orderId, body);
    }

    public async Task<string> NewScheduledCampaignAsync(ChainSetup chain, DateTimeOffset preheatAt, DateTimeOffset liveStartAt, DateTimeOffset liveEndAt)
    {
        var campaign = await SendAsync(HttpMethod.Post, $"/api/chains/{chain.ChainId}/campaigns", new
        {
            title = "定时专场", storeId = chain.StoreId, leaderId = chain.LeaderId,
            items = new[] { new { productId = chain.ProductId, priceFen = 3990, stock = 10, minGroupSize = 1 } },
            preheatAt, liveStartAt, liveEndAt, pickupUntil = liveEndAt.AddDays(1),
        }, chain.LeaderKey, 201);
        return campaign.GetProperty("campaignId").GetString()!;
    }

    /// <summary>Closes the campaign as its leader; returns when the history says it closed.</summary>
    public async Task<DateTimeOffset> CloseAsync(ChainSetup chain, string campaignId)
    {
        await SendAsync(HttpMethod.Post, $"/api/campaigns/{campaignId}/actions/close", null, chain.LeaderKey, 200);
        return await WaitForHistoryAsync(chain, campaignId, "closed", TimeSpan.FromSeconds(10));
    }

    /// <summary>When the campaign entered <paramref name="phase"/>, by its history (polled every 100 ms).</summary>
    public async Task<DateTimeOffset> WaitForHistoryAsync(ChainSetup chain, string campaignId, string phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var history = await SendAsync(HttpMethod.Get, $"/api/campaigns/{campaignId}/history", null, chain.LeaderKey, 200);
            foreach (var entry in history.EnumerateArray())
            {
                if (entry.GetProperty("to").GetString() == phase)
                {
                    return entry.GetProperty("at").GetDateTimeOffset();
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{campaignId} did not reach {phase} within {timeout.TotalSeconds:F0} s.");
    }

    public Task<JsonElement> NegotiateAsync(string campaignId) => SendAsync(HttpMethod.Post, $"/api/live/negotiate?campaignId={campaignId}", null, null, 200);

    public Task<JsonElement> CampaignAsync(string campaignId) => SendAsync(HttpMethod.Get, $"/api/campaigns/{campaignId}", null, null, 200);

    public async Task<List<JsonElement>> OrdersAsync(ChainSetup chain, string campaignId) =>
        (await SendAsync(HttpMethod.Get, $"/api/campaigns/{campaignId}/orders", null, chain.AdminKey, 200)).EnumerateArray().ToList();
}

internal sealed class Child : IAsyncDisposable
{
    private readonly Process _process;

    private Child(Process process, string connectionString = "", int tablePort = 0)
    {
        _process = process;
        ConnectionString = connectionString;
        TablePort = tablePort;
    }

    public string ConnectionString { get; }

    public int TablePort { get; }

    public int Pid => _process.Id;

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static Process Start(string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && Environment.GetEnvironmentVariable("BENCH_APP_LOG") is not null)
            {
                Console.Error.WriteLine(e.Data);
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine(e.Data);
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task<Child> StartAzuriteAsync(string root)
    {
        var exe = Path.Combine(root, "infra", "node_modules", ".bin", "azurite");
        if (!File.Exists(exe))
        {
            throw new InvalidOperationException("Azurite is not installed; run `bash infra/bench.sh` (it runs npm ci).");
        }

        // A port picked free can be taken before Azurite binds it (EADDRINUSE, and Azurite exits): pick again.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            int blob = FreePort(), queue = FreePort(), table = FreePort();
            var p = Start(exe, ["--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent",
                "--blobPort", $"{blob}", "--queuePort", $"{queue}", "--tablePort", $"{table}"]);
            var account = StorageConnection.Development(blob, queue, table);
            var child = new Child(p, account.ToConnectionString(), table);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => child.Kill();
            for (var i = 0; i < 100 && !p.HasExited; i++)
            {
                try
                {
                    using var c = new TcpClient();
                    await c.ConnectAsync(IPAddress.Loopback, table);
                    return child;
                }
                catch (SocketException)
                {
                    await Task.Delay(200);
                }
            }

            child.Kill();
            Console.Error.WriteLine($"Azurite did not start (attempt {attempt} of 3){(p.HasExited ? $", exit code {p.ExitCode}" : string.Empty)}.");
        }

        throw new TimeoutException("Azurite did not start.");
    }

    public static async Task<Child> StartAppAsync(string root, int port, string storage)
    {
        var dll = Path.Combine(root, "functions", "bin", "Release", "net10.0", "ServerlessCommerce.Functions.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException("Build the app in Release first: `bash infra/bench.sh` does.");
        }

        var p = Start("dotnet", [dll], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["AzureWebJobsStorage"] = storage,
            ["PlatformAdminKey"] = Api.Platform,
            ["TokenSigningKey"] = "bench-token-signing-key-0123456789abcdef",
            // As the local sample: the one-call join, and limits the bench's traffic from 127.0.0.1 stays under.
            ["MemberVerification"] = "off",
            ["RateLimitJoinsPerMinute"] = "2000",
            ["RateLimitVerificationsPerMinute"] = "2000",
            ["RateLimitNegotiationsPerMinute"] = "1000",
            ["Logging__LogLevel__Default"] = Environment.GetEnvironmentVariable("BENCH_APP_LOG") ?? "Warning",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            ["FUNCTIONS_APP_ROOT_PATH"] = Path.GetTempPath(),
            ["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("BENCH_APP_GC_SERVER") ?? "0", // the app's own default (workstation GC); server GC makes several processes on 2 cores spin
        });
        var child = new Child(p);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => child.Kill();
        using var probe = new HttpClient();
        for (var i = 0; i < 150; i++)
        {
            try
            {
                if ((await probe.GetAsync($"http://127.0.0.1:{port}/api/health")).IsSuccessStatusCode)
                {
                    return child;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The app did not become healthy.");
    }

    /// <summary>Samples the process's resident memory every 100 ms until stopped; returns the peak in bytes.</summary>
    public MemorySampler SampleMemory() => new(_process.Id);

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

internal sealed class MemorySampler
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<long> _loop;

    public MemorySampler(int pid) => _loop = Task.Run(async () =>
    {
        long peak = 0;
        while (!_stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, ResidentBytes(pid));
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return Math.Max(peak, ResidentBytes(pid));
    });

    private static long ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async Task<long> StopAsync()
    {
        await _stop.CancelAsync();
        return await _loop;
    }
}

internal static class Paths
{
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ServerlessCommerce.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

/// <summary>
/// 1,000 viewers watch one campaign while orders arrive at 10/s: delivery latency from the order's acknowledgement to
/// each viewer's <c>orderPlaced</c>, messages delivered per second, whether every viewer saw every order and ends on the
/// true stock, app memory, and order-capture latency with and without the viewers.
/// </summary>
internal static class LiveRoomBench
{
    /// <summary>An anonymous request Azurite answers at once (403), without involving the app.</summary>
    public static string StorageProbeUrl { get; set; } = string.Empty;

    /// <summary>When the bench's Azurite started (UTC).</summary>
    public static DateTime StorageStartedAt { get; set; } = DateTime.MinValue;

    /// <summary>
    /// Azurite's queue service sweeps its message extents once a minute (the first sweep 60 s after it starts, each next
    /// one 60 s after the previous ended). A sweep blocks the emulator — every table, queue and blob request, with or
    /// without viewers — for 0.2–0.7 s on this machine, 1–3 s when the machine is busy (measured by hooking the sweep:
    /// README "Live room benchmark"). Azure Storage has no such pause, so each measured phase starts right after one.
    /// </summary>
    private static readonly TimeSpan EmulatorSweepEvery = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(Api api, ChainSetup chain, Child app, BenchOptions options)
    {
        const double ordersPerSecond = 10;
        var seconds = options.Duration.TotalSeconds;
        var orders = (int)(ordersPerSecond * seconds);
        Console.WriteLine();
        Console.WriteLine($"== Live room: {options.Viewers} viewers on one campaign (embedded hub), orders at {ordersPerSecond}/s for {seconds:F0} s");
        var members = await api.JoinManyAsync(chain, orders * 2, "live");
        var (campaignId, itemId) = await api.NewLiveCampaignAsync(chain, 10_000);
        var sweep = await AfterEmulatorSweepAsync(NextSweepAfter(DateTime.UtcNow + TimeSpan.FromSeconds(3)));

        var cpu = CpuClock.Start(app.Pid);
        var quiet = await PacedOrdersAsync(api, campaignId, itemId, members[..orders], ordersPerSecond, "quiet");
        var quietCpu = cpu.Stop();
        Console.WriteLine($"order capture without viewers   p50 {quiet.P(0.50):F1} ms · p99 {quiet.P(0.99):F1} ms ({quiet.Acks.Count} orders)");

        var health = $"{api.BaseAddress}api/health";
        var beforeJoin = await LiveRoomStorageAsync(health);
        var results = Path.Combine(Path.GetTempPath(), $"viewers-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in new[] { typeof(LiveRoomBench).Assembly.Location, "--viewer-process", api.BaseAddress, campaignId, $"{options.Viewers}", results })
        {
            psi.ArgumentList.Add(a);
        }

        using var viewerProcess = Process.Start(psi)!;
        var ready = await viewerProcess.StandardOutput.ReadLineAsync();
        if (ready is null || !ready.StartsWith("READY", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The viewer process did not start: {ready}");
        }

        Console.WriteLine($"viewers connected               {options.Viewers} ({ready})");
        var afterJoin = await LiveRoomStorageAsync(health);
        var watching = Stopwatch.GetTimestamp();
        await AfterEmulatorSweepAsync(sweep + EmulatorSweepEvery);
        var memory = app.SampleMemory();
        var start = Stopwatch.GetTimestamp();
        cpu = CpuClock.Start(app.Pid, viewerProcess.Id);
        using var probeStop = new CancellationTokenSource();
        var probes = Task.Run(() => ProbeAsync($"{api.BaseAddress}api/health", probeStop.Token));
        var storageProbes = Task.Run(() => ProbeAsync(StorageProbeUrl, probeStop.Token));
        var busy = await PacedOrdersAsync(api, campaignId, itemId, members[orders..], ordersPerSecond, "busy");
        var afterBusy = await LiveRoomStorageAsync(health);
        var busyMinutes = Stopwatch.GetElapsedTime(watching).TotalMinutes;
        await probeStop.CancelAsync();
        var slowProbes = await probes;
        var slowStorage = await storageProbes;
        var busyCpu = cpu.Stop();
        var finalRemaining = (await api.CampaignAsync(campaignId)).GetProperty("items")[0].GetProperty("remaining").GetInt32();
        await viewerProcess.StandardInput.WriteLineAsync($"STOP {busy.Acks.Count} {finalRemaining}");
        await viewerProcess.StandardInput.FlushAsync();
        await viewerProcess.WaitForExitAsync();
        var elapsed = Stopwatch.GetElapsedTime(start);
        var peak = await memory.StopAsync();

        var expected = busy.Acks.Keys.ToHashSet();
        var latencies = new List<double>();
        int early = 0, missing = 0, wrongStock = 0;
        long delivered = 0;
        foreach (var line in await File.ReadAllLinesAsync(results))
        {
            // viewer line: messages lastRemaining orderId=unixMs orderId=unixMs ...
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            delivered += long.Parse(parts[0], CultureInfo.InvariantCulture);
            wrongStock += int.Parse(parts[1], CultureInfo.InvariantCulture) == finalRemaining ? 0 : 1;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in parts.Skip(2))
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                var orderId = entry[..eq];
                seen.Add(orderId);
                if (busy.Acks.TryGetValue(orderId, out var ack))
                {
                    var ms = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(entry[(eq + 1)..], CultureInfo.InvariantCulture)) - ack;
                    early += ms.TotalMilliseconds < 0 ? 1 : 0;
                    latencies.Add(Math.Max(0, ms.TotalMilliseconds));
                }
            }

            missing += expected.IsSubsetOf(seen) ? 0 : 1;
        }

        File.Delete(results);
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine($"order capture with viewers      p50 {busy.P(0.50):F1} ms · p99 {busy.P(0.99):F1} ms ({busy.Acks.Count} orders); slowest: {busy.Slowest(3)}");
        Console.WriteLine($"orderPlaced delivery latency    p50 {P(0.50):F1} ms · p99 {P(0.99):F1} ms over {latencies.Count} deliveries ({early} arrived before the order's own answer; counted as 0; ms clock)");
        Console.WriteLine($"messages delivered              {delivered / elapsed.TotalSeconds:F0}/s ({delivered} in {elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"viewers missing an orderPlaced  {missing} of {options.Viewers}");
        Console.WriteLine($"viewers not on the final stock  {wrongStock} of {options.Viewers} (final remaining {finalRemaining})");
        Console.WriteLine($"peak app memory                 {peak / 1024 / 1024} MiB");
        var joinCost = afterJoin - beforeJoin;
        var steady = afterBusy - afterJoin;
        double PerViewerMinute(long n) => n / (double)options.Viewers / busyMinutes;
        Console.WriteLine($"live-room storage, joining      {joinCost.Writes / (double)options.Viewers:F2} writes · {joinCost.Reads / (double)options.Viewers:F2} reads ({joinCost.Rows / (double)options.Viewers:F0} rows) per viewer (negotiate, first viewer count)");
        Console.WriteLine($"live-room storage, watching     {PerViewerMinute(steady.Writes):F3} writes · {PerViewerMinute(steady.Reads):F3} reads ({PerViewerMinute(steady.Rows):F1} rows) per viewer per minute "
                          + $"({steady.Writes} writes, {steady.Reads} reads, {steady.Rows} rows in the {busyMinutes * 60:F0} s watching; viewers stay connected, counted as connections)");
        Console.WriteLine($"slowest health probes (app+storage) {slowProbes}");
        Console.WriteLine($"slowest storage-only probes         {slowStorage}");
        Console.WriteLine($"CPU (of 2 cores) without viewers app {quietCpu.App:P0}, order clients {quietCpu.Clients:P0}; with viewers app {busyCpu.App:P0}, order clients {busyCpu.Clients:P0}, viewer clients {busyCpu.Other:P0}");
        Console.WriteLine($"target: delivery p99 ≤ 500 ms → {(P(0.99) <= 500 ? "met" : "NOT met")}; every viewer got every order and the final stock → {(missing == 0 && wrongStock == 0 ? "met" : "NOT met")}");
        Console.WriteLine($"target: order capture p99 with viewers ≤ 250 ms → {(busy.P(0.99) <= 250 ? "met" : "NOT met")}; ≤ 2 live-room storage writes per viewer per minute → {(PerViewerMinute(steady.Writes) <= 2 ? "met" : "NOT met")}");
    }

    /// <summary>The first instant of the emulator's sweep schedule (start + k × 60 s) at or after <paramref name="notBefore"/>.</summary>
    private static DateTime NextSweepAfter(DateTime notBefore)
    {
        var k = Math.Max(1, Math.Ceiling((notBefore - StorageStartedAt) / EmulatorSweepEvery));
        return StorageStartedAt + (EmulatorSweepEvery * k);
    }

    /// <summary>
    /// Waits for the emulator's sweep expected at <paramref name="expected"/> to end (a storage probe every 20 ms
    /// answering slowly, then promptly again) and returns when it ended; gives up 10 s after the expected instant.
    /// </summary>
    private static async Task<DateTime> AfterEmulatorSweepAsync(DateTime expected)
    {
        var begin = DateTime.UtcNow;
        var early = expected - TimeSpan.FromSeconds(1) - begin;
        if (early > TimeSpan.Zero)
        {
            await Task.Delay(early);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        DateTime? slowSince = null;
        while (DateTime.UtcNow < expected + TimeSpan.FromSeconds(10))
        {
            var at = DateTime.UtcNow;
            var t = Stopwatch.GetTimestamp();
            try
            {
                using var r = await http.GetAsync(StorageProbeUrl);
            }
            catch (HttpRequestException)
            {
            }

            var slow = Stopwatch.GetElapsedTime(t) >= TimeSpan.FromMilliseconds(100);
            if (slow)
            {
                slowSince ??= at;
            }
            else if (slowSince is { } since)
            {
                Console.WriteLine($"waited {(DateTime.UtcNow - begin).TotalSeconds:F0} s for Azurite's queue sweep (emulator paused {(at - since).TotalMilliseconds:F0} ms at {since:HH:mm:ss.f})");
                return at;
            }

            await Task.Delay(20);
        }

        Console.WriteLine($"waited {(DateTime.UtcNow - begin).TotalSeconds:F0} s; no pause of Azurite seen around its sweep at {expected:HH:mm:ss}");
        return expected;
    }

    private sealed record StorageCounts(long Writes, long Reads, long Rows)
    {
        public static StorageCounts operator -(StorageCounts a, StorageCounts b) => new(a.Writes - b.Writes, a.Reads - b.Reads, a.Rows - b.Rows);
    }

    /// <summary>The app's own count of its live-room storage operations (<c>liveRoom</c> in <c>GET /api/health</c>).</summary>
    private static async Task<StorageCounts> LiveRoomStorageAsync(string healthUrl)
    {
        using var http = new HttpClient();
        var live = JsonDocument.Parse(await http.GetStringAsync(healthUrl)).RootElement.GetProperty("liveRoom");
        return new StorageCounts(live.GetProperty("storageWrites").GetInt64(), live.GetProperty("storageReads").GetInt64(), live.GetProperty("rowsRead").GetInt64());
    }


    /// <summary>Every 50 ms a GET /api/health (one storage read): tells an app or storage stall from a client one.</summary>
    private static async Task<string> ProbeAsync(string url, CancellationToken ct)
    {
        using var http = new HttpClient();
        var slow = new List<(DateTimeOffset At, double Ms)>();
        while (!ct.IsCancellationRequested)
        {
            var t = Stopwatch.GetTimestamp();
            var at = DateTimeOffset.UtcNow;
            try
            {
                using var r = await http.GetAsync(url, CancellationToken.None);
            }
            catch (HttpRequestException)
            {
            }

            slow.Add((at, Stopwatch.GetElapsedTime(t).TotalMilliseconds));
            await Task.Delay(50, CancellationToken.None);
        }

        return string.Join(", ", slow.OrderByDescending(s => s.Ms).Take(3).Select(s => $"{s.Ms:F0} ms at {s.At:HH:mm:ss.f}"));
    }

    private sealed class PacedResult
    {
        public ConcurrentDictionary<string, DateTimeOffset> Acks { get; } = new();

        public ConcurrentBag<double> Latencies { get; } = [];

        public ConcurrentBag<(double AtSeconds, double Ms)> Timeline { get; } = [];

        public DateTimeOffset StartedAt { get; set; }

        public string Slowest(int n) => string.Join(", ", Timeline.OrderByDescending(t => t.Ms).Take(n).Select(t => $"{t.Ms:F0} ms at {StartedAt.AddSeconds(t.AtSeconds):HH:mm:ss.f}"));

        public double P(double q)
        {
            var sorted = Latencies.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        }
    }

    /// <summary>Open loop: one order every 1/rate seconds, each on its own, whatever the previous one is doing.</summary>
    private static async Task<PacedResult> PacedOrdersAsync(Api api, string campaignId, string itemId, string[] members, double rate, string tag)
    {
        var result = new PacedResult { StartedAt = DateTimeOffset.UtcNow };
        var tasks = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < members.Length; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            var n = i;
            tasks.Add(Task.Run(async () =>
            {
                var t = Stopwatch.GetTimestamp();
                var (status, orderId, _) = await api.OrderAsync(campaignId, members[n], itemId, $"{tag}-{n}");
                var ack = DateTimeOffset.UtcNow;
                result.Latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                result.Timeline.Add((TimeSpan.FromTicks((t - start) * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalSeconds, Stopwatch.GetElapsedTime(t).TotalMilliseconds));
                if (status == 201 && orderId is not null)
                {
                    result.Acks[orderId] = ack;
                }
            }));
        }

        await Task.WhenAll(tasks);
        return result;
    }
}

/// <summary>CPU used by the app process and by this (client) process over an interval, as a share of the machine.</summary>
internal sealed class CpuClock
{
    private readonly int _pid;
    private readonly int? _other;
    private readonly long _otherTicks;
    private readonly long _appTicks;
    private readonly TimeSpan _clients;
    private readonly long _start;

    private CpuClock(int pid, int? other)
    {
        _pid = pid;
        _other = other;
        _otherTicks = other is { } o ? AppTicks(o) : 0;
        _appTicks = AppTicks(pid);
        _clients = Process.GetCurrentProcess().TotalProcessorTime;
        _start = Stopwatch.GetTimestamp();
    }

    public static CpuClock Start(int pid, int? other = null) => new(pid, other);

    public (double App, double Clients, double Other) Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds * Environment.ProcessorCount;
        var app = (AppTicks(_pid) - _appTicks) / 100.0; // USER_HZ
        var clients = (Process.GetCurrentProcess().TotalProcessorTime - _clients).TotalSeconds;
        var other = _other is { } o ? (AppTicks(o) - _otherTicks) / 100.0 : 0;
        return (app / wall, clients / wall, other / wall);
    }

    /// <summary>User plus system CPU time of a process so far, in clock ticks (USER_HZ, 100 a second).</summary>
    public static long ProcessTicks(int pid) => AppTicks(pid);

    private static long AppTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}

/// <summary>The viewers' side of the live-room benchmark, in its own process.</summary>
internal static class ViewerProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (baseUrl, campaignId, count, output) = (args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(baseUrl) };
        var viewers = new Viewer[count];
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 50 }, async (i, _) =>
        {
            using var response = await http.PostAsync($"/api/live/negotiate?campaignId={campaignId}", null);
            var n = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var token = n.GetProperty("accessToken").GetString();
            var viewer = new Viewer(new HubConnectionBuilder()
                .WithUrl(n.GetProperty("url").GetString()!, o => o.AccessTokenProvider = () => Task.FromResult(token))
                .Build());
            await viewer.Client.StartAsync();
            await viewer.Connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // As the page does once it is in the room: read the viewer count.
            (await http.GetAsync($"/api/campaigns/{campaignId}/viewers")).Dispose();
            viewers[i] = viewer;
        });
        Console.WriteLine($"READY in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        // The viewers just stay connected, as the pages do: an open connection is what the viewer count counts.
        var stop = (await Console.In.ReadLineAsync() ?? "STOP 0 -1").Split(' ');
        var (orders, finalRemaining) = (int.Parse(stop[1], CultureInfo.InvariantCulture), int.Parse(stop[2], CultureInfo.InvariantCulture));
        for (var i = 0; i < 100 && viewers.Any(v => v.OrderCount < orders || v.LastRemaining != finalRemaining); i++)
        {
            await Task.Delay(100);
        }

        await File.WriteAllLinesAsync(output, viewers.Select(v => $"{v.Messages} {v.LastRemaining} " + string.Join(' ', v.Orders.Select(o => $"{o.OrderId}={o.At.ToUnixTimeMilliseconds()}"))));
        await Task.WhenAll(viewers.Select(v => v.Client.DisposeAsync().AsTask()));
        return 0;
    }

    private sealed class Viewer
    {
        /// <summary>What the room sends in this scenario; each is counted as a delivered message.</summary>
        private static readonly string[] Targets = ["connected", "viewerCount", "phaseChanged", "orderPlaced", "stockChanged"];

        private readonly List<(string OrderId, DateTimeOffset At)> _orders = [];

        public Viewer(HubConnection client)
        {
            Client = client;
            foreach (var target in Targets)
            {
                // Handlers run on the connection's receive loop, one at a time: the time taken here is the arrival.
                client.On<JsonElement>(target, payload => Receive(target, payload, DateTimeOffset.UtcNow));
            }
        }

        public HubConnection Client { get; }

        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Messages;

        public int LastRemaining = -1;

        public int OrderCount
        {
            get
            {
                lock (_orders)
                {
                    return _orders.Count;
                }
            }
        }

        public List<(string OrderId, DateTimeOffset At)> Orders
        {
            get
            {
                lock (_orders)
                {
                    return [.. _orders];
                }
            }
        }

        private void Receive(string target, JsonElement payload, DateTimeOffset receivedAt)
        {
            Interlocked.Increment(ref Messages);
            switch (target)
            {
                case "connected":
                    Connected.TrySetResult();
                    break;
                case "orderPlaced" when payload.TryGetProperty("orderId", out var id):
                    lock (_orders)
                    {
                        _orders.Add((id.GetString()!, receivedAt));
                    }

                    break;
                case "stockChanged":
                    LastRemaining = payload.GetProperty("remaining").GetInt32();
                    break;
            }
        }
    }
}
