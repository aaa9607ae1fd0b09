using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Functions.Hosting.Durable;
using ServerlessCommerce.Functions.Lifecycle;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessCommerce.Tests.Lifecycle;

/// <summary>The lifecycle orchestration on the real app (Kestrel, Azurite, the local durable runtime).</summary>
public sealed class LifecycleOrchestrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ACampaignWithNearTimersRunsItsWholeLifecycleByItselfOnceAndItsOrchestrationEnds()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        var t0 = DateTimeOffset.UtcNow;
        var (preheatAt, liveStartAt, liveEndAt) = (t0.AddSeconds(3), t0.AddSeconds(5), t0.AddSeconds(11));
        var created = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "自己跑完", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId = await app.NewProductAsync(f), priceFen = 1000, stock = 10, minGroupSize = 1 } },
            preheatAt, liveStartAt, liveEndAt, pickupUntil = t0.AddSeconds(20),
            followUpAfterHours = 1.0 / 3600, followUpWindowHours = 1.0 / 3600,
        }, f.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/reservations", secret: f.MemberToken), 201);
        await Lifecycles.WaitForPhaseAsync(app.Client, id, "live", TimeSpan.FromSeconds(30));
        await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, created.GetProperty("items")[0].GetProperty("itemId").GetString()!, 2), 201);

        await Lifecycles.WaitForPhaseAsync(app.Client, id, "completed", TimeSpan.FromSeconds(60));
        var history = await Lifecycles.HistoryAsync(app.Client, id, f.LeaderKey);
        Assert.Equal(["preheat", "live", "closed", "fulfilling", "followUp", "completed"], history.Select(h => h.To));
        Assert.All(history, h => Assert.Equal("timer", h.Cause));
        await Lifecycles.WaitForReportAsync(app.Client, id, f.LeaderKey);
        Lifecycles.AssertOneNotificationPerMemberAndKind(await Lifecycles.NotificationsAsync(app.Client, id, f.LeaderKey), ["preview", "live-reminder", "result", "pickup-reminder", "survey"]);

        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        var instance = await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Completed);
        Assert.Equal(CampaignLifecycleFunctions.Orchestrator, instance.Name);

        // How late the clock acts: each timed transition's commit time against the time it was due.
        foreach (var (phase, due) in new[] { ("preheat", preheatAt), ("live", liveStartAt), ("closed", liveEndAt) })
        {
            output.WriteLine($"timer latency {phase}: {(history.Single(h => h.To == phase).At - due).TotalMilliseconds:F0} ms");
        }
    }

    [Fact]
    public async Task ALeadersActionsMidWayReplanTheOrchestrationAtOnce()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var now = DateTimeOffset.UtcNow;
        var created = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "提前开播", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId = await app.NewProductAsync(f), priceFen = 1000, stock = 10, minGroupSize = 1 } },
            preheatAt = now.AddHours(2), liveStartAt = now.AddHours(3), liveEndAt = now.AddHours(5), pickupUntil = now.AddDays(2),
        }, f.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Running);
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/reservations", secret: f.MemberToken), 201);

        // Going live hours early: the orchestration, asleep until the preheat, re-plans and sends the live reminder now.
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: f.LeaderKey));
        await Lifecycles.WaitForNotificationAsync(app.Client, id, f.LeaderKey, "live-reminder", TimeSpan.FromSeconds(20));
        await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, created.GetProperty("items")[0].GetProperty("itemId").GetString()!, 1), 201);

        // Closing early: the 成团 evaluation runs and the campaign moves to fulfilling by itself.
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/actions/close", secret: f.LeaderKey));
        await Lifecycles.WaitForPhaseAsync(app.Client, id, "fulfilling", TimeSpan.FromSeconds(20));
        var history = await Lifecycles.HistoryAsync(app.Client, id, f.LeaderKey);
        Assert.Equal(["live:leader", "closed:leader", "fulfilling:timer"], history.Select(h => $"{h.To}:{h.Cause.Split(':')[0]}"));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await durable.GetInstanceAsync(CampaignLifecycleFunctions.InstanceId(id)))!.RuntimeStatus);
    }

    [Fact]
    public async Task CancellingACampaignEndsItsOrchestration()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var (id, _) = await app.NewLiveCampaignAsync(f, goLive: false);
        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Running);

        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/actions/cancel", secret: f.LeaderKey));
        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Completed);
        Assert.Equal(["cancelled"], (await Lifecycles.HistoryAsync(app.Client, id, f.LeaderKey)).Select(h => h.To));
    }

    [Fact]
    public async Task ATimerBeyondTheQueuesSevenDayLimitIsSplitIntoShorterDurableTimers()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var now = DateTimeOffset.UtcNow;
        var created = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "下周开团", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId = await app.NewProductAsync(f), priceFen = 1000, stock = 10, minGroupSize = 1 } },
            preheatAt = now.AddDays(8), liveStartAt = now.AddDays(9), liveEndAt = now.AddDays(9).AddHours(2),
        }, f.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Running);

        // The orchestration waits for a preheat 8 days away; Azure Storage can delay a message by at most 7 days.
        var history = $"{app.Services.GetRequiredService<LocalDurableOptions>().HubName}History";
        var tables = new AzureTableStore(app.Azurite.Account, NullLogger<AzureTableStore>.Instance);
        List<DateTimeOffset> timers = [];
        for (var i = 0; i < 100 && timers.Count == 0; i++)
        {
            timers = await tables.QueryAsync(history, TableQuery.Partition(CampaignLifecycleFunctions.InstanceId(id)))
                .Where(r => r.GetString("EventType") == "TimerCreated").Select(r => r.GetDateTimeOffset("FireAt")!.Value).ToListAsync();
            await Task.Delay(100);
        }

        var first = Assert.Single(timers);
        Assert.InRange(first, now.AddDays(2), now.AddDays(6));
    }

    [Fact]
    public async Task StartingOneCampaignsOrchestrationFromManyRedeliveredMessagesAtOnceRunsOneExecution()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var (id, _) = await app.NewLiveCampaignAsync(f, goLive: false);
        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        var tables = app.Services.GetRequiredService<ITableStore>();
        var instanceId = CampaignLifecycleFunctions.InstanceId(id);
        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Running);

        // Start from nothing, with several "instances" racing (as redelivered replan messages on several app instances would).
        await durable.TerminateInstanceAsync(instanceId);
        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Terminated);
        await durable.PurgeInstanceAsync(instanceId);
        Assert.Null(await durable.GetInstanceAsync(instanceId));
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => CampaignLifecycleStarter.ReplanAsync(durable, tables, id, NullLogger.Instance, CancellationToken.None)));

        await WaitForStatusAsync(durable, id, OrchestrationRuntimeStatus.Running);
        var hub = app.Services.GetRequiredService<LocalDurableOptions>().HubName;
        var historyTable = new AzureTableStore(app.Azurite.Account, NullLogger<AzureTableStore>.Instance);
        await Task.Delay(1500); // let any duplicate start reach the history
        var executions = await historyTable.QueryAsync($"{hub}History", TableQuery.Partition(instanceId))
            .Where(r => r.GetString("EventType") == "ExecutionStarted").Select(r => r.GetString("ExecutionId")).Distinct().CountAsync();
        Assert.Equal(1, executions);
    }

    [Fact]
    public async Task TheGroupEvaluationOfFiveHundredOrdersFinishesSoonAfterClose()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f, stock: 10_000);
        var members = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => app.NewMemberAsync(f, $"买家{i}")));
        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, _) =>
            await TestApp.OkJsonAsync(await app.OrderAsync(id, members[n % members.Length].Token, itemId, 1), 201));

        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/actions/close", secret: f.LeaderKey));
        await Lifecycles.WaitForPhaseAsync(app.Client, id, "fulfilling", TimeSpan.FromSeconds(60));
        var history = await Lifecycles.HistoryAsync(app.Client, id, f.LeaderKey);
        var evaluation = history.Single(h => h.To == "fulfilling").At - history.Single(h => h.To == "closed").At;
        output.WriteLine($"成团 evaluation of 500 orders: fulfilling {evaluation.TotalMilliseconds:F0} ms after close");
        Assert.Equal(500, (await Lifecycles.NotificationsAsync(app.Client, id, f.LeaderKey)).Count(n => n.Kind == "result"));
    }

    private static async Task<OrchestrationMetadata> WaitForStatusAsync(DurableTaskClient durable, string campaignId, OrchestrationRuntimeStatus status)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        OrchestrationMetadata? last = null;
        while (!timeout.IsCancellationRequested)
        {
            last = await durable.GetInstanceAsync(CampaignLifecycleFunctions.InstanceId(campaignId));
            if (last?.RuntimeStatus == status)
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Orchestration of {campaignId} is {last?.RuntimeStatus.ToString() ?? "absent"}, expected {status}.");
    }
}

