using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>The live room's HTTP side: comments, answers, polls, pins, flash sales, viewers.</summary>
public sealed class LiveInteractionTests : ChainTest
{
    [Fact]
    public async Task AMemberCommentsTheLeaderAnswersAndLateViewersSeeBoth()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        var created = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "桃子甜吗？" }, Chain.MemberToken), 201);
        var commentId = created.GetProperty("commentId").GetString();
        Assert.Equal("李**", created.GetProperty("maskedName").GetString());

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/comments/{commentId}/answer", new { text = "今早现摘，很甜！" }, Chain.LeaderKey));

        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/comments"));
        var c = Assert.Single(list.EnumerateArray());
        Assert.Equal("桃子甜吗？", c.GetProperty("text").GetString());
        Assert.Equal("今早现摘，很甜！", c.GetProperty("answer").GetString());
        Assert.DoesNotContain("李阿姨", list.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommentsAreLimitedInLengthAndRatePerMember()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = new string('好', 201) }, Chain.MemberToken), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "  " }, Chain.MemberToken), 400, "validation");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "第一条" }, Chain.MemberToken), 201);

        using var tooSoon = await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "第二条" }, Chain.MemberToken);
        Assert.True(tooSoon.Headers.RetryAfter is not null);
        await TestApp.ProblemAsync(tooSoon, 429, "rate-limited");

        var (_, other) = await App.NewMemberAsync(Chain);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "别人的不受影响" }, other), 201);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "团长不能以会员身份评论" }, Chain.LeaderKey), 403, "forbidden");
    }

    [Fact]
    public async Task APollTakesOneVotePerMemberCountsThemAndCloses()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        var poll = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/polls", new { question = "下次想吃什么？", options = new[] { "草莓", "车厘子", "芒果" } }, Chain.LeaderKey), 201);
        var pollId = poll.GetProperty("pollId").GetString();
        var (_, second) = await App.NewMemberAsync(Chain);

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/votes", new { option = 1 }, Chain.MemberToken), 200).ContinueWith(_ => 0, TaskScheduler.Default);
        Assert.Equal(200, (int)(await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/votes", new { option = 0 }, second)).StatusCode);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/votes", new { option = 2 }, Chain.MemberToken), 409, "already-voted");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/votes", new { option = 3 }, second), 400, "validation");

        var closed = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/close", secret: Chain.LeaderKey));
        Assert.Equal([1, 1, 0], closed.GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()));
        Assert.False(closed.GetProperty("isOpen").GetBoolean());
        var (_, late) = await App.NewMemberAsync(Chain);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/votes", new { option = 0 }, late), 409, "invalid-transition");
    }

    [Fact]
    public async Task APollNeedsTwoToSixDistinctOptions()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls", new { question = "?", options = new[] { "只有一个" } }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls", new { question = "?", options = Enumerable.Range(0, 7).Select(i => $"选项{i}").ToArray() }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls", new { question = "?", options = new[] { "a", "a" } }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/polls", new { question = "?", options = new[] { "a", "b" } }, Chain.MemberToken), 403, "forbidden");
    }

    [Fact]
    public async Task ThePinnedItemShowsInThePublicView()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var pinned = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/pin", new { itemId }, Chain.LeaderKey));
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"));
        Assert.Equal(itemId, view.GetProperty("pinnedItemId").GetString());
        // The pin answers the same view as GET (store and time zone included).
        Assert.Equal(view.GetProperty("timeZone").GetString(), pinned.GetProperty("timeZone").GetString());
        Assert.Equal(view.GetProperty("store").GetProperty("name").GetString(), pinned.GetProperty("store").GetProperty("name").GetString());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/pin", new { itemId = "i9" }, Chain.LeaderKey), 400, "validation");
    }

    [Fact]
    public async Task AFlashSaleSellsItsQuotaAtItsPriceGiftsTheFirstOrdersAndNeverExceedsStock()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10, priceFen: 3990, livePriceFen: 2990);
        var flash = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales",
            new { itemId, quantity = 3, priceFen = 990, durationSeconds = 60, firstNGift = 1 }, Chain.LeaderKey), 201);
        Assert.True(flash.GetProperty("endsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(50));

        var (_, b) = await App.NewMemberAsync(Chain);
        var first = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        var second = await TestApp.OkJsonAsync(await App.OrderAsync(id, b, itemId, 2), 201);
        var third = await TestApp.OkJsonAsync(await App.OrderAsync(id, b, itemId, 1), 201);

        Assert.Equal(990, first.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64());
        Assert.True(first.GetProperty("items")[0].GetProperty("gift").GetBoolean());
        // Only 1 flash unit left: it goes at the flash price, the other unit is a line of its own at the live price.
        Assert.Equal([(1, 990L, false), (1, 2990L, false)], second.GetProperty("items").EnumerateArray()
            .Select(l => (l.GetProperty("quantity").GetInt32(), l.GetProperty("unitPriceFen").GetInt64(), l.GetProperty("gift").GetBoolean())));
        Assert.Equal(2990, Assert.Single(third.GetProperty("items").EnumerateArray()).GetProperty("unitPriceFen").GetInt64()); // the quota is used up

        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"));
        var sale = view.GetProperty("flashSales")[0];
        Assert.Equal(3, sale.GetProperty("sold").GetInt32());
        Assert.False(sale.GetProperty("active").GetBoolean()); // quota sold out: ended
        Assert.Equal(5, view.GetProperty("items")[0].GetProperty("remaining").GetInt32());

        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales",
            new { itemId, quantity = 6, priceFen = 990, durationSeconds = 60 }, Chain.LeaderKey), 400, "validation");
    }

    [Fact]
    public async Task AFlashSaleEndsOnItsOwnWhenItsTimeIsUp()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 50);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales",
            new { itemId, quantity = 20, priceFen = 500, durationSeconds = 10 }, Chain.LeaderKey), 201);
        var during = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201);
        Assert.Equal(500, during.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64());

        JsonElement sale = default;
        for (var i = 0; i < 60; i++)
        {
            await Task.Delay(500);
            sale = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"))).GetProperty("flashSales")[0];
            if (sale.TryGetProperty("active", out var active) && !active.GetBoolean())
            {
                break;
            }
        }

        Assert.False(sale.GetProperty("active").GetBoolean());
        var after = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201);
        Assert.Equal(2990, after.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64());
    }

    [Fact]
    public async Task NegotiateIsOpenToAnonymousViewersAndCountsNobodyUntilTheyConnect()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        var anon = await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={id}"));
        Assert.EndsWith("/hubs/live", anon.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(anon.GetProperty("accessToken").GetString()));
        var member = await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={id}", secret: Chain.MemberToken));
        Assert.Equal(Chain.MemberId, member.GetProperty("viewerId").GetString());

        Assert.False(anon.TryGetProperty("viewerToken", out _)); // no heartbeats: a viewer is a live connection

        Assert.Equal(0, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/viewers"))).GetProperty("count").GetInt32());
        Assert.Equal(404, (int)(await App.PostAsync("/api/live/heartbeat", new { viewerToken = "any" })).StatusCode);
        await TestApp.ProblemAsync(await App.PostAsync("/api/live/negotiate"), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/live/negotiate?campaignId={Chain.ChainId}-knothere00000"), 404, "not-found");
    }
}
