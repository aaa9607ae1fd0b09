using ServerlessCommerce.Common;

namespace ServerlessCommerce.Campaigns;

/// <summary>Where a campaign is in its life. Wire names are camelCase (<c>followUp</c>).</summary>
public enum CampaignPhase
{
    Draft,
    Preheat,
    Live,
    Closed,
    Fulfilling,
    FollowUp,
    Completed,
    Cancelled,
}

/// <summary>One item on sale in a campaign: price, live price, stock, 成团 minimum and per-member limit.</summary>
public sealed class CampaignItem
{
    public required string ItemId { get; init; }

    public required string ProductId { get; init; }

    public required string Name { get; init; }

    public string? Unit { get; init; }

    public required long PriceFen { get; init; }

    public long? LivePriceFen { get; init; }

    public required int Stock { get; init; }

    public int Sold { get; set; }

    /// <summary>成团: the total quantity the item must reach by close to go ahead.</summary>
    public required int MinGroupSize { get; init; }

    public int? PerMemberLimit { get; init; }

    public int Remaining => Stock - Sold;

    /// <summary>Orders are taken only while live, where the live price (if any) applies.</summary>
    public long OrderPriceFen => LivePriceFen ?? PriceFen;

    public CampaignItem Clone() => (CampaignItem)MemberwiseClone();
}

/// <summary>
/// A flash quota (限时秒杀): <see cref="Quantity"/> units of one item at <see cref="PriceFen"/> until
/// <see cref="EndsAt"/>; the first <see cref="FirstNGift"/> orders that get it also get a gift. Its units come out of the
/// item's stock, so the stock is never exceeded.
/// </summary>
public sealed class FlashSale
{
    public required string FlashSaleId { get; init; }

    public required string ItemId { get; init; }

    public required int Quantity { get; init; }