/// <summary>Reading a campaign's lifecycle through the public API (for the in-process app and for app processes).</summary>
internal static class Lifecycles
{
    public sealed record Entry(string To, string Cause, DateTimeOffset At);

    public sealed record Notice(string Kind, string MemberId, string? OrderId);

    public static async Task<JsonElement> GetAsync(HttpClient http, string path, string? secret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (secret is not null)
        {
            request.Headers.Authorization = new("Bearer", secret);
        }

        return await TestApp.OkJsonAsync(await http.SendAsync(request));
    }

    public static async Task WaitForPhaseAsync(HttpClient http, string campaignId, string phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? now;
        do
        {
            now = (await GetAsync(http, $"/api/campaigns/{campaignId}")).GetProperty("phase").GetString();
            if (now == phase)
            {
                return;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Still {now} after {timeout.TotalSeconds} s; expected {phase}.");
    }

    public static async Task<List<Entry>> HistoryAsync(HttpClient http, string campaignId, string secret) =>
        [.. (await GetAsync(http, $"/api/campaigns/{campaignId}/history", secret)).EnumerateArray()
            .Select(h => new Entry(h.GetProperty("to").GetString()!, h.GetProperty("cause").GetString()!, h.GetProperty("at").GetDateTimeOffset()))];

    public static async Task<List<Notice>> NotificationsAsync(HttpClient http, string campaignId, string secret) =>
        [.. (await GetAsync(http, $"/api/campaigns/{campaignId}/notifications", secret)).EnumerateArray()
            .Select(n => new Notice(n.GetProperty("kind").GetString()!, n.GetProperty("memberId").GetString()!, n.TryGetProperty("orderId", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null))];

    public static async Task WaitForNotificationAsync(HttpClient http, string campaignId, string secret, string kind, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!(await NotificationsAsync(http, campaignId, secret)).Any(n => n.Kind == kind))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No {kind} notification within {timeout.TotalSeconds} s.");
            await Task.Delay(100);
        }
    }

    public static async Task WaitForReportAsync(HttpClient http, string campaignId, string secret)
    {
        for (var i = 0; i < 150; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/campaigns/{campaignId}/report");
            request.Headers.Authorization = new("Bearer", secret);
            using var response = await http.SendAsync(request);
            if ((int)response.StatusCode == 200)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail("No report 30 s after completion.");
    }

    /// <summary>Every expected kind was sent, and nobody heard anything twice (a result is per order, the rest per member).</summary>
    public static void AssertOneNotificationPerMemberAndKind(IReadOnlyList<Notice> notices, IEnumerable<string> expectedKinds)
    {
        Assert.Equal(expectedKinds.Order(StringComparer.Ordinal), notices.Select(n => n.Kind).Distinct().Order(StringComparer.Ordinal));
        var twice = notices.GroupBy(n => (n.Kind, n.MemberId, OrderId: n.Kind == "result" ? n.OrderId : null)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(twice);
    }
}
