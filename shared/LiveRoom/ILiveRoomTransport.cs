namespace ServerlessCommerce.LiveRoom;

/// <summary>Where a client connects to watch a live room, and the token it presents.</summary>
public sealed record NegotiateResult(string Url, string AccessToken);

/// <summary>
/// The real-time channel of live rooms (ARCHITECTURE §4): the embedded ASP.NET Core SignalR hub when no Azure SignalR
/// Service is configured, the Service's REST API (serverless mode) otherwise. One SignalR group per campaign; clients
/// only receive — they act over HTTP.
/// </summary>
public interface ILiveRoomTransport
{
    /// <summary>
    /// Lets <paramref name="userId"/> watch <paramref name="campaignId"/>: returns the URL and access token its
    /// SignalR client connects with; its connections land in the campaign's group.
    /// </summary>
    Task<NegotiateResult> NegotiateAsync(string campaignId, string userId, Uri requestBase, CancellationToken cancellationToken);

    /// <summary>Sends <c>target(payload)</c> to every connection watching the campaign.</summary>
    Task SendToCampaignAsync(string campaignId, string target, object payload, CancellationToken cancellationToken);

    /// <summary>Sends <c>target(payload)</c> to every connection of one user (e.g. a member's own notices).</summary>
    Task SendToUserAsync(string userId, string target, object payload, CancellationToken cancellationToken);

    /// <summary>
    /// False only when a send to the campaign's room from this process is known to reach no one, so what it would
    /// send need not be read (a hub in this process knows its connections; a service that holds them says true).
    /// </summary>
    bool MayReachAnyone(string campaignId) => true;
}

/// <summary>Names shared by both transports.</summary>
public static class LiveRoomNames
{
    /// <summary>The hub name (lower case, as the SignalR SDK sends it).</summary>
    public const string Hub = "live";

    public static string Group(string campaignId) => "campaign_" + campaignId;
}
