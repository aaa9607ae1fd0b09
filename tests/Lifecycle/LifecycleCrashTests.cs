using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Functions.Hosting.Durable;
using ServerlessCommerce.Functions.Lifecycle;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Lifecycle;

/// <summary>
/// kill -9 of the app process in the middle of a campaign's lifecycle: started again on the same port (so with the
/// same durable worker id), it carries on, and nothing happens twice.
/// </summary>
// Tests that kill app processes run one after another: two at once on a 2-core machine slow each past its waits.
[Collection(ProcessKillTests.Name)]
public sealed class LifecycleCrashTests
{
    private const int Orders = 240; // ten chunks of 24: the evaluation takes a few seconds, time to kill it mid-way
    [Fact]
    public async Task KillingTheAppWhileATimerIsPendingStillRunsTheWholeLifecycleOnce()
    {
        await using var azurite = await Azurite.StartAsync();
        var (port, env) = Environment(azurite);
        var first = await AppProcess.StartAsync(port, env);
        var api = new Api(first.Client);
        var f = await api.NewChainWithPeopleAsync();
        var (_, other) = await api.NewMemberAsync(f);
        var productId = await api.NewProductAsync(f);
        var t0 = DateTimeOffset.UtcNow;
        var liveEndAt = t0.AddSeconds(25);
        var created = await api.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "重启不丢", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId, priceFen = 1000, stock = 20, minGroupSize = 1 } },
            preheatAt = t0.AddSeconds(3), liveStartAt = t0.AddSeconds(5), liveEndAt, pickupUntil = t0.AddSeconds(35),
            followUpAfterHours = 1.0 / 3600, followUpWindowHours = 1.0 / 3600,
        }, f.LeaderKey, 201);
        var id = created.GetProperty("campaignId").GetString()!;
        var itemId = created.GetProperty("items")[0].GetProperty("itemId").GetString()!;
        await api.PostAsync($"/api/campaigns/{id}/reservations", null, f.MemberToken, 201);
        await Lifecycles.WaitForPhaseAsync(first.Client, id, "live", TimeSpan.FromSeconds(20));
        await api.OrderAsync(id, f.MemberToken, itemId, 2);
        await api.OrderAsync(id, other, itemId, 1);
        await using var durable = Client(azurite, env);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await durable.GetInstanceAsync(CampaignLifecycleFunctions.InstanceId(id)))?.RuntimeStatus);
        Assert.True(DateTimeOffset.UtcNow < liveEndAt.AddSeconds(-1), "the close timer is still pending at the kill");

        // kill -9 with the close timer pending; from here on the campaign needs nobody: close, 成团, fulfilling, pickup
        // reminder, follow-up, survey, completion and report all come from the orchestration on the restarted process.
        await first.DisposeAsync();
        await using var second = await AppProcess.StartAsync(port, env);
        await Lifecycles.WaitForPhaseAsync(second.Client, id, "completed", TimeSpan.FromSeconds(150));
        var history = await Lifecycles.HistoryAsync(second.Client, id, f.LeaderKey);
        Assert.Equal(["preheat", "live", "closed", "fulfilling", "followUp", "completed"], history.Select(h => h.To));
        Assert.All(history, h => Assert.Equal("timer", h.Cause));
        await Lifecycles.WaitForReportAsync(second.Client, id, f.LeaderKey);
        Lifecycles.AssertOneNotificationPerMemberAndKind(await Lifecycles.NotificationsAsync(second.Client, id, f.LeaderKey),
            ["preview", "live-reminder", "result", "pickup-reminder", "survey"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await durable.WaitForInstanceCompletionAsync(CampaignLifecycleFunctions.InstanceId(id), timeout.Token)).RuntimeStatus);
    }

    [Fact]
    public async Task KillingTheAppBetweenCloseAndFulfilmentStillRunsTheWholeLifecycleOnce()
    {
        await using var azurite = await Azurite.StartAsync();
        var (port, env) = Environment(azurite);
        var first = await AppProcess.StartAsync(port, env);
        var api = new Api(first.Client);
        var f = await api.NewChainWithPeopleAsync();
        var now = DateTimeOffset.UtcNow;
        var created = await api.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "截单后重启", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId = await api.NewProductAsync(f), priceFen = 1000, stock = 10_000, minGroupSize = 1 } },
            preheatAt = now.AddHours(1), liveStartAt = now.AddHours(2), liveEndAt = now.AddHours(4), pickupUntil = now.AddDays(1),
        }, f.LeaderKey, 201);
        var id = created.GetProperty("campaignId").GetString()!;
        var itemId = created.GetProperty("items")[0].GetProperty("itemId").GetString()!;
        await api.PostAsync($"/api/campaigns/{id}/reservations", null, f.MemberToken, 201);
        await api.PostAsync($"/api/campaigns/{id}/actions/go-live", null, f.LeaderKey, 200);

        // The reminder belongs to the live phase: once closed, the plan moves on without it. So it goes out first.
        await Lifecycles.WaitForNotificationAsync(first.Client, id, f.LeaderKey, "live-reminder", TimeSpan.FromSeconds(30));
        var members = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => api.NewMemberAsync(f, $"买家{i}")));
        await Parallel.ForEachAsync(Enumerable.Range(0, Orders), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, _) =>
            await api.OrderAsync(id, members[n % members.Length].Token, itemId, 1));

        await using var durable = Client(azurite, env);
        var tables = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        await api.PostAsync($"/api/campaigns/{id}/actions/close", null, f.LeaderKey, 200);
        for (var i = 0; i < 200; i++)
        {
            var statuses = await tables.QueryAsync("Campaigns", TableQuery.Partition(id, TableFilter.RowKeyStartsWith("o_")) with { Select = ["Status"] }).Select(r => r.GetString("Status")).ToListAsync();
            if (statuses.Any(s => s != "placed"))
            {
                break;
            }

            await Task.Delay(50);
        }

        await first.DisposeAsync(); // kill -9 while the 成团 evaluation fans out (or, at worst, just before it starts)
        await using var second = await AppProcess.StartAsync(port, env);
        api = new Api(second.Client);

        await Lifecycles.WaitForPhaseAsync(second.Client, id, "fulfilling", TimeSpan.FromSeconds(120));
        await api.PostAsync($"/api/campaigns/{id}/actions/follow-up", null, f.LeaderKey, 200);
        await Lifecycles.WaitForNotificationAsync(second.Client, id, f.LeaderKey, "survey", TimeSpan.FromSeconds(30));
        await api.PostAsync($"/api/campaigns/{id}/actions/complete", null, f.LeaderKey, 200);
        await Lifecycles.WaitForReportAsync(second.Client, id, f.LeaderKey);

        var history = await Lifecycles.HistoryAsync(second.Client, id, f.LeaderKey);
        Assert.Equal(["live", "closed", "fulfilling", "followUp", "completed"], history.Select(h => h.To));
        var notices = await Lifecycles.NotificationsAsync(second.Client, id, f.LeaderKey);
        Lifecycles.AssertOneNotificationPerMemberAndKind(notices, ["live-reminder", "result", "survey"]);
        Assert.Equal(Orders, notices.Count(n => n.Kind == "result"));
        Assert.Equal(members.Length, notices.Count(n => n.Kind == "survey"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await durable.WaitForInstanceCompletionAsync(CampaignLifecycleFunctions.InstanceId(id), timeout.Token)).RuntimeStatus);
    }

    private static (int Port, Dictionary<string, string> Env) Environment(Azurite azurite)
    {
        var port = Azurite.FreePort();
        return (port, new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString, ["PlatformAdminKey"] = TestApp.PlatformKey,
            ["TokenSigningKey"] = "crash-test-signing-key-0123456789abcdef", ["QueueMaxPollingIntervalMilliseconds"] = "100",
            ["QueueVisibilityTimeoutSeconds"] = "5", ["DurableTaskHubName"] = TestApp.NewHubName(),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });
    }

    /// <summary>A client of the app's task hub from the test process (the app's own is out of reach in another process); the fault runs use it too.</summary>
    internal static TaskHubDurableClient Client(Azurite azurite, Dictionary<string, string> env)
    {
        var runtime = new LocalDurableRuntime(new LocalDurableOptions { HubName = env["DurableTaskHubName"] },
            new AppSettings { AzureWebJobsStorage = azurite.ConnectionString }, NullLoggerFactory.Instance);
        return new TaskHubDurableClient(runtime, NullLoggerFactory.Instance);
    }

    /// <summary>The few API calls these tests make against an app process.</summary>
    private sealed class Api(HttpClient http)
    {
        public async Task<JsonElement> PostAsync(string path, object? body, string? secret, int expected = 201)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, options: JsonSerializerOptions.Web) };
            if (secret is not null)
            {
                request.Headers.Authorization = new("Bearer", secret);
            }

            return await TestApp.OkJsonAsync(await http.SendAsync(request), expected);
        }

        public async Task<TestApp.ChainFixture> NewChainWithPeopleAsync()
        {
            var chain = await PostAsync("/api/chains", new { name = "重启连锁" }, TestApp.PlatformKey);
            var (chainId, adminKey) = (chain.GetProperty("chainId").GetString()!, chain.GetProperty("adminKey").GetString()!);
            var storeId = (await PostAsync($"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, adminKey)).GetProperty("storeId").GetString()!;
            var leader = await PostAsync($"/api/chains/{chainId}/leaders", new { name = "王团长", storeId }, adminKey);
            var phone = TestApp.NewPhone();
            var member = await PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone, storeId }, null);
            return new TestApp.ChainFixture(chainId, adminKey, storeId, leader.GetProperty("leaderId").GetString()!, leader.GetProperty("leaderKey").GetString()!,
                member.GetProperty("memberId").GetString()!, member.GetProperty("memberToken").GetString()!, phone);
        }

        public async Task<string> NewProductAsync(TestApp.ChainFixture f) =>
            (await PostAsync($"/api/chains/{f.ChainId}/products", new { name = "阳山水蜜桃", category = "水果", unit = "盒", origin = "无锡阳山", batch = "2026-11-A", story = "果园直发" }, f.AdminKey))
                .GetProperty("productId").GetString()!;

        public async Task<(string MemberId, string Token)> NewMemberAsync(TestApp.ChainFixture f, string name = "邻居")
        {
            var member = await PostAsync($"/api/chains/{f.ChainId}/members", new { name, phone = TestApp.NewPhone(), storeId = f.StoreId }, null);
            return (member.GetProperty("memberId").GetString()!, member.GetProperty("memberToken").GetString()!);
        }

        public async Task OrderAsync(string campaignId, string token, string itemId, int quantity)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
            {
                Content = JsonContent.Create(new { items = new[] { new { itemId, quantity } }, fulfilment = "pickup" }, options: JsonSerializerOptions.Web),
            };
            request.Headers.Authorization = new("Bearer", token);
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            await TestApp.OkJsonAsync(await http.SendAsync(request), 201);
        }
    }
}

/// <summary>The collection of tests that kill and restart app processes (they must not overlap).</summary>
public static class ProcessKillTests
{
    public const string Name = "process kills";
}
