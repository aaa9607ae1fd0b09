using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The pickup counter (提货柜台): the member's 提货码 as a QR code, and the printable sorting sheet for the staff.</summary>
public sealed class PickupCounterApi(FulfilmentService fulfilmentService, ChainService chainService, CallerContext callerContext, TimeProvider clock)
{
    [Function("MemberPickupQr")]
    [OpenApiOperation("Fulfilment", "The signed-in member's own 提货码 in this campaign as a QR code (image/svg+xml), while a confirmed pickup order of hers waits; none → 404. Members only; Cache-Control: private, no-store.")]
    public async Task<IResult> PickupQr([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/pickup-qr")] HttpRequest req, string campaignId)
    {
        var code = await fulfilmentService.MemberPickupCodeAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Text(PickupCounterViews.QrSvg(code), "image/svg+xml; charset=utf-8");
    }

    [Function("SortingSheet")]
    [OpenApiOperation("Fulfilment", "The printable 分拣/配货单 (text/html): per neighbour her confirmed pickup items summed across her orders, one page per shelf of 20, item totals on top. Leader of the store, admin.")]
    public async Task<IResult> SortingSheet([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/sorting-sheet")] HttpRequest req, string campaignId)
    {
        var sheet = await fulfilmentService.SortingSheetAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted);
        TimeZones.TryFind((await chainService.GetChainAsync(Ids.ChainOf(campaignId)!, req.HttpContext.RequestAborted)).TimeZone, out var zone);
        var headers = req.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = PickupCounterViews.SheetContentSecurityPolicy;
        return TypedResults.Text(PickupCounterViews.SortingSheetHtml(sheet, zone, clock.GetUtcNow()), "text/html; charset=utf-8");
    }
}
