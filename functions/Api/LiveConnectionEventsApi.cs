using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.LiveRoom;

namespace ServerlessCommerce.Functions.Api;

/// <summary>
/// Azure SignalR Service's upstream (serverless mode) posts here when a client connects to or disconnects from the
/// live hub: the only way the app learns who is connected, since the Service has no count API. The Bicep points the
/// Service's upstream template at this route (category <c>connections</c>, events <c>connected,disconnected</c>).
/// Anonymous at the Functions level, but every request must carry a valid <c>X-ASRS-Signature</c> for its
/// <c>X-ASRS-Connection-Id</c> (HMAC-SHA256 with the AccessKey of <c>AzureSignalRConnectionString</c>), or it gets 401.
/// Without a Service configured (the embedded hub counts its own connections) the route answers 404.
/// </summary>
/// <remarks>
/// Unverified against Azure: the headers and the signature follow the Service's documented upstream protocol as
/// known when this was written (see <see cref="LiveRoomServiceConnections"/>); only our own signer has checked them.
/// </remarks>
public sealed class LiveConnectionEventsApi(AppSettings settings, LiveRoomService liveRoomService, ILogger<LiveConnectionEventsApi> logger)
{
    private readonly Lazy<AzureSignalRConnection?> _service = new(() =>
        settings.AzureSignalRConnectionString is { } text ? AzureSignalRConnection.Parse(text) : null);

    [Function("LiveConnectionEvents")]
    [OpenApiOperation("Live room", "Azure SignalR Service upstream only: a client connected to or disconnected from the live hub (signed with the Service's access key: X-ASRS-Signature over X-ASRS-Connection-Id). Feeds the viewer count on Azure; 401 unsigned, 404 without a Service.")]
    public async Task<NoContent> ConnectionEvents([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/live/connection-events")] HttpRequest req)
    {
        var service = _service.Value ?? throw AppProblem.NotFound("SignalR Service", "upstream");
        var headers = req.Headers;
        var connectionId = headers["X-ASRS-Connection-Id"].ToString();
        if (!LiveRoomServiceConnections.IsConnectionId(connectionId)
            || !LiveRoomServiceConnections.SignatureIsValid(headers["X-ASRS-Signature"].ToString(), connectionId, [service.AccessKey]))
        {
            throw AppProblem.Unauthorized("Only Azure SignalR Service calls this: X-ASRS-Connection-Id with a valid X-ASRS-Signature.");
        }

        var hub = headers["X-ASRS-Hub"].ToString();
        var category = headers["X-ASRS-Category"].ToString();
        var eventName = headers["X-ASRS-Event"].ToString();
        var ct = req.HttpContext.RequestAborted;
        if (!string.Equals(hub, LiveRoomNames.Hub, StringComparison.OrdinalIgnoreCase) || !string.Equals(category, "connections", StringComparison.OrdinalIgnoreCase))
        {
            // Another hub or category (e.g. messages): nothing to count. 204, so the Service does not retry it.
            logger.LogInformation("SignalR upstream: ignored {Hub}/{Category}/{Event}", hub, category, eventName);
            return TypedResults.NoContent();
        }

        var userId = headers["X-ASRS-User-Id"].ToString();
        if (LiveRoomServiceConnections.CampaignOfUser(userId) is not { } campaignId)
        {
            logger.LogInformation("SignalR upstream: connection {ConnectionId} has no campaign in its user id; not counted", connectionId);
            return TypedResults.NoContent();
        }

        if (string.Equals(eventName, "connected", StringComparison.OrdinalIgnoreCase))
        {
            await liveRoomService.ServiceConnections.ConnectedAsync(campaignId, connectionId, userId, ct);
        }
        else if (string.Equals(eventName, "disconnected", StringComparison.OrdinalIgnoreCase))
        {
            await liveRoomService.ServiceConnections.DisconnectedAsync(campaignId, connectionId, ct);
        }

        return TypedResults.NoContent();
    }
}
