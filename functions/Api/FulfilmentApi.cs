using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Fulfilment (履约): pickup verification (核销), delivery status, the pickup list, the notification outbox.</summary>
public sealed class FulfilmentApi(FulfilmentService fulfilmentService, CampaignService campaignService, ChainService chainService, CallerContext callerContext)
{
    public sealed record CodeRequest(string? PickupCode);

    public sealed record DeliveryRequest(string? Status);

    public sealed record NotificationView(string Kind, string MemberId, string Text, string? OrderId, DateTimeOffset At);

    [Function("VerifyPickup")]
    [OpenApiOperation("Fulfilment", "The store's leader verifies the code a member shows (one code per member per campaign): 200 {memberName, orders} — every confirmed pickup order of hers in the campaign, handed over at once; unknown → 400 wrong-pickup-code; nothing left → 409 already-picked-up.")]
    [OpenApiRequest(typeof(CodeRequest))]
    public async Task<Ok<PickupResponse>> PickupByCode([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/pickups")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<CodeRequest>();
        var pickup = await fulfilmentService.PickupByCodeAsync(await callerContext.GetAsync(req), campaignId, body.PickupCode, req.HttpContext.RequestAborted);
        return TypedResults.Ok(new PickupResponse(pickup.MemberName, pickup.Orders.Select(o => OrdersApi.OrderView.From(o, withPickupCode: false)).ToList()));
    }

    public sealed record PickupResponse(string MemberName, IReadOnlyList<OrdersApi.OrderView> Orders);

    [Function("PickupOrder")]
    [OpenApiOperation("Fulfilment", "Same rules, for one order.")]
    [OpenApiRequest(typeof(CodeRequest))]
    public async Task<Ok<OrdersApi.OrderView>> PickupOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/pickup")] HttpRequest req, string orderId)
    {
        var body = await req.ReadJsonAsync<CodeRequest>();
        return TypedResults.Ok(OrdersApi.OrderView.From(await fulfilmentService.PickupOrderAsync(await callerContext.GetAsync(req), orderId, body.PickupCode, req.HttpContext.RequestAborted), withPickupCode: false));
    }
    [Function("DeliveryStatus")]
    [OpenApiOperation("Fulfilment", "The leader moves a delivery order: dispatched → delivered.")]
    [OpenApiRequest(typeof(DeliveryRequest))]
    public async Task<Ok<OrdersApi.OrderView>> Delivery([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/delivery")] HttpRequest req, string orderId)
    {
        var body = await req.ReadJsonAsync<DeliveryRequest>();
        return TypedResults.Ok(OrdersApi.OrderView.From(await fulfilmentService.DeliveryAsync(await callerContext.GetAsync(req), orderId, body.Status, req.HttpContext.RequestAborted), withPickupCode: false));
    }
    [Function("PickupList")]
    [OpenApiOperation("Fulfilment", "Confirmed pickup orders of the campaign's store with status; ?format=csv.")]
    public async Task<IResult> PickupList([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/pickup-list")] HttpRequest req, string campaignId)
    {
        var orders = await fulfilmentService.PickupListAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted);
        if (!req.WantsCsv())
        {
            return TypedResults.Ok(orders.Select(o => OrdersApi.OrderView.From(o, withPickupCode: false)).ToList());
        }

        var campaign = await campaignService.GetAsync(campaignId, req.HttpContext.RequestAborted);
        TimeZones.TryFind((await chainService.GetChainAsync(campaign.ChainId, req.HttpContext.RequestAborted)).TimeZone, out var zone);
        return TypedResults.File(OrderService.ToCsv(orders, zone), "text/csv; charset=utf-8", $"pickup-list-{campaignId}.csv");
    }

    [Function("CampaignNotifications")]
    [OpenApiOperation("Fulfilment", "The notification outbox: previews, reminders, results, survey invitations.")]
    public async Task<Ok<List<NotificationView>>> Notifications([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/notifications")] HttpRequest req, string campaignId) =>
        TypedResults.Ok((await fulfilmentService.NotificationsAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted))
            .Select(n => new NotificationView(n.Kind, n.MemberId, n.Text, n.OrderId, n.At)).ToList());
}
