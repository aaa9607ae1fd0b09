using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The post-campaign report (复盘) and the chain dashboard, computed from real rows in Azurite over real HTTP.</summary>
public sealed class ReportTests : ChainTest
{
    private sealed record Item(string ProductId, long LivePriceFen, int Stock, int MinGroupSize);

    private async Task<(string CampaignId, string[] ItemIds)> LiveCampaignAsync(string title, string secret, string storeId, string leaderId, DateTimeOffset liveStartAt, params Item[] items)
    {
        var campaign = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title,
            storeId,
            leaderId,
            items = items.Select(i => new { i.ProductId, priceFen = i.LivePriceFen + 500, livePriceFen = i.LivePriceFen, i.Stock, i.MinGroupSize }),
            preheatAt = liveStartAt.AddHours(-1),
            liveStartAt,
            liveEndAt = liveStartAt.AddHours(2),
            pickupUntil = liveStartAt.AddDays(2),
        }, secret), 201);
        var id = campaign.GetProperty("campaignId").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: secret));
        return (id, campaign.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToArray());
    }

    private async Task<JsonElement> OrderAsync(string campaignId, string token, params (string ItemId, int Quantity)[] lines)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items = lines.Select(l => new { itemId = l.ItemId, quantity = l.Quantity }) }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await TestApp.OkJsonAsync(await App.Client.SendAsync(request), 201);
    }

    private async Task CloseAndFulfilAsync(string campaignId, string secret)
    {
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: secret));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/fulfil", secret: secret));
    }

    /// <summary>Follow-up rows as the follow-up feature writes them (its routes are built elsewhere).</summary>
    private Task SurveyAsync(string campaignId, JsonElement order, int satisfaction, int nps) =>
        App.Services.GetRequiredService<ITableStore>().UpsertAsync("FollowUp", new TableEntity(campaignId, "s_" + order.GetProperty("orderId").GetString())
        {
            ["MemberId"] = order.GetProperty("memberId").GetString(), ["Satisfaction"] = satisfaction, ["Nps"] = nps, ["At"] = DateTimeOffset.UtcNow,
        });

    private Task ReviewAsync(string campaignId, JsonElement order, int rating, int photos) =>
        App.Services.GetRequiredService<ITableStore>().UpsertAsync("FollowUp", new TableEntity(campaignId, "rv_" + order.GetProperty("orderId").GetString())
        {
            ["MemberId"] = order.GetProperty("memberId").GetString(), ["Rating"] = rating, ["PhotoCount"] = photos, ["PhotosUploaded"] = photos, ["Text"] = "很新鲜",
        });

    private static string Id(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task TheReportComputesEveryMetricFromTheCampaignsRowsAndWritesReadableFiles()
    {
        var (m2, t2) = await App.NewMemberAsync(Chain, "张阿姨");
        var (_, t3) = await App.NewMemberAsync(Chain, "赵叔叔");
        var (_, t4) = await App.NewMemberAsync(Chain, "钱奶奶");
        var peach = await App.NewProductAsync(Chain, "阳山水蜜桃");
        var rice = await App.NewProductAsync(Chain, "五常大米");

        // An earlier campaign of the same store where 张阿姨 bought: she is a repeat buyer of the next one. (A campaign
        // starts at most 1 day back, API.md.)
        var (earlier, earlierItems) = await LiveCampaignAsync("昨天厨房", Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, DateTimeOffset.UtcNow.AddHours(-20), new Item(peach, 800, 10, 1));
        await OrderAsync(earlier, t2, (earlierItems[0], 1));
        await CloseAndFulfilAsync(earlier, Chain.LeaderKey);

        // Peaches: stock 5, 成团 at 3. Rice: stock 10, 成团 at 5 (missed).
        const string title = "周三厨房 · 复盘专场";
        var (id, items) = await LiveCampaignAsync(title, Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, DateTimeOffset.UtcNow.AddMinutes(-1), new Item(peach, 1000, 5, 3), new Item(rice, 2000, 10, 5));
        var (a, b) = (items[0], items[1]);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{id}/report", Chain.LeaderKey), 409, "report-not-ready");

        await App.PostAsync($"/api/campaigns/{id}/reservations", secret: Chain.MemberToken); // reserves and buys
        await App.PostAsync($"/api/campaigns/{id}/reservations", secret: t4);             // reserves, never buys
        var o1 = await OrderAsync(id, Chain.MemberToken, (a, 2), (b, 1));
        var o2 = await OrderAsync(id, Chain.MemberToken, (a, 1));
        var o3 = await OrderAsync(id, t3, (b, 2));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{Id(o3, "orderId")}/cancel", secret: t3));
        var o4 = await OrderAsync(id, t2, (a, 2)); // the 5th peach: sold out
        await CloseAndFulfilAsync(id, Chain.LeaderKey);

        await SurveyAsync(id, o1, satisfaction: 5, nps: 10);
        await SurveyAsync(id, o2, satisfaction: 3, nps: 5);
        await SurveyAsync(id, o4, satisfaction: 4, nps: 9);
        await ReviewAsync(id, o1, rating: 5, photos: 2);
        await ReviewAsync(id, o4, rating: 4, photos: 0);

        var generated = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/report", secret: Chain.LeaderKey));
        var m = generated.GetProperty("metrics");

        Assert.Equal(5 * 1000, m.GetProperty("gmvFen").GetInt64());          // peaches only: the rice line fell with its 成团
        Assert.Equal(3, m.GetProperty("orders").GetInt32());                 // o1, o2, o4
        Assert.Equal(1, m.GetProperty("cancelledOrders").GetInt32());        // o3
        Assert.Equal(1667, m.GetProperty("averageOrderValueFen").GetInt64()); // 5000 / 3
        Assert.Equal(2, m.GetProperty("buyers").GetInt32());                 // 李阿姨, 张阿姨
        Assert.Equal(1, m.GetProperty("repeatBuyers").GetInt32());           // 张阿姨
        Assert.Equal(0.5, m.GetProperty("repeatBuyerRate").GetDouble());
        Assert.Equal(2, m.GetProperty("reservations").GetInt32());
        Assert.Equal(1, m.GetProperty("reservedBuyers").GetInt32());
        Assert.Equal(0.5, m.GetProperty("reservationToBuyerRate").GetDouble());
        Assert.Equal(1, m.GetProperty("itemsGroupMet").GetInt32());
        Assert.Equal(0.5, m.GetProperty("groupSuccessRate").GetDouble());
        Assert.Equal(3, m.GetProperty("fulfilledOrders").GetInt32());
        Assert.Equal(2, m.GetProperty("reviews").GetInt32());
        Assert.Equal(0.6667, m.GetProperty("reviewRate").GetDouble());       // 2 of 3
        Assert.Equal(0.5, m.GetProperty("photoRate").GetDouble());           // 1 of 2
        Assert.Equal(4.5, m.GetProperty("averageRating").GetDouble());
        Assert.Equal(3, m.GetProperty("surveys").GetInt32());
        Assert.Equal(4.0, m.GetProperty("averageSatisfaction").GetDouble());
        Assert.Equal(33, m.GetProperty("nps").GetInt32());                    // (2 promoters − 1 detractor) / 3

        var history = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/history", Chain.LeaderKey));
        var wentLive = history.EnumerateArray().First(h => h.GetProperty("to").GetString() == "live").GetProperty("at").GetDateTimeOffset();
        var soldOut = Math.Round((o4.GetProperty("createdAt").GetDateTimeOffset() - wentLive).TotalSeconds, 1, MidpointRounding.AwayFromZero);
        var peaches = m.GetProperty("items")[0];
        Assert.Equal((5, 5, true), (peaches.GetProperty("ordered").GetInt32(), peaches.GetProperty("sold").GetInt32(), peaches.GetProperty("groupMet").GetBoolean()));
        Assert.Equal(soldOut, peaches.GetProperty("sellOutSeconds").GetDouble());
        Assert.Equal(soldOut, m.GetProperty("sellOutSeconds").GetDouble());
        var riceMetrics = m.GetProperty("items")[1];
        Assert.Equal((1, 0, false), (riceMetrics.GetProperty("ordered").GetInt32(), riceMetrics.GetProperty("sold").GetInt32(), riceMetrics.GetProperty("groupMet").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, riceMetrics.GetProperty("sellOutSeconds").ValueKind);

        // GET answers what was generated; the files download through their 2-hour links.
        var read = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/report", Chain.AdminKey));
        Assert.Equal(generated.GetProperty("generatedAt").GetDateTimeOffset(), read.GetProperty("generatedAt").GetDateTimeOffset());
        Assert.Equal(m.GetRawText(), read.GetProperty("metrics").GetRawText());
        Assert.InRange(read.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(115), TimeSpan.FromMinutes(121));

        using var plain = new HttpClient();
        var html = await plain.GetAsync(new Uri(Id(read, "reportUrl")));
        Assert.True(html.IsSuccessStatusCode, $"report.html: {(int)html.StatusCode}");
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var page = Encoding.UTF8.GetString(await html.Content.ReadAsByteArrayAsync());
        Assert.Contains(title, page, StringComparison.Ordinal);
        Assert.Contains("<svg", page, StringComparison.Ordinal);
        Assert.Contains("复盘报告", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"http", page, StringComparison.Ordinal);

        var csv = await plain.GetByteArrayAsync(new Uri(Id(read, "csvUrl")));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csv[..3]);
        var text = Encoding.UTF8.GetString(csv, 3, csv.Length - 3);
        Assert.StartsWith("指标,数值\r\n", text, StringComparison.Ordinal);
        Assert.Contains("成交额(元),50.00\r\n", text, StringComparison.Ordinal);
        Assert.Contains("成团率,50.0%\r\n", text, StringComparison.Ordinal);
        Assert.Contains("净推荐值 NPS,33\r\n", text, StringComparison.Ordinal);

        var json = JsonDocument.Parse(await plain.GetByteArrayAsync(new Uri(Id(read, "jsonUrl")))).RootElement;
        Assert.Equal(5000, json.GetProperty("gmvFen").GetInt64());
        Assert.Equal(33, json.GetProperty("nps").GetInt32());

        // Regenerating overwrites the same three files, and the campaign itself is untouched.
        var again = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/report", secret: Chain.AdminKey));
        Assert.True(again.GetProperty("generatedAt").GetDateTimeOffset() >= generated.GetProperty("generatedAt").GetDateTimeOffset());
        Assert.Equal(m.GetRawText(), again.GetProperty("metrics").GetRawText());
        var blobs = await App.Services.GetRequiredService<IBlobStore>().ListAsync("media", $"reports/{id}/").Select(x => x.Name).ToListAsync();
        Assert.Equal(new[] { $"reports/{id}/report.csv", $"reports/{id}/report.en.html", $"reports/{id}/report.html", $"reports/{id}/report.json" }, blobs.Order(StringComparer.Ordinal));
        var campaign = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"));
        Assert.Equal("fulfilling", campaign.GetProperty("phase").GetString());
        Assert.Equal(5, campaign.GetProperty("items")[0].GetProperty("sold").GetInt32());

        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{id}/report", Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{id}/report"), 401, "unauthorized");
    }

    [Fact]
    public async Task TheDashboardAddsUpThePeriodsCampaignsPerStoreAndLeader()
    {
        var store2 = Id(await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "和平里店", address = "和平路 9 号" }, Chain.AdminKey), 201), "storeId");
        var leader2 = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "刘团长", storeId = store2 }, Chain.AdminKey), 201);
        var (leader2Id, leader2Key) = (Id(leader2, "leaderId"), Id(leader2, "leaderKey"));
        var (_, t2) = await App.NewMemberAsync(Chain, "张阿姨");
        var (_, t3) = await App.NewMemberAsync(Chain, "赵叔叔");
        var product = await App.NewProductAsync(Chain);
        var now = DateTimeOffset.UtcNow;

        // Outside the default 30 days up to now (a campaign starts at most 1 day back, API.md, so this one is ahead).
        var (old, oldItems) = await LiveCampaignAsync("两月后", Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, now.AddDays(60), new Item(product, 700, 10, 1));
        await OrderAsync(old, Chain.MemberToken, (oldItems[0], 1));
        await CloseAndFulfilAsync(old, Chain.LeaderKey);

        // Store 1, 20 hours ago: 张阿姨 and 赵叔叔 buy one each at ¥5.
        var (e, eItems) = await LiveCampaignAsync("昨天", Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, now.AddHours(-20), new Item(product, 500, 10, 1));
        await OrderAsync(e, t2, (eItems[0], 1));
        await OrderAsync(e, t3, (eItems[0], 1));
        await CloseAndFulfilAsync(e, Chain.LeaderKey);

        // Store 1, now: 李阿姨 (reserved) 2 × ¥10, 张阿姨 (buying again) 1 × ¥10; one review, one survey.
        var (mId, mItems) = await LiveCampaignAsync("今天", Chain.LeaderKey, Chain.StoreId, Chain.LeaderId, now.AddMinutes(-1), new Item(product, 1000, 10, 1));
        await App.PostAsync($"/api/campaigns/{mId}/reservations", secret: Chain.MemberToken);
        var reviewed = await OrderAsync(mId, Chain.MemberToken, (mItems[0], 2));
        await OrderAsync(mId, t2, (mItems[0], 1));
        await CloseAndFulfilAsync(mId, Chain.LeaderKey);
        await ReviewAsync(mId, reviewed, rating: 5, photos: 1);
        await SurveyAsync(mId, reviewed, satisfaction: 5, nps: 10);

        // Store 2, now: 成团 needs 2, only 1 ordered → nothing sold; 赵叔叔 reserved and did not buy.
        var (s, sItems) = await LiveCampaignAsync("和平里", Chain.AdminKey, store2, leader2Id, now.AddMinutes(-1), new Item(product, 3000, 10, 2));
        await App.PostAsync($"/api/campaigns/{s}/reservations", secret: t3);
        await OrderAsync(s, Chain.MemberToken, (sItems[0], 1));
        await CloseAndFulfilAsync(s, leader2Key);

        var all = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.AdminKey));
        Assert.Equal(3, all.GetProperty("campaigns").GetInt32());
        Assert.Equal(4, all.GetProperty("orders").GetInt32());
        Assert.Equal(3, all.GetProperty("buyers").GetInt32());
        Assert.Equal(500 + 500 + 2000 + 1000, all.GetProperty("gmvFen").GetInt64());
        Assert.Equal(1000, all.GetProperty("averageOrderValueFen").GetInt64());
        Assert.Equal(0.3333, all.GetProperty("repurchaseRate").GetDouble());      // 张阿姨 bought in two campaigns, of 3 buyers
        Assert.Equal(0.6667, all.GetProperty("groupSuccessRate").GetDouble());    // 2 of 3 items
        Assert.Equal(0.25, all.GetProperty("reviewRate").GetDouble());            // 1 review, 4 fulfilled orders
        Assert.Equal(100, all.GetProperty("nps").GetInt32());
        Assert.Equal(0.5, all.GetProperty("reservationToBuyerRate").GetDouble()); // 李阿姨 bought, 赵叔叔 (store 2) did not
        Assert.InRange(all.GetProperty("to").GetDateTimeOffset() - all.GetProperty("from").GetDateTimeOffset(), TimeSpan.FromDays(30), TimeSpan.FromDays(30));

        var perStore = all.GetProperty("perStore").EnumerateArray().ToDictionary(x => Id(x, "storeId"));
        Assert.Equal((2, 4, 3, 4000L), (perStore[Chain.StoreId].GetProperty("campaigns").GetInt32(), perStore[Chain.StoreId].GetProperty("orders").GetInt32(),
            perStore[Chain.StoreId].GetProperty("buyers").GetInt32(), perStore[Chain.StoreId].GetProperty("gmvFen").GetInt64()));
        Assert.Equal("幸福里店", perStore[Chain.StoreId].GetProperty("name").GetString());
        Assert.Equal((1, 0, 0L), (perStore[store2].GetProperty("campaigns").GetInt32(), perStore[store2].GetProperty("orders").GetInt32(), perStore[store2].GetProperty("gmvFen").GetInt64()));
        Assert.Equal(0.0, perStore[store2].GetProperty("groupSuccessRate").GetDouble());
        Assert.Equal(JsonValueKind.Null, perStore[store2].GetProperty("averageOrderValueFen").ValueKind);
        var perLeader = all.GetProperty("perLeader").EnumerateArray().ToDictionary(x => Id(x, "leaderId"));
        Assert.Equal(4000, perLeader[Chain.LeaderId].GetProperty("gmvFen").GetInt64());
        Assert.Equal("刘团长", perLeader[leader2Id].GetProperty("name").GetString());

        // A narrower period leaves out 20 hours ago; dates in the chain's zone reach ahead to two months from now.
        var recent = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?from={Uri.EscapeDataString(now.AddHours(-2).ToString("O"))}&to={Uri.EscapeDataString(now.AddDays(1).ToString("O"))}", Chain.AdminKey));
        Assert.Equal((2, 2, 3000L), (recent.GetProperty("campaigns").GetInt32(), recent.GetProperty("orders").GetInt32(), recent.GetProperty("gmvFen").GetInt64()));
        Assert.Equal(0.0, recent.GetProperty("repurchaseRate").GetDouble());

        // 复购率 by cohort: a buyer's cohort is the month (chain's zone) of their first campaign over the year before `to`.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        string Month(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var cohorts = all.GetProperty("cohorts").EnumerateArray()
            .Select(c => (c.GetProperty("month").GetString(), c.GetProperty("buyers").GetInt32(), c.GetProperty("repeatBuyers").GetInt32(), c.GetProperty("repurchaseRate").GetDouble())).ToList();
        (string?, int, int, double)[] expected = Month(now.AddHours(-20)) == Month(now.AddMinutes(-1))
            ? [(Month(now), 3, 1, 0.3333)]                                                     // 张阿姨 and 赵叔叔 20 h ago, 李阿姨 now; 张阿姨 again
            : [(Month(now.AddHours(-20)), 2, 1, 0.5), (Month(now.AddMinutes(-1)), 1, 0, 0.0)]; // the months turned between them
        Assert.Equal(expected, cohorts);
        var activity = all.GetProperty("activity");
        Assert.Equal((3, 3, 0), (activity.GetProperty("buyers").GetInt32(), activity.GetProperty("newBuyers").GetInt32(), activity.GetProperty("returningBuyers").GetInt32()));
        Assert.True(activity.GetProperty("newMembers").GetInt32() >= 3, "the chain's member and the two who joined for this test joined in the period");
        var weeks = activity.GetProperty("weeks").EnumerateArray().ToList();
        Assert.All(weeks, w => Assert.Equal(DayOfWeek.Monday, DateOnly.ParseExact(w.GetProperty("weekStart").GetString()!, "yyyy-MM-dd").DayOfWeek));
        Assert.InRange(weeks.Sum(w => w.GetProperty("buyers").GetInt32()), 3, 4); // 张阿姨 counts in each week she bought in

        // From two hours ago: 李阿姨's first order is in the period (new), 张阿姨 had bought 20 hours before (returning).
        var recentActivity = recent.GetProperty("activity");
        Assert.Equal((2, 1, 1), (recentActivity.GetProperty("buyers").GetInt32(), recentActivity.GetProperty("newBuyers").GetInt32(), recentActivity.GetProperty("returningBuyers").GetInt32()));
        var shanghai = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var wide = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?from={shanghai.AddDays(-2):yyyy-MM-dd}&to={shanghai.AddDays(90):yyyy-MM-dd}", Chain.AdminKey));
        Assert.Equal(4, wide.GetProperty("campaigns").GetInt32());
        var byLeader = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?leaderId={leader2Id}", Chain.AdminKey));
        Assert.Equal(1, byLeader.GetProperty("campaigns").GetInt32());

        // A leader sees their own store, never another's.
        var own = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.LeaderKey));
        Assert.Equal((Chain.StoreId, 2, 4000L), (Id(own, "storeId"), own.GetProperty("campaigns").GetInt32(), own.GetProperty("gmvFen").GetInt64()));
        await TestApp.ProblemAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?storeId={store2}", Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{mId}/report", leader2Key), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{mId}/report", secret: leader2Key), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.MemberToken), 403, "forbidden");
        var (otherChain, otherAdmin) = await App.NewChainAsync("别家连锁");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", otherAdmin), 403, "forbidden");
        Assert.NotEqual(otherChain, Chain.ChainId);

        // Bad dates and empty periods are refused.
        foreach (var query in new[] { "from=yesterday", "to=2026-13-45", "from=2026-11-02&to=2026-11-01", "from=2026-11-01&to=2026-11-01", "from=2024-01-01&to=2026-01-01" })
        {
            await TestApp.ProblemAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?{query}", Chain.AdminKey), 400, "validation");
        }
    }
}
