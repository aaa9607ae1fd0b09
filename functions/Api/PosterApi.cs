using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Functions.Posters;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The campaign poster (海报): a PNG a leader shares in the neighbourhood's group chat (README "Campaign poster").</summary>
public sealed class PosterApi(PosterService posters, AppSettings settings)
{
    [Function("CampaignPoster")]
    [OpenApiOperation("Campaigns", "The campaign poster (public): a 750×1334 PNG with the store, title, start time in the chain's time zone, the pinned (else first) item with its live price, and a QR code to the live room (PublicBaseUrl, else this request's origin, + /live/{campaignId}). Every phase is served; after the live it says 直播已结束, a cancelled campaign's says 本场已取消. Cache-Control: public, max-age=300 and an ETag (If-None-Match → 304).")]
    [OpenApiResponse(200, "image/png", "The poster.")]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/poster")] HttpRequest req, string campaignId)
    {
        var origin = settings.PublicBaseUrl is not null ? StorageInitializer.PublicOrigin(settings) : $"{req.Scheme}://{req.Host}";
        var poster = await posters.GetAsync(campaignId, origin, req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.File(poster.Png, "image/png", entityTag: new EntityTagHeaderValue(poster.ETag));
    }
}
