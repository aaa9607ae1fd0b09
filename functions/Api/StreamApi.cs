using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Streaming;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The chain's live-stream provider and the leader's push URL (README "Live stream provider").</summary>
public sealed class StreamApi(StreamProviderService streams, CampaignService campaigns, CallerContext callerContext)
{
    public sealed record StreamProviderBody(
        string? Kind, string? PushDomain, string? PlayDomain, string? AppName, string? PushKey, string? PlayKey,
        string? PushUrlTemplate, string? PlaybackUrlTemplate, int? ValidHours);

    /// <summary>The provider as the admin reads it back: never a key, only whether each is set (and still opens).</summary>
    public sealed record StreamProviderResponse(
        string ChainId, bool Configured, string? Kind = null, string? PushDomain = null, string? PlayDomain = null, string? AppName = null,
        string? PushUrlTemplate = null, string? PlaybackUrlTemplate = null, int? ValidHours = null,
        bool HasPushKey = false, bool HasPlayKey = false, bool KeysReadable = true, DateTimeOffset? UpdatedAt = null);

    public sealed record StreamPushResponse(string CampaignId, string StreamName, string Server, string StreamKey, string PushUrl, string? PlaybackUrl, DateTimeOffset? ExpiresAt);

    private const string Limits =
        "kind \"tencent-css\" (pushDomain required, playDomain optional: host names only; appName 1–32 of [A-Za-z0-9_-], default \"live\") or " +
        "\"templates\" (pushUrlTemplate required: rtmp, rtmps, srt, webrtc or https; playbackUrlTemplate optional: https; ≤ 500 characters; " +
        "placeholders {streamName}, {campaignId}, {txSecret}, {txTime}, one of the first two required). pushKey/playKey ≤ 128 printable ASCII: " +
        "absent keeps the stored key, \"\" removes it. validHours 1–72 (default 24).";

    [Function("GetStreamProvider")]
    [OpenApiOperation("Streaming", "The chain's live-stream provider (admin), without its keys: hasPushKey/hasPlayKey say whether each is set, keysReadable whether they still open (false after TokenSigningKey changed: enter them again). configured: false when there is none.")]
    public async Task<Ok<StreamProviderResponse>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/stream-provider")] HttpRequest req, string chainId)
    {
        var info = await streams.GetAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(ToResponse(chainId, info));
    }

    [Function("PutStreamProvider")]
    [OpenApiOperation("Streaming", "Set the chain's live-stream provider (admin): where leaders push (OBS or a phone app) and what members play when a campaign has no playback URL of its own. Tencent Cloud CSS signs with txSecret = MD5(key + streamName + txTime). Keys are stored encrypted (AES-256-GCM) and never answered. " + Limits)]
    [OpenApiRequest(typeof(StreamProviderBody))]
    public async Task<Ok<StreamProviderResponse>> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/chains/{chainId}/stream-provider")] HttpRequest req, string chainId)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Admin).RequireChain(chainId);
        var b = await req.ReadJsonAsync<StreamProviderBody>();
        var info = await streams.PutAsync(caller, chainId,
            new StreamProviderDraft(b.Kind, b.PushDomain, b.PlayDomain, b.AppName, b.PushKey, b.PlayKey, b.PushUrlTemplate, b.PlaybackUrlTemplate, b.ValidHours),
            req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(ToResponse(chainId, info));
    }

    [Function("DeleteStreamProvider")]
    [OpenApiOperation("Streaming", "Remove the chain's live-stream provider and its keys (admin). 204, also when there was none. Campaigns keep their own playback URLs.")]
    public async Task<NoContent> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/chains/{chainId}/stream-provider")] HttpRequest req, string chainId)
    {
        await streams.DeleteAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    [Function("CampaignStreamPush")]
    [OpenApiOperation("Streaming", "Where the campaign's leader pushes the live video (its store's leader, the admin): OBS's server (设置 → 推流 → 服务: 自定义) and stream key, the full pushUrl for phone apps, the playbackUrl members get, and expiresAt (validHours from now; null when unsigned). Cache-Control: no-store. No provider → 409 no-stream-provider; a stored key that no longer opens → 409 stream-provider-key-unreadable.")]
    public async Task<Ok<StreamPushResponse>> Push([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/stream/push")] HttpRequest req, string campaignId)
    {
        var ct = req.HttpContext.RequestAborted;
        var campaign = await campaigns.GetForStaffAsync(await callerContext.GetAsync(req), campaignId, ct);
        var push = await streams.PushAsync(campaign, ct);
        req.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new StreamPushResponse(campaignId, push.StreamName, push.Target.Server, push.Target.StreamKey, push.Target.PushUrl, push.PlaybackUrl, push.Target.ExpiresAt));
    }

    private static StreamProviderResponse ToResponse(string chainId, StreamProviderInfo? i) => i is null
        ? new StreamProviderResponse(chainId, false)
        : new StreamProviderResponse(chainId, true, i.Kind, i.PushDomain, i.PlayDomain, i.AppName, i.PushUrlTemplate, i.PlaybackUrlTemplate, i.ValidHours,
            i.HasPushKey, i.HasPlayKey, i.KeysReadable, i.UpdatedAt);
}
