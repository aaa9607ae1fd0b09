using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Functions.Lifecycle;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;
using ServerlessCommerce.Tests.Lifecycle;

namespace ServerlessCommerce.Tests.Faults;

/// <summary>What one fault run does: which scenario, how big, how long.</summary>
public sealed record FaultOptions
{
    public const string KillBurst = "kill-burst";
    public const string KillClose = "kill-close";
    public const string AzuriteRestart = "azurite-restart";
    public const string Proxy = "proxy";
    public static readonly string[] Scenarios = [KillBurst, KillClose, AzuriteRestart, Proxy];

    /// <summary>Units on sale (one item); the burst ends when they are sold or <see cref="Burst"/> is over.</summary>
    public int Stock { get; init; } = 120;

    public int Members { get; init; } = 40;

    /// <summary>Buyers' requests in flight at once.</summary>
    public int Concurrency { get; init; } = 12;

    /// <summary>How long buyers start new orders (a key already sent is retried to an answer, within <see cref="Settle"/>).</summary>
    public TimeSpan Burst { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The bound on waiting for 成团, drained queues and outbox after the close.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>What the proxy injects during the burst and the close (scenario <c>proxy</c>).</summary>
    public FaultRates ProxyRates { get; init; } = new(ServerBusy: 0.05, Timeout: 0.01, Slow: 0.05);

    /// <summary>
    /// App settings on top of <see cref="AppCluster"/>'s: the one place to add what the app needs (e.g. join rate limits
    /// or member verification for the buyers this run joins).
    /// </summary>
    public Dictionary<string, string> AppSettings { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>One invariant checked after a run: how many things it looked at, and what broke it.</summary>
public sealed record InvariantResult(string Name, int Checked, IReadOnlyList<string> Violations);

/// <summary>What a run did and found.</summary>
public sealed record FaultRunResult(string Scenario, int Run, TimeSpan Elapsed, IReadOnlyDictionary<string, long> Faults, IReadOnlyList<InvariantResult> Invariants,
    IReadOnlyDictionary<string, long> PoisonMessages, IReadOnlyList<string> Log)
{
    public int Violations => Invariants.Sum(i => i.Violations.Count);
}

/// <summary>
/// The fault-injection engine (issue 14), shared by the CI tests (<see cref="FaultInjectionTests"/>) and the tool
/// (<c>bash infra/faults.sh</c>): real app processes (<see cref="AppCluster"/>) on an on-disk Azurite, a hot sale with
/// buyers that retry with their Idempotency-Key, one kind of fault per scenario, the close and its 成团 evaluation, a
/// bounded settle, then invariants read straight from storage.
/// <list type="bullet">
/// <item><c>kill-burst</c>: two instances; kill -9 of one after a third of the stock is acknowledged, restarted 2 s later.</item>
/// <item><c>kill-close</c>: one instance; kill -9 as soon as storage shows the close (sold out, or the leader's close)
/// and its 成团 evaluation under way; restarted on its port.</item>
/// <item><c>azurite-restart</c>: Azurite stopped mid-burst (its data on disk), started again 3 s later on the same ports.</item>
/// <item><c>proxy</c>: every storage call of the app through <see cref="FaultProxy"/>, injecting 503s, timeouts and
/// slow answers during the burst and the close.</item>
/// </list>
/// </summary>
public sealed class FaultRun
{
    private static readonly string[] AppQueues = [CampaignOutbox.QueueName, CampaignCommitEffects.WorkQueueName, ServerlessCommerce.Events.QueuedDomainEvents.QueueName];

    private readonly string _scenario;
    private readonly int _run;
    private readonly FaultOptions _options;
    private readonly Action<string> _progress;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentDictionary<string, long> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _acknowledged = new(StringComparer.Ordinal); // member|key → orderId
    private readonly ConcurrentBag<string> _keyConflicts = [];
    private readonly ConcurrentDictionary<string, long> _answers = new(StringComparer.Ordinal);
    private int _abandoned;
    private int _units;

    private FaultRun(string scenario, int run, FaultOptions options, Action<string> progress)
    {
        _scenario = scenario;
        _run = run;
        _options = options;
        _progress = progress;
    }

    /// <summary>Runs one scenario start to end (its own Azurite, apps and proxy, all stopped after) and checks the invariants.</summary>
    public static async Task<FaultRunResult> RunAsync(string scenario, int run, FaultOptions options, Action<string> progress)
    {
        if (!FaultOptions.Scenarios.Contains(scenario))
        {
            throw new ArgumentException($"Unknown scenario {scenario}; one of {string.Join(", ", FaultOptions.Scenarios)}.", nameof(scenario));
        }

        return await new FaultRun(scenario, run, options, progress).RunAsync();
    }

    private void Log(string line)
    {
        var text = $"{Stopwatch.GetElapsedTime(_started).TotalSeconds,6:F1} s  {line}";
        _log.Enqueue(text);
        _progress($"[{_scenario} #{_run}] {text}");
    }

    private void Fault(string kind) => _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private async Task<FaultRunResult> RunAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"sc-faults-{Guid.NewGuid():N}");
        await using var azurite = await Azurite.StartOnDiskAsync(directory);
        FaultProxy? proxy = null;
        try
        {
            if (_scenario == FaultOptions.Proxy)
            {
                proxy = await FaultProxy.StartAsync(azurite);
            }

            var instances = _scenario == FaultOptions.KillBurst ? 2 : 1;
            await using var cluster = await AppCluster.StartAsync(instances, azurite, _options.AppSettings, proxy?.Connection.ToConnectionString());
            Log($"{instances} app instance(s) on Azurite (on disk){(proxy is null ? string.Empty : " through the fault proxy")}");
            var chain = await cluster.NewChainWithPeopleAsync();
            var members = await cluster.NewMembersAsync(chain, _options.Members);
            var (campaignId, itemId) = await cluster.NewLiveCampaignAsync(chain, _options.Stock);
            Log($"campaign {campaignId}: stock {_options.Stock}, {_options.Members} members, {_options.Concurrency} requests at once, burst ≤ {_options.Burst.TotalSeconds:F0} s");
            var tables = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);

            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(15) };
            var faultTask = Task.CompletedTask;
            Action<int>? onUnits = _scenario switch
            {
                FaultOptions.KillBurst => units =>
                {
                    if (units == _options.Stock / 3)
                    {
                        faultTask = Task.Run(async () =>
                        {
                            await cluster.KillAsync(1);
                            Fault("kill -9 of an app instance mid-burst");
                            Log($"instance 1 killed (SIGKILL) after {units} units acknowledged");
                            await Task.Delay(2000);
                            await cluster.RestartAsync(1);
                            Log("instance 1 restarted on its port");
                        });
                    }
                },
                FaultOptions.AzuriteRestart => units =>
                {
                    if (units == _options.Stock / 3)
                    {
                        faultTask = Task.Run(async () =>
                        {
                            await azurite.StopAsync();
                            Fault("Azurite stopped mid-burst (data on disk) and restarted");
                            Log($"Azurite stopped after {units} units acknowledged");
                            await Task.Delay(3000);
                            await azurite.RestartAsync();
                            Log("Azurite restarted on the same ports with its data");
                        });
                    }
                },
                _ => null,
            };

            if (proxy is not null)
            {
                proxy.Rates = _options.ProxyRates;
                Log($"proxy faults on: {proxy.Rates}");
            }

            await BurstAsync(cluster, http, members, campaignId, itemId, onUnits);
            await faultTask;
            Log($"burst over: {_acknowledged.Count} orders acknowledged, {_abandoned} keys abandoned; answers {string.Join(", ", _answers.OrderByDescending(a => a.Value).Select(a => $"{a.Key} ×{a.Value}"))}");

            // The close: sold out closes itself; otherwise the leader closes (retried like a careful client).
            var campaign = await CampaignTables.ReadAsync(tables, campaignId, CancellationToken.None);
            if (campaign!.Phase == CampaignPhase.Live)
            {
                await LeaderCloseAsync(cluster, http, chain, campaignId);
            }

            if (_scenario == FaultOptions.KillClose)
            {
                await KillMidCloseAsync(cluster, tables, campaignId);
            }

            var evaluated = await WaitAsync(_options.Settle, async () =>
                (await CampaignTables.ReadAsync(tables, campaignId, CancellationToken.None))!.Phase >= CampaignPhase.Fulfilling);
            Log(evaluated ? "成团 evaluated: fulfilling" : $"not fulfilling within {_options.Settle.TotalSeconds:F0} s{(proxy is null ? string.Empty : " of faults")}");

            if (proxy is not null)
            {
                proxy.Rates = FaultRates.None;
                foreach (var (kind, n) in proxy.Faults)
                {
                    _faults[kind] = n;
                }

                Log($"proxy faults off ({proxy.Forwarded} requests forwarded)");
            }

            var outbox = new CampaignOutbox(tables, null!, null!, null!, null!, null!, TimeProvider.System, NullLogger<CampaignOutbox>.Instance); // only its LagAsync (reads tables)
            var queues = new StorageClients(azurite.Account).Queues; // the app's own client options (its service version)
            // The settle starts once the faults stop: the close must finish (成团 included), the outbox and queues drain.
            var settled = await WaitAsync(_options.Settle, async () =>
                (await CampaignTables.ReadAsync(tables, campaignId, CancellationToken.None))!.Phase >= CampaignPhase.Fulfilling
                && await outbox.LagAsync(campaignId, CancellationToken.None) == 0 && await QueueCountsAsync(queues, cluster) is { Stuck.Count: 0, Pending: 0 });
            Log(settled ? "settled: fulfilling, outbox drained, app queues empty" : $"not settled within {_options.Settle.TotalSeconds:F0} s");

            var invariants = await CheckAsync(tables, outbox, queues, cluster, campaignId);
            if (invariants.Any(i => i.Violations.Count > 0))
            {
                foreach (var index in cluster.Alive)
                {
                    var lines = cluster.Output(index).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    Log($"instance {index} output (last {Math.Min(40, lines.Length)} of {lines.Length} lines, warnings and errors):\n      " + string.Join("\n      ", lines.TakeLast(40)));
                }
            }

            var poison = (await QueueCountsAsync(queues, cluster)).Poison;
            return new FaultRunResult(_scenario, _run, Stopwatch.GetElapsedTime(_started), new Dictionary<string, long>(_faults, StringComparer.Ordinal), invariants, poison, [.. _log]);
        }
        finally
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            await azurite.DisposeAsync();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Buyers: each member orders 1 unit after another with a fresh key each, until sold out, closed or the burst time
    /// is over; a key gets no other answer than its own: on a network failure, a time-out, a 5xx or 409 busy it is sent
    /// again, to the next live instance, until a final answer (or the settle time runs out: the key is abandoned).
    /// </summary>
    private async Task BurstAsync(AppCluster cluster, HttpClient http, AppCluster.Member[] members, string campaignId, string itemId, Action<int>? onUnits)
    {
        var burstEnds = Stopwatch.GetTimestamp() + (long)(_options.Burst.TotalSeconds * Stopwatch.Frequency);
        var next = 0;
        var over = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, _options.Concurrency), async (worker, _) =>
        {
            for (var n = worker; Volatile.Read(ref over) == 0 && Stopwatch.GetTimestamp() < burstEnds; n += _options.Concurrency)
            {
                var member = members[n % members.Length];
                var key = $"fault-{n}";
                var giveUp = Stopwatch.GetTimestamp() + (long)(_options.Settle.TotalSeconds * Stopwatch.Frequency);
                while (true)
                {
                    if (Stopwatch.GetTimestamp() > giveUp)
                    {
                        Interlocked.Increment(ref _abandoned);
                        break;
                    }

                    var alive = cluster.Alive;
                    if (alive.Count == 0)
                    {
                        await Task.Delay(100);
                        continue;
                    }

                    var instance = alive[(int)((uint)Interlocked.Increment(ref next) % (uint)alive.Count)];
                    var (status, code, orderId) = await OrderAsync(http, cluster.BaseAddress(instance), member.Token, campaignId, itemId, key);
                    var name = status == 0 ? "network/time-out" : code is null ? $"{status}" : $"{status} {code}";
                    _answers.AddOrUpdate(name, 1, (_, c) => c + 1);
                    if (status is 200 or 201)
                    {
                        var known = _acknowledged.GetOrAdd($"{member.MemberId}|{key}", orderId!);
                        if (known != orderId)
                        {
                            _keyConflicts.Add($"{member.MemberId}|{key} acknowledged as {known} and as {orderId}");
                        }

                        if (status == 201)
                        {
                            onUnits?.Invoke(Interlocked.Increment(ref _units));
                        }

                        break;
                    }

                    if (status == 409 && code is "sold-out" or "not-live")
                    {
                        Volatile.Write(ref over, 1);
                        break;
                    }

                    if (status is 0 or >= 500 || (status == 409 && code == "busy"))
                    {
                        await Task.Delay(50);
                        continue;
                    }

                    break; // another final answer (counted in the answers)
                }
            }
        });
    }

    private static async Task<(int Status, string? Code, string? OrderId)> OrderAsync(HttpClient http, Uri instance, string token, string campaignId, string itemId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(instance, $"/api/campaigns/{campaignId}/orders"))
        {
            Content = JsonContent.Create(new { items = new[] { new { itemId, quantity = 1 } }, fulfilment = "pickup" }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            try
            {
                var json = JsonDocument.Parse(body).RootElement;
                return (status, json.TryGetProperty("code", out var c) && status >= 400 ? c.GetString() : null,
                    status is 200 or 201 ? json.GetProperty("orderId").GetString() : null);
            }
            catch (JsonException)
            {
                return (status, null, null);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, null, null);
        }
    }

    private async Task LeaderCloseAsync(AppCluster cluster, HttpClient http, TestApp.ChainFixture chain, string campaignId)
    {
        for (var attempt = 1; attempt <= 40; attempt++)
        {
            var alive = cluster.Alive;
            if (alive.Count > 0)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(cluster.BaseAddress(alive[attempt % alive.Count]), $"/api/campaigns/{campaignId}/actions/close"));
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", chain.LeaderKey);
                    using var response = await http.SendAsync(request);
                    if ((int)response.StatusCode is 200 or 409)
                    {
                        Log($"leader's close answered {(int)response.StatusCode} (attempt {attempt})");
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
            }

            await Task.Delay(250);
        }

        Log("the leader's close got no answer in 40 attempts");
    }

    /// <summary>kill -9 of the one instance as soon as storage shows the close and its 成团 evaluation under way (or just the close).</summary>
    private async Task KillMidCloseAsync(AppCluster cluster, AzureTableStore tables, string campaignId)
    {
        var seen = "nothing";
        await WaitAsync(TimeSpan.FromSeconds(15), async () =>
        {
            var campaign = await CampaignTables.ReadAsync(tables, campaignId, CancellationToken.None);
            var statuses = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)) with { Select = ["Status"] })
                .Select(r => r.GetString("Status")).ToListAsync();
            seen = $"phase {campaign!.Phase.ToString().ToLowerInvariant()}, {statuses.Count(s => s != "placed")} of {statuses.Count} orders evaluated";
            return campaign.Phase >= CampaignPhase.Closed && statuses.Any(s => s != "placed") || campaign.Phase >= CampaignPhase.Fulfilling;
        }, poll: TimeSpan.FromMilliseconds(30));
        await cluster.KillAsync(0);
        Fault("kill -9 of the app mid-close");
        Log($"instance 0 killed (SIGKILL) mid-close: {seen}");
        await cluster.RestartAsync(0);
        Log("instance 0 restarted on its port");
    }

    private static async Task<bool> WaitAsync(TimeSpan timeout, Func<Task<bool>> done, TimeSpan? poll = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                if (await done())
                {
                    return true;
                }
            }
            catch (Exception e) when (e is StorageException or HttpRequestException or Azure.RequestFailedException)
            {
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Messages waiting in the app's queues (its task hub's own are judged by the orchestration's status) and in poison queues.</summary>
    /// <summary>
    /// A message is stuck when it has waited longer than this: more than a poll interval, a handler's run and the
    /// outbox's spaced wake-ups (which an instance sends up to a second after the round they are for).
    /// </summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(15);

    /// <summary>Stuck messages (see <see cref="StuckAfter"/>), how many others are waiting or being handled, and the poison queues.</summary>
    private static async Task<(List<string> Stuck, long Pending, Dictionary<string, long> Poison)> QueueCountsAsync(QueueServiceClient queues, AppCluster cluster)
    {
        var hub = cluster.Settings(0)["DurableTaskHubName"].ToLowerInvariant();
        var stuck = new List<string>();
        var pending = 0L;
        var poison = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var queue in queues.GetQueuesAsync())
        {
            if (queue.Name.StartsWith(hub, StringComparison.Ordinal))
            {
                continue;
            }

            var count = (await queues.GetQueueClient(queue.Name).GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (queue.Name.EndsWith(AzureQueueStore.PoisonSuffix, StringComparison.Ordinal))
            {
                poison[queue.Name] = count;
            }
            else if (count > 0)
            {
                // Visible long after it was sent means nobody polls the queue; invisible means a handler holds it (a dead
                // handler's message comes back after its visibility timeout, and is then old and visible).
                var visible = (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value;
                if (visible.Any(m => DateTimeOffset.UtcNow - m.InsertedOn > StuckAfter))
                {
                    stuck.Add($"{queue.Name}: {count} message(s), {visible.Length} visible now (dequeue counts {string.Join(",", visible.Select(m => m.DequeueCount))}; oldest inserted {visible.Select(m => m.InsertedOn).Min():HH:mm:ss}, now {DateTimeOffset.UtcNow:HH:mm:ss})");
                }
                else
                {
                    pending += count;
                }
            }
        }

        foreach (var name in AppQueues)
        {
            poison.TryAdd(name + AzureQueueStore.PoisonSuffix, 0);
        }

        return (stuck, pending, poison);
    }

    private async Task<List<InvariantResult>> CheckAsync(AzureTableStore tables, CampaignOutbox outbox, QueueServiceClient queues, AppCluster cluster, string campaignId)
    {
        var results = new List<InvariantResult>();
        void Add(string name, int checkedCount, IEnumerable<string> violations) => results.Add(new InvariantResult(name, checkedCount, [.. violations]));

        var campaign = (await CampaignTables.ReadAsync(tables, campaignId, CancellationToken.None))!;
        var rows = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId)).ToListAsync();
        var orders = rows.Where(r => r.RowKey.StartsWith(CampaignTables.OrderPrefix, StringComparison.Ordinal)).Select(CampaignTables.ToOrder).ToList();
        var live = orders.Where(o => o.Status != OrderStatus.Cancelled).ToList();

        // Stock: never oversold; the campaign's counters (row + lanes) agree with the orders.
        Add("sold ≤ stock (per item)", campaign.Items.Count, campaign.Items.Where(i => i.Sold > i.Stock).Select(i => $"item {i.ItemId}: sold {i.Sold} of stock {i.Stock}"));
        Add("sold = units in orders not cancelled (per item)", campaign.Items.Count, campaign.Items
            .Select(i => (i, units: live.Sum(o => o.Lines.Where(l => l.ItemId == i.ItemId).Sum(l => l.Quantity))))
            .Where(x => x.units != x.i.Sold).Select(x => $"item {x.i.ItemId}: counters say sold {x.i.Sold}, orders hold {x.units} units"));

        // Orders: every acknowledged one stored exactly once; one order per key; no stored order its buyer was never told of.
        var storedIds = orders.GroupBy(o => o.OrderId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Add("acknowledged order stored exactly once", _acknowledged.Count, _acknowledged
            .Where(a => storedIds.GetValueOrDefault(a.Value) != 1).Select(a => $"{a.Key} → {a.Value}: stored {storedIds.GetValueOrDefault(a.Value)} time(s)"));
        var acknowledgedIds = _acknowledged.Values.ToHashSet(StringComparer.Ordinal);
        var untold = orders.Where(o => !acknowledgedIds.Contains(o.OrderId)).ToList();
        Add("one order per idempotency key", _acknowledged.Count + orders.Count,
            _keyConflicts.Concat(untold.Count > _abandoned ? [$"{untold.Count} stored orders were never acknowledged to their buyer (only {_abandoned} keys abandoned), e.g. {untold[0].OrderId}"] : []));

        // Lifecycle effects, once each.
        var history = rows.Where(r => r.RowKey.StartsWith(CampaignTables.HistoryPrefix, StringComparison.Ordinal)).Select(r => r.GetString("To") ?? r.GetString("to") ?? "?").ToList();
        var events = rows.Where(r => r.RowKey.StartsWith(CampaignTables.EventPrefix, StringComparison.Ordinal)).SelectMany(CampaignTables.ToEvents).DistinctBy(e => e.Id).ToList();
        var phaseEvents = events.Where(e => e.Type == "campaign.phaseChanged").Select(e => e.Data.GetProperty("to").GetString()!).ToList();
        Add("each phase entered once (history and phase events)", history.Count + phaseEvents.Count,
            history.GroupBy(h => h).Where(g => g.Count() > 1).Select(g => $"history enters {g.Key} {g.Count()} times")
                .Concat(phaseEvents.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => $"{g.Count()} campaign.phaseChanged events to {g.Key}"))
                .Concat(campaign.Phase >= CampaignPhase.Fulfilling && !phaseEvents.Contains("closed") ? ["no campaign.phaseChanged event to closed"] : []));
        var evaluations = events.Count(e => e.Type == "campaign.groupEvaluated");
        Add("成团 evaluated once, every order settled", orders.Count + 1,
            (evaluations == 1 ? Array.Empty<string>() : [$"{evaluations} campaign.groupEvaluated events"])
                .Concat(orders.Where(o => o.Status == OrderStatus.Placed).Take(5).Select(o => $"order {o.OrderId} still placed (phase {campaign.Phase})")));
        var outcomes = events.Where(e => e.Type is "order.confirmed" or "order.cancelled").GroupBy(e => e.Subject, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Add("one outcome event per order", orders.Count, orders.Where(o => o.Status != OrderStatus.Placed && outcomes.GetValueOrDefault($"orders/{o.OrderId}") != 1)
            .Select(o => $"order {o.OrderId}: {outcomes.GetValueOrDefault($"orders/{o.OrderId}")} outcome events"));
        var notices = events.Where(e => e.Type.StartsWith("notification.", StringComparison.Ordinal)).Select(e => (
            Kind: e.Data.GetProperty("kind").GetString()!, Member: e.Data.GetProperty("memberId").GetString()!,
            Order: e.Data.TryGetProperty("orderId", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null)).ToList();
        var results0 = notices.Where(n => n.Kind == "result").GroupBy(n => n.Order ?? string.Empty, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Add("one notification per member and kind (a result per order)", notices.Count + orders.Count,
            notices.GroupBy(n => (n.Kind, n.Member, Order: n.Kind == "result" ? n.Order : null)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Kind} to {g.Key.Member}{(g.Key.Order is null ? string.Empty : " for " + g.Key.Order)} sent {g.Count()} times")
                .Concat(orders.Where(o => o.Status != OrderStatus.Placed && results0.GetValueOrDefault(o.OrderId) == 0).Take(5).Select(o => $"order {o.OrderId}: no result notification")));
        // One pickup code per member per campaign: her confirmed pickup orders share it, it has its index row (naming her),
        // her member-code row says the same, and no two members share one.
        var codes = rows.Where(r => r.RowKey.StartsWith("pc_", StringComparison.Ordinal)).Select(r => (Code: r.RowKey[3..], MemberId: r.GetString("MemberId"))).ToList();
        var memberCodes = rows.Where(r => r.RowKey.StartsWith("pm_", StringComparison.Ordinal)).ToDictionary(r => r.RowKey[3..], r => r.GetString("Code"), StringComparer.Ordinal);
        var confirmedPickup = orders.Where(o => o.Status is OrderStatus.Confirmed or OrderStatus.PickedUp && o.Fulfilment == Fulfilment.Pickup).ToList();
        var byMember = confirmedPickup.GroupBy(o => o.MemberId, StringComparer.Ordinal).ToList();
        Add("one pickup code per member (all her orders, its index rows)", confirmedPickup.Count + codes.Count,
            confirmedPickup.Where(o => o.PickupCode is null).Select(o => $"order {o.OrderId}: confirmed without a pickup code")
                .Concat(byMember.Where(g => g.Select(o => o.PickupCode).Distinct().Count() > 1).Select(g => $"member {g.Key}: {g.Select(o => o.PickupCode).Distinct().Count()} pickup codes"))
                .Concat(byMember.Where(g => g.First().PickupCode is { } c && !codes.Contains((c, g.Key))).Select(g => $"member {g.Key}: code {g.First().PickupCode} has no index row naming her"))
                .Concat(byMember.Where(g => memberCodes.GetValueOrDefault(g.Key) != g.First().PickupCode).Select(g => $"member {g.Key}: member-code row says {memberCodes.GetValueOrDefault(g.Key) ?? "nothing"}, her orders {g.First().PickupCode}"))
                .Concat(codes.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => $"code {g.Key} issued {g.Count()} times"))
                .Concat(codes.Where(c => !byMember.Any(g => g.Key == c.MemberId)).Select(c => $"code {c.Code}: no confirmed order of member {c.MemberId}")));

        // Nothing stuck.
        var (stuck, _, _) = await QueueCountsAsync(queues, cluster);
        Add("app queues: no message waiting > 15 s (poison queues reported apart)", AppQueues.Length, stuck);
        var lag = await outbox.LagAsync(campaignId, CancellationToken.None);
        Add("outbox drained", 1, lag == 0 ? [] : [$"{lag} events not yet published"]);
        await using var durable = LifecycleCrashTests.Client(cluster.Azurite, new Dictionary<string, string>(cluster.Settings(0)));
        var instance = await durable.GetInstanceAsync(CampaignLifecycleFunctions.InstanceId(campaignId));
        Add("lifecycle orchestration running (waiting on its next timer) or completed", 1,
            instance?.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Pending
                ? [] : [$"orchestration {CampaignLifecycleFunctions.InstanceId(campaignId)} is {instance?.RuntimeStatus.ToString() ?? "absent"}{(instance?.FailureDetails is { } f ? ": " + f.ErrorMessage : string.Empty)}"]);
        return results;
    }

    /// <summary>The printed summary: runs, faults injected by kind, invariants checked, violations.</summary>
    public static string Summary(IReadOnlyList<FaultRunResult> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("== Fault injection summary");
        text.AppendLine(CultureInfo.InvariantCulture, $"runs: {runs.Count} ({string.Join(", ", runs.GroupBy(r => r.Scenario).Select(g => $"{g.Key} ×{g.Count()}"))}), {runs.Sum(r => r.Elapsed.TotalSeconds):F0} s");
        foreach (var run in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"-- {run.Scenario} #{run.Run} ({run.Elapsed.TotalSeconds:F0} s): violations {run.Violations}");
            text.AppendLine("   faults injected: " + (run.Faults.Count == 0 ? "none" : string.Join("; ", run.Faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} ×{f.Value}"))));
            foreach (var line in run.Log)
            {
                text.AppendLine("   " + line);
            }

            foreach (var invariant in run.Invariants)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"   [{(invariant.Violations.Count == 0 ? "ok" : "VIOLATED")}] {invariant.Name} ({invariant.Checked} checked){(invariant.Violations.Count == 0 ? string.Empty : $": {invariant.Violations.Count} violation(s)")}");
                foreach (var violation in invariant.Violations.Take(5))
                {
                    text.AppendLine("       " + violation);
                }
            }

            text.AppendLine("   poison queues: " + string.Join(", ", run.PoisonMessages.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        }

        var faults = runs.SelectMany(r => r.Faults).GroupBy(f => f.Key).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Sum(f => f.Value)}");
        text.AppendLine("faults injected, all runs: " + string.Join("; ", faults));
        text.AppendLine(CultureInfo.InvariantCulture, $"invariants checked: {runs.Sum(r => r.Invariants.Count)} ({runs.FirstOrDefault()?.Invariants.Count ?? 0} per run)");
        text.AppendLine(CultureInfo.InvariantCulture, $"poison messages: {runs.Sum(r => r.PoisonMessages.Values.Sum())}");
        text.AppendLine(CultureInfo.InvariantCulture, $"violations: {runs.Sum(r => r.Violations)}");
        return text.ToString();
    }
}
