using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>
/// API.md: the campaign view and every live event carry <c>seq</c>, so a client keeps the newer of a read and an
/// event without guessing from timing.
/// </summary>
public sealed class LiveRoomSeqTests : ChainTest
{
    [Fact]
    public async Task EveryChangeRaisesSeqAndEventsCarryTheSeqOfWhatTheyShow()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 30, goLive: false);
        var negotiated = await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={id}"));
        await using var viewer = await LiveClient.ConnectAsync(negotiated.GetProperty("url").GetString()!, negotiated.GetProperty("accessToken").GetString()!);
        await viewer.WaitForAsync("connected");
        var draft = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"))).GetProperty("seq").GetInt64();

        await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: Chain.LeaderKey);
        var phase = await viewer.WaitForAsync("phaseChanged");
        var live = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"))).GetProperty("seq").GetInt64();
        Assert.True(live > draft, $"going live raises seq ({draft} → {live})");
        Assert.True(phase.GetProperty("seq").GetInt64() > draft);

        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        var stock = await viewer.WaitForAsync("stockChanged", a => a.GetProperty("remaining").GetInt32() == 28);
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"));
        Assert.True(stock.GetProperty("seq").GetInt64() > live, "the stock event is newer than the read before the order");
        Assert.Equal(stock.GetProperty("seq").GetInt64(), view.GetProperty("seq").GetInt64()); // nothing moved since: the same state, the same seq
        Assert.Equal(28, view.GetProperty("items")[0].GetProperty("remaining").GetInt32());

        var comment = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "几点取货？" }, Chain.MemberToken), 201);
        Assert.True((await viewer.WaitForAsync("commentPosted")).TryGetProperty("seq", out _), "events that change no campaign state still carry seq");
    }
}
