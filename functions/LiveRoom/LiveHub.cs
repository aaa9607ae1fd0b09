using Microsoft.AspNetCore.SignalR;
using ServerlessCommerce.LiveRoom;

namespace ServerlessCommerce.Functions.LiveRoom;

/// <summary>
/// The embedded live-room hub (<c>/hubs/live</c>), used when no Azure SignalR Service is configured. It only pushes:
/// a connection presents the token from <c>POST /api/live/negotiate</c> and joins its campaign's group; clients act
/// over HTTP, exactly as with the Service in serverless mode. Its connections are the viewers: each one in its room
/// counts (<see cref="LiveRoomPresence.Connected"/>) until it closes — a negotiation that never connects counts nothing.
/// </summary>
public sealed class LiveHub(LiveRoomTokens tokens, LiveRoomService live, ILogger<LiveHub> logger) : Hub
{
    public const string Path = "/hubs/live";

    private const string CampaignItem = "campaignId";

    public override async Task OnConnectedAsync()
    {
        var http = Context.GetHttpContext();
        var token = http?.Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(token) && http?.Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }

        var ticket = tokens.Validate(token);
        if (ticket is null)
        {
            logger.LogInformation("Live hub connection {ConnectionId} refused: no valid token", Context.ConnectionId);
            throw new HubException("Negotiate first: POST /api/live/negotiate?campaignId=… and connect with its accessToken.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, LiveRoomNames.Group(ticket.CampaignId));
        await Groups.AddToGroupAsync(Context.ConnectionId, EmbeddedHubTransport.UserGroup(ticket.UserId));
        Context.Items[CampaignItem] = ticket.CampaignId;
        // Counted before the greeting, so a client that saw "connected" is in the count.
        live.Presence.Connected(ticket.CampaignId, Context.ConnectionId);
        try
        {
            // Tells the client it is in its room (OnConnected runs after the handshake: nothing before this is missed).
            await Clients.Caller.SendAsync("connected", new { campaignId = ticket.CampaignId });
            await base.OnConnectedAsync();
        }
        catch
        {
            // OnDisconnectedAsync runs only for connections whose OnConnectedAsync completed.
            live.Presence.Disconnected(ticket.CampaignId, Context.ConnectionId);
            throw;
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(CampaignItem, out var campaign) && campaign is string campaignId)
        {
            live.Presence.Disconnected(campaignId, Context.ConnectionId);
        }

        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>The live room over the embedded hub.</summary>
public sealed class EmbeddedHubTransport(IHubContext<LiveHub> hub, LiveRoomTokens tokens, IServiceProvider services) : ILiveRoomTransport
{
    // The live room service (which keeps this instance's connections) depends on the transport: found when first asked.
    private LiveRoomService? _live;

    /// <summary>The hub holds this instance's connections: a room with none here hears nothing from here.</summary>
    public bool MayReachAnyone(string campaignId) => (_live ??= services.GetRequiredService<LiveRoomService>()).Presence.LocalCount(campaignId) > 0;

    public static string UserGroup(string userId) => "user_" + userId;

    public Task<NegotiateResult> NegotiateAsync(string campaignId, string userId, Uri requestBase, CancellationToken cancellationToken) =>
        Task.FromResult(new NegotiateResult(new Uri(requestBase, LiveHub.Path.TrimStart('/')).ToString(), tokens.Issue(campaignId, userId)));

    public Task SendToCampaignAsync(string campaignId, string target, object payload, CancellationToken cancellationToken) =>
        hub.Clients.Group(LiveRoomNames.Group(campaignId)).SendAsync(target, payload, cancellationToken);

    public Task SendToUserAsync(string userId, string target, object payload, CancellationToken cancellationToken) =>
        hub.Clients.Group(UserGroup(userId)).SendAsync(target, payload, cancellationToken);
}
