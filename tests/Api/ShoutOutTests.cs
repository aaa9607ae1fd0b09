using System.Net;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The leader thanks the store's top referrers (老带新之星) in the live room: POST /api/campaigns/{id}/shout-outs → event shoutOut.</summary>
public sealed class ShoutOutTests : ChainTest
{
    private async Task<string> ReferralCodeAsync(string token) =>
        (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/referral", token))).GetProperty("referralCode").GetString()!;

    private async Task<string> JoinAsync(string name, string? referralCode)
    {
        var joined = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name, phone = TestApp.NewPhone(), storeId = Chain.StoreId, referralCode }), 201);
        return joined.GetProperty("memberToken").GetString()!;
    }

    private async Task<LiveClient> WatchAsync(string campaignId)
    {
        var negotiated = await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={campaignId}"));
        var client = await LiveClient.ConnectAsync(negotiated.GetProperty("url").GetString()!, negotiated.GetProperty("accessToken").GetString()!);
        await client.WaitForAsync("connected");
        return client;
    }

    private Task<HttpResponseMessage> ShoutAsync(string campaignId, string secret, object? body = null) =>
        App.PostAsync($"/api/campaigns/{campaignId}/shout-outs", body, secret);

    [Fact]
    public async Task TheLeadersShoutOutReachesTheLiveRoomWithRankedMaskedReferrersOncePerTenSeconds()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);

        // Nobody has brought a neighbour yet: nothing to show, and nothing is used up.
        await TestApp.ProblemAsync(await ShoutAsync(campaignId, Chain.LeaderKey), 409, "nothing-to-show");

        var topCode = await ReferralCodeAsync(Chain.MemberToken);
        var second = await JoinAsync("周师傅", null);
        var secondCode = await ReferralCodeAsync(second);
        await JoinAsync("钱阿姨", topCode);
        await JoinAsync("吴大姐", topCode);
        await JoinAsync("郑老师", secondCode);

        await TestApp.ProblemAsync(await ShoutAsync(campaignId, Chain.LeaderKey, new { top = 6 }), 400, "validation");
        await TestApp.ProblemAsync(await ShoutAsync(campaignId, Chain.LeaderKey, new { top = 0 }), 400, "validation");

        await using var viewer = await WatchAsync(campaignId);
        var sent = await TestApp.OkJsonAsync(await ShoutAsync(campaignId, Chain.LeaderKey), 202);
        Assert.Equal("referrers", sent.GetProperty("kind").GetString());

        var shoutOut = await viewer.WaitForAsync("shoutOut");
        Assert.Equal("referrers", shoutOut.GetProperty("kind").GetString());
        Assert.True(shoutOut.TryGetProperty("at", out _));
        var lines = shoutOut.GetProperty("referrers").EnumerateArray()
            .Select(r => (r.GetProperty("rank").GetInt32(), r.GetProperty("maskedName").GetString(), r.GetProperty("referred").GetInt32())).ToList();
        Assert.Equal([(1, "李**", 2), (2, "周**", 1)], lines);
        // Masked names only: no member id, phone or raw name ever reaches the room.
        var raw = shoutOut.GetRawText();
        Assert.DoesNotContain(Chain.MemberId, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Chain.Phone, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("李阿姨", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("memberId", raw, StringComparison.OrdinalIgnoreCase);

        // A second shout-out within 10 s, even by the admin, is refused with Retry-After.
        var again = await ShoutAsync(campaignId, Chain.AdminKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        var retryAfter = again.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        await TestApp.ProblemAsync(again, 429, "rate-limited");
        Assert.Single(viewer.Events, e => e.Target == "shoutOut");
    }

    [Fact]
    public async Task OnlyTheCampaignsStoreLeaderOrTheChainAdminMayShoutOutAndOnlyDuringPreheatOrLive()
    {
        await JoinAsync("钱阿姨", await ReferralCodeAsync(Chain.MemberToken));
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);

        await TestApp.ProblemAsync(await ShoutAsync(campaignId, Chain.MemberToken), 403, "forbidden");
        var otherStore = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "和平里店", address = "和平路 2 号" }, Chain.AdminKey), 201);
        var otherLeader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "刘团长", storeId = otherStore.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        await TestApp.ProblemAsync(await ShoutAsync(campaignId, otherLeader.GetProperty("leaderKey").GetString()!), 403, "forbidden");
        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await ShoutAsync(campaignId, otherChain.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await ShoutAsync(campaignId, otherChain.LeaderKey), 403, "forbidden");

        // The chain's admin may (and the refusals above used up nothing).
        var sent = await TestApp.OkJsonAsync(await ShoutAsync(campaignId, Chain.AdminKey, new { top = 1 }), 202);
        Assert.Equal("李**", Assert.Single(sent.GetProperty("referrers").EnumerateArray()).GetProperty("maskedName").GetString());

        // A preheating campaign may; a closed one may not.
        var (preheat, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{preheat}/actions/preheat", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await ShoutAsync(preheat, Chain.LeaderKey), 202);

        var (finished, _) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{finished}/actions/close", secret: Chain.LeaderKey));
        await TestApp.ProblemAsync(await ShoutAsync(finished, Chain.LeaderKey), 409, "not-live");
        var (draft, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        await TestApp.ProblemAsync(await ShoutAsync(draft, Chain.LeaderKey), 409, "not-live");
    }
}
