using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The dashboard over time: figures per week, HQ's per-leader view, and the n beside every rate (real app, Azurite).</summary>
public sealed class DashboardTrendsTests : ChainTest
{
    private async Task<(string CampaignId, string ItemId)> CampaignAsync(string secret, string storeId, string leaderId, DateTimeOffset liveStartAt, long priceFen, int minGroupSize)
    {
        var productId = await App.NewProductAsync(Chain, "五常大米");
        var campaign = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = "每周厨房",
            storeId,
            leaderId,
            items = new[] { new { productId, priceFen, stock = 20, minGroupSize } },
            preheatAt = liveStartAt.AddHours(-1),
            liveStartAt,
            liveEndAt = liveStartAt.AddHours(2),
            pickupUntil = liveStartAt.AddDays(2),
        }, secret), 201);
        var id = campaign.GetProperty("campaignId").GetString()!;
        // Scheduled weeks ahead, taken live by hand now: the dashboard places it by its scheduled live start.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: secret));
        return (id, campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!);
    }

    private async Task<string> OrderAsync(string campaignId, string token, string itemId) =>
        (await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token, itemId), 201)).GetProperty("orderId").GetString()!;

    private async Task CloseAndFulfilAsync(string campaignId, string secret)
    {
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: secret));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/fulfil", secret: secret));
    }

    private static DateOnly Monday(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        return DateOnly.FromDateTime(local.Date).AddDays(-(((int)local.DayOfWeek + 6) % 7));
    }

    private static string Week(DateTimeOffset at) => Monday(at).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int N(JsonElement figures, string rate) => figures.GetProperty("samples").GetProperty(rate).GetInt32();

    [Fact]
    public async Task TheDashboardGivesEveryWeekOfThePeriodItsOwnFiguresWithTheSampleSizeBesideEachRate()
    {
        var store2 = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "和平里店", address = "和平路 9 号" }, Chain.AdminKey), 201))
            .GetProperty("storeId").GetString()!;
        var leader2 = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "刘团长", storeId = store2 }, Chain.AdminKey), 201);
        var (leader2Id, leader2Key) = (leader2.GetProperty("leaderId").GetString()!, leader2.GetProperty("leaderKey").GetString()!);
        var (_, zhang) = await App.NewMemberAsync(Chain, "张阿姨");
        var (_, zhao) = await App.NewMemberAsync(Chain, "赵叔叔");
        var now = DateTimeOffset.UtcNow;
        var (weekA, weekB, weekC) = (now.AddDays(1), now.AddDays(8), now.AddDays(22));

        // Week A (store 1): 李阿姨 and 张阿姨 buy one each at ¥10; one survey answer (NPS 10) and one review.
        var (a, aItem) = await CampaignAsync(Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, weekA, 1000, 1);
        var liOrder = await OrderAsync(a, Chain.MemberToken, aItem);
        await OrderAsync(a, zhang, aItem);
        await CloseAndFulfilAsync(a, Chain.LeaderKey);
        var followUp = App.Services.GetRequiredService<ITableStore>();
        await followUp.UpsertAsync("FollowUp", new TableEntity(a, "s_" + liOrder) { ["MemberId"] = Chain.MemberId, ["Satisfaction"] = 5, ["Nps"] = 10, ["At"] = DateTimeOffset.UtcNow });
        await followUp.UpsertAsync("FollowUp", new TableEntity(a, "rv_" + liOrder) { ["MemberId"] = Chain.MemberId, ["Rating"] = 5, ["PhotoCount"] = 0, ["PhotosUploaded"] = 0, ["Text"] = "好" });

        // Week B (store 2, 刘团长): 赵叔叔 buys at ¥30.
        var (b, bItem) = await CampaignAsync(leader2Key, store2, leader2Id, weekB, 3000, 1);
        await OrderAsync(b, zhao, bItem);
        await CloseAndFulfilAsync(b, leader2Key);

        // Week C (store 1): 成团 needs 2, only 李阿姨 orders: nothing sold, one item that missed.
        var (c, cItem) = await CampaignAsync(Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, weekC, 500, 2);
        await OrderAsync(c, Chain.MemberToken, cItem);
        await CloseAndFulfilAsync(c, Chain.LeaderKey);

        var from = now.AddDays(-1);
        var to = now.AddDays(29);
        var dashboard = await TestApp.OkJsonAsync(await App.GetAsync(
            $"/api/chains/{Chain.ChainId}/dashboard?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", Chain.AdminKey));

        // Every Monday the period touches, in order, empty weeks included.
        var weeks = dashboard.GetProperty("weeks").EnumerateArray().ToList();
        var expectedWeeks = new List<string>();
        for (var monday = Monday(from); monday <= Monday(to.AddTicks(-1)); monday = monday.AddDays(7))
        {
            expectedWeeks.Add(monday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        Assert.Equal(expectedWeeks, weeks.Select(w => w.GetProperty("weekStart").GetString()));
        var byWeek = weeks.ToDictionary(w => w.GetProperty("weekStart").GetString()!);
        var wa = byWeek[Week(weekA)];
        Assert.Equal((1, 2, 2, 2000L, 1000L), (wa.GetProperty("campaigns").GetInt32(), wa.GetProperty("orders").GetInt32(), wa.GetProperty("buyers").GetInt32(),
            wa.GetProperty("gmvFen").GetInt64(), wa.GetProperty("averageOrderValueFen").GetInt64()));
        Assert.Equal(100, wa.GetProperty("nps").GetInt32());
        Assert.Equal((1, 2, 2, 1), (N(wa, "nps"), N(wa, "reviewRate"), N(wa, "averageOrderValueFen"), N(wa, "groupSuccessRate")));
        Assert.Equal(0.5, wa.GetProperty("reviewRate").GetDouble());
        var wb = byWeek[Week(weekB)];
        Assert.Equal((1, 1, 3000L), (wb.GetProperty("campaigns").GetInt32(), wb.GetProperty("orders").GetInt32(), wb.GetProperty("gmvFen").GetInt64()));
        Assert.Equal((0, 1), (N(wb, "nps"), N(wb, "reviewRate")));
        Assert.Equal(JsonValueKind.Null, wb.GetProperty("nps").ValueKind);
        var wc = byWeek[Week(weekC)];
        Assert.Equal((1, 0, 0L, 0.0), (wc.GetProperty("campaigns").GetInt32(), wc.GetProperty("orders").GetInt32(), wc.GetProperty("gmvFen").GetInt64(), wc.GetProperty("groupSuccessRate").GetDouble()));
        Assert.Equal(1, N(wc, "groupSuccessRate"));
        foreach (var empty in weeks.Where(w => w.GetProperty("weekStart").GetString() is var s && s != Week(weekA) && s != Week(weekB) && s != Week(weekC)))
        {
            Assert.Equal((0, 0L), (empty.GetProperty("campaigns").GetInt32(), empty.GetProperty("gmvFen").GetInt64()));
            Assert.Equal(JsonValueKind.Null, empty.GetProperty("groupSuccessRate").ValueKind);
            Assert.Equal(0, N(empty, "groupSuccessRate"));
        }

        // The weeks add up to the period.
        Assert.Equal(dashboard.GetProperty("gmvFen").GetInt64(), weeks.Sum(w => w.GetProperty("gmvFen").GetInt64()));
        Assert.Equal(dashboard.GetProperty("orders").GetInt32(), weeks.Sum(w => w.GetProperty("orders").GetInt32()));

        // The period's n: 3 items (2 met), 3 buyers (李阿姨 in A and C counts once, and C sold her nothing), 3 fulfilled
        // orders, 1 review, 1 survey answer, no reservations (the rate is null, n = 0).
        Assert.Equal((3, 3, 3, 1, 1, 0, 3), (N(dashboard, "groupSuccessRate"), N(dashboard, "repurchaseRate"), N(dashboard, "reviewRate"), N(dashboard, "photoRate"),
            N(dashboard, "nps"), N(dashboard, "reservationToBuyerRate"), N(dashboard, "averageOrderValueFen")));
        Assert.Equal(JsonValueKind.Null, dashboard.GetProperty("reservationToBuyerRate").ValueKind);

        // HQ's per-leader view carries its own n, and one leader alone is one query away.
        var perLeader = dashboard.GetProperty("perLeader").EnumerateArray().ToDictionary(g => g.GetProperty("leaderId").GetString()!);
        Assert.Equal((2, 2, 2000L), (perLeader[Chain.LeaderId].GetProperty("campaigns").GetInt32(), perLeader[Chain.LeaderId].GetProperty("orders").GetInt32(),
            perLeader[Chain.LeaderId].GetProperty("gmvFen").GetInt64()));
        Assert.Equal((2, 1), (N(perLeader[Chain.LeaderId], "groupSuccessRate"), N(perLeader[Chain.LeaderId], "nps")));
        Assert.Equal(("刘团长", store2, 1), (perLeader[leader2Id].GetProperty("name").GetString(), perLeader[leader2Id].GetProperty("storeId").GetString(), N(perLeader[leader2Id], "reviewRate")));
        var liu = await TestApp.OkJsonAsync(await App.GetAsync(
            $"/api/chains/{Chain.ChainId}/dashboard?leaderId={leader2Id}&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", Chain.AdminKey));
        Assert.Equal((1, 3000L), (liu.GetProperty("campaigns").GetInt32(), liu.GetProperty("gmvFen").GetInt64()));
        Assert.Equal(3000L, liu.GetProperty("weeks").EnumerateArray().Single(w => w.GetProperty("campaigns").GetInt32() == 1).GetProperty("gmvFen").GetInt64());
    }
}
