using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// The test SignalR client against a real ASP.NET Core SignalR server (token checks, groups, keep-alive) and against
/// a scripted raw WebSocket server that cuts frames where a real server rarely does.
/// </summary>
public sealed class SignalRTestClientTests(SignalRTestServer server) : IClassFixture<SignalRTestServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private string HubUrl(string group) => $"{server.BaseUrl}/hubs/test?group={group}";

    private static string NewGroup() => "g" + Guid.NewGuid().ToString("N");

    private async Task<SignalRTestClient> ConnectToGroupAsync(string group, string? path = null)
    {
        var client = await SignalRTestClient.ConnectAsync(path ?? HubUrl(group), SignalRTestServer.ValidToken);
        // The server adds the connection to its group in OnConnectedAsync, after the handshake: wait for its welcome.
        await client.WaitForAsync("welcome");
        return client;
    }

    private IHubContext<TestHub> HubContext => server.Services.GetRequiredService<IHubContext<TestHub>>();

    [Fact]
    public async Task GroupMessageArrivesWithTheCamelCasePayload()
    {
        var group = NewGroup();
        await using var client = await ConnectToGroupAsync(group);
        var before = DateTimeOffset.UtcNow;

        // PascalCase on purpose: the server's JSON hub protocol camel-cases, as the app's payloads rely on.
        await HubContext.Clients.Group(group).SendAsync("orderPlaced", new { MaskedName = "王**", ItemId = "i1", Quantity = 2 });

        var message = await client.WaitForAsync("orderPlaced");
        Assert.Equal("王**", message.Argument.GetProperty("maskedName").GetString());
        Assert.Equal("i1", message.Argument.GetProperty("itemId").GetString());
        Assert.Equal(2, message.Argument.GetProperty("quantity").GetInt32());
        Assert.InRange(message.ReceivedAt, before, DateTimeOffset.UtcNow);
        Assert.True(client.IsConnected);
        Assert.Equal(client.ConnectionId, client.Messages[0].Argument.GetProperty("connectionId").GetString());
    }

    [Fact]
    public async Task ManyMessagesSentInATightLoopAllArriveInOrder()
    {
        var group = NewGroup();
        await using var client = await ConnectToGroupAsync(group);
        var seen = 0;
        client.OnMessage += m =>
        {
            if (m.Target == "tick")
            {
                Interlocked.Increment(ref seen);
            }
        };

        for (var n = 0; n < 200; n++)
        {
            await HubContext.Clients.Group(group).SendAsync("tick", new { n });
        }

        await client.WaitForAsync("tick", a => a.GetProperty("n").GetInt32() == 199, Patience);
        var ticks = client.Messages.Where(m => m.Target == "tick").ToList();
        Assert.Equal(Enumerable.Range(0, 200), ticks.Select(m => m.Argument.GetProperty("n").GetInt32()));
        Assert.Equal(200, Volatile.Read(ref seen));
        Assert.True(ticks.Zip(ticks.Skip(1)).All(p => p.First.ReceivedAt <= p.Second.ReceivedAt));
    }

    [Fact]
    public async Task LargePayloadSpanningManyReadsArrivesWhole()
    {
        var group = NewGroup();
        await using var client = await ConnectToGroupAsync(group);
        var text = string.Concat(Enumerable.Range(0, 24_000).Select(i => i % 7 == 0 ? "王小明 " : "item-" + (i % 1000) + ' '));
        Assert.True(Encoding.UTF8.GetByteCount(text) > 200_000);

        await HubContext.Clients.Group(group).SendAsync("big", new { text });
        await HubContext.Clients.Group(group).SendAsync("after", new { n = 1 });

        var big = await client.WaitForAsync("big", timeout: Patience);
        Assert.Equal(text, big.Argument.GetProperty("text").GetString());
        await client.WaitForAsync("after");
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData(null)]
    public async Task WrongOrMissingTokenGetsTheConnectionClosedWithTheServersError(string? token)
    {
        await using var client = await SignalRTestClient.ConnectAsync(HubUrl(NewGroup()), token);

        var error = await Assert.ThrowsAsync<SignalRConnectionException>(() => client.Closed.WaitAsync(Patience));
        Assert.Contains("Unauthorized", error.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        var waiting = await Assert.ThrowsAsync<SignalRConnectionException>(() => client.WaitForAsync("welcome"));
        Assert.Contains("Unauthorized", waiting.Message, StringComparison.Ordinal);
        Assert.Empty(client.Messages);
    }

    [Fact]
    public async Task ClientsInDifferentGroupsOnlySeeTheirOwnGroupsMessages()
    {
        var (groupA, groupB) = (NewGroup(), NewGroup());
        await using var a = await ConnectToGroupAsync(groupA);
        await using var b = await ConnectToGroupAsync(groupB);

        await HubContext.Clients.Group(groupA).SendAsync("orderPlaced", new { itemId = "for-a" });
        await HubContext.Clients.Group(groupB).SendAsync("orderPlaced", new { itemId = "for-b" });
        await HubContext.Clients.Groups(groupA, groupB).SendAsync("done", new { });
        await a.WaitForAsync("done");
        await b.WaitForAsync("done");

        Assert.Equal(new[] { "for-a" }, a.Messages.Where(m => m.Target == "orderPlaced").Select(m => m.Argument.GetProperty("itemId").GetString()));
        Assert.Equal(new[] { "for-b" }, b.Messages.Where(m => m.Target == "orderPlaced").Select(m => m.Argument.GetProperty("itemId").GetString()));
    }

    [Fact]
    public async Task DisposingTheClientDisconnectsItOnTheServer()
    {
        var group = NewGroup();
        var client = await ConnectToGroupAsync(group);
        var disconnected = server.Connections.DisconnectedAsync(client.ConnectionId);
        Assert.False(disconnected.IsCompleted);

        await client.DisposeAsync();

        await disconnected.WaitAsync(Patience);
        Assert.False(client.IsConnected);
        await client.Closed.WaitAsync(Patience); // Completes without error: we closed it.
    }

    [Fact]
    public async Task WaitForReturnsAnAlreadyReceivedMatchAndTimesOutListingWhatArrived()
    {
        var group = NewGroup();
        await using var client = await ConnectToGroupAsync(group);
        await HubContext.Clients.Group(group).SendAsync("tick", new { n = 1 });
        await HubContext.Clients.Group(group).SendAsync("tick", new { n = 2 });
        await client.WaitForAsync("tick", a => a.GetProperty("n").GetInt32() == 2);

        var first = await client.WaitForAsync("tick", timeout: TimeSpan.Zero);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForAsync("tick", a => a.GetProperty("n").GetInt32() == 3, TimeSpan.FromMilliseconds(50)));

        Assert.Equal(1, first.Argument.GetProperty("n").GetInt32());
        Assert.Contains("welcome ×1", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("tick ×2", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NegotiateSendsTheBearerHeaderAndTheWebSocketTheAccessTokenQuery()
    {
        await using var client = await ConnectToGroupAsync("guarded", $"{server.BaseUrl}/hubs/guarded?group=guarded");

        Assert.True(client.IsConnected);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => SignalRTestClient.ConnectAsync($"{server.BaseUrl}/hubs/guarded", "wrong-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task NegotiateRedirectIsFollowedWithTheAccessTokenItHandsOut()
    {
        await using var client = await SignalRTestClient.ConnectAsync($"{server.BaseUrl}/redirect", SignalRTestServer.RedirectToken);

        var welcome = await client.WaitForAsync("welcome");
        Assert.Equal("redirected", welcome.Argument.GetProperty("group").GetString());
    }

    [Fact]
    public async Task EndlessNegotiateRedirectsGiveUpAfterFiveHops()
    {
        var run = Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<SignalRConnectionException>(() => SignalRTestClient.ConnectAsync($"{server.BaseUrl}/loop?run={run}", null));

        Assert.Contains("redirected more than 5 times", error.Message, StringComparison.Ordinal);
        Assert.Equal(1 + SignalRTestClient.MaxRedirects, server.Raw.Count(r => r.Run == run));
    }

    [Fact]
    public async Task AzureStyleUrlKeepsItsQueryAndSendsTheTokenTheBrowserWay()
    {
        var run = Guid.NewGuid().ToString("N");
        const string token = "tok+/=en";

        await using var client = await SignalRTestClient.ConnectAsync($"{server.BaseUrl}/client/?hub=live&run={run}", token);
        await client.WaitForAsync("welcome");

        var requests = server.Raw.Where(r => r.Run == run).ToList();
        Assert.Equal(2, requests.Count);
        var negotiate = requests[0];
        Assert.Equal(("POST", "/client/negotiate", $"?hub=live&run={run}&negotiateVersion=1", "Bearer " + token, false),
            (negotiate.Method, negotiate.Path, negotiate.Query, negotiate.Authorization, negotiate.WebSocket));
        var socket = requests[1];
        Assert.Equal(("GET", "/client/", $"?hub=live&run={run}&id={SignalRTestServer.RawConnectionToken}&access_token={Uri.EscapeDataString(token)}", (string?)null, true),
            (socket.Method, socket.Path, socket.Query, socket.Authorization, socket.WebSocket));
        Assert.Equal(token, socket.AccessToken);
        Assert.Equal("{\"protocol\":\"json\",\"version\":1}", socket.Handshake);
        Assert.Equal(SignalRTestServer.RawConnectionId, client.ConnectionId);
    }

    [Fact]
    public async Task RecordsAreCutAtSeparatorsWhateverTheFramingAndPingsAndUnknownTypesAreIgnored()
    {
        await using var client = await SignalRTestClient.ConnectAsync($"{server.BaseUrl}/raw?script=frames", "t");

        var error = await Assert.ThrowsAsync<SignalRConnectionException>(() => client.Closed.WaitAsync(Patience));

        Assert.Contains("Scripted close.", error.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        var messages = client.Messages;
        Assert.Equal(new[] { "a", "a", "b", "b", "c" }, messages.Select(m => m.Target));
        Assert.Equal(1, messages[0].Argument.GetProperty("n").GetInt32());
        Assert.Equal(2, messages[1].Argument.GetProperty("n").GetInt32());
        Assert.Equal("王**", messages[2].Argument.GetProperty("maskedName").GetString());
        Assert.Equal("李*", messages[3].Argument.GetProperty("maskedName").GetString());
        Assert.Equal(JsonValueKind.Null, messages[4].Argument.ValueKind);
    }

    [Fact]
    public async Task HandshakeErrorFailsConnectWithTheServersText()
    {
        var error = await Assert.ThrowsAsync<SignalRConnectionException>(() => SignalRTestClient.ConnectAsync($"{server.BaseUrl}/raw?script=handshake-error", null));

        Assert.Contains("Requested protocol 'json' is not available.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientSendsItsPingAtTheConfiguredInterval()
    {
        var options = new SignalRTestClientOptions { PingInterval = TimeSpan.FromMilliseconds(50) };
        await using var client = await SignalRTestClient.ConnectAsync($"{server.BaseUrl}/raw?script=pings", null, options);

        // The script answers once it has read three records that are exactly {"type":6}.
        var pinged = await client.WaitForAsync("pinged", timeout: Patience);

        Assert.Equal(3, pinged.Argument.GetProperty("count").GetInt32());
        Assert.True(client.IsConnected);
    }
}

/// <summary>Tracks hub connections so tests can wait for the server to see a client go.</summary>
public sealed class ConnectionLog
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _disconnected = new(StringComparer.Ordinal);

    public Task DisconnectedAsync(string connectionId) => Entry(connectionId).Task;

    public void Disconnected(string connectionId) => Entry(connectionId).TrySetResult();

    private TaskCompletionSource Entry(string connectionId) =>
        _disconnected.GetOrAdd(connectionId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Accepts only <see cref="SignalRTestServer.ValidToken"/> (query, or Bearer header), joins the group the query names.</summary>
public sealed class TestHub(ConnectionLog log) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var request = Context.GetHttpContext()!.Request;
        var token = request.Query["access_token"].ToString();
        if (token.Length == 0 && AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme == "Bearer")
        {
            token = header.Parameter ?? string.Empty;
        }

        if (token != SignalRTestServer.ValidToken)
        {
            throw new HubException("Unauthorized: the access token is not valid.");
        }

        var group = request.Query["group"].ToString();
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        await Clients.Caller.SendAsync("welcome", new { group, connectionId = Context.ConnectionId });
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        log.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>
/// A real ASP.NET Core SignalR server on a free port: <c>/hubs/test</c> (token checked by the hub),
/// <c>/hubs/guarded</c> (token checked before SignalR: Bearer header on negotiate, query on the WebSocket, like JWT
/// bearer with OnMessageReceived), negotiate redirects, and a scripted raw WebSocket endpoint.
/// </summary>
public sealed class SignalRTestServer : IAsyncLifetime
{
    public const string ValidToken = "test-live-token";
    public const string RedirectToken = "test-redirect-token";
    public const string RawConnectionId = "raw-connection-id";
    public const string RawConnectionToken = "raw-connection-token";
    private const string Separator = "\u001e";

    private readonly ConcurrentQueue<RawRequest> _raw = new();
    private WebApplication? _app;

    /// <summary>One request to the redirect or raw endpoints, as received.</summary>
    public sealed record RawRequest(string Run, string Method, string Path, string Query, string? Authorization, string? AccessToken, bool WebSocket, string? Handshake);

    public string BaseUrl { get; private set; } = string.Empty;

    public IServiceProvider Services => _app!.Services;

    public ConnectionLog Connections => Services.GetRequiredService<ConnectionLog>();

    public IReadOnlyList<RawRequest> Raw => _raw.ToArray();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ConnectionLog>();
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/hubs/guarded") && GuardToken(context) != ValidToken)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (!await ServeRawAsync(context))
            {
                await next(context);
            }
        });
        app.MapHub<TestHub>("/hubs/test");
        app.MapHub<TestHub>("/hubs/guarded");
        await app.StartAsync();
        _app = app;
        BaseUrl = $"http://127.0.0.1:{new Uri(app.Urls.Single()).Port}";
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Where JWT bearer reads the token: the header on negotiate, the query on the WebSocket.</summary>
    private static string? GuardToken(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest ? context.Request.Query["access_token"].ToString() : BearerToken(context);

    private static string? BearerToken(HttpContext context) =>
        AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header) && header.Scheme == "Bearer" ? header.Parameter : null;

    private async Task<bool> ServeRawAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        switch (path)
        {
            case "/redirect/negotiate":
                Record(context, handshake: null);
                if (BearerToken(context) != RedirectToken)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return true;
                }

                await context.Response.WriteAsJsonAsync(new { url = $"{BaseUrl}/hubs/guarded?group=redirected", accessToken = ValidToken });
                return true;
            case "/loop/negotiate":
                Record(context, handshake: null);
                await context.Response.WriteAsJsonAsync(new { url = $"{BaseUrl}/loop{context.Request.QueryString.Value?.Replace("&negotiateVersion=1", string.Empty, StringComparison.Ordinal)}" });
                return true;
            case "/raw/negotiate" or "/client/negotiate":
                Record(context, handshake: null);
                await context.Response.WriteAsJsonAsync(new
                {
                    negotiateVersion = 1,
                    connectionId = RawConnectionId,
                    connectionToken = RawConnectionToken,
                    availableTransports = new[] { new { transport = "WebSockets", transferFormats = new[] { "Text", "Binary" } } },
                });
                return true;
            case "/raw" or "/client/" when context.WebSockets.IsWebSocketRequest:
                await RunScriptAsync(context);
                return true;
            default:
                return false;
        }
    }

    private void Record(HttpContext context, string? handshake)
    {
        var request = context.Request;
        var accessToken = request.Query.TryGetValue("access_token", out var t) ? t.ToString() : null;
        var authorization = request.Headers.Authorization.Count == 0 ? null : request.Headers.Authorization.ToString();
        _raw.Enqueue(new RawRequest(request.Query["run"].ToString(), request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty,
            authorization, accessToken, context.WebSockets.IsWebSocketRequest, handshake));
    }

    /// <summary>Speaks the hub protocol by hand, framing records the way a test needs.</summary>
    private async Task RunScriptAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var pending = new List<byte>();
        var handshake = await ReadRecordAsync(socket, pending, cts.Token);
        Record(context, handshake);
        switch (context.Request.Query["script"].ToString())
        {
            case "handshake-error":
                await SendAsync(socket, "{\"error\":\"Requested protocol 'json' is not available.\"}" + Separator, true, cts.Token);
                break;
            case "frames":
                // Handshake answer and several records in one frame.
                await SendAsync(socket, "{}" + Separator + "{\"type\":1,\"target\":\"a\",\"arguments\":[{\"n\":1}]}" + Separator + "{\"type\":6}" + Separator
                    + "{\"type\":1,\"target\":\"a\",\"arguments\":[{\"n\":2},\"second argument\"]}" + Separator, true, cts.Token);
                // Two records cut inside a three-byte character (fragments of one WebSocket message: a whole text message must
                // be valid UTF-8) and before and after the separator (message boundaries).
                var split = Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"b\",\"arguments\":[{\"maskedName\":\"王**\"}]}" + Separator
                    + "{\"type\":1,\"target\":\"b\",\"arguments\":[{\"maskedName\":\"李*\"}]}" + Separator);
                var wang = split.AsSpan().IndexOf(Encoding.UTF8.GetBytes("王"));
                var separator = Array.IndexOf(split, (byte)0x1e);
                int[] cuts = [0, wang + 1, wang + 2, separator, separator + 3, split.Length];
                for (var i = 0; i < cuts.Length - 1; i++)
                {
                    await socket.SendAsync(split.AsMemory(cuts[i], cuts[i + 1] - cuts[i]), WebSocketMessageType.Text, endOfMessage: i is 2 or 4, cts.Token);
                }

                await SendAsync(socket, "{\"type\":99,\"payload\":{\"x\":[1,2]}}" + Separator + "{\"type\":3,\"invocationId\":\"1\",\"result\":1}" + Separator, true, cts.Token);
                await SendAsync(socket, "{\"type\":1,\"target\":\"c\",\"arguments\":[]}" + Separator, true, cts.Token);
                await SendAsync(socket, "{\"type\":7,\"error\":\"Scripted close.\",\"allowReconnect\":false}" + Separator, true, cts.Token);
                break;
            case "pings":
                await SendAsync(socket, "{}" + Separator, true, cts.Token);
                var pings = 0;
                while (pings < 3 && await ReadRecordAsync(socket, pending, cts.Token) == "{\"type\":6}")
                {
                    pings++;
                }

                await SendAsync(socket, "{\"type\":1,\"target\":\"pinged\",\"arguments\":[{\"count\":" + pings + "}]}" + Separator, true, cts.Token);
                await DrainAsync(socket, cts.Token);
                return;
            default:
                await SendAsync(socket, "{}" + Separator + "{\"type\":1,\"target\":\"welcome\",\"arguments\":[{}]}" + Separator, true, cts.Token);
                await DrainAsync(socket, cts.Token); // Until the client leaves.
                return;
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        await DrainAsync(socket, cts.Token);
    }

    private static Task SendAsync(WebSocket socket, string text, bool endOfMessage, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage, ct);

    /// <summary>The next record from the client; bytes past it stay in <paramref name="pending"/>.</summary>
    private static async Task<string> ReadRecordAsync(WebSocket socket, List<byte> pending, CancellationToken ct)
    {
        var buffer = new byte[256];
        while (!pending.Contains(0x1e))
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            pending.AddRange(buffer.AsSpan(0, result.Count));
        }

        var end = pending.IndexOf(0x1e);
        var record = Encoding.UTF8.GetString(pending.ToArray(), 0, end);
        pending.RemoveRange(0, end + 1);
        return record;
    }

    private static async Task DrainAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[256];
        try
        {
            while ((await socket.ReceiveAsync(buffer, ct)).MessageType != WebSocketMessageType.Close)
            {
            }

            if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went without a close handshake.
        }
    }
}
