using ServerlessCommerce.Campaigns;

namespace ServerlessCommerce.Reports;

/// <summary>One follow-up survey answer (回访): satisfaction 1–5 and NPS 0–10.</summary>
public sealed record SurveyAnswer(string OrderId, string MemberId, int? Satisfaction, int? Nps);

/// <summary>One review (晒单): rating 1–5 and how many photos it carries.</summary>
public sealed record ReviewFacts(string OrderId, string MemberId, int? Rating, int Photos);

/// <summary>Everything stored about one campaign that its numbers are computed from.</summary>
public sealed record CampaignFacts(
    Campaign Campaign,
    IReadOnlyList<Order> Orders,
    IReadOnlyList<string> ReservedMemberIds,
    DateTimeOffset? WentLiveAt,
    IReadOnlyList<SurveyAnswer> Surveys,
    IReadOnlyList<ReviewFacts> Reviews);

/// <summary>One item of a campaign: ordered and sold units against stock, 成团 and sell-out time.</summary>
public sealed record ItemMetrics(
    string ItemId,
    string Name,
    int Stock,
    int Ordered,
    int Sold,
    int MinGroupSize,
    bool GroupMet,
    double? SellOutSeconds,
    int Refunded = 0);

/// <summary>The numbers of one campaign (复盘). Rates are fractions 0–1 (4 decimals), null when nothing to divide by.</summary>
public sealed record CampaignMetrics(
    string CampaignId,
    string ChainId,
    string StoreId,
    string LeaderId,
    string Title,
    string Phase,
    DateTimeOffset LiveStartAt,
    bool Closed,
    IReadOnlyList<ItemMetrics> Items,
    long GmvFen,
    int Orders,
    int CancelledOrders,
    long? AverageOrderValueFen,
    int Buyers,
    int RepeatBuyers,
    double? RepeatBuyerRate,
    int Reservations,
    int ReservedBuyers,
    double? ReservationToBuyerRate,
    int ItemsGroupMet,
    double? GroupSuccessRate,
    double? SellOutSeconds,
    int FulfilledOrders,
    int Reviews,
    int ReviewsWithPhotos,
    double? ReviewRate,
    double? PhotoRate,
    double? AverageRating,
    int Surveys,
    double? AverageSatisfaction,
    int Promoters,
    int Detractors,
    int? Nps,
    int AfterSales = 0,
    long RefundedFen = 0)
{
    /// <summary>What the report says about refunds and 成团 (README "After-sale").</summary>
    public const string GroupNote = "成团按截单时计算，售后退款不改变成团结果";

    public const string GroupNoteEnglish = "Groups are decided at close; after-sale refunds never change whether a group formed.";
}

/// <summary>
/// Computes a campaign's numbers from its rows. Pure: what the rows say, nothing read from elsewhere.
/// <para>
/// A line's <b>effective status</b> is its stored status, except for a line still <c>placed</c> in a campaign that has
/// closed: the 成团 rule decides it (confirmed when its item's ordered units reached the minimum, cancelled otherwise),
/// so the numbers are the same whether or not the close-time evaluation has rewritten the lines yet.
/// </para>
/// </summary>
public static class CampaignMetricsCalculator
{
    public const string GroupMinimumNotMet = "group-minimum-not-met";

    public static CampaignMetrics Compute(CampaignFacts facts, IReadOnlySet<string> earlierBuyers)
    {
        var c = facts.Campaign;
        var closed = c.HasReached(CampaignPhase.Closed);
        var groupMet = c.Items.ToDictionary(i => i.ItemId, i => OrderedUnits(facts.Orders, i.ItemId) >= i.MinGroupSize, StringComparer.Ordinal);
        var effective = facts.Orders.Select(o => (Order: o, Lines: o.Lines.Select(l => (Line: l, Status: Effective(l, c, closed, groupMet))).ToList())).ToList();

        var standing = effective.Where(o => o.Lines.Any(l => l.Status != OrderStatus.Cancelled)).ToList();
        // After-sale refunds (README "After-sale") lower GMV and sold units; 成团 (groupMet, ordered units) stays as decided at close.
        var refundedFen = standing.Sum(o => o.Lines.Where(l => l.Status != OrderStatus.Cancelled).Sum(l => l.Line.RefundedFen));
        var afterSales = standing.Sum(o => o.Lines.Where(l => l.Status != OrderStatus.Cancelled).Sum(l => l.Line.Refunds?.Count ?? 0));
        var gmv = standing.Sum(o => o.Lines.Where(l => l.Status != OrderStatus.Cancelled).Sum(l => l.Line.TotalFen)) - refundedFen;
        var buyers = Buyers(c, facts.Orders);
        var reserved = facts.ReservedMemberIds.Distinct(StringComparer.Ordinal).ToList();
        var reservedBuyers = reserved.Count(buyers.Contains);
        var fulfilled = effective.Count(o => o.Lines.Any(l => l.Status is OrderStatus.Confirmed or OrderStatus.PickedUp or OrderStatus.Dispatched or OrderStatus.Delivered));
        var start = facts.WentLiveAt ?? c.Schedule.LiveStartAt;

        var items = c.Items.Select(i => new ItemMetrics(
            i.ItemId, i.Name, i.Stock, OrderedUnits(facts.Orders, i.ItemId),
            effective.Sum(o => o.Lines.Where(l => l.Line.ItemId == i.ItemId && l.Status != OrderStatus.Cancelled).Sum(l => l.Line.Quantity - l.Line.RefundedQuantity)),
            i.MinGroupSize, groupMet[i.ItemId], SellOutSeconds(facts.Orders, i, start),
            effective.Sum(o => o.Lines.Where(l => l.Line.ItemId == i.ItemId && l.Status != OrderStatus.Cancelled).Sum(l => l.Line.RefundedQuantity)))).ToList();

        var reviewsWithPhotos = facts.Reviews.Count(r => r.Photos >= 1);
        var ratings = facts.Reviews.Where(r => r.Rating is >= 1 and <= 5).Select(r => r.Rating!.Value).ToList();
        var satisfaction = facts.Surveys.Where(s => s.Satisfaction is >= 1 and <= 5).Select(s => s.Satisfaction!.Value).ToList();
        var scores = facts.Surveys.Where(s => s.Nps is >= 0 and <= 10).Select(s => s.Nps!.Value).ToList();
        var promoters = scores.Count(n => n >= 9);
        var detractors = scores.Count(n => n <= 6);
        var repeat = buyers.Count(earlierBuyers.Contains);
        var met = items.Count(i => i.GroupMet);

        return new CampaignMetrics(
            c.CampaignId, c.ChainId, c.StoreId, c.LeaderId, c.Title, Campaign.Wire(c.Phase), c.Schedule.LiveStartAt, closed, items,
            gmv, standing.Count, facts.Orders.Count - standing.Count, standing.Count == 0 ? null : (long)Math.Round((double)gmv / standing.Count, MidpointRounding.AwayFromZero),
            buyers.Count, repeat, Rate(repeat, buyers.Count),
            reserved.Count, reservedBuyers, Rate(reservedBuyers, reserved.Count),
            met, Rate(met, items.Count),
            items.Min(i => i.SellOutSeconds),
            fulfilled, facts.Reviews.Count, reviewsWithPhotos, Rate(facts.Reviews.Count, fulfilled), Rate(reviewsWithPhotos, facts.Reviews.Count),
            Average(ratings), facts.Surveys.Count, Average(satisfaction), promoters, detractors, Nps(promoters, detractors, scores.Count),
            afterSales, refundedFen);
    }

