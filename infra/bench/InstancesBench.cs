using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

/// <summary>
/// Order capture on several app instances at once (ARCHITECTURE.md §6, issue 12): for each instance count N, N app
/// processes (Release, as <see cref="Child.StartAppAsync"/> starts one) on one fresh in-memory Azurite, a closed loop
/// spreading its requests round-robin over the N instances, one unit per order, a fresh Idempotency-Key each. Prints
/// accepted orders/s, latency of accepted orders, every other answer by status and problem code, and the desk's ETag
/// conflicts per order (from each instance's <c>GET /api/health</c> <c>desk</c> counters, when it has them).
/// </summary>
internal static class InstancesBench
{
    /// <summary>Large enough not to sell out in a run (the API caps an item's stock at 100,000); no per-member limit.</summary>
    private const int Stock = 100_000;
    private const int Members = 64;
    // Long enough for every instance's JIT to reach tier 1 (each process compiles on its own): a 3 s warm-up measured the
    // compiler, not the app, and penalised 3 instances three times over.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string root, IReadOnlyList<int> instanceCounts, BenchOptions options)
    {
        Console.WriteLine($"ServerlessCommerce multi-instance order-capture benchmark — {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"instances {string.Join(", ", instanceCounts)}; closed loop, concurrency {options.Concurrency}, {options.Duration.TotalSeconds:F0} s after a {WarmUp.TotalSeconds:F0} s warm-up; "
                          + $"requests round-robin over the instances; {Members} members, stock {Stock:N0}, no per-member limit, 1 unit per order");
        var results = new List<Result>();
        foreach (var n in instanceCounts)
        {
            results.Add(await RunOneAsync(root, n, options));
        }

        Console.WriteLine();
        Console.WriteLine("== Summary");
        var baseline = results.FirstOrDefault(r => r.Instances == 1) ?? results[0];
        Console.WriteLine($"{"instances",-10} {"orders/s",9} {"p50 ms",8} {"p99 ms",8} {"non-201",8} {"conflicts/order",16} {"vs " + baseline.Instances + " instance" + (baseline.Instances == 1 ? string.Empty : "s"),14}");
        foreach (var r in results)
        {
            Console.WriteLine($"{r.Instances,-10} {r.PerSecond,9:F0} {r.P50,8:F1} {r.P99,8:F1} {r.Rejected,8} {r.ConflictsPerOrder,16} {r.PerSecond / Math.Max(baseline.PerSecond, 0.001),13:F2}×");
        }

        return 0;
    }

    private sealed record Result(int Instances, double PerSecond, double P50, double P99, long Rejected, string ConflictsPerOrder);

