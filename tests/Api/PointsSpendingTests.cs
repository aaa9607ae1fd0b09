using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Growth;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Spending points (积分抵扣) against the real app: the chain's rate and cap, the exact amounts an order records, one
/// debit per order through retries and parallel orders, and points coming back exactly once on cancel, campaign
/// cancel, 成团 not met and refunds, also when the outbox delivers again.
/// </summary>
public sealed class PointsSpendingTests : ChainTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private string SettingsPath => $"/api/chains/{Chain.ChainId}/growth-settings";

    /// <summary>100 points make ¥1, points pay up to 20%; one level, so a balance never changes a price.</summary>
    private async Task SpendingOnAsync(int pointsPerYuan = 100, int share = 20) =>
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, SettingsPath, new
        {
            referrerRewardPoints = 0, refereeRewardPoints = 0, purchasePointsPerYuan = 0,
            levels = new[] { new { name = "邻居", minPoints = 0, privileges = Array.Empty<string>() } },
            spendPointsPerYuan = pointsPerYuan, maxPointsSharePercent = share,
        }, Chain.AdminKey));

    private async Task GiveAsync(string memberId, int amount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{memberId}/points/adjustments") { Content = JsonContent.Create(new { amount, reason = "测试积分" }) };
        request.Headers.Authorization = new("Bearer", Chain.AdminKey);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(request), 201);
    }

    private Task<HttpResponseMessage> OrderAsync(string campaignId, string token, object[] items, int? pointsToUse, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items, fulfilment = "pickup", pointsToUse }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return App.Client.SendAsync(request);
    }

    private static object[] Items(string itemId, int quantity) => [new { itemId, quantity }];

    private async Task<JsonElement> PointsAsync(string token) => await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", token));

    private async Task<int> BalanceAsync(string token) => (await PointsAsync(token)).GetProperty("balance").GetInt32();

    private async Task<int> BalanceWhenAsync(string token, Func<int, bool> reached)
    {
        var until = DateTime.UtcNow + Patience;
        var balance = await BalanceAsync(token);
        while (!reached(balance) && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
            balance = await BalanceAsync(token);
        }

        return balance;
    }

    /// <summary>The member's ledger rows for one order, by reason: what was spent and returned.</summary>
    private async Task<List<(string Reason, int Amount)>> EntriesOfAsync(string token, string orderId) =>
        (await PointsAsync(token)).GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("orderId").GetString() == orderId)
            .Select(e => (e.GetProperty("reason").GetString()!, e.GetProperty("amount").GetInt32()))
            .OrderBy(e => e.Item1, StringComparer.Ordinal).ThenBy(e => e.Item2).ToList();

    /// <summary>What a crash before the outbox's watermark write leaves: every event of the campaign is published again.</summary>
    private async Task RedeliverOutboxAsync(string campaignId)
    {
        // A dispatcher may still hold the outbox's lease (the campaign's last events going out): try until this one publishes.
        var tables = App.Services.GetRequiredService<ITableStore>();
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var outbox = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow);
            try
            {
                if (outbox is null)
                {
                    throw new StorageException(404, null, "the first dispatch has not written the outbox row yet");
                }

                await tables.UpdateAsync(CampaignTables.Campaigns, CampaignTables.ToOutboxEntity(campaignId, new Dictionary<string, long>(), outbox.ETag), TableUpdateMode.Replace, outbox.ETag!);
                if (await App.Services.GetRequiredService<CampaignOutbox>().DispatchAsync(campaignId, CancellationToken.None) > 0)
                {
                    return;
                }
            }
            catch (StorageException)
            {
                // the dispatcher moved the row between our read and write: read again
            }

            Assert.True(DateTime.UtcNow < until, "the reset outbox should publish again");
            await Task.Delay(500);
        }
    }

    private async Task WaitForPhaseAsync(string campaignId, string phase)
    {
        var until = DateTime.UtcNow + Patience;
        while ((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString() != phase)
        {
            Assert.True(DateTime.UtcNow < until, $"the campaign did not reach {phase}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task SpendingIsOffByDefaultAndTheRateAndCapAreValidatedTogether()
    {
        var defaults = await TestApp.OkJsonAsync(await App.GetAsync(SettingsPath, Chain.AdminKey));
        Assert.Equal(0, defaults.GetProperty("spendPointsPerYuan").GetInt32());
        Assert.Equal(0, defaults.GetProperty("maxPointsSharePercent").GetInt32());

        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        await GiveAsync(Chain.MemberId, 500);
        await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 1), 100), 409, "points-spending-off");
        Assert.Equal(500, await BalanceAsync(Chain.MemberToken));

        object Body(int rate, int share) => new
        {
            referrerRewardPoints = 0, refereeRewardPoints = 0, purchasePointsPerYuan = 1,
            levels = new[] { new { name = "邻居", minPoints = 0 } }, spendPointsPerYuan = rate, maxPointsSharePercent = share,
        };
        foreach (var (body, field) in new[] { (Body(10_001, 20), "spendPointsPerYuan"), (Body(100, 101), "maxPointsSharePercent"), (Body(100, 0), "maxPointsSharePercent"), (Body(0, 20), "maxPointsSharePercent"), (Body(-1, 20), "spendPointsPerYuan") })
        {
            var problem = await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, SettingsPath, body, Chain.AdminKey), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} should be named: {problem}");
        }

        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, SettingsPath, Body(100, 20), Chain.LeaderKey), 403, "forbidden");
        var saved = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, SettingsPath, Body(30, 15), Chain.AdminKey));
        Assert.Equal(30, saved.GetProperty("spendPointsPerYuan").GetInt32());
        Assert.Equal(15, saved.GetProperty("maxPointsSharePercent").GetInt32());
        Assert.Equal(3, saved.GetProperty("spendStep").GetInt32()); // 30 points per yuan: 3 points make 10 fen
        var read = await TestApp.OkJsonAsync(await App.GetAsync(SettingsPath, Chain.LeaderKey));
        Assert.Equal(15, read.GetProperty("maxPointsSharePercent").GetInt32());

        // 31 points at 30 per yuan are not whole fen.
        var uneven = await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 1), 31), 400, "validation");
        Assert.True(uneven.GetProperty("errors").TryGetProperty("pointsToUse", out _));
        await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 1), -3), 400, "validation");
    }

    [Fact]
    public async Task PointsPayTheExactDiscountTheTotalStaysTheGoodsAndTheCapIsNamedWhenExceeded()
    {
        await SpendingOnAsync(pointsPerYuan: 100, share: 20);
        await GiveAsync(Chain.MemberId, 1500);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, priceFen: 3990, livePriceFen: 2990);

        // 2 × ¥29.90 = ¥59.80; 20% is ¥11.96 = 1196 points at most.
        var over = await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 1197), 409, "points-over-cap");
        Assert.Contains("1196", over.GetProperty("detail").GetString());
        Assert.Contains("20%", over.GetProperty("detail").GetString());
        Assert.Equal(1500, await BalanceAsync(Chain.MemberToken));
        Assert.Equal(100, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("remaining").GetInt32());

        var order = await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, [new { itemId, quantity = 2, expectedUnitPriceFen = 2990 }], 1196), 201);
        Assert.Equal(5980, order.GetProperty("totalFen").GetInt64());
        Assert.Equal(1196, order.GetProperty("pointsUsed").GetInt32());
        Assert.Equal(1196, order.GetProperty("pointsDiscountFen").GetInt64());
        Assert.Equal(5980 - 1196, order.GetProperty("payableFen").GetInt64());
        Assert.Equal(2990, order.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64()); // the price shown is the price charged
        Assert.Equal(1500 - 1196, await BalanceAsync(Chain.MemberToken));
        var orderId = order.GetProperty("orderId").GetString()!;
        Assert.Equal([("spend", -1196)], await EntriesOfAsync(Chain.MemberToken, orderId));

        // The order as read back, and at another rate: 50 points per yuan, 2 points per fen.
        var read = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        Assert.Equal(4784, read.GetProperty("payableFen").GetInt64());
        await SpendingOnAsync(pointsPerYuan: 50, share: 10);
        var capped = await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 1), 150), 409, "points-over-cap");
        Assert.Contains("149", capped.GetProperty("detail").GetString()); // 10% of ¥29.90 is ¥2.99: 149 points (¥2.98) at most
        var second = await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 1), 149), 201);
        Assert.Equal(298, second.GetProperty("pointsDiscountFen").GetInt64()); // 149 points at 50 per yuan = ¥2.98
        Assert.Equal(2990 - 298, second.GetProperty("payableFen").GetInt64());
        Assert.Equal(1500 - 1196 - 149, await BalanceAsync(Chain.MemberToken));

        // An order without points is what it always was.
        var plain = await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 1), null), 201);
        Assert.Equal(0, plain.GetProperty("pointsUsed").GetInt32());
        Assert.Equal(2990, plain.GetProperty("payableFen").GetInt64());
    }

    [Fact]
    public async Task TooFewPointsAre409AndNothingIsOrdered()
    {
        await SpendingOnAsync();
        await GiveAsync(Chain.MemberId, 100);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var problem = await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 500), 409, "insufficient-points");
        Assert.Contains("100", problem.GetProperty("detail").GetString());
        Assert.Equal(100, await BalanceAsync(Chain.MemberToken));
        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/orders", Chain.LeaderKey))).EnumerateArray());
    }

    [Fact]
    public async Task RetriesWithTheSameKeyDebitOnceAndAnotherPointsFigureUnderThatKeyIsAConflict()
    {
        await SpendingOnAsync();
        await GiveAsync(Chain.MemberId, 1000);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 600, key)));
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"got {(int)a.StatusCode}"));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        var again = await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 600, key));
        Assert.Equal(600, again.GetProperty("pointsUsed").GetInt32());
        await TestApp.ProblemAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 500, key), 409, "idempotency-conflict");

        var orderId = again.GetProperty("orderId").GetString()!;
        Assert.Equal(400, await BalanceAsync(Chain.MemberToken));
        await RedeliverOutboxAsync(campaignId);
        Assert.Equal(400, await BalanceAsync(Chain.MemberToken));
        Assert.Equal([("spend", -600)], await EntriesOfAsync(Chain.MemberToken, orderId));
    }

    [Fact]
    public async Task ParallelOrdersSpendingTheSameBalanceNeverOverspendAndTheLosersAreCancelledWithTheirStock()
    {
        await SpendingOnAsync();
        await GiveAsync(Chain.MemberId, 1000);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 50);

        // Five orders of ¥59.80 at once, each asking 400 of the 1000 points: two can be paid.
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 400)));
        var texts = await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()));
        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        for (var i = 0; i < answers.Length; i++)
        {
            if (answers[i].StatusCode != HttpStatusCode.Created)
            {
                Assert.Equal(HttpStatusCode.Conflict, answers[i].StatusCode);
                Assert.Contains("insufficient-points", texts[i]);
            }
        }

        Assert.Equal(200, await BalanceAsync(Chain.MemberToken));
        var orders = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", Chain.MemberToken))).EnumerateArray().ToList();
        Assert.Equal(2, orders.Count(o => o.GetProperty("status").GetString() != "cancelled"));
        Assert.All(orders.Where(o => o.GetProperty("status").GetString() == "cancelled"),
            o => Assert.Equal("points-insufficient", o.GetProperty("items")[0].GetProperty("cancelReason").GetString()));
        Assert.Equal(50 - 4, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("remaining").GetInt32());

        // The outbox settles every order again: still 200, no debit for a cancelled order.
        await RedeliverOutboxAsync(campaignId);
        Assert.Equal(200, await BalanceAsync(Chain.MemberToken));
        foreach (var cancelled in orders.Where(o => o.GetProperty("status").GetString() == "cancelled"))
        {
            Assert.Empty(await EntriesOfAsync(Chain.MemberToken, cancelled.GetProperty("orderId").GetString()!));
        }
    }

    [Fact]
    public async Task AMembersCancelReturnsThePointsOnceEvenWhenTheCancelAndTheOutboxComeAgain()
    {
        await SpendingOnAsync();
        await GiveAsync(Chain.MemberId, 800);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 700), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        Assert.Equal(100, await BalanceAsync(Chain.MemberToken));

        var cancelled = await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/cancel", secret: Chain.MemberToken));
        Assert.Equal(0, cancelled.GetProperty("payableFen").GetInt64());
        Assert.Equal(800, await BalanceAsync(Chain.MemberToken)); // back at once, not only when the outbox runs
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/cancel", secret: Chain.MemberToken));
        await RedeliverOutboxAsync(campaignId);
        await RedeliverOutboxAsync(campaignId);
        Assert.Equal(800, await BalanceAsync(Chain.MemberToken));
        Assert.Equal([("return", 700), ("spend", -700)], await EntriesOfAsync(Chain.MemberToken, orderId));
    }

    [Fact]
    public async Task ACampaignCancelReturnsEveryMembersPointsExactlyOnce()
    {
        await SpendingOnAsync();
        var (otherId, otherToken) = await App.NewMemberAsync(Chain);
        await GiveAsync(Chain.MemberId, 500);
        await GiveAsync(otherId, 300);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var mine = (await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 3), 500), 201)).GetProperty("orderId").GetString()!;
        var theirs = (await TestApp.OkJsonAsync(await OrderAsync(campaignId, otherToken, Items(itemId, 1), 300), 201)).GetProperty("orderId").GetString()!;
        Assert.Equal(0, await BalanceAsync(Chain.MemberToken));
        Assert.Equal(0, await BalanceAsync(otherToken));

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/cancel", secret: Chain.LeaderKey));
        Assert.Equal(500, await BalanceWhenAsync(Chain.MemberToken, b => b >= 500));
        Assert.Equal(300, await BalanceWhenAsync(otherToken, b => b >= 300));

        await RedeliverOutboxAsync(campaignId);
        Assert.Equal(500, await BalanceAsync(Chain.MemberToken));
        Assert.Equal(300, await BalanceAsync(otherToken));
        Assert.Equal([("return", 500), ("spend", -500)], await EntriesOfAsync(Chain.MemberToken, mine));
        Assert.Equal([("return", 300), ("spend", -300)], await EntriesOfAsync(otherToken, theirs));
    }

    [Fact]
    public async Task LinesCancelledAtGroupEvaluationReturnTheirShareInWholePointsOnceAndARefundReturnsTheRest()
    {
        await SpendingOnAsync(pointsPerYuan: 100, share: 50);
        await GiveAsync(Chain.MemberId, 3000);

        // Two items: peaches form a group at 1, cherries need 10 and will not.
        var peaches = await App.NewProductAsync(Chain);
        var cherries = await App.NewProductAsync(Chain, "车厘子");
        var now = DateTimeOffset.UtcNow;
        var campaign = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = "周五 · 水果专场", storeId = Chain.StoreId, leaderId = Chain.LeaderId,
            items = new object[]
            {
                new { productId = peaches, priceFen = 3000, livePriceFen = 2000, stock = 50, minGroupSize = 1 },
                new { productId = cherries, priceFen = 5000, livePriceFen = 1000, stock = 50, minGroupSize = 10 },
            },
            preheatAt = now.AddMinutes(-5), liveStartAt = now.AddMinutes(-1), liveEndAt = now.AddHours(5), pickupUntil = now.AddDays(2),
        }, Chain.LeaderKey), 201);
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        var peachItem = campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!;
        var cherryItem = campaign.GetProperty("items")[1].GetProperty("itemId").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));

        // Goods ¥20.00 + 2 × ¥10.00 = ¥40.00 (4000 fen), 1999 points (¥19.99).
        var order = await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, [new { itemId = peachItem, quantity = 1 }, new { itemId = cherryItem, quantity = 2 }], 1999), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        Assert.Equal(4000 - 1999, order.GetProperty("payableFen").GetInt64());
        Assert.Equal(1001, await BalanceAsync(Chain.MemberToken));

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        await WaitForPhaseAsync(campaignId, "fulfilling");

        // Cherries (2000 of 4000 fen) cancelled: floor(1999 × 2000 / 4000) = 999 points back; the peaches keep 1000.
        Assert.Equal(1001 + 999, await BalanceWhenAsync(Chain.MemberToken, b => b >= 2000));
        var read = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        Assert.Equal("confirmed", read.GetProperty("status").GetString());
        Assert.Equal(2000, read.GetProperty("totalFen").GetInt64());
        Assert.Equal(1999 - (1999 * 2000 / 4000), read.GetProperty("pointsDiscountFen").GetInt64()); // the discount the peaches keep
        Assert.Equal(2000 - 1000, read.GetProperty("payableFen").GetInt64());
        Assert.Equal(1999, read.GetProperty("pointsUsed").GetInt32());
        Assert.Equal(999, read.GetProperty("pointsReturned").GetInt32());
        await RedeliverOutboxAsync(campaignId);
        Assert.Equal(2000, await BalanceAsync(Chain.MemberToken));
        Assert.Equal([("return", 999), ("spend", -1999)], await EntriesOfAsync(Chain.MemberToken, orderId));

        // After-sale: the peaches refunded (their 2000 fen): every point is back, once, however often it is asked.
        var spending = App.Services.GetRequiredService<PointsSpending>();
        Assert.Equal(1999, await spending.ReturnForRefundAsync(orderId, 2000, CancellationToken.None));
        Assert.Equal(1999, await spending.ReturnForRefundAsync(orderId, 2000, CancellationToken.None));
        Assert.Equal(1999, await spending.ReturnForRefundAsync(orderId, 500, CancellationToken.None));
        Assert.Equal(3000, await BalanceAsync(Chain.MemberToken));
    }

    [Fact]
    public async Task AnOrderWhollyCancelledAtGroupEvaluationReturnsAllItsPointsOnce()
    {
        await SpendingOnAsync();
        await GiveAsync(Chain.MemberId, 600);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, minGroupSize: 5);
        var orderId = (await TestApp.OkJsonAsync(await OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 555), 201)).GetProperty("orderId").GetString()!;
        Assert.Equal(45, await BalanceAsync(Chain.MemberToken));

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        Assert.Equal(600, await BalanceWhenAsync(Chain.MemberToken, b => b >= 600));
        await RedeliverOutboxAsync(campaignId);
        Assert.Equal(600, await BalanceAsync(Chain.MemberToken));
        Assert.Equal([("return", 555), ("spend", -555)], await EntriesOfAsync(Chain.MemberToken, orderId));
    }

    [Fact]
    public async Task ADeductionAndAnOrderRacingForTheSameBalanceNeverTakeItBelowZero()
    {
        await SpendingOnAsync();
        await GiveAsync(Chain.MemberId, 500);
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var deduct = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(new { amount = -400, reason = "测试扣减" }) };
        deduct.Headers.Authorization = new("Bearer", Chain.AdminKey);
        deduct.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var both = await Task.WhenAll(App.Client.SendAsync(deduct), OrderAsync(campaignId, Chain.MemberToken, Items(itemId, 2), 400));
        Assert.Equal(1, both.Count(a => a.IsSuccessStatusCode));
        Assert.All(both.Where(a => !a.IsSuccessStatusCode), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Equal(100, await BalanceAsync(Chain.MemberToken));
    }
}
