using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ServerlessCommerce.Campaigns;
using Campaigns = ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Order capture (接龙) and order views.</summary>
public static class OrdersApi
{
    public static void MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Orders");
        api.MapPost("/campaigns/{campaignId}/orders", Place).AsFunction("PlaceOrder")
            .WithSummary("Order while live (member). Idempotency-Key required, scoped to the member: same key and body → 200 with the same order; other body → 409.");
        api.MapGet("/campaigns/{campaignId}/orders", ListForCampaign).AsFunction("ListCampaignOrders")
            .WithSummary("The campaign's orders (leader, admin). ?format=csv or Accept: text/csv for the CSV (UTF-8 BOM, Chinese header).");
        api.MapGet("/members/me/orders", Mine).AsFunction("MyOrders").WithSummary("The member's own orders across campaigns.");
        api.MapGet("/orders/{orderId}", Get).AsFunction("GetOrder").WithSummary("One order (its member, the campaign's leader, the admin).");
        api.MapPost("/orders/{orderId}/cancel", Cancel).AsFunction("CancelOrder").WithSummary("Cancel before close (its member); returns stock once. Again → 200.");
    }

    public sealed record PlaceOrderRequest(List<OrderRequestLine>? Items, string? Fulfilment, string? Address);

    public sealed record OrderLineView(string ItemId, string ProductId, string Name, int Quantity, long UnitPriceFen, long TotalFen, string Status, string? CancelReason, string? FlashSaleId, bool Gift);

    public sealed record OrderView(
        string OrderId, string CampaignId, string MemberId, string MemberName, string MaskedPhone, List<OrderLineView> Items, string Status,
        long TotalFen, string Fulfilment, string? Address, DateTimeOffset CreatedAt, DateTimeOffset? CancelledAt, string? PickupCode, DateTimeOffset? FulfilledAt)
    {
        /// <summary>The pickup code is shown only to the order's member.</summary>
        public static OrderView From(Order o, bool withPickupCode) => new(
            o.OrderId, o.CampaignId, o.MemberId, o.MemberName, o.MaskedPhone,
            o.Lines.Select(l => new OrderLineView(l.ItemId, l.ProductId, l.Name, l.Quantity, l.UnitPriceFen, l.TotalFen, Order.Wire(l.Status), l.CancelReason, l.FlashSaleId, l.Gift)).ToList(),
            Order.Wire(o.Status), o.TotalFen, o.Fulfilment == Campaigns.Fulfilment.Delivery ? "delivery" : "pickup", o.Address, o.CreatedAt, o.CancelledAt,
            withPickupCode ? o.PickupCode : null, o.FulfilledAt);
    }

    public sealed record Services(
        OrderService Orders,
        CampaignService Campaigns,
        ChainService Chains,
        CallerContext Caller,
        [property: FromHeader(Name = Idempotency.HeaderName)] string? IdempotencyKey,
        CancellationToken Cancellation);

    private static async Task<Results<Created<OrderView>, Ok<OrderView>>> Place(string campaignId, PlaceOrderRequest body, [AsParameters] Services s)
    {
        var outcome = await s.Orders.PlaceAsync(await s.Caller.GetAsync(), campaignId, new OrderRequest(body.Items, body.Fulfilment, body.Address), s.IdempotencyKey, s.Cancellation);
        var view = OrderView.From(outcome.Order, withPickupCode: true);
        return outcome.Replayed ? TypedResults.Ok(view) : TypedResults.Created($"/api/orders/{view.OrderId}", view);
    }

    private static async Task<IResult> ListForCampaign(string campaignId, HttpRequest request, [AsParameters] Services s)
    {
        var orders = await s.Orders.ListForCampaignAsync(await s.Caller.GetAsync(), campaignId, s.Cancellation);
        var wantsCsv = string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase) ||
                       request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);
        if (!wantsCsv)
        {
            return TypedResults.Ok(orders.Select(o => OrderView.From(o, withPickupCode: false)).ToList());
        }

        var campaign = await s.Campaigns.GetAsync(campaignId, s.Cancellation);
        var chain = await s.Chains.GetChainAsync(campaign.ChainId, s.Cancellation);
        TimeZones.TryFind(chain.TimeZone, out var zone);
        return TypedResults.File(OrderService.ToCsv(orders, zone), "text/csv; charset=utf-8", $"orders-{campaignId}.csv");
    }

    private static async Task<Ok<List<OrderView>>> Mine([AsParameters] Services s) =>
        TypedResults.Ok((await s.Orders.ListForMemberAsync(await s.Caller.GetAsync(), s.Cancellation)).Select(o => OrderView.From(o, withPickupCode: true)).ToList());

    private static async Task<Ok<OrderView>> Get(string orderId, [AsParameters] Services s)
    {
        var (order, isOwner) = await s.Orders.GetAsync(await s.Caller.GetAsync(), orderId, s.Cancellation);
        return TypedResults.Ok(OrderView.From(order, withPickupCode: isOwner));
    }

    private static async Task<Ok<OrderView>> Cancel(string orderId, [AsParameters] Services s) =>
        TypedResults.Ok(OrderView.From(await s.Orders.CancelAsync(await s.Caller.GetAsync(), orderId, s.Cancellation), withPickupCode: true));
}
