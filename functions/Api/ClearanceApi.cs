using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Clearance;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Evening clearance (晚市特惠 / 日清): a store's settings and the near-expiry items it flags for a day.</summary>
public sealed class ClearanceApi(ClearanceService clearance, CallerContext callerContext)
{
    [Function("GetClearance")]
    [OpenApiOperation("Clearance", "The store's 晚市特惠 settings (leader of that store, admin) and today's state: when it opens and closes, items flagged, today's clearance campaign once opened.")]
    public async Task<Ok<ClearanceView>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/clearance")] HttpRequest req, string storeId) =>
        TypedResults.Ok(await clearance.GetAsync(await callerContext.GetAsync(req), storeId, req.HttpContext.RequestAborted));

    [Function("PutClearance")]
    [OpenApiOperation("Clearance", "Set the store's 晚市特惠 (leader of that store, admin): enabled, eveningAt and closingAt as HH:mm on the store's clock (same day, closing after evening, at most 8 hours), timeZone (IANA, default Asia/Shanghai), pickupHours after closing (1–72, default 24). Fields left out keep their value.")]
    [OpenApiRequest(typeof(ClearanceSettingsDraft))]
    public async Task<Ok<ClearanceView>> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/stores/{storeId}/clearance")] HttpRequest req, string storeId)
    {
        var body = await req.ReadJsonAsync<ClearanceSettingsDraft>();
        return TypedResults.Ok(await clearance.PutAsync(await callerContext.GetAsync(req), storeId, body, req.HttpContext.RequestAborted));
    }

    [Function("FlagClearanceItem")]
    [OpenApiOperation("Clearance", "Flag a near-expiry item for a day's 晚市特惠 (leader of that store, admin): {productId, priceFen (usual), clearancePriceFen or discountPercent (1–99), quantity (1–1000), perMemberLimit?, date? (yyyy-MM-dd, today by default, at most 7 days ahead)}. 201, or 200 when it replaces the product's entry of that day; at most 20 items a day; once the day's campaign opened → 409 invalid-transition.")]
    [OpenApiRequest(typeof(ClearanceItemDraft))]
    public async Task<Results<Created<ClearanceItem>, Ok<ClearanceItem>>> Flag([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/stores/{storeId}/clearance/items")] HttpRequest req, string storeId)
    {
        var body = await req.ReadJsonAsync<ClearanceItemDraft>();
        var flagged = await clearance.FlagAsync(await callerContext.GetAsync(req), storeId, body, req.HttpContext.RequestAborted);
        return ChainsApi.CreatedOrReplayed(flagged, $"/api/stores/{storeId}/clearance/items?date={flagged.Value.Date}", flagged.Value);
    }

    [Function("ListClearanceItems")]
    [OpenApiOperation("Clearance", "The items flagged for a day (?date=yyyy-MM-dd, today by default; leader of that store, admin).")]
    public async Task<Ok<IReadOnlyList<ClearanceItem>>> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/clearance/items")] HttpRequest req, string storeId) =>
        TypedResults.Ok(await clearance.ListAsync(await callerContext.GetAsync(req), storeId, req.QueryString("date"), req.HttpContext.RequestAborted));

    [Function("UnflagClearanceItem")]
    [OpenApiOperation("Clearance", "Remove a flagged item of a day (?date=, today by default; leader of that store, admin) → 204; once the day's campaign opened → 409 invalid-transition.")]
    public async Task<NoContent> Unflag([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/stores/{storeId}/clearance/items/{productId}")] HttpRequest req, string storeId, string productId)
    {
        await clearance.UnflagAsync(await callerContext.GetAsync(req), storeId, productId, req.QueryString("date"), req.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }
}