    /// <summary>Members with at least one order that stands (a line not cancelled, by its effective status).</summary>
    public static HashSet<string> Buyers(Campaign campaign, IReadOnlyList<Order> orders)
    {
        var closed = campaign.HasReached(CampaignPhase.Closed);
        var groupMet = campaign.Items.ToDictionary(i => i.ItemId, i => OrderedUnits(orders, i.ItemId) >= i.MinGroupSize, StringComparer.Ordinal);
        return orders.Where(o => o.Lines.Any(l => Effective(l, campaign, closed, groupMet) != OrderStatus.Cancelled))
            .Select(o => o.MemberId).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>NPS: % promoters (9–10) minus % detractors (0–6), rounded to a whole number; null without answers.</summary>
    public static int? Nps(int promoters, int detractors, int answers) =>
        answers == 0 ? null : (int)Math.Round(100.0 * (promoters - detractors) / answers, MidpointRounding.AwayFromZero);

    public static double? Rate(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4, MidpointRounding.AwayFromZero);

    private static double? Average(List<int> values) => values.Count == 0 ? null : Math.Round(values.Average(), 2, MidpointRounding.AwayFromZero);

    /// <summary>Units members asked for and kept: every line but those cancelled by the member or with the campaign (a 成团 cancellation still counts as demand).</summary>
    private static int OrderedUnits(IReadOnlyList<Order> orders, string itemId) =>
        orders.SelectMany(o => o.Lines).Where(l => l.ItemId == itemId && (l.Status != OrderStatus.Cancelled || l.CancelReason == GroupMinimumNotMet)).Sum(l => l.Quantity);

    private static OrderStatus Effective(OrderLine line, Campaign campaign, bool closed, IReadOnlyDictionary<string, bool> groupMet)
    {
        if (line.Status != OrderStatus.Placed)
        {
            return line.Status;
        }

        if (campaign.Phase == CampaignPhase.Cancelled)
        {
            return OrderStatus.Cancelled;
        }

        return !closed ? OrderStatus.Placed : groupMet.GetValueOrDefault(line.ItemId) ? OrderStatus.Confirmed : OrderStatus.Cancelled;
    }

    /// <summary>
    /// The first moment the item's units held by orders reached its stock — replaying orders (+ at CreatedAt) and
    /// member cancellations (− at CancelledAt) in time order — in seconds after the live started; null if never.
    /// </summary>
    private static double? SellOutSeconds(IReadOnlyList<Order> orders, CampaignItem item, DateTimeOffset start)
    {
        var changes = new List<(DateTimeOffset At, int Delta)>();
        foreach (var order in orders)
        {
            foreach (var line in order.Lines.Where(l => l.ItemId == item.ItemId))
            {
                changes.Add((order.CreatedAt, line.Quantity));
                if (line.Status == OrderStatus.Cancelled && line.CancelReason != GroupMinimumNotMet && order.CancelledAt is { } cancelledAt)
                {
                    changes.Add((cancelledAt, -line.Quantity));
                }
            }
        }

        var held = 0;
        foreach (var (at, delta) in changes.OrderBy(x => x.At).ThenBy(x => x.Delta))
        {
            held += delta;
            if (held >= item.Stock)
            {
                return Math.Round(Math.Max(0, (at - start).TotalSeconds), 1, MidpointRounding.AwayFromZero);
            }
        }

        return null;
    }
}
