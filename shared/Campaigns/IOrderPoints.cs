namespace ServerlessCommerce.Campaigns;

/// <summary>The chain's rules for points paying an order, as they stood when the order was asked for.</summary>
public sealed record PointsPayment(int Points, int PointsPerYuan, int MaxSharePercent, long DiscountFen);

/// <summary>How an order's points stand in the ledger after <see cref="IOrderPoints.SettleAsync"/>.</summary>
public enum PointsSettlement
{
    /// <summary>The order uses no points, or its points are spent (and what its cancelled lines owe is returned).</summary>
    Settled,

    /// <summary>The member's balance cannot pay the order's points (or the order was already cancelled for that): it must be cancelled; nothing was spent.</summary>
    Insufficient,
}

/// <summary>
/// Points paying part of an order (积分抵扣), asked by order capture; the growth module answers (the ledger lives
/// there). <see cref="PrepareAsync"/> checks the request before the desk; <see cref="SettleAsync"/> brings the ledger
/// in line with the order as stored (spend once, return what cancelled lines owe, once) and is safe to call any
/// number of times, from any instance.
/// </summary>
public interface IOrderPoints
{
    /// <summary>Null for no points; else the chain's rate and cap now, after checking the member's balance (409 insufficient-points).</summary>
    Task<PointsPayment?> PrepareAsync(string chainId, string memberId, string orderId, int? points, CancellationToken ct);

    Task<PointsSettlement> SettleAsync(Order order, CancellationToken ct);
}

/// <summary>The exact arithmetic of an order's points (shared by the ledger, the views and the reports).</summary>
public static class OrderPointsMath
{
    /// <summary>What the lines cost when placed (cancelled or not): the base every share is taken of.</summary>
    public static long GoodsFen(Order o) => o.Lines.Sum(l => l.TotalFen);

    public static long CancelledFen(Order o) => o.Lines.Where(l => l.Status == OrderStatus.Cancelled).Sum(l => l.TotalFen);

    /// <summary>
    /// Points owed back: the used points times the share of the goods cancelled (plus <paramref name="refundedFen"/>
    /// refunded), rounded down to whole points; all of them when every line is cancelled.
    /// </summary>
    public static int ReturnedPoints(Order o, long refundedFen = 0)
    {
        var goods = GoodsFen(o);
        if (o.PointsUsed <= 0 || goods <= 0)
        {
            return 0;
        }

        var back = Math.Min(goods, CancelledFen(o) + Math.Max(0, refundedFen));
        return (int)((long)o.PointsUsed * back / goods);
    }

    /// <summary>The part of the discount the lines still held keep (the cancelled share goes back with its points).</summary>
    public static long KeptDiscountFen(Order o)
    {
        var goods = GoodsFen(o);
        return o.PointsDiscountFen <= 0 || goods <= 0 ? 0 : o.PointsDiscountFen - (o.PointsDiscountFen * CancelledFen(o) / goods);
    }

    /// <summary>What the member pays: the order's total less the discount its lines keep, never below 0.</summary>
    public static long PayableFen(Order o) => Math.Max(0, o.TotalFen - KeptDiscountFen(o));
}
