using Campaigns = ServerlessCommerce.Campaigns;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Order capture (接龙) and order views.</summary>
public sealed class OrdersApi(OrderService orderService, CampaignService campaignService, ChainService chainService, CallerContext callerContext)
{
    public sealed record PlaceOrderRequest(List<OrderRequestLine>? Items, string? Fulfilment, string? Address, int? PointsToUse = null);

    public sealed record OrderLineView(string ItemId, string ProductId, string Name, int Quantity, long UnitPriceFen, long TotalFen, string Status, string? CancelReason, string? FlashSaleId, bool Gift, string? GiftName, bool MemberPrice = false, int RefundedQuantity = 0, long RefundedFen = 0);

    public sealed record OrderView(
        string OrderId, string CampaignId, string MemberId, string MemberName, string MaskedPhone, List<OrderLineView> Items, string Status,
        long TotalFen, string Fulfilment, string? Address, DateTimeOffset CreatedAt, DateTimeOffset? CancelledAt, string? PickupCode, DateTimeOffset? FulfilledAt, long RefundedFen = 0,
        int PointsUsed = 0, long PointsDiscountFen = 0, long PayableFen = 0, int PointsReturned = 0)
    {
        /// <summary>The pickup code is shown only to the order's member.</summary>
        public static OrderView From(Order o, bool withPickupCode) => new(
            o.OrderId, o.CampaignId, o.MemberId, o.MemberName, o.MaskedPhone,
            o.Lines.Select(l => new OrderLineView(l.ItemId, l.ProductId, l.Name, l.Quantity, l.UnitPriceFen, l.TotalFen, Order.Wire(l.Status), l.CancelReason, l.FlashSaleId, l.Gift, l.GiftName, l.MemberPrice, l.RefundedQuantity, l.RefundedFen)).ToList(),
            Order.Wire(o.Status), o.TotalFen, o.Fulfilment == Campaigns.Fulfilment.Delivery ? "delivery" : "pickup", o.Address, o.CreatedAt, o.CancelledAt,
            withPickupCode ? o.PickupCode : null, o.FulfilledAt, o.RefundedFen, o.PointsUsed, OrderPointsMath.KeptDiscountFen(o), OrderPointsMath.PayableFen(o), OrderPointsMath.ReturnedPoints(o, o.RefundedFen));
    }

    [Function("PlaceOrder")]
    [OpenApiOperation("Orders", "Order while live (member). Idempotency-Key required, scoped to the member: same key and body → 200 with the same order; other body → 409. With expectedUnitPriceFen on a line, any unit priced otherwise → 409 price-changed with prices [{itemId, quantity, unitPriceFen, flashSaleId}] and nothing written; a line a flash quota covers in part comes back split. Optional pointsToUse (积分抵扣, when the chain turned it on): the order records pointsUsed and pointsDiscountFen, totalFen stays the goods total and payableFen is what is paid; not enough points → 409 insufficient-points, more than the chain's cap → 409 points-over-cap, spending off → 409 points-spending-off.")]
    [OpenApiRequest(typeof(PlaceOrderRequest))]
    public async Task<Results<Created<OrderView>, Ok<OrderView>>> Place([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/orders")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<PlaceOrderRequest>();
        var outcome = await orderService.PlaceAsync(await callerContext.GetAsync(req), campaignId, new OrderRequest(body.Items, body.Fulfilment, body.Address, body.PointsToUse), req.IdempotencyKey(), req.HttpContext.RequestAborted);
        var view = OrderView.From(outcome.Order, withPickupCode: true);
        return outcome.Replayed ? TypedResults.Ok(view) : TypedResults.Created($"/api/orders/{view.OrderId}", view);
    }

    [Function("ListCampaignOrders")]
    [OpenApiOperation("Orders", "The campaign's orders (leader, admin). ?format=csv or Accept: text/csv for the CSV (UTF-8 BOM, Chinese header).")]
    public async Task<IResult> ListForCampaign([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/orders")] HttpRequest req, string campaignId)
    {
        var orders = await orderService.ListForCampaignAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted);
        if (!req.WantsCsv())
        {
            return TypedResults.Ok(orders.Select(o => OrderView.From(o, withPickupCode: false)).ToList());
        }

        var campaign = await campaignService.GetAsync(campaignId, req.HttpContext.RequestAborted);
        var chain = await chainService.GetChainAsync(campaign.ChainId, req.HttpContext.RequestAborted);
        TimeZones.TryFind(chain.TimeZone, out var zone);
        return TypedResults.File(OrderService.ToCsv(orders, zone), "text/csv; charset=utf-8", $"orders-{campaignId}.csv");
    }

    [Function("MyOrders")]
    [OpenApiOperation("Orders", "The member's own orders across campaigns.")]
    public async Task<Ok<List<OrderView>>> Mine([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/members/me/orders")] HttpRequest req) =>
        TypedResults.Ok((await orderService.ListForMemberAsync(await callerContext.GetAsync(req), req.HttpContext.RequestAborted)).Select(o => OrderView.From(o, withPickupCode: true)).ToList());

    [Function("GetOrder")]
    [OpenApiOperation("Orders", "One order (its member, the campaign's leader, the admin).")]
    public async Task<Ok<OrderView>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/{orderId}")] HttpRequest req, string orderId)
    {
        var (order, isOwner) = await orderService.GetAsync(await callerContext.GetAsync(req), orderId, req.HttpContext.RequestAborted);
        return TypedResults.Ok(OrderView.From(order, withPickupCode: isOwner));
    }

    [Function("CancelOrder")]
    [OpenApiOperation("Orders", "Cancel before close (its member); returns stock once. Again → 200.")]
    public async Task<Ok<OrderView>> Cancel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/cancel")] HttpRequest req, string orderId) =>
        TypedResults.Ok(OrderView.From(await orderService.CancelAsync(await callerContext.GetAsync(req), orderId, req.HttpContext.RequestAborted), withPickupCode: true));
}
