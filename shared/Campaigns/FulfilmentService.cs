using System.Text.Json;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>One notification of the outbox.</summary>
public sealed record Notification(string Kind, string MemberId, string Text, string? OrderId, DateTimeOffset At);

/// <summary>Handing goods over: pickup verification, delivery status, the pickup list, and the notification outbox.</summary>
public sealed class FulfilmentService(ITableStore tables, CampaignDesks desks, CampaignService campaigns, INotificationTexts texts)
{
    public async Task<Order> PickupByCodeAsync(Caller caller, string campaignId, string? code, CancellationToken ct)
    {
        var campaign = await RequireStoreLeaderAsync(caller, campaignId, ct);
        var index = PickupCodes.LooksValid(code?.Trim())
            ? await tables.GetAsync(CampaignTables.Campaigns, campaign.CampaignId, CampaignTables.PickupCodeRow(code!.Trim()), cancellationToken: ct)
            : null;
        if (index?.GetString("OrderId") is not { } orderId)
        {
            throw AppProblem.Conflict(ProblemCodes.WrongPickupCode, "Wrong pickup code", "No order of this campaign has that pickup code. Check the 8 digits the member shows.");
        }

        return await desks.SubmitAsync(campaignId, new FulfilOrderCommand { OrderId = orderId, To = OrderStatus.PickedUp, PickupCode = code!.Trim() });
    }

    public async Task<Order> PickupOrderAsync(Caller caller, string orderId, string? code, CancellationToken ct)
    {
        var campaignId = CampaignOf(caller, orderId);
        await RequireStoreLeaderAsync(caller, campaignId, ct);
        return await desks.SubmitAsync(campaignId, new FulfilOrderCommand { OrderId = orderId, To = OrderStatus.PickedUp, PickupCode = code });
    }

    public async Task<Order> DeliveryAsync(Caller caller, string orderId, string? status, CancellationToken ct)
    {
        var campaignId = CampaignOf(caller, orderId);
        await RequireStoreLeaderAsync(caller, campaignId, ct);
        var to = status switch
        {
            "dispatched" => OrderStatus.Dispatched,
            "delivered" => OrderStatus.Delivered,
            _ => throw AppProblem.Validation("status", "status must be 'dispatched' or 'delivered'."),
        };
        return await desks.SubmitAsync(campaignId, new FulfilOrderCommand { OrderId = orderId, To = to });
    }

    public async Task<IReadOnlyList<Order>> PickupListAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var rows = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)), ct).ToListAsync(ct);
        return rows.Select(CampaignTables.ToOrder)
            .Where(o => o.Fulfilment == Fulfilment.Pickup && o.Status is OrderStatus.Confirmed or OrderStatus.PickedUp)
            .OrderBy(o => o.MemberName, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<Notification>> NotificationsAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var rows = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.EventPrefix)), ct).ToListAsync(ct);
        return rows.SelectMany(CampaignTables.ToEvents)
            .Where(e => e.Type.StartsWith("notification.", StringComparison.Ordinal))
            .DistinctBy(e => e.Id)
            .Select(e =>
            {
                var d = e.Data;
                return new Notification(d.GetProperty("kind").GetString() ?? string.Empty, d.GetProperty("memberId").GetString() ?? string.Empty,
                    texts.Text(d), d.TryGetProperty("orderId", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
                    e.Time);
            }).ToList();
    }

    /// <summary>Only the leader of the campaign's store hands goods over (the admin too, for support).</summary>
    private async Task<Campaign> RequireStoreLeaderAsync(Caller caller, string campaignId, CancellationToken ct) =>
        await campaigns.GetForStaffAsync(caller, campaignId, ct);

    private static string CampaignOf(Caller caller, string orderId)
    {
        caller.Require(Role.Leader, Role.Admin);
        var campaignId = CampaignTables.CampaignOf(orderId) ?? throw AppProblem.NotFound("order", orderId);
        caller.RequireChainOf(campaignId, "order");
        return campaignId;
    }
}