    private static async Task<Result> RunOneAsync(string root, int count, BenchOptions options)
    {
        Console.WriteLine();
        Console.WriteLine($"== {count} instance{(count == 1 ? string.Empty : "s")} on one Azurite");
        var apps = new List<Child>();
        var clients = new List<HttpClient>();
        var azurite = await Child.StartAzuriteAsync(root);
        try
        {
            var ports = Enumerable.Range(0, count).Select(_ => Child.FreePort()).ToArray();
            // Started one after another: N cold starts at once on two cores only make each slower.
            foreach (var port in ports)
            {
                apps.Add(await Child.StartAppAsync(root, port, azurite.ConnectionString));
            }

            foreach (var port in ports)
            {
                clients.Add(new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
                {
                    BaseAddress = new Uri($"http://127.0.0.1:{port}"),
                    Timeout = TimeSpan.FromSeconds(60),
                });
            }

            Console.WriteLine($"apps        {string.Join(" · ", apps.Select((a, i) => $"pid {a.Pid} on :{ports[i]}"))}; Azurite pid {azurite.Pid} on :{azurite.TablePort}");
            var apis = clients.Select(c => new Api(c)).ToArray();
            var chain = await apis[0].NewChainAsync();
            var members = await apis[0].JoinManyAsync(chain, Members, "inst");
            var (campaignId, itemId) = await apis[0].NewLiveCampaignAsync(chain, Stock);

            // What the instances cost doing nothing (timers, queue and task-hub polling, leases): paid once per instance.
            var idleBefore = CpuSeconds(apps, azurite);
            var idleStart = Stopwatch.GetTimestamp();
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idleAfter = CpuSeconds(apps, azurite);
            var idleWall = Stopwatch.GetElapsedTime(idleStart).TotalSeconds;
            Console.WriteLine($"idle        {count} app{(count == 1 ? string.Empty : "s")} use {(idleAfter.Apps - idleBefore.Apps) / idleWall:P0} of a core together, Azurite {(idleAfter.Azurite - idleBefore.Azurite) / idleWall:P0}, with no orders (5 s)");

            await LoopAsync(clients, campaignId, itemId, members, options.Concurrency, WarmUp, "warm");
            var before = await Task.WhenAll(clients.Select(DeskCountersAsync));
            var cpuBefore = CpuSeconds(apps, azurite);
            var run = await LoopAsync(clients, campaignId, itemId, members, options.Concurrency, options.Duration, "run");
            var cpuAfter = CpuSeconds(apps, azurite);
            var after = await Task.WhenAll(clients.Select(DeskCountersAsync));

            var perSecond = run.Accepted / run.Elapsed.TotalSeconds;
            var latencies = run.Latencies.Order().ToArray();
            double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
            Console.WriteLine($"accepted    {perSecond:F0} orders/s ({run.Accepted} in {run.Elapsed.TotalSeconds:F1} s); per instance {string.Join(" · ", run.AcceptedPerInstance)}");
            Console.WriteLine($"latency     accepted orders p50 {P(0.50):F1} ms · p95 {P(0.95):F1} ms · p99 {P(0.99):F1} ms · max {(latencies.Length == 0 ? double.NaN : latencies[^1]):F0} ms");
            var rejected = run.Others.Values.Sum();
            Console.WriteLine($"non-201     {(rejected == 0 ? "none" : string.Join(", ", run.Others.OrderByDescending(o => o.Value).Select(o => $"{o.Key} ×{o.Value}")))}");

            string conflictsPerOrder;
            if (before.Any(b => b is null) || after.Any(a => a is null))
            {
                conflictsPerOrder = "n/a";
                Console.WriteLine("desk        n/a (GET /api/health has no \"desk\" counters)");
            }
            else
            {
                var delta = before.Zip(after, (b, a) => a!.Minus(b!)).ToArray();
                var conflicts = delta.Sum(d => d.EtagConflicts);
                var rounds = delta.Sum(d => d.CommittedRounds);
                var placed = delta.Sum(d => d.OrdersPlaced);
                conflictsPerOrder = (conflicts / (double)Math.Max(run.Accepted, 1)).ToString("F2", CultureInfo.InvariantCulture);
                Console.WriteLine($"desk        ETag conflicts per accepted order {conflictsPerOrder} ({conflicts} conflicts); committed rounds {rounds} ({placed / (double)Math.Max(rounds, 1):F1} orders per round); "
                                  + $"per instance conflicts {string.Join(" · ", delta.Select(d => d.EtagConflicts))}");
                // Storage calls per accepted order (all instances, minus the bench's own health reads): the calls that
                // grow with the instance count are the ones N instances pay for that one does not.
                var calls = delta.SelectMany(d => d.StorageCalls).GroupBy(c => c.Key).Select(g => (Kind: g.Key, Count: g.Sum(c => c.Value)))
                    .Where(c => c.Count > 0).OrderByDescending(c => c.Count).ToList();
                var perOrder = calls.Sum(c => c.Count) / (double)Math.Max(run.Accepted, 1);
                Console.WriteLine($"storage     {perOrder:F2} calls per accepted order: "
                                  + string.Join(" · ", calls.Take(8).Select(c => $"{c.Kind} {c.Count / (double)Math.Max(run.Accepted, 1):F3}")));
            }

            // Where the machine's time went: CPU seconds per 1,000 accepted orders, and each part's share of all cores.
            // Per-order CPU that grows with the instance count is what N processes on the same cores cannot win back.
            var (appsCpu, azuriteCpu, benchCpu) = (cpuAfter.Apps - cpuBefore.Apps, cpuAfter.Azurite - cpuBefore.Azurite, cpuAfter.Bench - cpuBefore.Bench);
            var machine = run.Elapsed.TotalSeconds * Environment.ProcessorCount;
            double PerThousand(double seconds) => seconds * 1000 / Math.Max(run.Accepted, 1);
            Console.WriteLine($"cpu         per 1,000 orders: apps {PerThousand(appsCpu):F2} s · Azurite {PerThousand(azuriteCpu):F2} s · bench client {PerThousand(benchCpu):F2} s; "
                              + $"share of {Environment.ProcessorCount} cores: apps {appsCpu / machine:P0} · Azurite {azuriteCpu / machine:P0} · bench {benchCpu / machine:P0} · idle {Math.Max(0, 1 - (appsCpu + azuriteCpu + benchCpu) / machine):P0}");

            var remaining = (await apis[0].CampaignAsync(campaignId)).GetProperty("items")[0].GetProperty("remaining").GetInt32();
            Console.WriteLine($"stock       {remaining:N0} of {Stock:N0} remaining at the end");
            return new Result(count, perSecond, P(0.50), P(0.99), rejected, conflictsPerOrder);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            await StopAsync([.. apps, azurite]);
        }
    }

