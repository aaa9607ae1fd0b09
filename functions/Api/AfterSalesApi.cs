using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.AfterSales;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>After-sale (售后): refund or return requests on handed-over order lines, and their decision (README "After-sale").</summary>
public sealed class AfterSalesApi(AfterSaleService afterSales, CallerContext callerContext)
{
    public sealed record CreateRequest(string? ItemId, int? Quantity, string? Kind, string? Reason, int? PhotoCount);

    public sealed record DecisionRequest(string? Reason);

    public sealed record PolicyBody(int? WindowDays, string? Text);

    public sealed record PolicyResponse(string ChainId, int WindowDays, string Text);

    public sealed record AfterSaleView(
        string RequestId, string CampaignId, string OrderId, string MemberId, string MaskedName, string ItemId, string ItemName, string Kind, int Quantity,
        long UnitPriceFen, long AmountFen, string Reason, string Status, int PhotoCount, int PhotosUploaded, DateTimeOffset RequestedAt,
        DateTimeOffset? DecidedAt, string? DecisionReason, int PointsReversed, IReadOnlyList<Uri> PhotoUrls)
    {
        public static AfterSaleView From(AfterSale a, IReadOnlyList<Uri>? photos = null) => new(
            a.RequestId, a.CampaignId, a.OrderId, a.MemberId, ServerlessCommerce.Chains.Names.Mask(a.MemberName), a.ItemId, a.ItemName, AfterSale.Wire(a.Kind), a.Quantity,
            a.UnitPriceFen, a.AmountFen, a.Reason, AfterSale.Wire(a.Status), a.PhotoCount, a.PhotosUploaded, a.RequestedAt, a.DecidedAt, a.DecisionReason, a.PointsReversed, photos ?? []);
    }

    public sealed record CreatedResponse(AfterSaleView Request, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset PhotoUploadUrlsExpireAt);

    public sealed record OrderAfterSalesResponse(string OrderId, int WindowDays, string PolicyText, DateTimeOffset? Deadline, IReadOnlyList<AfterSaleView> Requests);

