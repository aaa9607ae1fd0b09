using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Editing a campaign before the live (PATCH) and duplicating an earlier one into a new draft, against the real app.</summary>
public sealed class CampaignEditTests : ChainTest
{
    private Task<HttpResponseMessage> PatchAsync(string campaignId, object body, string? secret = null) =>
        App.SendAsync(HttpMethod.Patch, $"/api/campaigns/{campaignId}", body, secret ?? Chain.LeaderKey);

    private static JsonElement Item(JsonElement view, string itemId) => view.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetString() == itemId);

    [Fact]
    public async Task ALeaderEditsADraftsTitlePricesStockAndItemsAndItemsKeepTheirIds()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 50, goLive: false);
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        var productId = view.GetProperty("items")[0].GetProperty("productId").GetString()!;
        var second = await App.NewProductAsync(Chain, "现烤全麦吐司");

        var edited = await TestApp.OkJsonAsync(await PatchAsync(campaignId, new
        {
            title = "周三厨房 · 改期加量",
            items = new object[]
            {
                new { productId, priceFen = 4590, livePriceFen = 3290, stock = 80, minGroupSize = 5 },
                new { productId = second, priceFen = 1800, stock = 30 },
            },
        }));

        Assert.Equal("周三厨房 · 改期加量", edited.GetProperty("title").GetString());
        Assert.Equal("draft", edited.GetProperty("phase").GetString());
        var kept = Item(edited, itemId);
        Assert.Equal((4590L, 3290L, 80, 80), (kept.GetProperty("priceFen").GetInt64(), kept.GetProperty("livePriceFen").GetInt64(), kept.GetProperty("stock").GetInt32(), kept.GetProperty("remaining").GetInt32()));
        var added = edited.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("productId").GetString() == second);
        Assert.NotEqual(itemId, added.GetProperty("itemId").GetString());
        Assert.Equal(30, added.GetProperty("remaining").GetInt32());
        Assert.True(edited.GetProperty("seq").GetInt64() > view.GetProperty("seq").GetInt64());
        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey));
        Assert.Equal("周三厨房 · 改期加量", list.EnumerateArray().Single(c => c.GetProperty("campaignId").GetString() == campaignId).GetProperty("title").GetString());

        // Only the fields sent change.
        var renamed = await TestApp.OkJsonAsync(await PatchAsync(campaignId, new { title = "周三厨房" }));
        Assert.Equal(2, renamed.GetProperty("items").GetArrayLength());
        Assert.Equal(80, Item(renamed, itemId).GetProperty("stock").GetInt32());
    }

    [Fact]
    public async Task StockCutBelowWhatALaneHadClaimedStillSellsExactlyTheNewStock()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 100, goLive: false);
        // A reservation opens this instance's lane, which claims units from the pool.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reservations", secret: Chain.MemberToken), 201);
        var productId = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("productId").GetString()!;

        var edited = await TestApp.OkJsonAsync(await PatchAsync(campaignId, new { items = new[] { new { productId, priceFen = 3990, livePriceFen = 2990, stock = 3, minGroupSize = 1 } } }));
        Assert.Equal(3, Item(edited, itemId).GetProperty("remaining").GetInt32());
        Assert.Equal(1, edited.GetProperty("reservationCount").GetInt32());

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        var answers = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 1);
            answers.Add((int)response.StatusCode);
        }

        Assert.Equal([201, 201, 201, 409, 409], answers);
        Assert.Equal(0, Item(await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}")), itemId).GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task AMovedLiveStartIsReplannedAndTheCampaignGoesLiveOnItsNewTime()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false); // live start 3 h ahead
        var now = DateTimeOffset.UtcNow;
        await TestApp.OkJsonAsync(await PatchAsync(campaignId, new { preheatAt = now, liveStartAt = now.AddSeconds(3), liveEndAt = now.AddHours(2) }));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        string? phase = null;
        while (DateTime.UtcNow < deadline && (phase = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString()) != "live")
        {
            await Task.Delay(500);
        }

        Assert.Equal("live", phase);
        var history = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/history", Chain.LeaderKey));
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("to").GetString() == "live" && h.GetProperty("cause").GetString() == "timer");
    }

    [Fact]
    public async Task EditsAreForTheStoresStaffBeforeTheLiveAndBadFieldsAreNamed()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, stock: 20, goLive: false);
        var productId = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("productId").GetString()!;
        var other = await App.NewChainWithPeopleAsync();

        await TestApp.ProblemAsync(await PatchAsync(campaignId, new { title = "会员改" }, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await PatchAsync(campaignId, new { title = "别家改" }, other.LeaderKey), 403, "forbidden");
        foreach (var (body, field) in new (object, string)[]
        {
            (new { title = "" }, "title"),
            (new { items = new[] { new { productId, priceFen = 0, stock = 5 } } }, "items[0].priceFen"),
            (new { items = Array.Empty<object>() }, "items"),
            (new { liveEndAt = DateTimeOffset.UtcNow.AddHours(1) }, "liveEndAt"),
            (new { storeId = other.StoreId }, "storeId"),
            (new { liveStartAt = new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero) }, "liveStartAt"),
            (new { stream = new { playbackUrl = "javascript:alert(1)" } }, "stream.playbackUrl"),
            (new { stream = new { channelsUrl = "https://" + new string('a', 500) + ".com" } }, "stream.channelsUrl"),
            (new { intro = new string('好', 2001) }, "intro"),
        })
        {
            var problem = await TestApp.ProblemAsync(await PatchAsync(campaignId, body), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} should be named: {problem}");
        }

        Assert.Equal("周三厨房 · 水蜜桃专场", (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("title").GetString());
        await TestApp.OkJsonAsync(await PatchAsync(campaignId, new { title = "总部改" }, Chain.AdminKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await TestApp.ProblemAsync(await PatchAsync(campaignId, new { title = "开播后改" }), 409, "invalid-transition");
    }

    [Fact]
    public async Task AnEarlierCampaignIsDuplicatedIntoANewDraftWithItsItemsPricesAndStock()
    {
        var (sourceId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 40, perMemberLimit: 3);
        await TestApp.OkJsonAsync(await App.OrderAsync(sourceId, Chain.MemberToken, itemId, 2), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{sourceId}/actions/close", secret: Chain.LeaderKey));
        var now = DateTimeOffset.UtcNow;
        var path = $"/api/campaigns/{sourceId}/duplicate";

        var problem = await TestApp.ProblemAsync(await App.PostAsync(path, new { liveEndAt = now.AddDays(7) }, Chain.LeaderKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("liveStartAt", out _));
        await TestApp.ProblemAsync(await App.PostAsync(path, new { liveStartAt = now.AddDays(7), liveEndAt = now.AddDays(7).AddHours(2) }, Chain.MemberToken), 403, "forbidden");

        var copy = await TestApp.OkJsonAsync(await App.PostAsync(path, new { liveStartAt = now.AddDays(7), liveEndAt = now.AddDays(7).AddHours(2) }, Chain.LeaderKey), 201);
        Assert.NotEqual(sourceId, copy.GetProperty("campaignId").GetString());
        Assert.Equal("draft", copy.GetProperty("phase").GetString());
        Assert.Equal("周三厨房 · 水蜜桃专场", copy.GetProperty("title").GetString());
        var item = copy.GetProperty("items")[0];
        Assert.Equal((3990L, 2990L, 40, 40, 3), (item.GetProperty("priceFen").GetInt64(), item.GetProperty("livePriceFen").GetInt64(), item.GetProperty("stock").GetInt32(), item.GetProperty("remaining").GetInt32(), item.GetProperty("perMemberLimit").GetInt32()));
        // D-2: the preheat defaults to 48 h before the new live start.
        Assert.InRange(copy.GetProperty("preheatAt").GetDateTimeOffset(), now.AddDays(5).AddSeconds(-5), now.AddDays(5).AddSeconds(5));
    }
}