    /// <summary>CPU seconds used so far by the app processes (together), Azurite and this process.</summary>
    private static (double Apps, double Azurite, double Bench) CpuSeconds(IEnumerable<Child> apps, Child azurite) =>
        (apps.Sum(a => CpuClock.ProcessTicks(a.Pid)) / 100.0, CpuClock.ProcessTicks(azurite.Pid) / 100.0, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);

    private sealed class LoopResult
    {
        public ConcurrentBag<double> Latencies { get; } = [];

        public ConcurrentDictionary<string, long> Others { get; } = new(StringComparer.Ordinal);

        public long[] AcceptedPerInstance { get; init; } = [];

        public long Accepted => AcceptedPerInstance.Sum();

        public TimeSpan Elapsed { get; set; }
    }

    /// <summary>Closed loop: each worker sends its next order as soon as the last is answered; the n-th request overall goes to instance n mod N.</summary>
    private static async Task<LoopResult> LoopAsync(List<HttpClient> clients, string campaignId, string itemId, string[] members, int workers, TimeSpan duration, string tag)
    {
        var result = new LoopResult { AcceptedPerInstance = new long[clients.Count] };
        var next = -1L;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < end; n++)
            {
                var instance = (int)(Interlocked.Increment(ref next) % clients.Count);
                var member = members[(w * 7919 + n) % members.Length];
                var t = Stopwatch.GetTimestamp();
                var (status, code) = await OrderAsync(clients[instance], campaignId, itemId, member, $"{tag}-{w}-{n}-{Guid.NewGuid():N}");
                if (status == 201)
                {
                    result.Latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    Interlocked.Increment(ref result.AcceptedPerInstance[instance]);
                }
                else
                {
                    result.Others.AddOrUpdate(code is null ? $"{status}" : $"{status} {code}", 1, (_, c) => c + 1);
                }
            }
        })));
        result.Elapsed = Stopwatch.GetElapsedTime(start);
        return result;
    }

    /// <summary>Status and problem code of one order; a request that got no answer is status 0 with the exception's name.</summary>
    private static async Task<(int Status, string? Code)> OrderAsync(HttpClient http, string campaignId, string itemId, string token, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { itemId, quantity = 1 } } }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status == 201)
            {
                return (status, null);
            }

            var body = await response.Content.ReadAsStringAsync();
            try
            {
                return (status, JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null);
            }
            catch (JsonException)
            {
                return (status, null);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, ex.GetType().Name);
        }
    }

    private sealed record DeskCounters(long OrdersPlaced, long CommittedRounds, long EtagConflicts, Dictionary<string, long> StorageCalls)
    {
        public DeskCounters Minus(DeskCounters earlier) =>
            new(OrdersPlaced - earlier.OrdersPlaced, CommittedRounds - earlier.CommittedRounds, EtagConflicts - earlier.EtagConflicts,
                StorageCalls.ToDictionary(c => c.Key, c => c.Value - earlier.StorageCalls.GetValueOrDefault(c.Key), StringComparer.Ordinal));
    }

    /// <summary>The cumulative <c>desk</c> counters of one process's <c>GET /api/health</c>, or null while the app has none.</summary>
    private static async Task<DeskCounters?> DeskCountersAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/api/health");
        var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (!health.TryGetProperty("desk", out var desk) || desk.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        static long Read(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        if (health.TryGetProperty("storageCalls", out var storage) && storage.ValueKind == JsonValueKind.Object)
        {
            foreach (var call in storage.EnumerateObject())
            {
                calls[call.Name] = call.Value.GetInt64();
            }
        }

        return new DeskCounters(Read(desk, "ordersPlaced"), Read(desk, "committedRounds"), Read(desk, "etagConflicts"), calls);
    }

    /// <summary>SIGTERM by PID to every process (apps shut down gracefully), up to 10 s to exit, then SIGKILL by PID.</summary>
    private static async Task StopAsync(IReadOnlyList<Child> children)
    {
        foreach (var child in children)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", child.Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            await kill!.WaitForExitAsync();
        }

        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (children.Any(c => IsRunning(c.Pid)) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(100);
        }

        foreach (var child in children)
        {
            await child.DisposeAsync(); // SIGKILL by PID for any that did not exit
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
