using System.Text.Json;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>What a pickup code handed over: the member and her orders (picked up now).</summary>
public sealed record MemberPickup(string MemberName, IReadOnlyList<Order> Orders);

/// <summary>One notification of the outbox.</summary>
public sealed record Notification(string Kind, string MemberId, string Text, string? OrderId, DateTimeOffset At);

/// <summary>Handing goods over: pickup verification, delivery status, the pickup list, and the notification outbox.</summary>
public sealed class FulfilmentService(ITableStore tables, CampaignDesks desks, CampaignService campaigns, INotificationTexts texts)
{
    /// <summary>
    /// 核销 at the counter: the member's one code of the campaign hands over every confirmed pickup order of hers at once
    /// (API.md <c>…/pickups</c>). Unknown code → 400 <c>wrong-pickup-code</c>; nothing left to hand over → 409
    /// <c>already-picked-up</c>. Two counters scanning the same code at once hand each order over once.
    /// </summary>
    public async Task<MemberPickup> PickupByCodeAsync(Caller caller, string campaignId, string? code, CancellationToken ct)
    {
        var campaign = await RequireStoreLeaderAsync(caller, campaignId, ct);
        var clean = code?.Trim();
        var index = PickupCodes.LooksValid(clean)
            ? await tables.GetAsync(CampaignTables.Campaigns, campaign.CampaignId, CampaignTables.PickupCodeRow(clean!), cancellationToken: ct)
            : null;
        if (index?.GetString("OrderId") is not { } firstOrderId)
        {
            throw AppProblem.Conflict(ProblemCodes.WrongPickupCode, "Wrong pickup code", "No order of this campaign has that pickup code. Check the 8 digits the member shows.");
        }

        // Her orders with this code (a code from before one code per member names one order only).
        var orders = index.GetString("MemberId") is { } memberId
            ? await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.And(TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix),
                TableFilter.Equal("MemberId", memberId))), ct).Select(CampaignTables.ToOrder).Where(o => o.PickupCode == clean).ToListAsync(ct)
            : [];
        var ids = orders.Count > 0 ? orders.Where(o => o.Status == OrderStatus.Confirmed).Select(o => o.OrderId).ToList() : [firstOrderId];
        if (orders.Count > 0 && ids.Count == 0)
        {
            var last = orders.Max(o => o.FulfilledAt);
            throw AppProblem.Conflict(ProblemCodes.AlreadyPickedUp, "Already handed over", $"Every order with this code was already picked up (last at {last:yyyy-MM-dd HH:mm} UTC).");
        }

        var handed = new List<Order>();
        AppProblem? refusal = null;
        foreach (var outcome in await Task.WhenAll(ids.Select(async id =>
                 {
                     try
                     {
                         return (Order: await desks.SubmitAsync(campaignId, new FulfilOrderCommand { OrderId = id, To = OrderStatus.PickedUp, PickupCode = clean }), Problem: (AppProblem?)null);
                     }
                     catch (AppProblem problem) when (problem.Code == ProblemCodes.AlreadyPickedUp)
                     {
                         return (Order: (Order?)null, Problem: problem); // another counter was quicker with this one
                     }
                 })))
        {
            if (outcome.Order is { } order)
            {
                handed.Add(order);
            }
            else
            {
                refusal = outcome.Problem;
            }
        }

        if (handed.Count == 0)
        {
            throw refusal!;
        }

        return new MemberPickup(handed[0].MemberName, handed.OrderBy(o => o.CreatedAt).ToList());
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

    /// <summary>
    /// The member's own 提货码 in the campaign, for her QR code: only while a confirmed pickup order of hers waits to be
    /// handed over. Members only (staff never read codes); none → 404, so nobody learns whether someone else has one.
    /// </summary>
    public async Task<string> MemberPickupCodeAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var waiting = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.And(TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix),
                TableFilter.Equal("MemberId", caller.MemberId!))), ct).Select(CampaignTables.ToOrder)
            .Where(o => o.Fulfilment == Fulfilment.Pickup && o.Status == OrderStatus.Confirmed && o.PickupCode is not null)
            .OrderByDescending(o => o.CreatedAt).FirstOrDefaultAsync(ct);
        return waiting?.PickupCode ?? throw AppProblem.NotFound("pickup code waiting in campaign", campaignId);
    }

    /// <summary>The printable 分拣/配货单 of the campaign: staff of its store (or the chain's admin).</summary>
    public async Task<SortingSheet> SortingSheetAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var orders = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)), ct)
            .Select(CampaignTables.ToOrder).ToListAsync(ct);
        return SortingSheet.From(campaign, orders);
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
        return CampaignTables.CampaignOfOrder(caller, orderId);
    }
}
