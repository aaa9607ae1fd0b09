using System.Text.Json;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>The official SignalR client (JSON hub protocol over WebSockets) in the live room of the real app.</summary>
public sealed class LiveRoomEventTests : ChainTest
{
    /// <summary>Joins a campaign's room as the page does: negotiate with the app, then connect where it says.</summary>
    private async Task<LiveClient> WatchAsync(string campaignId, string? secret = null)
    {
        var negotiated = await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={campaignId}", secret: secret));
        var client = await LiveClient.ConnectAsync(negotiated.GetProperty("url").GetString()!, negotiated.GetProperty("accessToken").GetString()!);
        await client.WaitForAsync("connected");
        return client;
    }

    [Fact]
    public async Task AViewerSeesEveryKindOfLiveEventWithItsPayload()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 30, goLive: false);
        await using var viewer = await WatchAsync(id);

        await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: Chain.LeaderKey);
        Assert.Equal("live", (await viewer.WaitForAsync("phaseChanged")).GetProperty("phase").GetString());

        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        var placed = await viewer.WaitForAsync("orderPlaced");
        Assert.Equal("李**", placed.GetProperty("maskedName").GetString());
        Assert.Equal(itemId, placed.GetProperty("itemId").GetString());
        Assert.Equal(2, placed.GetProperty("quantity").GetInt32());
        var stock = await viewer.WaitForAsync("stockChanged", a => a.GetProperty("remaining").GetInt32() == 28);
        Assert.Equal(itemId, stock.GetProperty("itemId").GetString());

        var comment = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/comments", new { text = "能送货吗？" }, Chain.MemberToken), 201);
        var posted = await viewer.WaitForAsync("commentPosted");
        Assert.Equal("能送货吗？", posted.GetProperty("text").GetString());
        Assert.Equal("李**", posted.GetProperty("maskedName").GetString());
        var commentId = comment.GetProperty("commentId").GetString();
        await App.PostAsync($"/api/campaigns/{id}/comments/{commentId}/answer", new { text = "可以，三公里内。" }, Chain.LeaderKey);
        var answered = await viewer.WaitForAsync("commentAnswered");
        Assert.Equal(commentId, answered.GetProperty("commentId").GetString());
        Assert.Equal("可以，三公里内。", answered.GetProperty("text").GetString());

        var poll = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/polls", new { question = "下次？", options = new[] { "A", "B" } }, Chain.LeaderKey), 201);
        var pollId = poll.GetProperty("pollId").GetString();
        var opened = await viewer.WaitForAsync("pollOpened");
        Assert.Equal(["A", "B"], opened.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal([0, 0], opened.GetProperty("counts").EnumerateArray().Select(o => o.GetInt32()));
        await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/votes", new { option = 1 }, Chain.MemberToken);
        var updated = await viewer.WaitForAsync("pollUpdated", a => a.GetProperty("counts")[1].GetInt32() == 1);
        Assert.Equal(pollId, updated.GetProperty("pollId").GetString());
        await App.PostAsync($"/api/campaigns/{id}/polls/{pollId}/close", secret: Chain.LeaderKey);
        Assert.Equal("下次？", (await viewer.WaitForAsync("pollClosed")).GetProperty("question").GetString());

        await App.PostAsync($"/api/campaigns/{id}/pin", new { itemId }, Chain.LeaderKey);
        var pinned = await viewer.WaitForAsync("productPinned");
        Assert.Equal(itemId, pinned.GetProperty("itemId").GetString());
        Assert.StartsWith("/api/products/", pinned.GetProperty("traceabilityUrl").GetString(), StringComparison.Ordinal);

        var flash = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales", new { itemId, quantity = 1, priceFen = 100, durationSeconds = 30, firstNGift = 1 }, Chain.LeaderKey), 201);
        var started = await viewer.WaitForAsync("flashSaleStarted");
        Assert.Equal(flash.GetProperty("flashSaleId").GetString(), started.GetProperty("flashSaleId").GetString());
        Assert.Equal(100, started.GetProperty("priceFen").GetInt64());
        Assert.Equal(1, started.GetProperty("quantity").GetInt32());
        Assert.True(started.GetProperty("endsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201); // takes the whole quota
        Assert.Equal(flash.GetProperty("flashSaleId").GetString(), (await viewer.WaitForAsync("flashSaleEnded")).GetProperty("flashSaleId").GetString());

        Assert.True((await viewer.WaitForAsync("viewerCount", timeout: TimeSpan.FromSeconds(15))).GetProperty("count").GetInt32() >= 1);
    }

    [Fact]
    public async Task AMembersOwnConnectionHearsTheGroupResultAndThePickupSoTheirPageMovesOnWithoutPolling()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        await using var member = await WatchAsync(campaignId, Chain.MemberToken);
        await using var anonymous = await WatchAsync(campaignId);

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        await member.WaitForAsync("notification", n => n.GetProperty("memberId").GetString() == Chain.MemberId, TimeSpan.FromSeconds(20));
        var code = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken))).GetProperty("pickupCode").GetString();

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = code }, Chain.LeaderKey));
        await member.WaitForAsync("notification", n => n.TryGetProperty("orderId", out var id) && id.GetString() == orderId, TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(anonymous.Events, e => e.Target == "notification");
    }

    [Fact]
    public async Task RoomsAreIsolatedPerCampaign()
    {
        var (a, itemA) = await App.NewLiveCampaignAsync(Chain);
        var (b, _) = await App.NewLiveCampaignAsync(Chain);
        await using var inA = await WatchAsync(a, Chain.MemberToken);
        await using var inB = await WatchAsync(b, Chain.MemberToken);

        await TestApp.OkJsonAsync(await App.OrderAsync(a, Chain.MemberToken, itemA, 1), 201);
        await inA.WaitForAsync("orderPlaced");
        await inA.WaitForAsync("stockChanged");
        await Task.Delay(500);
        Assert.DoesNotContain(inB.Events, e => e.Target is "orderPlaced" or "stockChanged");
    }

    [Fact]
    public async Task AConnectionWithoutANegotiatedTokenIsRefused()
    {
        var hub = new Uri(App.BaseAddress, "/hubs/live").ToString();
        await using var client = await LiveClient.ConnectAsync(hub, "lrt_forged.token");
        var refused = await client.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(refused);
        Assert.Contains("Negotiate first", refused.Message, StringComparison.Ordinal);
        Assert.Empty(client.Events);
    }

    [Fact]
    public async Task EveryViewerEndsOnTheTrueFinalStockAfterABurst()
    {
        const int stock = 25;
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: stock);
        var viewers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => WatchAsync(id)));
        var members = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => App.NewMemberAsync(Chain, $"观众{i}")));
        var accepted = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, _) =>
        {
            using var r = await App.OrderAsync(id, members[n % members.Length].Token, itemId, 1);
            if ((int)r.StatusCode == 201)
            {
                Interlocked.Increment(ref accepted);
            }
        });

        Assert.Equal(stock, accepted);
        foreach (var viewer in viewers)
        {
            await viewer.WaitForAsync("stockChanged", a => a.GetProperty("remaining").GetInt32() == 0);
            await WaitUntilAsync(() => viewer.Events.Count(e => e.Target == "orderPlaced") == stock);
            var stocks = viewer.Events.Where(e => e.Target == "stockChanged").Select(e => e.Payload.GetProperty("remaining").GetInt32()).ToList();
            Assert.Equal(0, stocks[^1]);
            Assert.True(stocks.Count < stock, $"stockChanged is coalesced: {stocks.Count} messages for {stock} orders");
            // Only newer values go out (by the campaign's event sequence): the stock a viewer sees never goes back up.
            Assert.Equal(stocks.OrderDescending(), stocks);
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task AHungOrFailingLiveRoomNeverHoldsUpOrFailsAnOrder()
    {
        var hung = new HungTransport();
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<ILiveRoomTransport>(hung), storage: App.Azurite);
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f);

        var order = app.OrderAsync(id, f.MemberToken, itemId, 1);
        Assert.Same(order, await Task.WhenAny(order, Task.Delay(TimeSpan.FromSeconds(20))));
        await TestApp.OkJsonAsync(await order, 201);
        await WaitUntilAsync(() => hung.Sends > 0); // the live room was asked, and is still hanging
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition());
    }

    /// <summary>A real-time service that never answers (the edge we fake: it is a third party).</summary>
    private sealed class HungTransport : ILiveRoomTransport
    {
        private int _sends;

        public int Sends => _sends;

        public Task<NegotiateResult> NegotiateAsync(string campaignId, string userId, Uri requestBase, CancellationToken cancellationToken) =>
            Task.FromResult(new NegotiateResult("http://127.0.0.1:9/none", "none"));

        public Task SendToCampaignAsync(string campaignId, string target, object payload, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sends);
            return new TaskCompletionSource().Task;
        }

        public Task SendToUserAsync(string userId, string target, object payload, CancellationToken cancellationToken) => new TaskCompletionSource().Task;
    }
}
