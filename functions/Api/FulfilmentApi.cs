using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Fulfilment (履约): pickup verification (核销), delivery status, the pickup list, the notification outbox.</summary>
public static class FulfilmentApi
{
    public static void MapFulfilmentApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Fulfilment");
        api.MapPost("/campaigns/{campaignId}/pickups", PickupByCode).AsFunction("VerifyPickup")
            .WithSummary("The store's leader verifies the code a member shows: 200 the order; unknown → 400 wrong-pickup-code; again → 409 already-picked-up.");
        api.MapPost("/orders/{orderId}/pickup", PickupOrder).AsFunction("PickupOrder").WithSummary("Same rules, for one order.");
        api.MapPost("/orders/{orderId}/delivery", Delivery).AsFunction("DeliveryStatus").WithSummary("The leader moves a delivery order: dispatched → delivered.");
        api.MapGet("/campaigns/{campaignId}/pickup-list", PickupList).AsFunction("PickupList").WithSummary("Confirmed pickup orders of the campaign's store with status; ?format=csv.");
        api.MapGet("/campaigns/{campaignId}/notifications", Notifications).AsFunction("CampaignNotifications").WithSummary("The notification outbox: previews, reminders, results, survey invitations.");
    }

    public sealed record CodeRequest(string? PickupCode);

    public sealed record DeliveryRequest(string? Status);

    public sealed record NotificationView(string Kind, string MemberId, string Text, string? OrderId, DateTimeOffset At);

    public sealed record Services(FulfilmentService Fulfilment, CampaignService Campaigns, ChainService Chains, CallerContext Caller, CancellationToken Cancellation);

    private static async Task<Ok<OrdersApi.OrderView>> PickupByCode(string campaignId, CodeRequest body, [AsParameters] Services s) =>
        TypedResults.Ok(OrdersApi.OrderView.From(await s.Fulfilment.PickupByCodeAsync(await s.Caller.GetAsync(), campaignId, body.PickupCode, s.Cancellation), withPickupCode: false));

    private static async Task<Ok<OrdersApi.OrderView>> PickupOrder(string orderId, CodeRequest body, [AsParameters] Services s) =>
        TypedResults.Ok(OrdersApi.OrderView.From(await s.Fulfilment.PickupOrderAsync(await s.Caller.GetAsync(), orderId, body.PickupCode, s.Cancellation), withPickupCode: false));

    private static async Task<Ok<OrdersApi.OrderView>> Delivery(string orderId, DeliveryRequest body, [AsParameters] Services s) =>
        TypedResults.Ok(OrdersApi.OrderView.From(await s.Fulfilment.DeliveryAsync(await s.Caller.GetAsync(), orderId, body.Status, s.Cancellation), withPickupCode: false));

    private static async Task<IResult> PickupList(string campaignId, HttpRequest request, [AsParameters] Services s)
    {
        var orders = await s.Fulfilment.PickupListAsync(await s.Caller.GetAsync(), campaignId, s.Cancellation);
        if (!string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase) &&
            !request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true))
        {
            return TypedResults.Ok(orders.Select(o => OrdersApi.OrderView.From(o, withPickupCode: false)).ToList());
        }

        var campaign = await s.Campaigns.GetAsync(campaignId, s.Cancellation);
        TimeZones.TryFind((await s.Chains.GetChainAsync(campaign.ChainId, s.Cancellation)).TimeZone, out var zone);
        return TypedResults.File(OrderService.ToCsv(orders, zone), "text/csv; charset=utf-8", $"pickup-list-{campaignId}.csv");
    }

    private static async Task<Ok<List<NotificationView>>> Notifications(string campaignId, [AsParameters] Services s) =>
        TypedResults.Ok((await s.Fulfilment.NotificationsAsync(await s.Caller.GetAsync(), campaignId, s.Cancellation))
            .Select(n => new NotificationView(n.Kind, n.MemberId, n.Text, n.OrderId, n.At)).ToList());
}
