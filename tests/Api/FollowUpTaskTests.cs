using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The D+3 回访 as a call list: who to call and why, phones for the leader, marked done once.</summary>
public sealed class FollowUpTaskTests : ChainTest
{
    [Fact]
    public async Task TheLeaderSeesWhoToCallAndWhyAndMarksACallDoneOnce()
    {
        // 老顾客 ordered in an earlier campaign; in this one she and the first-timers order and the campaign closes.
        var (regularId, regularToken) = await App.NewMemberAsync(Chain, "老顾客");
        var (earlierId, earlierItem) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.OrderAsync(earlierId, regularToken, earlierItem), 201);
        var (waitingId, waitingToken) = await App.NewMemberAsync(Chain, "张阿姨");

        var (campaignId, orderIds) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (waitingToken, "pickup"), (regularToken, "pickup"));
        await App.PickUpAsync(Chain, orderIds[0], Chain.MemberToken);
        await App.PickUpAsync(Chain, orderIds[2], regularToken);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderIds[0]}/survey", new { satisfaction = 2, nps = 3, comment = "桃子有点软" }, Chain.MemberToken), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderIds[2]}/survey", new { satisfaction = 5, nps = 10 }, regularToken), 201);

        var tasks = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks", Chain.LeaderKey))).EnumerateArray().ToList();
        Assert.Equal(2, tasks.Count); // the regular, picked up and happy, has no reason to be called
        Assert.DoesNotContain(tasks, t => t.GetProperty("memberId").GetString() == regularId);
        var unhappy = tasks.Single(t => t.GetProperty("memberId").GetString() == Chain.MemberId);
        Assert.Equal(new[] { "first-order", "low-score" }, Reasons(unhappy));
        Assert.Equal(Chain.Phone, unhappy.GetProperty("phone").GetString());
        Assert.Equal(2, unhappy.GetProperty("satisfaction").GetInt32());
        Assert.False(unhappy.GetProperty("done").GetBoolean());
        var waiting = tasks.Single(t => t.GetProperty("memberId").GetString() == waitingId);
        Assert.Equal(new[] { "first-order", "not-picked-up" }, Reasons(waiting));

        // The admin sees the list with masked phones; a member, another chain, nobody: refused.
        var admin = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks", Chain.AdminKey))).EnumerateArray().ToList();
        Assert.Equal(Chain.Phone[..3] + "****" + Chain.Phone[^4..], admin.Single(t => t.GetProperty("memberId").GetString() == Chain.MemberId).GetProperty("phone").GetString());
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks", Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks"), 401, "unauthorized");
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks", other.LeaderKey), 403, "forbidden");

        // 已回访: once; again keeps the first note; concurrent marks agree.
        var path = $"/api/campaigns/{campaignId}/follow-up-tasks/{Chain.MemberId}/done";
        var marks = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => App.PostAsync(path, new { note = "已致歉，下次补一份" }, Chain.LeaderKey)));
        foreach (var mark in marks)
        {
            var done = await TestApp.OkJsonAsync(mark);
            Assert.True(done.GetProperty("done").GetBoolean());
            Assert.Equal("已致歉，下次补一份", done.GetProperty("note").GetString());
        }

        var again = await TestApp.OkJsonAsync(await App.PostAsync(path, new { note = "另一条" }, Chain.LeaderKey));
        Assert.Equal("已致歉，下次补一份", again.GetProperty("note").GetString());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/follow-up-tasks/{regularId}/done", new { note = "x" }, Chain.LeaderKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/follow-up-tasks/{waitingId}/done", new { note = new string('长', 201) }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/follow-up-tasks/{waitingId}/done", new { note = "x" }, Chain.MemberToken), 403, "forbidden");

        // Done calls move to the end of the list.
        var after = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks", Chain.LeaderKey))).EnumerateArray().ToList();
        Assert.Equal(waitingId, after[0].GetProperty("memberId").GetString());
        Assert.True(after[1].GetProperty("done").GetBoolean());
        Assert.NotNull(after[1].GetProperty("doneAt").GetString());

        // Without a body: done with no note.
        var bare = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/follow-up-tasks/{waitingId}/done", secret: Chain.LeaderKey));
        Assert.True(bare.GetProperty("done").GetBoolean());
        Assert.Equal(JsonValueKind.Null, bare.GetProperty("note").ValueKind);
    }

    private static string[] Reasons(JsonElement task) =>
        task.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal).ToArray();
}
