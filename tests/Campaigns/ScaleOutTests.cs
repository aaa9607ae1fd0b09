using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;
using ServerlessCommerce.Tests.Lifecycle;
using Xunit.Abstractions;

namespace ServerlessCommerce.Tests.Campaigns;

/// <summary>
/// Order capture on three app instances for one hot campaign (ARCHITECTURE.md §6, issue 12): buyers spread round-robin
/// over the instances, as a load balancer spreads them, and retry like a careful client — a request that fails on the
/// network, times out or gets a 5xx is sent again with the same Idempotency-Key. Whatever the instances do among
/// themselves, buyers see exactly the stock sold, no order twice, every limit kept, and only the answers API.md gives
/// to a buyer: 201, 200 for a retry, 409 <c>sold-out</c>, 409 <c>member-limit</c> (and 409 <c>not-live</c> once the
/// sold-out campaign has closed itself) — never <c>busy</c>, never a 5xx.
/// </summary>
// Three app processes, an Azurite and 48 clients fill a 2-core machine: these run alone, after every other test (a
// test sharing the two cores would starve the instances past the clients' 10 s time-out, and be starved in turn).
[Collection(ScaleOutTests.Alone)]
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    public const string Alone = "scale-out, alone";

    private const int Stock = 500;
    private const int PerMemberLimit = 6;
    private const int Members = 120;
    private const int Concurrency = 48;

    [Fact]
    public async Task ThreeInstancesSellExactlyTheStockWithoutBusyAnswersOrDuplicates()
    {
        await using var cluster = await AppCluster.StartAsync(3);
        using var sale = await Sale.PrepareAsync(cluster, output);
        sale.ResendEveryNthAcceptedOrder = 5;

        await sale.RunAsync(TimeSpan.FromSeconds(40));

        await sale.AssertOutcomeAsync();
        Assert.True(sale.Resends > 0, "some accepted orders were deliberately sent again with their key");
    }

    [Fact]
    public async Task AnInstanceKilledMidBurstGivesItsStockBackWithin30Seconds()
    {
        const int victim = 2;
        await using var cluster = await AppCluster.StartAsync(3);
        using var sale = await Sale.PrepareAsync(cluster, output);
        var killedAt = 0L;
        var kill = Task.CompletedTask;
        sale.OnAccepted = units =>
        {
            // Roughly a third of the stock sold: kill -9 one instance, and from then on the sale has 30 s to finish.
            if (units >= Stock / 3 && Interlocked.CompareExchange(ref killedAt, Stopwatch.GetTimestamp(), 0) == 0)
            {
                kill = Task.Run(async () =>
                {
                    await cluster.KillAsync(victim);
                    sale.Log($"instance {victim} killed (SIGKILL) after {units} units were acknowledged");
                });
                sale.CancelAfterKill(TimeSpan.FromSeconds(30));
            }
        };

        await sale.RunAsync(TimeSpan.FromSeconds(45));
        await kill;

        if (killedAt == 0)
        {
            sale.Problem("no kill", $"a third of the stock was never acknowledged, so instance {victim} was not killed");
        }
        else
        {
            var sinceKill = Stopwatch.GetElapsedTime(killedAt, sale.FinishedAt);
            sale.Log($"sale over {sinceKill.TotalSeconds:F1} s after the kill");
            if (sinceKill > TimeSpan.FromSeconds(30))
            {
                sale.Problem("not sold out within 30 s of the kill", $"the sale took {sinceKill.TotalSeconds:F1} s after the kill");
            }
        }

        Assert.DoesNotContain(victim, cluster.Alive);
        await sale.AssertOutcomeAsync();
    }

    /// <summary>One hot sale: a live campaign (stock 500, limit 6 per member), 120 members, 48 clients at once.</summary>
    private sealed class Sale : IDisposable
    {
        private static readonly string[] Allowed = ["201", "200", "409 sold-out", "409 member-limit", "409 not-live"];

        private readonly AppCluster _cluster;
        private readonly ITestOutputHelper _output;
        private readonly TestApp.ChainFixture _chain;
        private readonly string _campaignId;
        private readonly string _itemId;
        private readonly AppCluster.Member[] _members;
        private readonly HttpClient[] _clients;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly ConcurrentDictionary<string, int> _answers = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<(string Kind, string Text)> _problems = new();
        private readonly ConcurrentQueue<string> _log = new();
        private readonly ConcurrentDictionary<string, string> _acknowledged = new(StringComparer.Ordinal); // member|key → orderId
        private readonly ConcurrentDictionary<string, string> _createdIds = new(StringComparer.Ordinal); // orderId → member|key, from 201s
        private readonly ConcurrentDictionary<string, bool> _limitReached = new(StringComparer.Ordinal); // memberId
        private readonly CancellationTokenSource _deadline = new();
        private int _next = -1;
        private int _created;
        private int _replays;
        private int _resends;
        private int _networkRetries;
        private int _timeouts;
        private int _endAnswerSeen;
        private Task _endCheck = Task.CompletedTask;

        private Sale(AppCluster cluster, ITestOutputHelper output, TestApp.ChainFixture chain, string campaignId, string itemId, AppCluster.Member[] members)
        {
            _cluster = cluster;
            _output = output;
            _chain = chain;
            _campaignId = campaignId;
            _itemId = itemId;
            _members = members;
            _clients = [.. Enumerable.Range(0, cluster.Count).Select(i => new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) })
            {
                BaseAddress = cluster.BaseAddress(i),
                Timeout = TimeSpan.FromSeconds(10),
            })];
        }

        /// <summary>Every n-th accepted order is sent again at once with its key (to the next instance): 200, same order.</summary>
        public int ResendEveryNthAcceptedOrder { get; set; }

        /// <summary>Called after each 201 with the units acknowledged so far.</summary>
        public Action<int>? OnAccepted { get; set; }

        public int Resends => _resends;

        public long FinishedAt { get; private set; }

        public static async Task<Sale> PrepareAsync(AppCluster cluster, ITestOutputHelper output)
        {
            var chain = await cluster.NewChainWithPeopleAsync();
            var members = await cluster.NewMembersAsync(chain, Members);
            var (campaignId, itemId) = await cluster.NewLiveCampaignAsync(chain, Stock, PerMemberLimit);
            return new Sale(cluster, output, chain, campaignId, itemId, members);
        }

        public void Log(string line) => _log.Enqueue($"{Stopwatch.GetElapsedTime(_started).TotalSeconds,6:F1} s  {line}");

        public void CancelAfterKill(TimeSpan within) => _deadline.CancelAfter(within);

        /// <summary>
        /// Two clients per member (as on two phones), 48 at a time; each orders 1 unit after another until the member
        /// reaches the limit or the item is sold out. Stops at <paramref name="timeout"/> at the latest.
        /// </summary>
        public async Task RunAsync(TimeSpan timeout)
        {
            _deadline.CancelAfter(timeout);
            var sessions = Enumerable.Range(0, Members * 2).Select(s => (Member: _members[s / 2], Phone: s % 2));
            Log($"sale starts: stock {Stock}, limit {PerMemberLimit}, {Members} members × 2 clients, {Concurrency} at once, {_cluster.Count} instance{(_cluster.Count == 1 ? string.Empty : "s")}");
            try
            {
                await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = _deadline.Token },
                    async (session, ct) => await ShopAsync(session.Member, session.Phone, ct));
            }
            catch (OperationCanceledException)
            {
                Problem("sale not over in time", $"the sale was still going when the time ran out ({_created} units acknowledged with 201)");
            }

            FinishedAt = Stopwatch.GetTimestamp();
            Log($"sale over: {_created} units created");
            await _endCheck;
        }

        private async Task ShopAsync(AppCluster.Member member, int phone, CancellationToken ct)
        {
            for (var n = 0; ; n++)
            {
                var key = $"{phone}-{n}";
                var id = $"{member.MemberId}|{key}";
                var answer = await SendAsync(member, key, ct);
                switch (answer.Status, answer.Code)
                {
                    case (201, _):
                        if (!_createdIds.TryAdd(answer.OrderId!, id))
                        {
                            Problem("duplicate order", $"201 for {id} created order {answer.OrderId}, already created for {_createdIds[answer.OrderId!]}");
                        }

                        Acknowledge(id, answer);
                        var units = Interlocked.Increment(ref _created);
                        OnAccepted?.Invoke(units);
                        if (ResendEveryNthAcceptedOrder > 0 && units % ResendEveryNthAcceptedOrder == 0)
                        {
                            Interlocked.Increment(ref _resends);
                            var again = await SendAsync(member, key, ct);
                            if (again.Status != 200 || again.OrderId != answer.OrderId)
                            {
                                Problem("same key again not answered 200 with the same order", $"the same key sent again after a 201 ({answer.OrderId}) got {again.Describe()}");
                            }
                        }

                        break;
                    case (200, _):
                        // A fresh key answered 200 only when an earlier attempt of this very request reached an instance.
                        if (answer.Attempts == 1)
                        {
                            Problem("unexpected answer", $"200 for a fresh key on its first attempt: {answer.Describe()}");
                        }

                        Acknowledge(id, answer);
                        break;
                    case (409, "member-limit"):
                        _limitReached[member.MemberId] = true;
                        return;
                    case (409, "sold-out" or "not-live"):
                        OnEndOfSale(answer);
                        return;
                    default:
                        Problem("unexpected answer", $"{answer.Describe()}");
                        return;
                }
            }
        }

        private void Acknowledge(string id, Answer answer)
        {
            if (answer.Status == 200)
            {
                Interlocked.Increment(ref _replays);
            }

            var known = _acknowledged.GetOrAdd(id, answer.OrderId!);
            if (known != answer.OrderId)
            {
                Problem("duplicate order", $"{id} was acknowledged as {known} and then as {answer.OrderId}");
            }
        }

        /// <summary>The first sold-out (or closed) answer: by then every unit must really be sold.</summary>
        private void OnEndOfSale(Answer answer)
        {
            if (Interlocked.Exchange(ref _endAnswerSeen, 1) == 0)
            {
                Log($"first end-of-sale answer: {answer.Describe()} ({_created} units acknowledged with 201 so far)");
                _endCheck = Task.Run(async () =>
                {
                    var item = await ItemViewAsync();
                    Log($"campaign view right after it: sold {item.Sold}, remaining {item.Remaining}");
                    if (item.Sold != Stock || item.Remaining != 0)
                    {
                        Problem("sold-out while units remain", $"{answer.Describe()} answered while the campaign view says sold {item.Sold}, remaining {item.Remaining}");
                    }
                });
            }
        }

        private sealed record Answer(int Status, string? Code, string? OrderId, string Body, int Attempts, int Instance)
        {
            public string Describe() => $"{Status}{(Code is null ? string.Empty : " " + Code)} (instance {Instance}, attempt {Attempts}): {(Body.Length > 300 ? Body[..300] : Body)}";
        }

        /// <summary>
        /// One order of 1 unit with its key, to the next live instance round-robin; sent again with the same key, to the
        /// next live instance, on a network failure, a time-out, a 5xx or a 409 <c>busy</c> (the last two also count
        /// as a problem: a buyer should never see them).
        /// </summary>
        private async Task<Answer> SendAsync(AppCluster.Member member, string key, CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                ct.ThrowIfCancellationRequested();
                var alive = _cluster.Alive;
                var instance = alive[(int)((uint)Interlocked.Increment(ref _next) % (uint)alive.Count)];
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{_campaignId}/orders")
                {
                    Content = JsonContent.Create(new { items = new[] { new { itemId = _itemId, quantity = 1 } } }, options: JsonSerializerOptions.Web),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", member.Token);
                request.Headers.Add("Idempotency-Key", key);
                int status;
                string body;
                try
                {
                    using var response = await _clients[instance].SendAsync(request, ct);
                    status = (int)response.StatusCode;
                    body = await response.Content.ReadAsStringAsync(ct);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _networkRetries);
                    await Task.Delay(20, ct);
                    continue;
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _timeouts);
                    continue;
                }

                string? code = null, orderId = null;
                try
                {
                    var json = JsonDocument.Parse(body).RootElement;
                    code = json.TryGetProperty("code", out var c) ? c.GetString() : null;
                    orderId = status is 200 or 201 ? json.GetProperty("orderId").GetString() : null;
                }
                catch (JsonException)
                {
                }

                var answer = new Answer(status, code, orderId, body, attempt, instance);
                var name = code is null || status < 400 ? $"{status}" : $"{status} {code}";
                _answers.AddOrUpdate(name, 1, (_, n) => n + 1);
                if (status >= 500 || (status == 409 && code == "busy"))
                {
                    Problem(status >= 500 ? "5xx answer" : "409 busy answer", answer.Describe());
                    await Task.Delay(20, ct);
                    continue;
                }

                return answer;
            }
        }

        public void Problem(string kind, string text) => _problems.Enqueue((kind, $"{Stopwatch.GetElapsedTime(_started).TotalSeconds,5:F1} s  {text}"));

        private async Task<(int Sold, int Remaining)> ItemViewAsync()
        {
            var view = await _cluster.GetAsync($"/api/campaigns/{_campaignId}");
            var item = view.GetProperty("items")[0];
            return (item.GetProperty("sold").GetInt32(), item.GetProperty("remaining").GetInt32());
        }

        /// <summary>Exactly the stock sold, by every account; no duplicate; every limit kept; only buyers' answers.</summary>
        public async Task AssertOutcomeAsync()
        {
            var failures = new List<(string Kind, string Text)>(_problems);
            var unexpected = _answers.Where(a => !Allowed.Contains(a.Key)).Select(a => $"{a.Key} ×{a.Value}").ToList();
            if (unexpected.Count > 0)
            {
                failures.Add(("answers a buyer must never get", string.Join(", ", unexpected)));
            }

            // An order whose 201 was lost (time-out, killed instance) is acknowledged by the 200 of its retry.
            if (_acknowledged.Count != Stock)
            {
                failures.Add(("not exactly the stock sold", $"{_acknowledged.Count} orders of 1 unit acknowledged ({_created} by 201, the rest by the 200 of a retry), not {Stock}"));
            }

            foreach (var instance in _cluster.Alive)
            {
                var view = await TestApp.OkJsonAsync(await _cluster.Client(instance).GetAsync($"/api/campaigns/{_campaignId}"));
                var item = view.GetProperty("items")[0];
                var (sold, remaining) = (item.GetProperty("sold").GetInt32(), item.GetProperty("remaining").GetInt32());
                if (sold != Stock || remaining != 0)
                {
                    failures.Add(("not exactly the stock sold", $"the campaign view on instance {instance} says sold {sold}, remaining {remaining}"));
                }
            }

            var orders = (await _cluster.GetAsync($"/api/campaigns/{_campaignId}/orders", _chain.AdminKey)).EnumerateArray().ToList();
            var ids = orders.Select(o => o.GetProperty("orderId").GetString()!).ToList();
            var units = orders.Sum(o => o.GetProperty("items").EnumerateArray().Sum(l => l.GetProperty("quantity").GetInt32()));
            if (units != Stock)
            {
                failures.Add(("not exactly the stock sold", $"the orders list holds {units} units in {orders.Count} orders, not {Stock}"));
            }

            if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
            {
                failures.Add(("duplicate order", $"the orders list repeats {ids.Count - ids.Distinct(StringComparer.Ordinal).Count()} order ids"));
            }

            var acknowledged = _acknowledged.Values.ToHashSet(StringComparer.Ordinal);
            var neverTold = ids.Where(id => !acknowledged.Contains(id)).ToList();
            if (neverTold.Count > 0)
            {
                failures.Add(("stored order its buyer was never told of", $"{neverTold.Count} stored orders got no 201/200 for their key (a retry was refused instead), e.g. {neverTold[0]}"));
            }

            var lost = acknowledged.Where(id => !ids.Contains(id)).ToList();
            if (lost.Count > 0)
            {
                failures.Add(("acknowledged order lost", $"{lost.Count} acknowledged orders missing from the orders list, e.g. {lost[0]}"));
            }

            var perMember = orders.GroupBy(o => o.GetProperty("memberId").GetString()!)
                .ToDictionary(g => g.Key, g => g.Sum(o => o.GetProperty("items").EnumerateArray().Sum(l => l.GetProperty("quantity").GetInt32())));
            var over = perMember.Where(m => m.Value > PerMemberLimit).ToList();
            if (over.Count > 0)
            {
                failures.Add(("member over the limit", $"{over.Count} members over the limit of {PerMemberLimit}, e.g. {over[0].Key} with {over[0].Value}"));
            }

            // member-limit means the member's tally was at the limit; tallies only grow here (nothing is cancelled).
            var early = _limitReached.Keys.Where(m => perMember.GetValueOrDefault(m) != PerMemberLimit).ToList();
            if (early.Count > 0)
            {
                failures.Add(("member-limit below the limit", $"{early.Count} members answered member-limit ended with fewer than {PerMemberLimit} units, e.g. {early[0]} with {perMember.GetValueOrDefault(early[0])}"));
            }

            var report = Report(failures);
            _output.WriteLine(report);
            Assert.True(failures.Count == 0, report);
        }

        public void Dispose()
        {
            _deadline.Dispose();
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        public string Report(IReadOnlyCollection<(string Kind, string Text)>? failures = null)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"answers: {string.Join(", ", _answers.OrderByDescending(a => a.Value).Select(a => $"{a.Key} ×{a.Value}"))}");
            text.AppendLine(CultureInfo.InvariantCulture, $"created {_created}; 200 after a failed attempt {_replays}; deliberate resends {_resends}; network failures retried {_networkRetries}; time-outs (10 s) retried {_timeouts}; members at the limit {_limitReached.Count}");
            foreach (var line in _log)
            {
                text.AppendLine(line);
            }

            var all = failures ?? [.. _problems];
            if (all.Count > 0)
            {
                text.AppendLine("problems, by kind (a few of each):");
                foreach (var kind in all.GroupBy(f => f.Kind))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"  {kind.Key} ×{kind.Count()}");
                    foreach (var failure in kind.Take(3))
                    {
                        text.AppendLine("    " + (failure.Text.Length > 400 ? failure.Text[..400] + "…" : failure.Text));
                    }
                }
            }

            return text.ToString();
        }
    }
}

/// <summary>Tests that fill the machine: xUnit runs this collection by itself once the parallel ones are done.</summary>
[CollectionDefinition(ScaleOutTests.Alone, DisableParallelization = true)]
public sealed class ScaleOutCollection;