    [Function("GetAfterSalePolicy")]
    [OpenApiOperation("AfterSales", "The chain's after-sale policy (its admin, leaders and members): windowDays (0–30, default 7; 0 = no requests) after pickup or delivery, and the text members read (default 7天无理由，未拆封).")]
    public async Task<Ok<PolicyResponse>> GetPolicy([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/after-sale-policy")] HttpRequest req, string chainId)
    {
        var p = await afterSales.GetPolicyAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted);
        return TypedResults.Ok(new PolicyResponse(chainId, p.WindowDays, p.Text));
    }

    [Function("PutAfterSalePolicy")]
    [OpenApiOperation("AfterSales", "Replace the chain's after-sale policy (admin): windowDays 0–30, text 1–200 characters.")]
    [OpenApiRequest(typeof(PolicyBody))]
    public async Task<Ok<PolicyResponse>> PutPolicy([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/chains/{chainId}/after-sale-policy")] HttpRequest req, string chainId)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Admin).RequireChain(chainId);
        var body = await req.ReadJsonAsync<PolicyBody>();
        var p = await afterSales.PutPolicyAsync(caller, chainId, AfterSalePolicy.Validate(body.WindowDays, body.Text), req.HttpContext.RequestAborted);
        return TypedResults.Ok(new PolicyResponse(chainId, p.WindowDays, p.Text));
    }

    [Function("CreateAfterSale")]
    [OpenApiOperation("AfterSales", "Ask for after-sale on one line of a handed-over order (its member): {itemId, quantity (part of the line is fine), kind: refund|return, reason ≤ 200, photoCount 0–9}. Within the chain's window after pickup/delivery (else 409 after-sale-window-closed); before close → 409 use-cancel (cancel the order instead); confirmed but not handed over → 409 not-handed-over; one open request per line (409 after-sale-open). Optional Idempotency-Key: the same key and body → 200 with the same request. 201 with one create-only photo upload URL per photo (15 min; PUT with 'x-ms-blob-type: BlockBlob'), then confirm.")]
    [OpenApiRequest(typeof(CreateRequest))]
    public async Task<Results<Created<CreatedResponse>, Ok<CreatedResponse>>> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/after-sales")] HttpRequest req, string orderId)
    {
        var body = await req.ReadJsonAsync<CreateRequest>();
        var created = await afterSales.CreateAsync(await callerContext.GetAsync(req), orderId,
            new AfterSaleRequest(body.ItemId, body.Quantity, body.Kind, body.Reason, body.PhotoCount), req.IdempotencyKey(), req.HttpContext.RequestAborted);
        var response = new CreatedResponse(AfterSaleView.From(created.Request), created.PhotoUploadUrls, created.ExpiresAt);
        return created.Replayed ? TypedResults.Ok(response) : TypedResults.Created($"/api/orders/{orderId}/after-sales", response);
    }

    [Function("OrderAfterSales")]
    [OpenApiOperation("AfterSales", "The order's after-sale requests with photo links, the chain's policy and the deadline (its member; the leader of its store; the admin). Another member's order → 404.")]
    public async Task<Ok<OrderAfterSalesResponse>> ForOrder([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/{orderId}/after-sales")] HttpRequest req, string orderId)
    {
        var o = await afterSales.ForOrderAsync(await callerContext.GetAsync(req), orderId, req.HttpContext.RequestAborted);
        return TypedResults.Ok(new OrderAfterSalesResponse(orderId, o.Policy.WindowDays, o.Policy.Text, o.Deadline, o.Requests.Select(r => AfterSaleView.From(r.Request, r.PhotoUrls)).ToList()));
    }

    [Function("CampaignAfterSales")]
    [OpenApiOperation("AfterSales", "Every after-sale request of the campaign, newest first, with photo links (the leader of its store, the admin).")]
    public async Task<Ok<List<AfterSaleView>>> ForCampaign([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/after-sales")] HttpRequest req, string campaignId) =>
        TypedResults.Ok((await afterSales.ForCampaignAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted)).Select(r => AfterSaleView.From(r.Request, r.PhotoUrls)).ToList());

    [Function("ConfirmAfterSalePhotos")]
    [OpenApiOperation("AfterSales", "After uploading (the request's member): keeps JPEG/PNG/GIF/WebP photos by their bytes; anything else is deleted and named in a 400 validation problem (photos[n]).")]
    public async Task<Ok<AfterSaleView>> ConfirmPhotos([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/after-sales/{requestId}/photos/confirm")] HttpRequest req, string requestId) =>
        TypedResults.Ok(AfterSaleView.From(await afterSales.ConfirmPhotosAsync(await callerContext.GetAsync(req), requestId, req.HttpContext.RequestAborted)));

    [Function("ApproveAfterSale")]
    [OpenApiOperation("AfterSales", "Approve (the leader of the campaign's store, the admin); optional {reason} ≤ 200. Records the refund on the order line, lowers sold units, GMV and 客单价 in the reports (never 成团), reverses the purchase points it earned; stock is not returned. Again → 200, nothing twice; a refused request → 409 after-sale-decided.")]
    [OpenApiRequest(typeof(DecisionRequest))]
    public async Task<Ok<AfterSaleView>> Approve([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/after-sales/{requestId}/approve")] HttpRequest req, string requestId)
    {
        var body = req.ContentLength is 0 || string.IsNullOrEmpty(req.ContentType) ? new DecisionRequest(null) : await req.ReadJsonAsync<DecisionRequest>();
        return TypedResults.Ok(AfterSaleView.From(await afterSales.ApproveAsync(await callerContext.GetAsync(req), requestId, body.Reason, req.HttpContext.RequestAborted)));
    }

    [Function("RefuseAfterSale")]
    [OpenApiOperation("AfterSales", "Refuse with {reason} (required, ≤ 200) (the leader of the campaign's store, the admin). Again → 200; an approved request → 409 after-sale-decided.")]
    [OpenApiRequest(typeof(DecisionRequest))]
    public async Task<Ok<AfterSaleView>> Refuse([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/after-sales/{requestId}/refuse")] HttpRequest req, string requestId)
    {
        var body = await req.ReadJsonAsync<DecisionRequest>();
        return TypedResults.Ok(AfterSaleView.From(await afterSales.RefuseAsync(await callerContext.GetAsync(req), requestId, body.Reason, req.HttpContext.RequestAborted)));
    }
}
