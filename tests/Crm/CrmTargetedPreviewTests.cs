using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Crm;

/// <summary>Tag-targeted preheat: who the preview reaches, exactly once each, and reach and conversion per tag.</summary>
public sealed class CrmTargetedPreviewTests : ChainTest
{
    [Fact]
    public async Task ThePreviewReachesReservedAndTaggedMembersExactlyOnceAndTheReportShowsReachPerTag()
    {
        // Two KOC candidates (each referred a neighbour): one also reserves. A third reserves only; a fourth does neither.
        var taggedAndReserved = await CrmTestData.JoinAsync(App, Chain, "吴姐");
        var taggedOnly = await CrmTestData.JoinAsync(App, Chain, "郑哥");
        await CrmTestData.JoinAsync(App, Chain, "吴姐的邻居", taggedAndReserved.ReferralCode);
        await CrmTestData.JoinAsync(App, Chain, "郑哥的邻居", taggedOnly.ReferralCode);
        var reservedOnly = await CrmTestData.JoinAsync(App, Chain, "冯奶奶");
        await CrmTestData.RecomputeAsync(App, Chain);

        var product = await CrmTestData.ProductAsync(App, Chain, "黄油可颂", "烘焙");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new { title = "x", targetTags = new[] { "不存在的标签" } }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new { title = "x", targetTags = Enumerable.Repeat("KOC候选", 6) }, Chain.LeaderKey), 400, "validation");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, product, targetTags: new[] { "KOC候选" });
        var targets = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/target-tags", Chain.LeaderKey));
        Assert.Equal(["KOC候选"], targets.GetProperty("targetTags").EnumerateArray().Select(t => t.GetString()));

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reservations", secret: taggedAndReserved.Token), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reservations", secret: reservedOnly.Token), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/preheat", secret: Chain.LeaderKey));

        var previews = await WaitForPreviewsAsync(campaignId, 3);
        await Task.Delay(1000); // a second send would land by now
        previews = await WaitForPreviewsAsync(campaignId, 3);
        Assert.Equal(new[] { taggedAndReserved.MemberId, taggedOnly.MemberId, reservedOnly.MemberId }.Order(), previews.Order());

        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/campaigns/{campaignId}/target-tags", new { targetTags = new[] { "高价值" } }, Chain.LeaderKey), 409, "invalid-transition");

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, taggedOnly.Token, itemId, 1), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, reservedOnly.Token, itemId, 1), 201);

        var reach = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/tag-reach", Chain.LeaderKey))).EnumerateArray());
        Assert.Equal("KOC候选", reach.GetProperty("tag").GetString());
        Assert.Equal(2, reach.GetProperty("reached").GetInt32());
        Assert.Equal(1, reach.GetProperty("ordered").GetInt32());
        Assert.Equal(0.5, reach.GetProperty("rate").GetDouble());

        var report = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/report", secret: Chain.AdminKey));
        Assert.Equal(2, report.GetProperty("tagReach")[0].GetProperty("reached").GetInt32());

        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/tag-reach", otherChain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/tag-reach", Chain.MemberToken), 403, "forbidden");
    }

    private async Task<List<string>> WaitForPreviewsAsync(string campaignId, int atLeast)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(25);
        List<string> previews;
        do
        {
            var notifications = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/notifications", Chain.LeaderKey));
            previews = notifications.EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "preview").Select(n => n.GetProperty("memberId").GetString()!).ToList();
            if (previews.Count >= atLeast)
            {
                return previews;
            }

            await Task.Delay(250);
        }
        while (DateTimeOffset.UtcNow < deadline);

        Assert.Fail($"Only {previews.Count} previews after 25 s.");
        return previews;
    }
}