    public required long PriceFen { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    public int FirstNGift { get; init; }

    public int Sold { get; set; }

    public int Orders { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public int Remaining => Quantity - Sold;

    /// <summary>Selling now: not ended, not past its end, units left. (Time decides, not only the end timer.)</summary>
    public bool IsActive(DateTimeOffset now) => EndedAt is null && now < EndsAt && Remaining > 0;

    public FlashSale Clone() => (FlashSale)MemberwiseClone();
}

/// <summary>When the campaign moves: preheat ≤ live start &lt; live end &lt; pickup until; follow-up after fulfilment.</summary>
public sealed record CampaignSchedule(
    DateTimeOffset PreheatAt,
    DateTimeOffset LiveStartAt,
    DateTimeOffset LiveEndAt,
    DateTimeOffset PickupUntil,
    double FollowUpAfterHours,
    double FollowUpWindowHours);

/// <summary>The outcome of a lifecycle action.</summary>
public sealed record Transition(CampaignPhase From, CampaignPhase To, bool Changed);

/// <summary>
/// The campaign aggregate and its lifecycle state machine (API.md "Lifecycle"). It knows nothing of storage: the desk
/// loads it, applies commands to a copy and writes the copy back with If-Match.
/// </summary>
public sealed class Campaign
{
    private static readonly CampaignPhase[] Linear =
        [CampaignPhase.Draft, CampaignPhase.Preheat, CampaignPhase.Live, CampaignPhase.Closed, CampaignPhase.Fulfilling, CampaignPhase.FollowUp, CampaignPhase.Completed];

    /// <summary>Each action: the phase it leads to and the phases it may start from.</summary>
    public static readonly IReadOnlyDictionary<string, (CampaignPhase To, CampaignPhase[] From)> Actions = new Dictionary<string, (CampaignPhase, CampaignPhase[])>(StringComparer.Ordinal)
    {
        ["preheat"] = (CampaignPhase.Preheat, [CampaignPhase.Draft]),
        ["go-live"] = (CampaignPhase.Live, [CampaignPhase.Draft, CampaignPhase.Preheat]),
        ["close"] = (CampaignPhase.Closed, [CampaignPhase.Live]),
        ["fulfil"] = (CampaignPhase.Fulfilling, [CampaignPhase.Closed]),
        ["follow-up"] = (CampaignPhase.FollowUp, [CampaignPhase.Fulfilling]),
        ["complete"] = (CampaignPhase.Completed, [CampaignPhase.FollowUp]),
        ["cancel"] = (CampaignPhase.Cancelled, [CampaignPhase.Draft, CampaignPhase.Preheat, CampaignPhase.Live]),
    };

    public required string CampaignId { get; init; }

    public required string ChainId { get; init; }

    public required string StoreId { get; init; }

    public required string LeaderId { get; init; }

    public required string Title { get; init; }

    public required CampaignSchedule Schedule { get; init; }

    public required List<CampaignItem> Items { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public CampaignPhase Phase { get; private set; } = CampaignPhase.Draft;

    /// <summary>Every phase the campaign has been in, in order.</summary>
    public List<CampaignPhase> PhasesReached { get; private init; } = [CampaignPhase.Draft];

    public int ReservationCount { get; set; }

    /// <summary>The item the leader is showing now (with its traceability).</summary>
    public string? PinnedItemId { get; set; }

    public List<FlashSale> FlashSales { get; init; } = [];

    /// <summary>When the current phase began (drives follow-up and completion).</summary>
    public DateTimeOffset? PhaseEnteredAt { get; set; }

    /// <summary>Confirmed orders not yet picked up or delivered (set by the 成团 evaluation).</summary>
    public int ToFulfil { get; set; }

    /// <summary>Confirmed orders (set by the 成团 evaluation).</summary>
    public int Confirmed { get; set; }

    /// <summary>When the last confirmed order was picked up or delivered.</summary>
    public DateTimeOffset? FulfilledAt { get; set; }

    public bool EvaluationDone { get; set; }

    public bool PickupReminderSent { get; set; }

    /// <summary>One-off follow-ups already done (<c>preview</c>, <c>live-reminder</c>, <c>survey</c>, <c>report</c>).</summary>
    public HashSet<string> Done { get; init; } = new(StringComparer.Ordinal);

    public FlashSale? ActiveFlashSale(string itemId, DateTimeOffset now) => FlashSales.FirstOrDefault(f => f.ItemId == itemId && f.IsActive(now));

    public int OrderCount { get; set; }

    /// <summary>How many history entries exist (the next one is numbered this + 1).</summary>
    public int HistoryCount { get; private set; }

    /// <summary>How many outbox events exist (the next one is numbered this + 1).</summary>
    public long EventSeq { get; private set; }

    public string? ETag { get; set; }

    public bool IsOrderable => Phase == CampaignPhase.Live;

    /// <summary>Orders may still be cancelled by their member (before close).</summary>
    public bool IsBeforeClose => Phase is CampaignPhase.Draft or CampaignPhase.Preheat or CampaignPhase.Live;

    public CampaignItem? FindItem(string itemId) => Items.FirstOrDefault(i => i.ItemId == itemId);

    public long NextEventSeq() => ++EventSeq;

    /// <summary>
    /// Applies a lifecycle action. An action whose transition already happened is a success that changes nothing;
    /// one the current phase cannot reach is a 409 <c>invalid-transition</c>.
    /// </summary>
    public Transition Apply(string action)
    {
        if (!Actions.TryGetValue(action, out var rule))
        {
            throw AppProblem.Validation("action", $"Unknown action '{action}'. Use one of: {string.Join(", ", Actions.Keys)}.");
        }

        if (HasReached(rule.To))
        {
            return new Transition(Phase, Phase, Changed: false);
        }

        if (!rule.From.Contains(Phase))
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Not possible now",
                $"'{action}' cannot happen while the campaign is {Wire(Phase)}; it needs {string.Join(" or ", rule.From.Select(Wire))}.");
        }

        var from = Phase;
        Phase = rule.To;
        PhasesReached.Add(rule.To);
        HistoryCount++;
        return new Transition(from, rule.To, Changed: true);
    }

    /// <summary>
    /// True when the campaign is at or past <paramref name="phase"/> on the normal path (going live means preheat is
    /// behind it), or, once cancelled, when it really was there.
    /// </summary>
    public bool HasReached(CampaignPhase phase)
    {
        if (Phase == CampaignPhase.Cancelled || phase == CampaignPhase.Cancelled)
        {
            return PhasesReached.Contains(phase);
        }

        return Array.IndexOf(Linear, phase) <= Array.IndexOf(Linear, Phase);
    }

    public static string Wire(CampaignPhase phase) => phase == CampaignPhase.FollowUp ? "followUp" : phase.ToString().ToLowerInvariant();

    public static CampaignPhase ParsePhase(string wire) => wire == "followUp" ? CampaignPhase.FollowUp : Enum.Parse<CampaignPhase>(wire, ignoreCase: true);

    public Campaign Clone() => new()
    {
        CampaignId = CampaignId,
        ChainId = ChainId,
        StoreId = StoreId,
        LeaderId = LeaderId,
        Title = Title,
        Schedule = Schedule,
        Items = Items.Select(i => i.Clone()).ToList(),
        CreatedAt = CreatedAt,
        Phase = Phase,
        PhasesReached = [.. PhasesReached],
        ReservationCount = ReservationCount,
        PinnedItemId = PinnedItemId,
        PhaseEnteredAt = PhaseEnteredAt,
        ToFulfil = ToFulfil,
        Confirmed = Confirmed,
        FulfilledAt = FulfilledAt,
        EvaluationDone = EvaluationDone,
        PickupReminderSent = PickupReminderSent,
        Done = new HashSet<string>(Done, StringComparer.Ordinal),
        FlashSales = FlashSales.Select(f => f.Clone()).ToList(),
        OrderCount = OrderCount,
        HistoryCount = HistoryCount,
        EventSeq = EventSeq,
        ETag = ETag,
    };

    /// <summary>Rebuilds a stored campaign (its counters and phase as they were written).</summary>
    public static Campaign Restore(Campaign shape, CampaignPhase phase, IEnumerable<CampaignPhase> reached, int historyCount, long eventSeq)
    {
        var c = shape.Clone();
        c.Phase = phase;
        c.PhasesReached.Clear();
        c.PhasesReached.AddRange(reached);
        c.HistoryCount = historyCount;
        c.EventSeq = eventSeq;
        return c;
    }
}
