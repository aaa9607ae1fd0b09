using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>
/// The viewer count over HTTP against the real app (Kestrel, real SignalR clients, Azurite): it counts live
/// connections, not negotiations — on one instance, across two, and on Azure SignalR Service from its signed upstream
/// connection events.
/// </summary>
public sealed class LiveViewerCountTests : ChainTest
{
    private static async Task<int> ViewersAsync(TestApp app, string campaignId) =>
        (await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{campaignId}/viewers"))).GetProperty("count").GetInt32();

    /// <summary>Polls the count until it is <paramref name="expected"/> (or the time is up) and answers the last one seen.</summary>
    private static async Task<int> ViewersSoonAsync(TestApp app, string campaignId, int expected, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        var count = await ViewersAsync(app, campaignId);
        while (count != expected && clock.Elapsed < within)
        {
            await Task.Delay(200);
            count = await ViewersAsync(app, campaignId);
        }

        return count;
    }

    private static async Task<LiveClient> WatchAsync(TestApp app, string campaignId)
    {
        var n = await TestApp.OkJsonAsync(await app.PostAsync($"/api/live/negotiate?campaignId={campaignId}"));
        var client = await LiveClient.ConnectAsync(n.GetProperty("url").GetString()!, n.GetProperty("accessToken").GetString()!);
        await client.WaitForAsync("connected");
        return client;
    }

    [Fact]
    public async Task FiftyNegotiationsThatNeverConnectCountNothingWhileConnectedClientsCountUntilTheyLeave()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        for (var i = 0; i < 50; i++)
        {
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/live/negotiate?campaignId={id}"));
        }

        // Longer than any write of this instance's row and the read cache: the negotiations left nothing behind.
        await Task.Delay(LiveRoomPresence.FirstFlushDelay + LiveRoomPresence.ReadCacheAge + TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, await ViewersAsync(App, id));

        var clients = new List<LiveClient>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await WatchAsync(App, id));
        }

        try
        {
            Assert.Equal(3, await ViewersAsync(App, id)); // this instance's connections count at once

            await clients[0].DisposeAsync();
            Assert.Equal(2, await ViewersSoonAsync(App, id, 2, TimeSpan.FromSeconds(5)));
        }
        finally
        {
            foreach (var c in clients.Skip(1))
            {
                await c.DisposeAsync();
            }
        }

        Assert.Equal(0, await ViewersSoonAsync(App, id, 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ClientsConnectedToTwoInstancesAreCountedOnBothAndOneWhoLeavesStopsCountingOnBoth()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        await using var second = await TestApp.StartAsync(storage: App.Azurite);
        await using var a1 = await WatchAsync(App, id);
        await using var a2 = await WatchAsync(App, id);
        var b1 = await WatchAsync(second, id);
        await TestApp.OkJsonAsync(await second.PostAsync($"/api/live/negotiate?campaignId={id}")); // never connects

        // Each instance knows its own at once, the other's once that one wrote its row (≈ 1 s) and the read cache aged.
        var within = LiveRoomPresence.FirstFlushDelay + LiveRoomPresence.ReadCacheAge + TimeSpan.FromSeconds(5);
        Assert.Equal(3, await ViewersSoonAsync(App, id, 3, within));
        Assert.Equal(3, await ViewersSoonAsync(second, id, 3, within));

        // The hub sees the close a moment after the client's dispose returns; its own instance stops counting it then.
        await b1.DisposeAsync();
        Assert.Equal(2, await ViewersSoonAsync(second, id, 2, TimeSpan.FromSeconds(5)));
        Assert.Equal(2, await ViewersSoonAsync(App, id, 2, LiveRoomPresence.FlushInterval + LiveRoomPresence.ReadCacheAge + TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task OnTheSignalRServiceSignedConnectionEventsAreCountedAndBadSignaturesAreRefused()
    {
        await using var listener = await SignalRServiceListener.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AzureSignalRConnectionString"] = listener.ConnectionString });
        var chain = await app.NewChainWithPeopleAsync();
        var (id, _) = await app.NewLiveCampaignAsync(chain);

        // Negotiate names the user {viewerId}@{campaignId}; the Service echoes it in X-ASRS-User-Id.
        var negotiated = await TestApp.OkJsonAsync(await app.PostAsync($"/api/live/negotiate?campaignId={id}"));
        var userId = negotiated.GetProperty("viewerId").GetString() + "@" + id;
        for (var i = 0; i < 50; i++)
        {
            await TestApp.OkJsonAsync(await app.PostAsync($"/api/live/negotiate?campaignId={id}"));
        }

        Assert.Equal(0, await ViewersAsync(app, id));

        Assert.Equal(204, (int)(await SendEventAsync(app, listener.AccessKey, "connected", "conn-1", userId)).StatusCode);
        Assert.Equal(204, (int)(await SendEventAsync(app, listener.AccessKey, "connected", "conn-1", userId)).StatusCode); // redelivered
        Assert.Equal(204, (int)(await SendEventAsync(app, listener.AccessKey, "connected", "conn-2", userId)).StatusCode); // a second tab
        Assert.Equal(2, await ViewersAsync(app, id));

        // Unsigned, signed with another key, or signed for another connection: 401 problem, nothing counted.
        await TestApp.ProblemAsync(await SendEventAsync(app, null, "connected", "conn-3", userId), 401, "unauthorized");
        await TestApp.ProblemAsync(await SendEventAsync(app, "some-other-key", "connected", "conn-3", userId), 401, "unauthorized");
        await TestApp.ProblemAsync(await SendEventAsync(app, listener.AccessKey, "connected", "conn-3", userId, signFor: "conn-1"), 401, "unauthorized");
        Assert.Equal(2, await ViewersAsync(app, id));

        Assert.Equal(204, (int)(await SendEventAsync(app, listener.AccessKey, "disconnected", "conn-1", userId)).StatusCode);
        Assert.Equal(204, (int)(await SendEventAsync(app, listener.AccessKey, "disconnected", "conn-1", userId)).StatusCode); // redelivered
        Assert.Equal(1, await ViewersAsync(app, id));

        // Another instance on the same storage counts the same connections.
        await using var second = await TestApp.StartAsync(new Dictionary<string, string?> { ["AzureSignalRConnectionString"] = listener.ConnectionString }, storage: app.Azurite);
        Assert.Equal(1, await ViewersAsync(second, id));
    }

    [Fact]
    public async Task WithoutASignalRServiceTheConnectionEventsRouteIsNotFound()
    {
        var response = await App.Client.SendAsync(EventRequest("stand-in", "connected", "conn-1", "v_x@c1-k1", "conn-1"));
        await TestApp.ProblemAsync(response, 404, "not-found");
    }

    [Fact]
    public async Task HealthShowsTheLiveRoomsStorageOperations()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain);
        await using var client = await WatchAsync(App, id);
        await ViewersAsync(App, id);

        var live = (await TestApp.OkJsonAsync(await App.GetAsync("/api/health"))).GetProperty("liveRoom");
        Assert.Equal(JsonValueKind.Number, live.GetProperty("storageWrites").ValueKind);
        Assert.True(live.GetProperty("storageReads").GetInt64() >= 1);
        Assert.True(live.GetProperty("rowsRead").GetInt64() >= 0);
    }

    private static Task<HttpResponseMessage> SendEventAsync(TestApp app, string? accessKey, string eventName, string connectionId, string userId, string? signFor = null) =>
        app.Client.SendAsync(EventRequest(accessKey, eventName, connectionId, userId, signFor ?? connectionId));

    /// <summary>An upstream request as Azure SignalR Service sends one (headers as documented; body unused).</summary>
    private static HttpRequestMessage EventRequest(string? accessKey, string eventName, string connectionId, string userId, string signFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/live/connection-events") { Content = new StringContent(string.Empty) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-ASRS-Connection-Id", connectionId);
        request.Headers.Add("X-ASRS-User-Id", userId);
        request.Headers.Add("X-ASRS-Hub", LiveRoomNames.Hub);
        request.Headers.Add("X-ASRS-Category", "connections");
        request.Headers.Add("X-ASRS-Event", eventName);
        if (accessKey is not null)
        {
            // As the Service signs: sha256=<hex HMAC-SHA256 of the connection id keyed with the access key>, one per key.
            var hex = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(accessKey), System.Text.Encoding.UTF8.GetBytes(signFor)));
            request.Headers.Add("X-ASRS-Signature", $"sha256=0000,sha256={hex}");
        }

        return request;
    }
}
