using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Issue 16: the leader's member list with <c>?campaignId=</c> says, per member, whether she reserved, commented,
/// voted and ordered in that campaign; a campaign of another store is refused. The real app on Azurite.
/// </summary>
public sealed class StoreMembersCampaignTests : ChainTest
{
    private static Dictionary<string, JsonElement> ByMember(JsonElement list) =>
        list.EnumerateArray().ToDictionary(m => m.GetProperty("memberId").GetString()!, m => m);

    private static (bool Reserved, bool Commented, bool Voted, bool Ordered) Flags(JsonElement member)
    {
        var c = member.GetProperty("campaign");
        return (c.GetProperty("reserved").GetBoolean(), c.GetProperty("commented").GetBoolean(), c.GetProperty("voted").GetBoolean(), c.GetProperty("ordered").GetBoolean());
    }

    [Fact]
    public async Task EachMemberRowSaysWhetherSheReservedCommentedVotedAndOrderedInTheChosenCampaign()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var (reserverId, reserverToken) = await App.NewMemberAsync(Chain, "预约的王阿姨");
        var (busyId, busyToken) = await App.NewMemberAsync(Chain, "忙碌的张阿姨");
        var (idleId, _) = await App.NewMemberAsync(Chain, "路过的赵阿姨");

        // Before the live: two reservations. Then live: comments, a poll with one vote, one order.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reservations", secret: reserverToken), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reservations", secret: busyToken), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/comments", new { text = "桃子甜吗？" }, busyToken), 201);
        var poll = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls", new { question = "下周想要什么？", options = new[] { "葡萄", "西瓜" } }, Chain.LeaderKey), 201);
        Assert.Equal(200, (int)(await App.PostAsync($"/api/campaigns/{campaignId}/polls/{poll.GetProperty("pollId").GetString()}/votes", new { option = 1 }, busyToken)).StatusCode);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, busyToken, itemId), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId), 201);

        var members = ByMember(await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?campaignId={campaignId}", Chain.LeaderKey)));
        Assert.Equal((true, false, false, false), Flags(members[reserverId]));
        Assert.Equal((true, true, true, true), Flags(members[busyId]));
        Assert.Equal((false, false, false, false), Flags(members[idleId]));
        Assert.Equal((false, false, false, true), Flags(members[Chain.MemberId]));

        // Searching still works with the campaign chosen; without one the rows carry no campaign at all.
        var found = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?q={Uri.EscapeDataString("张阿姨")}&campaignId={campaignId}", Chain.AdminKey));
        Assert.Equal((true, true, true, true), Flags(Assert.Single(found.EnumerateArray())));
        var plain = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members", Chain.LeaderKey));
        Assert.All(plain.EnumerateArray(), m => Assert.False(m.TryGetProperty("campaign", out _)));
    }

    [Fact]
    public async Task ACampaignOfAnotherStoreOrChainIsRefused()
    {
        var otherStore = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "阳光店", address = "阳光路 2 号" }, Chain.AdminKey), 201);
        var otherStoreId = otherStore.GetProperty("storeId").GetString()!;
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);

        // The campaign is of Chain.StoreId: asking the other store's list about it is refused, even for the admin.
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{otherStoreId}/members?campaignId={campaignId}", Chain.AdminKey), 404, "not-found");
        var otherChain = await App.NewChainWithPeopleAsync();
        var (foreignCampaign, _) = await App.NewLiveCampaignAsync(otherChain, goLive: false);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?campaignId={foreignCampaign}", Chain.LeaderKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?campaignId=nonsense%2F..", Chain.LeaderKey), 404, "not-found");
        await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?campaignId={campaignId}", Chain.LeaderKey));
    }
}
