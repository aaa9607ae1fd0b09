using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>The viewer count over HTTP with two real app instances on one storage, as Azure runs many.</summary>
public sealed class LiveViewerCountTests : ChainTest
{
    private static async Task<int> ViewersAsync(TestApp app, string campaignId) =>
        (await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{campaignId}/viewers"))).GetProperty("count").GetInt32();

    [Fact]
    public async Task ViewersWhoJoinedOnTwoInstancesAreCountedOnBothAndOneWhoseHeartbeatsMoveCountsOnce()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        await using var second = await TestApp.StartAsync(storage: App.Azurite);
        var anonymous = await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={id}"));
        await TestApp.OkJsonAsync(await second.PostAsync($"/api/live/negotiate?campaignId={id}", secret: Chain.MemberToken));

        // Each instance knows its own viewer at once, and the other's once that instance has written its row (about a second).
        var counts = (First: 0, Second: 0);
        for (var i = 0; i < 100 && counts != (2, 2); i++)
        {
            await Task.Delay(200);
            counts = (await ViewersAsync(App, id), await ViewersAsync(second, id));
        }

        Assert.Equal((2, 2), counts);

        // The anonymous viewer's heartbeats now land on the other instance: still two viewers, not three.
        Assert.Equal(204, (int)(await second.PostAsync("/api/live/heartbeat", new { viewerToken = anonymous.GetProperty("viewerToken").GetString() })).StatusCode);
        Assert.Equal(2, await ViewersAsync(App, id));
        Assert.Equal(2, await ViewersAsync(second, id));
    }

    [Fact]
    public async Task HealthShowsTheLiveRoomsStorageOperations()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={id}"));
        await ViewersAsync(App, id);

        var live = (await TestApp.OkJsonAsync(await App.GetAsync("/api/health"))).GetProperty("liveRoom");
        Assert.Equal(JsonValueKind.Number, live.GetProperty("storageWrites").ValueKind);
        Assert.True(live.GetProperty("storageReads").GetInt64() >= 1);
        Assert.True(live.GetProperty("rowsRead").GetInt64() >= 0);
    }
}
