using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// After-sale refunds and points together (real app, Azurite): the points spent on an order (积分抵扣) come back for the
/// refunded share exactly once, and taking back purchase points never drives a balance below zero.
/// </summary>
public sealed class RefundPointsTests : ChainTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private async Task SettingsAsync(int purchasePointsPerYuan, int spendPointsPerYuan, int share) =>
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/growth-settings", new
        {
            referrerRewardPoints = 0, refereeRewardPoints = 0, purchasePointsPerYuan,
            levels = new[] { new { name = "邻居", minPoints = 0, privileges = Array.Empty<string>() } },
            spendPointsPerYuan, maxPointsSharePercent = share,
        }, Chain.AdminKey));

    private async Task AdjustAsync(int amount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(new { amount, reason = "测试积分" }) };
        request.Headers.Authorization = new("Bearer", Chain.AdminKey);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(request), 201);
    }

    private async Task<int> BalanceAsync() =>
        (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken))).GetProperty("balance").GetInt32();

    private async Task<int> BalanceWhenAsync(Func<int, bool> reached)
    {
        var until = DateTime.UtcNow + Patience;
        var balance = await BalanceAsync();
        while (!reached(balance) && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
            balance = await BalanceAsync();
        }

        return balance;
    }

    /// <summary>Three units at ¥29.90, live, closed (成团) and handed over.</summary>
    private async Task<(string ItemId, string OrderId, JsonElement Order)> PickedUpAsync(int? pointsToUse)
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { itemId, quantity = 3 } }, fulfilment = "pickup", pointsToUse }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.MemberToken);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var order = await TestApp.OkJsonAsync(await App.Client.SendAsync(request), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        var until = DateTime.UtcNow + Patience;
        while ((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString() != "fulfilling")
        {
            Assert.True(DateTime.UtcNow < until, "the campaign did not reach fulfilling after close");
            await Task.Delay(200);
        }

        await App.PickUpAsync(Chain, orderId, Chain.MemberToken);
        return (itemId, orderId, order);
    }

    private async Task<string> AskAsync(string orderId, string itemId, int quantity)
    {
        var created = await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/after-sales",
            new { itemId, quantity, kind = "refund", reason = "桃子有磕碰", photoCount = 0 }, Chain.MemberToken), 201);
        return created.GetProperty("request").GetProperty("requestId").GetString()!;
    }

    [Fact]
    public async Task ARefundReturnsTheSpentPointsOfTheRefundedShareExactlyOnceUnderParallelApprovals()
    {
        // 100 points make ¥1, up to 20%; no purchase points, so only spending moves the balance.
        await SettingsAsync(purchasePointsPerYuan: 0, spendPointsPerYuan: 100, share: 20);
        await AdjustAsync(2000);
        var (itemId, orderId, order) = await PickedUpAsync(pointsToUse: 1500);
        Assert.Equal((8970L, 1500L, 7470L), (order.GetProperty("totalFen").GetInt64(), order.GetProperty("pointsDiscountFen").GetInt64(), order.GetProperty("payableFen").GetInt64()));
        Assert.Equal(500, await BalanceWhenAsync(b => b == 500));

        // One unit of three back: a third of the 1,500 points, once, however many approvals arrive together.
        var first = await AskAsync(orderId, itemId, 1);
        foreach (var answer in await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => App.PostAsync($"/api/after-sales/{first}/approve", secret: Chain.LeaderKey))))
        {
            await TestApp.OkJsonAsync(answer);
        }

        Assert.Equal(1000, await BalanceAsync());
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        Assert.Equal(500, view.GetProperty("pointsReturned").GetInt32());

        // The rest back: every spent point has come home, and an approval again changes nothing.
        var second = await AskAsync(orderId, itemId, 2);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{second}/approve", secret: Chain.AdminKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{second}/approve", secret: Chain.AdminKey));
        Assert.Equal(2000, await BalanceAsync());
        view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        Assert.Equal(1500, view.GetProperty("pointsReturned").GetInt32());
    }

    [Fact]
    public async Task TakingBackPurchasePointsAlreadySpentStopsAtZeroAndRecordsWhatWasTaken()
    {
        // 1 point per yuan: 3 × ¥29.90 earns 89 points on handover; then 80 of them go (an adjustment stands in for a spend).
        await SettingsAsync(purchasePointsPerYuan: 1, spendPointsPerYuan: 0, share: 0);
        var (itemId, orderId, _) = await PickedUpAsync(pointsToUse: null);
        Assert.Equal(89, await BalanceWhenAsync(b => b == 89));
        await AdjustAsync(-80);

        var request = await AskAsync(orderId, itemId, 3);
        var decided = await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{request}/approve", secret: Chain.LeaderKey));
        Assert.Equal(9, decided.GetProperty("pointsReversed").GetInt32());
        Assert.Equal(0, await BalanceAsync());
        var again = await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{request}/approve", secret: Chain.LeaderKey));
        Assert.Equal(9, again.GetProperty("pointsReversed").GetInt32());
        var entries = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken))).GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("reason").GetString() == "refund").Select(e => e.GetProperty("amount").GetInt32()).ToList();
        Assert.Equal([-9], entries);
    }
}
