using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Growth;

/// <summary>
/// Points paying part of an order (积分抵扣) and coming back. The order is the truth: it records the points it used
/// (<see cref="Order.PointsUsed"/>) in the desk's transaction; the ledger follows it with two kinds of rows in the
/// member's partition, <c>spend:{orderId}</c> (once) and <c>return:{orderId}:{total}</c> (the running total returned),
/// written by <see cref="GrowthLedger.GuardedAsync"/> so no two writes that lower one balance both pass, and the
/// balance never goes below 0. <see cref="SettleAsync(Order, CancellationToken)"/> brings the ledger in line with the
/// stored order and may run any number of times on any instance: right after the order is placed or cancelled (the
/// request path) and again for every <c>order.placed</c> / <c>order.cancelled</c> / <c>order.confirmed</c> event of
/// the campaign outbox (at least once), so a crash between the order and the ledger is healed by the outbox.
/// An order whose points the balance cannot pay (two orders spent the same points at once) is cancelled (reason
/// <c>points-insufficient</c>) and nothing is spent.
/// </summary>
public sealed class PointsSpending(ITableStore tables, GrowthLedger ledger, MemberPricing pricing, IServiceProvider services, TimeProvider clock, ILogger<PointsSpending> logger)
    : IOrderPoints, ICampaignEventSubscriber
{
    public const int MaxPointsPerOrder = 1_000_000;
    public const string InsufficientPoints = GrowthService.InsufficientPoints;
    public const string SpendingOff = "points-spending-off";
    public const string OverCap = "points-over-cap";
    public const string CancelReason = "points-insufficient";

    public async Task<PointsPayment?> PrepareAsync(string chainId, string memberId, string orderId, int? points, CancellationToken ct)
    {
        if (points is null or 0)
        {
            return null;
        }

        if (points is < 0 or > MaxPointsPerOrder)
        {
            throw AppProblem.Validation("pointsToUse", $"pointsToUse is a whole number of points between 0 and {MaxPointsPerOrder}.");
        }

        var settings = await ledger.SettingsAsync(chainId, ct);
        if (!settings.SpendingOn)
        {
            throw AppProblem.Conflict(SpendingOff, "Points do not pay orders here", "This chain does not take points as payment (积分抵扣 is off); order without pointsToUse.");
        }

        if (points.Value % settings.SpendStep != 0)
        {
            throw AppProblem.Validation("pointsToUse", $"At {settings.SpendPointsPerYuan} points per yuan, points are used in steps of {settings.SpendStep} (whole fen).");
        }

        // A first look at the balance, for a clear answer before anything is written; the spend itself is checked again
        // under the guard. A retry of an order that already spent them is not asked to have them twice.
        var rows = await tables.QueryAsync(FollowUpTables.Points, TableQuery.Partition(memberId), ct).ToListAsync(ct);
        if (rows.All(r => r.RowKey != GrowthTables.SpendRow(orderId)))
        {
            var balance = rows.Where(r => !GrowthTables.IsGuard(r.RowKey)).Sum(r => (long)(r.GetInt32("Amount") ?? 0));
            if (balance < points.Value)
            {
                throw NotEnough(balance, points.Value);
            }
        }

        return new PointsPayment(points.Value, settings.SpendPointsPerYuan, settings.MaxPointsSharePercent, settings.DiscountFen(points.Value));
    }

    public static AppProblem NotEnough(long balance, int points) =>
        AppProblem.Conflict(InsufficientPoints, "Not enough points", $"You have {Math.Max(0, balance)} points; this order asks for {points}. Nothing was ordered.");

    public Task<PointsSettlement> SettleAsync(Order order, CancellationToken ct) =>
        order.PointsUsed <= 0 ? Task.FromResult(PointsSettlement.Settled) : SettleAsync(order.MemberId, order.CampaignId, order.OrderId, 0, ct);

    /// <summary>
    /// For after-sale refunds: returns the points of a refunded share of a handed-over order, exactly once.
    /// <paramref name="refundedFen"/> is the goods value refunded so far for the order in total (line totals, as in
    /// <c>totalFen</c>; a whole refund passes the goods total), so calling again with the same or a smaller figure
    /// returns nothing more. Returns the order's points returned in total (0 for an order without points).
    /// </summary>
    public async Task<int> ReturnForRefundAsync(string orderId, long refundedFen, CancellationToken ct)
    {
        var campaignId = CampaignTables.CampaignOf(orderId) ?? throw AppProblem.NotFound("order", orderId);
        var order = await LoadAsync(campaignId, orderId, ct) ?? throw AppProblem.NotFound("order", orderId);
        if (order.PointsUsed <= 0)
        {
            return 0;
        }

        await SettleAsync(order.MemberId, campaignId, orderId, Math.Max(0, refundedFen), ct);
        var rows = await tables.QueryAsync(FollowUpTables.Points, TableQuery.Partition(order.MemberId, TableFilter.RowKeyStartsWith(GrowthTables.ReturnPrefix(orderId))), ct).ToListAsync(ct);
        return rows.Sum(r => r.GetInt32("Amount") ?? 0);
    }

    private async Task<PointsSettlement> SettleAsync(string memberId, string campaignId, string orderId, long refundedFen, CancellationToken ct)
    {
        var outcome = await ledger.GuardedAsync(memberId, async rows =>
        {
            // Read after the guard: a cancellation settled since then moved the guard, and this goes again.
            var order = await LoadAsync(campaignId, orderId, ct);
            var inserts = new List<TableEntity>();
            if (order is null || order.PointsUsed <= 0)
            {
                return ((IReadOnlyList<TableEntity>)inserts, PointsSettlement.Settled);
            }

            var now = clock.GetUtcNow();
            var spend = rows.FirstOrDefault(r => r.RowKey == GrowthTables.SpendRow(orderId));
            var returned = rows.Where(r => r.RowKey.StartsWith(GrowthTables.ReturnPrefix(orderId), StringComparison.Ordinal)).Sum(r => r.GetInt32("Amount") ?? 0);
            var spent = -(spend?.GetInt32("Amount") ?? 0);
            if (spend is null)
            {
                if (order.Status == OrderStatus.Cancelled)
                {
                    // Cancelled before its points were spent: nothing owed either way. Cancelled because they could not be
                    // spent (the outbox got there before the request): the request must hear it too, not answer 201.
                    return (inserts, order.Lines.All(l => l.CancelReason == CancelReason) ? PointsSettlement.Insufficient : PointsSettlement.Settled);
                }

                var balance = rows.Sum(r => (long)(r.GetInt32("Amount") ?? 0));
                if (balance < order.PointsUsed)
                {
                    return (inserts, PointsSettlement.Insufficient);
                }

                spent = order.PointsUsed;
                inserts.Add(Row(memberId, GrowthTables.SpendRow(orderId), GrowthTables.SpendReason, order, -spent, now, null));
            }

            var target = Math.Min(spent, OrderPointsMath.ReturnedPoints(order, refundedFen));
            if (target > returned)
            {
                inserts.Add(Row(memberId, GrowthTables.ReturnRow(orderId, target), GrowthTables.ReturnReason, order, target - returned, now, refundedFen > 0 ? "售后退款" : "订单取消"));
            }

            return (inserts, PointsSettlement.Settled);
        }, ct);
        pricing.ForgetMember(memberId);
        return outcome;
    }

    private static TableEntity Row(string memberId, string rowKey, string reason, Order order, int amount, DateTimeOffset at, string? note)
    {
        var row = new TableEntity(memberId, rowKey);
        foreach (var (name, value) in FollowUpTables.ToEntity(memberId, new PointsEntry(reason, order.OrderId, order.CampaignId, amount, at, note)).Properties)
        {
            row[name] = value;
        }

        return row;
    }

    private Task<Order?> LoadAsync(string campaignId, string orderId, CancellationToken ct) =>
        CampaignTables.FindOrderAsync(tables, campaignId, orderId, ct);

    /// <summary>The outbox's second pass: every event of an order that used points settles it again (at least once).</summary>
    public async Task HandleAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            if (e.Type is not ("order.placed" or "order.cancelled" or "order.confirmed")
                || e.Data.ValueKind != JsonValueKind.Object
                || !e.Data.TryGetProperty("pointsUsed", out var used) || used.ValueKind != JsonValueKind.Number || used.GetInt32() <= 0
                || !e.Data.TryGetProperty("orderId", out var id) || id.GetString() is not { } orderId
                || CampaignTables.CampaignOf(orderId) is not { } campaignId)
            {
                continue;
            }

            var order = await LoadAsync(campaignId, orderId, cancellationToken);
            if (order is null || await SettleAsync(order, cancellationToken) != PointsSettlement.Insufficient)
            {
                continue;
            }

            // Placed, but its request never settled (the instance stopped) and the points are gone meanwhile: cancel it.
            logger.LogWarning("Order {OrderId}: the member's points no longer pay it; cancelling", orderId);
            try
            {
                await services.GetRequiredService<CampaignDesks>().SubmitAsync(campaignId, new CancelOrderCommand { OrderId = orderId, Reason = CancelReason });
            }
            catch (AppProblem problem)
            {
                logger.LogWarning("Order {OrderId} could not be cancelled for its points: {Code}", orderId, problem.Code);
            }
        }
    }
}
