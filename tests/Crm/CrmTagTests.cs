using System.Text.Json;
using ServerlessCommerce.Crm;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Crm;

/// <summary>Automatic CRM tags against the real app and Azurite: rules, recompute, the store's counts and member list.</summary>
public sealed class CrmTagTests : ChainTest
{
    [Fact]
    public async Task DefaultRulesHaveChineseTagNamesAndOnlyTheAdminReplacesThemWithValidRules()
    {
        var rules = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/tag-rules", Chain.AdminKey));
        var text = rules.GetRawText();
        foreach (var tag in new[] { "高价值", "烘焙达人", "忠实观众", "沉睡", "KOC候选" })
        {
            Assert.Contains(tag, text, StringComparison.Ordinal);
        }

        var bad = await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new
        {
            loyalViewer = new { tag = "高价值", minLives = 0 },
            categoryFans = Enumerable.Range(0, 9).Select(i => new { tag = $"t{i}", category = "c", minOrders = 1 }),
        }, Chain.AdminKey), 400, "validation");
        Assert.True(bad.GetProperty("errors").TryGetProperty("loyalViewer.minLives", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("categoryFans", out _));
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new { highValue = new { tag = "忠实观众" } }, Chain.AdminKey), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", "[1,2", Chain.AdminKey), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new { }, Chain.LeaderKey), 403, "forbidden");
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new { }, other.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/tag-rules", Chain.MemberToken), 403, "forbidden");

        var put = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules",
            new { categoryFans = new[] { new { tag = "水果控", category = "水果", minOrders = 3 } }, lapsed = new { enabled = false } }, Chain.AdminKey));
        Assert.Equal("水果控", put.GetProperty("categoryFans")[0].GetProperty("tag").GetString());
        var read = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/tag-rules", Chain.LeaderKey));
        Assert.Equal(3, read.GetProperty("categoryFans")[0].GetProperty("minOrders").GetInt32());
        Assert.False(read.GetProperty("lapsed").GetProperty("enabled").GetBoolean());
        Assert.Equal("高价值", read.GetProperty("highValue").GetProperty("tag").GetString());
    }

    [Fact]
    public async Task TagsComeFromSpendCategoryOrdersLivesAttendedAndReferrals()
    {
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new
        {
            highValue = new { minTotalSpendFen = 5000, minAverageOrderFen = 1_000_000 },
            categoryFans = new[] { new { tag = "烘焙达人", category = "烘焙", minOrders = 1 } },
            loyalViewer = new { minLives = 1 },
            kocCandidate = new { minPhotoReviews = 1, minReferrals = 1 },
        }, Chain.AdminKey));
        var bread = await CrmTestData.ProductAsync(App, Chain, "手工欧包", "烘焙");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, bread);
        var buyer = await CrmTestData.JoinAsync(App, Chain, "张大姐");
        var viewer = await CrmTestData.JoinAsync(App, Chain, "赵阿姨");
        var referrer = await CrmTestData.JoinAsync(App, Chain, "孙老师");
        await CrmTestData.JoinAsync(App, Chain, "孙老师的邻居", referrer.ReferralCode);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reservations", secret: viewer.Token), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, buyer.Token, itemId, 2), 201);

        var result = await CrmTestData.RecomputeAsync(App, Chain);
        Assert.True(result.GetProperty("members").GetInt32() >= 5);

        Assert.Equal(["高价值", "烘焙达人", "忠实观众"], await CrmTestData.TagsOfAsync(App, Chain, buyer.MemberId));
        Assert.Equal(["忠实观众"], await CrmTestData.TagsOfAsync(App, Chain, viewer.MemberId));
        Assert.Equal(["KOC候选"], await CrmTestData.TagsOfAsync(App, Chain, referrer.MemberId));
        Assert.Empty(await CrmTestData.TagsOfAsync(App, Chain, Chain.MemberId));

        var counts = await CrmTestData.StoreTagsAsync(App, Chain.StoreId, Chain.LeaderKey);
        Assert.Equal(new Dictionary<string, int> { ["忠实观众"] = 2, ["高价值"] = 1, ["烘焙达人"] = 1, ["KOC候选"] = 1 }, counts);

        var fans = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?tag={Uri.EscapeDataString("忠实观众")}", Chain.AdminKey));
        Assert.Equal(new[] { buyer.MemberId, viewer.MemberId }.Order(), fans.EnumerateArray().Select(m => m.GetProperty("memberId").GetString()!).Order());
        Assert.Equal(buyer.Phone, fans.EnumerateArray().Single(m => m.GetProperty("memberId").GetString() == buyer.MemberId).GetProperty("phone").GetString());
    }

    [Fact]
    public async Task APhotoReviewMakesAKocCandidateAndAHighAverageOrderMakesHighValueButATextReviewDoesNot()
    {
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new
        {
            highValue = new { minTotalSpendFen = 1_000_000, minAverageOrderFen = 5000 },
            kocCandidate = new { minPhotoReviews = 1, minReferrals = 1000 },
        }, Chain.AdminKey));
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, priceFen: 9000, livePriceFen: 6000);
        var photographer = await CrmTestData.JoinAsync(App, Chain, "韩姐");
        var writer = await CrmTestData.JoinAsync(App, Chain, "杨哥");
        var withPhotos = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, photographer.Token, itemId, 1), 201);
        var textOnly = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, writer.Token, itemId, 1), 201);

        // The review rows as the follow-up writes them (FollowUpTables is the contract the recompute reads; the photo
        // upload itself is FollowUpTests' subject): one with a confirmed photo, one with text only.
        var tables = App.Services.GetRequiredService<ITableStore>();
        foreach (var (order, member, photos) in new[] { (withPhotos, photographer, 1), (textOnly, writer, 0) })
        {
            var orderId = order.GetProperty("orderId").GetString()!;
            await tables.InsertAsync(ServerlessCommerce.FollowUp.FollowUpTables.FollowUp, ServerlessCommerce.FollowUp.FollowUpTables.ToEntity(campaignId,
                new ServerlessCommerce.FollowUp.Review("v-" + orderId, orderId, member.MemberId, 5, "很好吃", photos, photos, DateTimeOffset.UtcNow)));
        }

        await CrmTestData.RecomputeAsync(App, Chain);
        Assert.Equal(["高价值", "KOC候选"], await CrmTestData.TagsOfAsync(App, Chain, photographer.MemberId));
        Assert.Equal(["高价值"], await CrmTestData.TagsOfAsync(App, Chain, writer.MemberId));
    }

    [Fact]
    public async Task LapsedIsGivenOnlyAfterTheConfiguredDaysWithoutAnOrder()
    {
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/tag-rules", new { lapsed = new { tag = "沉睡", days = 30 } }, Chain.AdminKey));
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 1), 201);
        var tags = App.Services.GetRequiredService<CrmTagService>();

        await tags.RecomputeChainAsync(Chain.ChainId, DateTimeOffset.UtcNow.AddDays(29), CancellationToken.None);
        Assert.DoesNotContain("沉睡", await CrmTestData.TagsOfAsync(App, Chain, Chain.MemberId));

        await tags.RecomputeChainAsync(Chain.ChainId, DateTimeOffset.UtcNow.AddDays(31), CancellationToken.None);
        Assert.Contains("沉睡", await CrmTestData.TagsOfAsync(App, Chain, Chain.MemberId));

        // Back to the present: the order is recent again, the tag goes.
        await CrmTestData.RecomputeAsync(App, Chain);
        Assert.DoesNotContain("沉睡", await CrmTestData.TagsOfAsync(App, Chain, Chain.MemberId));
    }

    [Fact]
    public async Task RecomputingTwiceOrConcurrentlyEndsWithTheSameTagsAndRewritesNothing()
    {
        var referrer = await CrmTestData.JoinAsync(App, Chain, "钱阿姨");
        await CrmTestData.JoinAsync(App, Chain, "钱阿姨的朋友", referrer.ReferralCode);
        var first = await Task.WhenAll(CrmTestData.RecomputeAsync(App, Chain), CrmTestData.RecomputeAsync(App, Chain));
        Assert.All(first, r => Assert.Equal(3, r.GetProperty("members").GetInt32()));
        var counts = await CrmTestData.StoreTagsAsync(App, Chain.StoreId, Chain.AdminKey);
        Assert.Equal(new Dictionary<string, int> { ["KOC候选"] = 1 }, counts);

        var again = await CrmTestData.RecomputeAsync(App, Chain);
        Assert.Equal(0, again.GetProperty("changed").GetInt32());
        Assert.Equal(counts, await CrmTestData.StoreTagsAsync(App, Chain.StoreId, Chain.AdminKey));
    }

    [Fact]
    public async Task TheQueueJobRecomputesEachChainOnItsOwnSoABrokenChainNeverStallsAnother()
    {
        var broken = await App.NewChainWithPeopleAsync();
        await App.Services.GetRequiredService<ITableStore>().UpsertAsync(CrmTables.Crm, new TableEntity(broken.ChainId, CrmTables.RulesRow) { ["Rules"] = "{not json" });
        var referrer = await CrmTestData.JoinAsync(App, Chain, "周叔");
        await CrmTestData.JoinAsync(App, Chain, "周叔的邻居", referrer.ReferralCode);

        var jobs = App.Services.GetRequiredService<CrmTagJobs>();
        await jobs.EnqueueAsync(broken.ChainId, CancellationToken.None);
        await jobs.EnqueueAsync(Chain.ChainId, CancellationToken.None);

        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        Dictionary<string, int> counts;
        do
        {
            await Task.Delay(200);
            counts = await CrmTestData.StoreTagsAsync(App, Chain.StoreId, Chain.AdminKey);
        }
        while (counts.Count == 0 && DateTimeOffset.UtcNow < deadline);

        Assert.Equal(new Dictionary<string, int> { ["KOC候选"] = 1 }, counts);
        await Assert.ThrowsAnyAsync<Exception>(() => jobs.RunAsync($$"""{"chainId":"{{broken.ChainId}}"}""", CancellationToken.None));
    }

    [Fact]
    public async Task StoreTagsAndMembersAreForThatStoresLeaderAndTheChainAdminOnly()
    {
        var otherStore = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "阳光店", address = "阳光路 2 号" }, Chain.AdminKey), 201);
        var otherStoreId = otherStore.GetProperty("storeId").GetString()!;
        var otherLeader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "陈团长", storeId = otherStoreId }, Chain.AdminKey), 201);
        var otherChain = await App.NewChainWithPeopleAsync();

        foreach (var path in new[] { $"/api/stores/{Chain.StoreId}/tags", $"/api/stores/{Chain.StoreId}/members" })
        {
            await TestApp.ProblemAsync(await App.GetAsync(path, otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");
            await TestApp.ProblemAsync(await App.GetAsync(path, otherChain.AdminKey), 403, "forbidden");
            await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 403, "forbidden");
            await TestApp.ProblemAsync(await App.GetAsync(path), 401, "unauthorized");
        }

        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.ChainId}-szzzzzzzzzzzz/tags", Chain.AdminKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?q={new string('1', 21)}", Chain.LeaderKey), 400, "validation");

        var byTail = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?q={Chain.Phone[^4..]}", Chain.LeaderKey));
        var me = Assert.Single(byTail.EnumerateArray());
        Assert.Equal(Chain.Phone, me.GetProperty("phone").GetString());
        Assert.Equal(JsonValueKind.Array, me.GetProperty("tags").ValueKind);
        var byName = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?q={Uri.EscapeDataString("李")}", Chain.LeaderKey));
        Assert.Single(byName.EnumerateArray());
    }
}
