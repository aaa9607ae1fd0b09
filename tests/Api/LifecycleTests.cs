using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;
using ServerlessCommerce.Tests.Lifecycle;

namespace ServerlessCommerce.Tests.Api;

// Tests that kill app processes run one after another: two at once on a 2-core machine slow each past its waits.
[Collection(ProcessKillTests.Name)]
public sealed class LifecycleTests
{
    private static async Task<JsonElement> WaitForPhaseAsync(Func<Task<JsonElement>> read, string phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement view;
        do
        {
            view = await read();
            if (view.GetProperty("phase").GetString() == phase)
            {
                return view;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Still {view.GetProperty("phase").GetString()} after {timeout.TotalSeconds} s; expected {phase}.");
    }

    [Fact]
    public async Task AScheduledCampaignRunsFromPreheatToCompletedOnItsOwnTimers()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        var productId = await app.NewProductAsync(f);
        var t0 = DateTimeOffset.UtcNow;
        var created = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "定时开团", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new object[]
            {
                new { productId, priceFen = 1000, stock = 10, minGroupSize = 2 },
                new { productId = await app.NewProductAsync(f, "冷门商品"), priceFen = 500, stock = 10, minGroupSize = 5 },
            },
            preheatAt = t0.AddSeconds(2), liveStartAt = t0.AddSeconds(5), liveEndAt = t0.AddSeconds(10), pickupUntil = t0.AddSeconds(30),
            followUpAfterHours = 1.0 / 3600, followUpWindowHours = 2.0 / 3600,
        }, f.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        var items = created.GetProperty("items");
        Task<JsonElement> View() => app.GetAsync($"/api/campaigns/{id}").ContinueWith(r => TestApp.OkJsonAsync(r.Result), TaskScheduler.Default).Unwrap();

        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/reservations", secret: f.MemberToken), 201);
        await WaitForPhaseAsync(View, "live", TimeSpan.FromSeconds(20));
        var (_, second) = await app.NewMemberAsync(f);
        var mine = await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, items[0].GetProperty("itemId").GetString()!, 2), 201);
        var theirs = await TestApp.OkJsonAsync(await app.OrderAsync(id, second, items[1].GetProperty("itemId").GetString()!, 1), 201);

        await WaitForPhaseAsync(View, "fulfilling", TimeSpan.FromSeconds(25));
        var myOrder = await TestApp.OkJsonAsync(await app.GetAsync($"/api/orders/{mine.GetProperty("orderId").GetString()}", f.MemberToken));
        Assert.Equal("confirmed", myOrder.GetProperty("status").GetString());
        var code = myOrder.GetProperty("pickupCode").GetString();
        Assert.Matches("^[0-9]{8}$", code);
        var theirOrder = await TestApp.OkJsonAsync(await app.GetAsync($"/api/orders/{theirs.GetProperty("orderId").GetString()}", second));
        Assert.Equal("cancelled", theirOrder.GetProperty("status").GetString());
        Assert.Equal("group-minimum-not-met", theirOrder.GetProperty("items")[0].GetProperty("cancelReason").GetString());
        Assert.Equal(JsonValueKind.Null, (await TestApp.OkJsonAsync(await app.GetAsync($"/api/orders/{mine.GetProperty("orderId").GetString()}", f.LeaderKey))).GetProperty("pickupCode").ValueKind);

        await TestApp.ProblemAsync(await app.PostAsync($"/api/campaigns/{id}/pickups", new { pickupCode = "00000000" }, f.LeaderKey), 400, "wrong-pickup-code");
        var picked = await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/pickups", new { pickupCode = code }, f.LeaderKey));
        Assert.Equal("pickedUp", Assert.Single(picked.GetProperty("orders").EnumerateArray()).GetProperty("status").GetString());
        await TestApp.ProblemAsync(await app.PostAsync($"/api/campaigns/{id}/pickups", new { pickupCode = code }, f.LeaderKey), 409, "already-picked-up");

        // Every confirmed order is handed over: follow-up 1 s later, completion 2 s after that.
        await WaitForPhaseAsync(View, "completed", TimeSpan.FromSeconds(30));
        var history = await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}/history", f.LeaderKey));
        Assert.Equal(["preheat", "live", "closed", "fulfilling", "followUp", "completed"], history.EnumerateArray().Select(h => h.GetProperty("to").GetString()));
        Assert.All(history.EnumerateArray(), h => Assert.Contains(h.GetProperty("cause").GetString(), new[] { "timer", "sweeper" }));

        // Completion writes the post-campaign report; a person opens its HTML in a browser.
        JsonElement report = default;
        for (var i = 0; i < 100; i++)
        {
            using var r = await app.GetAsync($"/api/campaigns/{id}/report", f.LeaderKey);
            if ((int)r.StatusCode == 200)
            {
                report = await TestApp.OkJsonAsync(r);
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal(JsonValueKind.Object, report.ValueKind);
        using var html = await new HttpClient().GetAsync(report.GetProperty("reportUrl").GetString());
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        Assert.Contains("定时开团", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var notifications = await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}/notifications", f.LeaderKey));
        var kinds = notifications.EnumerateArray().Select(n => n.GetProperty("kind").GetString()).ToHashSet();
        Assert.Contains("preview", kinds);
        Assert.Contains("live-reminder", kinds);
        Assert.Contains("survey", kinds);
        Assert.Equal(2, notifications.EnumerateArray().Count(n => n.GetProperty("kind").GetString() == "result"));
    }

    [Fact]
    public async Task MembersWhoHaveNotPickedUpAreRemindedBeforePickupEnds()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        var productId = await app.NewProductAsync(f);
        var t0 = DateTimeOffset.UtcNow;
        var created = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "提醒取货", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId, priceFen = 1000, stock = 10, minGroupSize = 1 } },
            preheatAt = t0, liveStartAt = t0.AddSeconds(1), liveEndAt = t0.AddSeconds(6), pickupUntil = t0.AddSeconds(22),
            followUpAfterHours = 1,
        }, f.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        Task<JsonElement> View() => app.GetAsync($"/api/campaigns/{id}").ContinueWith(r => TestApp.OkJsonAsync(r.Result), TaskScheduler.Default).Unwrap();
        await WaitForPhaseAsync(View, "live", TimeSpan.FromSeconds(15));
        var (_, picker) = await app.NewMemberAsync(f);
        var forgetful = await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, created.GetProperty("items")[0].GetProperty("itemId").GetString()!, 1), 201);
        var prompt = await TestApp.OkJsonAsync(await app.OrderAsync(id, picker, created.GetProperty("items")[0].GetProperty("itemId").GetString()!, 1), 201);
        await WaitForPhaseAsync(View, "fulfilling", TimeSpan.FromSeconds(20));
        var code = (await TestApp.OkJsonAsync(await app.GetAsync($"/api/orders/{prompt.GetProperty("orderId").GetString()}", picker))).GetProperty("pickupCode").GetString();
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/pickups", new { pickupCode = code }, f.LeaderKey));

        JsonElement reminders = default;
        for (var i = 0; i < 150; i++)
        {
            reminders = await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}/notifications", f.LeaderKey));
            if (reminders.EnumerateArray().Any(n => n.GetProperty("kind").GetString() == "pickup-reminder"))
            {
                break;
            }

            await Task.Delay(200);
        }

        var reminded = reminders.EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "pickup-reminder").ToList();
        Assert.Equal(forgetful.GetProperty("orderId").GetString(), Assert.Single(reminded).GetProperty("orderId").GetString());
        Assert.True(reminded[0].GetProperty("at").GetDateTimeOffset() < t0.AddSeconds(22), "the reminder comes before pickup ends");
    }

    [Fact]
    public async Task ASoldOutCampaignClosesItselfWithTheStockAsCauseAndLateBuyersHearSoldOut()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f, stock: 2);
        await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, itemId, 2), 201);
        await WaitForPhaseAsync(() => app.GetAsync($"/api/campaigns/{id}").ContinueWith(r => TestApp.OkJsonAsync(r.Result), TaskScheduler.Default).Unwrap(), "fulfilling", TimeSpan.FromSeconds(20));
        var history = await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}/history", f.LeaderKey));
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("to").GetString() == "closed" && h.GetProperty("cause").GetString() == "soldOut");

        // A neighbour who comes late learns why: the goods are gone, not that the sale "is not live".
        var (_, late) = await app.NewMemberAsync(f);
        await TestApp.ProblemAsync(await app.OrderAsync(id, late, itemId, 1), 409, "sold-out");
    }

    [Fact]
    public async Task APickupCodeReachesOnlyItsMemberByEveryRoute()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var otherLeader = (await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/leaders", new { name = "赵团长", storeId = f.StoreId }, f.AdminKey), 201))
            .GetProperty("leaderKey").GetString()!;
        var (id, itemId) = await app.NewLiveCampaignAsync(f);
        var orderId = (await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, itemId, 2), 201)).GetProperty("orderId").GetString()!;
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{id}/actions/close", secret: f.LeaderKey));
        await WaitForPhaseAsync(() => app.GetAsync($"/api/campaigns/{id}").ContinueWith(r => TestApp.OkJsonAsync(r.Result), TaskScheduler.Default).Unwrap(), "fulfilling", TimeSpan.FromSeconds(20));
        var code = (await TestApp.OkJsonAsync(await app.GetAsync($"/api/orders/{orderId}", f.MemberToken))).GetProperty("pickupCode").GetString()!;
        Assert.Matches("^[0-9]{8}$", code);
        Assert.Contains(code, await (await app.GetAsync("/api/members/me/orders", f.MemberToken)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The result notification and the confirmation event have gone out before anything is read.
        var log = app.Services.GetRequiredService<ServerlessCommerce.Events.EventLog>();
        string events = string.Empty, notifications = string.Empty;
        for (var i = 0; i < 100 && !(events.Contains("order.confirmed", StringComparison.Ordinal) && notifications.Contains("\"result\"", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100);
            events = string.Join("\n", (await log.ListAsync(f.ChainId)).Select(e => e.Type + " " + e.Data.GetRawText()));
            notifications = await (await app.GetAsync($"/api/campaigns/{id}/notifications", f.LeaderKey)).Content.ReadAsStringAsync();
        }

        Assert.Contains("order.confirmed", events, StringComparison.Ordinal);
        Assert.Contains("\"result\"", notifications, StringComparison.Ordinal);
        var seenByStaff = new List<string> { events };
        foreach (var staff in new[] { f.LeaderKey, otherLeader, f.AdminKey })
        {
            foreach (var path in new[]
                     {
                         $"/api/campaigns/{id}/notifications", $"/api/orders/{orderId}", $"/api/campaigns/{id}/orders", $"/api/campaigns/{id}/orders?format=csv",
                         $"/api/campaigns/{id}/pickup-list", $"/api/campaigns/{id}/pickup-list?format=csv",
                     })
            {
                using var r = await app.GetAsync(path, staff);
                Assert.True((int)r.StatusCode == 200, $"{path}: {(int)r.StatusCode}");
                seenByStaff.Add(path + " " + await r.Content.ReadAsStringAsync());
            }
        }

        Assert.All(seenByStaff, text => Assert.DoesNotContain(code, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeliveryOrdersMoveFromDispatchedToDeliveredAndOnlyTheStoresLeaderHandsOver()
    {
        var app = await TestApp.SharedAsync();
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f);
        var order = await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, itemId, 1, fulfilment: "delivery", address: "幸福路 1 号 2 栋"), 201);
        var orderId = order.GetProperty("orderId").GetString();
        await app.PostAsync($"/api/campaigns/{id}/actions/close", secret: f.LeaderKey);
        await WaitForPhaseAsync(() => app.GetAsync($"/api/campaigns/{id}").ContinueWith(r => TestApp.OkJsonAsync(r.Result), TaskScheduler.Default).Unwrap(), "fulfilling", TimeSpan.FromSeconds(20));

        var other = await app.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await app.PostAsync($"/api/orders/{orderId}/delivery", new { status = "dispatched" }, other.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await app.PostAsync($"/api/orders/{orderId}/delivery", new { status = "teleported" }, f.LeaderKey), 400, "validation");
        Assert.Equal("dispatched", (await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{orderId}/delivery", new { status = "dispatched" }, f.LeaderKey))).GetProperty("status").GetString());
        Assert.Equal("delivered", (await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{orderId}/delivery", new { status = "delivered" }, f.LeaderKey))).GetProperty("status").GetString());
        await TestApp.ProblemAsync(await app.PostAsync($"/api/orders/{orderId}/delivery", new { status = "delivered" }, f.LeaderKey), 409, "already-picked-up");
        Assert.Empty((await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}/pickup-list", f.LeaderKey))).EnumerateArray());
    }

    [Fact]
    public async Task KillingTheAppDuringTheGroupEvaluationLosesAndDuplicatesNothing()
    {
        await using var azurite = await Azurite.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString, ["PlatformAdminKey"] = TestApp.PlatformKey,
            ["TokenSigningKey"] = "restart-test-signing-key-0123456789abcdef", ["QueueMaxPollingIntervalMilliseconds"] = "100",
            ["QueueVisibilityTimeoutSeconds"] = "5",
        };
        var port = Azurite.FreePort();
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var first = await AppProcess.StartAsync(port, env);
        TestApp.ChainFixture f;
        string id;
        const int buyers = 60, perBuyer = 20; // 1,200 orders
        await using (var setup = await TestApp.StartAsync(new Dictionary<string, string?> { ["QueueMaxPollingIntervalMilliseconds"] = "60000" }, storage: azurite))
        {
            // Setup through a second instance whose pumps sleep; the process under test does the background work.
            f = await setup.NewChainWithPeopleAsync();
            (id, var itemId) = await setup.NewLiveCampaignAsync(f, stock: 10_000);
            var members = await Task.WhenAll(Enumerable.Range(0, buyers).Select(i => setup.NewMemberAsync(f, $"重启{i}")));
            await Parallel.ForEachAsync(Enumerable.Range(0, buyers * perBuyer), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (n, _) =>
                await TestApp.OkJsonAsync(await setup.OrderAsync(id, members[n % buyers].Token, itemId, 1), 201));
        }

        var tables = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        async Task<(int Placed, int Confirmed)> CountAsync()
        {
            var rows = await tables.QueryAsync("Campaigns", TableQuery.Partition(id, TableFilter.RowKeyStartsWith("o_")) with { Select = ["Status"] }).ToListAsync();
            return (rows.Count(r => r.GetString("Status") == "placed"), rows.Count(r => r.GetString("Status") == "confirmed"));
        }

        using (var close = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{id}/actions/close"))
        {
            close.Headers.Authorization = new("Bearer", f.LeaderKey);
            Assert.Equal(200, (int)(await first.Client.SendAsync(close)).StatusCode);
        }

        (int Placed, int Confirmed) atKill = (0, 0);
        for (var i = 0; i < 400; i++)
        {
            atKill = await CountAsync();
            if (atKill.Confirmed > 0)
            {
                break;
            }

            await Task.Delay(25);
        }

        await first.DisposeAsync(); // killed mid-fan-out
        Assert.True(atKill.Confirmed > 0, "the evaluation had started before the kill");

        await using var second = await AppProcess.StartAsync(port, env);
        // Chunks the killed process had taken come back when their queue messages' visibility runs out (45 s locally).
        for (var i = 0; i < 600 && (await CountAsync()).Placed > 0; i++)
        {
            await Task.Delay(200);
        }

        var end = await CountAsync();
        Assert.Equal(0, end.Placed);
        Assert.Equal(buyers * perBuyer, end.Confirmed);
        var orders = await tables.QueryAsync("Campaigns", TableQuery.Partition(id, TableFilter.RowKeyStartsWith("o_"))).ToListAsync();
        Assert.All(orders, o => Assert.Matches("^[0-9]{8}$", o.GetString("PickupCode")));
        // One code per member across the killed and the restarted process: each member's orders share it, no two members do.
        var codes = orders.GroupBy(o => o.GetString("MemberId")).Select(g => Assert.Single(g.Select(o => o.GetString("PickupCode")).Distinct())).ToList();
        Assert.Equal(buyers, codes.Count);
        Assert.Equal(codes.Count, codes.Distinct().Count());
        var codeRows = await tables.QueryAsync("Campaigns", TableQuery.Partition(id, TableFilter.RowKeyStartsWith("pc_"))).ToListAsync();
        Assert.Equal(codes.Order(StringComparer.Ordinal), codeRows.Select(r => r.RowKey[3..]).Order(StringComparer.Ordinal));
        Assert.Equal(buyers, (await tables.QueryAsync("Campaigns", TableQuery.Partition(id, TableFilter.RowKeyStartsWith("pm_"))).ToListAsync()).Count);
        var campaign = (await tables.GetAsync("Campaigns", id, "campaign"))!;
        for (var i = 0; i < 300 && campaign.GetString("Phase") != "fulfilling"; i++)
        {
            await Task.Delay(200);
            campaign = (await tables.GetAsync("Campaigns", id, "campaign"))!;
        }

        Assert.Equal("fulfilling", campaign.GetString("Phase"));
        Assert.Equal(buyers * perBuyer, campaign.GetInt32("Confirmed"));
        Assert.Equal(buyers * perBuyer, campaign.GetInt32("ToFulfil"));
    }
}
