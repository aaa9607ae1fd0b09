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

    /// <summary>Units for sale: set at create or edit, raised only by a 补货 during the live (<see cref="Campaign.AddStock"/>).</summary>
    public required int Stock { get; set; }

    /// <summary>Counted from the lanes (<see cref="Campaign.Recount"/>), never stored with the item.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Sold { get; set; }

    /// <summary>成团: the total quantity the item must reach by close to go ahead.</summary>
    public required int MinGroupSize { get; init; }

    public int? PerMemberLimit { get; init; }

    /// <summary>Units held for open waitlist claims (<see cref="Campaign.HeldOf"/>), never stored with the item.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Held { get; set; }

    public int Remaining => Stock - Sold - Held;

    /// <summary>会员价: what members whose level grants member prices pay for this item (never more than the live price).</summary>
    public long? MemberPriceFen { get; init; }

    /// <summary>Orders are taken only while live, where the live price (if any) applies.</summary>
    public long OrderPriceFen => LivePriceFen ?? PriceFen;

    /// <summary>The unit price a member pays outside flash sales: the member price when her level grants it and it is lower.</summary>
    public long UnitPriceFor(bool memberPrice) => memberPrice && MemberPriceFen is { } member ? Math.Min(member, OrderPriceFen) : OrderPriceFen;

    public CampaignItem Clone() => (CampaignItem)MemberwiseClone();

    /// <summary>A copy under another id (an edited campaign keeps an item's id by its product).</summary>
    public CampaignItem Clone(string itemId)
    {
        var copy = new CampaignItem
        {
            ItemId = itemId, ProductId = ProductId, Name = Name, Unit = Unit, PriceFen = PriceFen, LivePriceFen = LivePriceFen,
            MemberPriceFen = MemberPriceFen, Stock = Stock, MinGroupSize = MinGroupSize, PerMemberLimit = PerMemberLimit,
        };
        copy.Sold = Sold;
        copy.Held = Held;
        return copy;
    }
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

    /// <summary>What the first orders get (赠品), shown to members and carried on their order lines.</summary>
    public string? GiftName { get; init; }

    /// <summary>Counted from the lanes, never stored with the sale.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Sold { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
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

/// <summary>
/// The campaign's live video (API.md <c>stream</c>): an HLS playback URL from any live service, and/or a link that opens a
/// WeChat Channels (视频号) live.
/// </summary>
public sealed record LiveStream(string? PlaybackUrl, string? ChannelsUrl);

/// <summary>The outcome of a lifecycle action.</summary>
public sealed record Transition(CampaignPhase From, CampaignPhase To, bool Changed);

/// <summary>
/// Something the campaign did that the outside hears of (API.md events, through the outbox). <see cref="OnLane"/>:
/// numbered in the acting instance's lane stream (orders, cancellations, reservations), not the campaign row's.
/// </summary>
public sealed record CampaignEvent(string Type, string Subject, object Data, string? Occurrence, bool OnLane);

/// <summary>One price that holds now for some units of an item (the answer of <c>price-changed</c>).</summary>
public sealed record PriceNow(string ItemId, int Quantity, long UnitPriceFen, string? FlashSaleId);

/// <summary>What a member asks for when ordering, as the aggregate sees it.</summary>
public sealed record OrderPlacement(
    string OrderId, string MemberId, string MemberName, string MaskedPhone, IReadOnlyList<RequestedLine> Lines,
    Fulfilment Fulfilment, string? Address, string RequestHash, bool MemberPrice = false, PointsPayment? Points = null);

/// <summary>
/// The campaign aggregate: its lifecycle state machine and every rule of selling, flash sales, 成团 and hand-over. It
/// knows nothing of storage. Stock is counted in the campaign's pool (<see cref="Pool"/>, on the campaign row) and its
/// lanes (<see cref="StockLane"/>, one row each); an order or a cancellation changes only the acting instance's lane,
/// so several instances sell one campaign without contending on one row.
/// </summary>
public sealed partial class Campaign
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

    private List<StockLane> _lanes = [];

    public required string CampaignId { get; init; }

    public required string ChainId { get; init; }

    public required string StoreId { get; init; }

    public required string LeaderId { get; init; }

    public required string Title { get; init; }

    public required CampaignSchedule Schedule { get; init; }

    public required List<CampaignItem> Items { get; init; }

    /// <summary>The live video, when the leader gave one.</summary>
    public LiveStream? Stream { get; init; }

    /// <summary>The preheat view's text (活动介绍): what the live will show and why it is worth coming.</summary>
    public string? Intro { get; init; }

    /// <summary>What opened it: null for a leader's campaign, <c>clearance</c> for the evening clearance timer (晚市特惠).</summary>
    public string? Kind { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public CampaignPhase Phase { get; private set; } = CampaignPhase.Draft;

    /// <summary>Every phase the campaign has been in, in order.</summary>
    public List<CampaignPhase> PhasesReached { get; private init; } = [CampaignPhase.Draft];

    /// <summary>Reservations (the sum over lanes).</summary>
    public int ReservationCount { get; private set; }

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

    /// <summary>Units of each bucket not yet claimed by any lane.</summary>
    public Dictionary<string, int> Pool { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The lanes that exist (a lane is created with a write of the campaign row), so they are read by key, never by a query.</summary>
    public List<string> LaneIds { get; init; } = [];

    /// <summary>Orders placed (the sum over lanes).</summary>
    public int OrderCount { get; private set; }

    /// <summary>How many history entries exist (the next one is numbered this + 1).</summary>
    public int HistoryCount { get; private set; }

    /// <summary>The last event numbered in the campaign row's own event stream.</summary>
    public long EventSeq { get; private set; }

    /// <summary>Bumped on every write of the campaign row.</summary>
    public long Version { get; set; }

    public string? ETag { get; set; }

    /// <summary>The lanes as last read (with the acting instance's working copy): every total is counted over them.</summary>
    public IReadOnlyList<StockLane> Lanes => _lanes;

    /// <summary>
    /// The campaign's event sequence (API.md <c>seq</c>): the sum of its rows' versions. Every write raises it, so of
    /// two reads (or a read and an event) the one with the higher <c>seq</c> saw more.
    /// </summary>
    public long Seq => Version + _lanes.Sum(l => l.Version);

    /// <summary>What this copy did since it was loaded; the desk writes it to the outbox with the change.</summary>
    public List<CampaignEvent> Events { get; private init; } = [];

    public bool IsOrderable => Phase == CampaignPhase.Live;

    /// <summary>Orders may still be cancelled by their member (before close).</summary>
    public bool IsBeforeClose => Phase is CampaignPhase.Draft or CampaignPhase.Preheat or CampaignPhase.Live;

    /// <summary>Whether these items count against a member's limit (only then is the member's tally read and written).</summary>
    public bool HasLimited(IEnumerable<string> itemIds) => itemIds.Any(id => FindItem(id)?.PerMemberLimit is not null);

    public CampaignItem? FindItem(string itemId) => Items.FirstOrDefault(i => i.ItemId == itemId);

    public FlashSale? ActiveFlashSale(string itemId, DateTimeOffset now) => FlashSales.FirstOrDefault(f => f.ItemId == itemId && f.IsActive(now));

    public long NextEventSeq() => ++EventSeq;

    /// <summary>Units of a bucket left anywhere: in the pool and in every lane.</summary>
    public int RemainingOf(string bucket) => Pool.GetValueOrDefault(bucket) + _lanes.Sum(l => l.UnitsOf(bucket));

    /// <summary>Takes the lanes (as read) and recounts the totals from them.</summary>
    public void AttachLanes(IEnumerable<StockLane> lanes)
    {
        _lanes = lanes.OrderBy(l => l.LaneId, StringComparer.Ordinal).ToList();
        Recount();
    }

    /// <summary>Puts a lane's newer copy in place of the one held (or adds it).</summary>
    public void UseLane(StockLane lane)
    {
        var i = _lanes.FindIndex(l => l.LaneId == lane.LaneId);
        if (i >= 0)
        {
            _lanes[i] = lane;
        }
        else
        {
            _lanes.Add(lane);
            _lanes.Sort((a, b) => string.CompareOrdinal(a.LaneId, b.LaneId));
        }

        Recount();
    }

    /// <summary>Sold, order and reservation totals from the lanes.</summary>
    public void Recount()
    {
        foreach (var item in Items)
        {
            item.Sold = _lanes.Sum(l => l.SoldOf(Buckets.Item(item.ItemId)));
            item.Held = HeldOf(item.ItemId);
        }

        foreach (var flash in FlashSales)
        {
            flash.Sold = _lanes.Sum(l => l.SoldOf(Buckets.Flash(flash.FlashSaleId)));
            flash.Orders = _lanes.Sum(l => l.SoldOf(Buckets.FlashOrders(flash.FlashSaleId)));
        }

        OrderCount = _lanes.Sum(l => l.Orders);
        ReservationCount = _lanes.Sum(l => l.Reservations);
    }

    private void Record(string type, string subject, object data, string? occurrence = null, bool onLane = false) =>
        Events.Add(new CampaignEvent(type, subject, data, occurrence, onLane));

    // ----- lifecycle -----

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

        if (rule.To == CampaignPhase.Fulfilling && !EvaluationDone)
        {
            // Every order must have its 成团 outcome first (API.md: fulfil answers once that evaluation has finished).
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "成团 not evaluated yet", "The 成团 evaluation of this campaign is still running; fulfil again in a moment.");
        }

        var from = Phase;
        Phase = rule.To;
        PhasesReached.Add(rule.To);
        HistoryCount++;
        return new Transition(from, rule.To, Changed: true);
    }

    /// <summary>A lifecycle action by a person or the system, with its event.</summary>
    public Transition Move(string action, string cause, DateTimeOffset now)
    {
        var transition = Apply(action);
        if (transition.Changed)
        {
            PhaseEnteredAt = now;
            Record("campaign.phaseChanged", $"campaigns/{CampaignId}", new { CampaignId, from = Wire(transition.From), to = Wire(transition.To), cause, at = now }, Wire(transition.To));
        }

        return transition;
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

    // ----- selling -----

    /// <summary>
    /// 接龙: places an order with units from <paramref name="lane"/>. Refuses with <c>not-live</c>, a validation
    /// problem, <c>member-limit</c>, or <c>sold-out</c> — the last only when <paramref name="verifiedRemaining"/> (units
    /// left anywhere, as checked just now) says so. When the lane merely holds too few units it throws
    /// <see cref="StockShortage"/> and changes nothing. A running flash quota prices the units it still covers (a line it
    /// covers in part is split: those units at the flash price, with a gift while gifts last, the rest at the usual
    /// price). When the member said what unit price she saw and any unit would cost otherwise, the answer is
    /// <c>price-changed</c> with the prices that hold now, and nothing changes.
    /// </summary>
    public Order PlaceOrder(OrderPlacement p, MemberTally tally, StockLane lane, IReadOnlyDictionary<string, int> verifiedRemaining, DateTimeOffset now)
    {
        if (!IsOrderable)
        {
            // Closed because it sold out (截单), and maybe already fulfilling: say what the member needs to know.
            if (HasReached(CampaignPhase.Closed) && Phase != CampaignPhase.Cancelled && p.Lines.All(l => FindItem(l.ItemId) is { } i && RemainingOf(Buckets.Item(i.ItemId)) == 0))
            {
                throw AppProblem.Conflict(ProblemCodes.SoldOut, "Sold out", $"{string.Join("、", p.Lines.Select(l => FindItem(l.ItemId)!.Name))} sold out; the group-buy has closed.");
            }

            throw AppProblem.Conflict(ProblemCodes.NotLive, "Not live", $"Orders are taken only while the campaign is live; it is {Wire(Phase)}.");
        }

        var missing = new Dictionary<string, int>(StringComparer.Ordinal);
        var planned = new List<PlannedLine>();
        foreach (var requested in p.Lines)
        {
            var item = FindItem(requested.ItemId) ?? throw AppProblem.Validation("items", $"Item '{requested.ItemId}' is not on sale in this campaign.");
            var quantity = requested.Quantity;
            var claimed = Math.Min(quantity, ClaimedFor(item.ItemId, p.MemberId, now)); // 候补: her open claim's units first
            if (!Covered(Buckets.Item(item.ItemId), quantity - claimed, out var left))
            {
                throw AppProblem.Conflict(ProblemCodes.SoldOut, "Sold out",
                    left == 0 ? $"{item.Name} is sold out." : $"Only {left} of {item.Name} left; you asked for {quantity}.");
            }

            if (item.PerMemberLimit is { } limit && tally.Of(item.ItemId) + quantity > limit)
            {
                throw AppProblem.Conflict(ProblemCodes.MemberLimit, "Over the limit",
                    $"Each member may take at most {limit} of {item.Name}; you already have {tally.Of(item.ItemId)}.");
            }

            // The member pays the lowest price that holds for her: a flash quota unless her own (member) price is lower.
            var own = item.UnitPriceFor(p.MemberPrice);
            var flash = ActiveFlashSale(item.ItemId, now) is { } running && running.PriceFen <= own ? running : null;
            var flashUnits = flash is null ? 0 : FlashUnits(Buckets.Flash(flash.FlashSaleId), quantity);
            var gift = flashUnits > 0 && flash!.FirstNGift > 0 && Covered(Buckets.Gift(flash.FlashSaleId), 1, out _);
            planned.Add(new PlannedLine(item, quantity, flashUnits > 0 ? flash : null, flashUnits, gift, requested.ExpectedUnitPriceFen, own, own < item.OrderPriceFen, claimed));
        }

        if (missing.Count > 0)
        {
            throw new StockShortage(missing);
        }

        // Every unit is priced now: a member who said what she saw is never charged otherwise (发现变价, nothing written).
        if (planned.Any(x => x.ExpectedUnitPriceFen is { } seen && x.Prices().Any(price => price.UnitPriceFen != seen)))
        {
            var prices = planned.SelectMany(x => x.Prices()).ToList();
            throw new AppProblem(ProblemCodes.PriceChanged, "Price changed",
                $"Prices changed since you looked; nothing was ordered. Now: {string.Join("; ", prices.Select(x => $"{x.Quantity} × {FindItem(x.ItemId)!.Name} at ¥{x.UnitPriceFen / 100m:0.00}{(x.FlashSaleId is null ? string.Empty : " (flash sale)")}"))}. Order again at these prices.")
            {
                Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["prices"] = prices },
            };
        }

        // Points pay at most the chain's share of what the order costs, priced as charged (积分抵扣上限).
        if (p.Points is { Points: > 0 } points)
        {
            var goods = planned.SelectMany(x => x.Prices()).Sum(x => x.UnitPriceFen * x.Quantity);
            var capFen = goods * points.MaxSharePercent / 100;
            if (points.DiscountFen > capFen)
            {
                var step = points.PointsPerYuan / (int)System.Numerics.BigInteger.GreatestCommonDivisor(points.PointsPerYuan, 100);
                var maxPoints = capFen * points.PointsPerYuan / 100 / step * step;
                throw new AppProblem("points-over-cap", "Too many points",
                    $"Points pay at most {points.MaxSharePercent}% of an order: ¥{capFen / 100m:0.00} of this ¥{goods / 100m:0.00} order, so at most {maxPoints} points; nothing was ordered.")
                {
                    Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["maxPoints"] = maxPoints, ["capFen"] = capFen },
                };
            }
        }

        // Every line is valid, covered and priced as seen: only now change the lane and the tally.
        var lines = new List<OrderLine>();
        foreach (var x in planned)
        {
            lane.Sell(Buckets.Item(x.Item.ItemId), x.Quantity - x.Claimed);
            if (x.Claimed > 0)
            {
                UseClaim(x.Item.ItemId, p.MemberId, x.Claimed, lane);
            }
            if (x.Item.PerMemberLimit is not null)
            {
                tally.Quantities[x.Item.ItemId] = tally.Of(x.Item.ItemId) + x.Quantity; // the tally is the limit's ledger: limited items only
            }

            if (x.Flash is { } flash)
            {
                lane.Sell(Buckets.Flash(flash.FlashSaleId), x.FlashUnits);
                lane.Add(lane.Sold, Buckets.FlashOrders(flash.FlashSaleId), 1);
                if (x.Gift)
                {
                    lane.Sell(Buckets.Gift(flash.FlashSaleId), 1);
                }

                lines.Add(new OrderLine
                {
                    ItemId = x.Item.ItemId, ProductId = x.Item.ProductId, Name = x.Item.Name, Quantity = x.FlashUnits,
                    UnitPriceFen = flash.PriceFen, FlashSaleId = flash.FlashSaleId, Gift = x.Gift, GiftName = x.Gift ? flash.GiftName : null,
                });
            }

            if (x.Quantity > x.FlashUnits)
            {
                lines.Add(new OrderLine
                {
                    ItemId = x.Item.ItemId, ProductId = x.Item.ProductId, Name = x.Item.Name, Quantity = x.Quantity - x.FlashUnits, UnitPriceFen = x.OwnPriceFen,
                    MemberPrice = x.MemberPrice,
                });
            }
        }

        lane.Orders++;
        var order = new Order
        {
            OrderId = p.OrderId, CampaignId = CampaignId, ChainId = ChainId, StoreId = StoreId, MemberId = p.MemberId, MemberName = p.MemberName,
            MaskedPhone = p.MaskedPhone, Lines = lines, Fulfilment = p.Fulfilment, Address = p.Address, CreatedAt = now, RequestHash = p.RequestHash,
            PointsUsed = p.Points?.Points ?? 0, PointsDiscountFen = p.Points?.DiscountFen ?? 0,
        };
        Record("order.placed", $"orders/{order.OrderId}", new
        {
            order.OrderId, CampaignId, order.MemberId, maskedName = ServerlessCommerce.Chains.Names.Mask(order.MemberName),
            items = lines.Select(l => new { l.ItemId, l.Quantity, l.UnitPriceFen, l.FlashSaleId, l.Gift, l.GiftName, l.MemberPrice }), order.TotalFen, fulfilment = order.Fulfilment.ToString().ToLowerInvariant(),
            order.PointsUsed,
        }, onLane: true);
        return order;

        // The units of a bucket the lane holds that earlier lines of this order do not already use.
        int Held(string bucket) => lane.UnitsOf(bucket) - planned.Sum(x => x.Uses(bucket));

        // Does the lane hold the units? If not: a definite "no" when the campaign as a whole was checked, else a shortage to fill.
        bool Covered(string bucket, int quantity, out int left)
        {
            left = 0;
            var held = Held(bucket);
            if (held >= quantity)
            {
                return true;
            }

            if (verifiedRemaining.TryGetValue(bucket, out var total) && total < quantity)
            {
                left = Math.Max(0, total);
                return false;
            }

            missing[bucket] = missing.GetValueOrDefault(bucket) + quantity - Math.Max(0, held);
            return true; // provisionally: the shortage is thrown once every line is checked
        }

        // How many of the wanted units a flash quota covers: all when the lane holds them; when the campaign as a whole
        // has fewer left (checked just now), those it has, once they are in this lane (a flash quota is exact across lanes).
        int FlashUnits(string bucket, int wanted)
        {
            var held = Math.Max(0, Held(bucket));
            if (held >= wanted)
            {
                return wanted;
            }

            if (verifiedRemaining.TryGetValue(bucket, out var total) && total < wanted)
            {
                if (held >= total)
                {
                    return held;
                }

                missing[bucket] = missing.GetValueOrDefault(bucket) + total - held;
                return total; // provisionally, as above
            }

            missing[bucket] = missing.GetValueOrDefault(bucket) + wanted - held;
            return wanted;
        }
    }

    /// <summary>One requested line as it will be sold: its units, how many a flash quota covers, whether a gift goes with them.</summary>
    private sealed record PlannedLine(CampaignItem Item, int Quantity, FlashSale? Flash, int FlashUnits, bool Gift, long? ExpectedUnitPriceFen, long OwnPriceFen, bool MemberPrice, int Claimed = 0)
    {
        public IEnumerable<PriceNow> Prices()
        {
            if (Flash is not null && FlashUnits > 0)
            {
                yield return new PriceNow(Item.ItemId, FlashUnits, Flash.PriceFen, Flash.FlashSaleId);
            }

            if (Quantity > FlashUnits)
            {
                yield return new PriceNow(Item.ItemId, Quantity - FlashUnits, OwnPriceFen, null);
            }
        }

        public int Uses(string bucket) =>
            bucket == Item.ItemId ? Quantity - Claimed
            : Flash is null ? 0
            : bucket == Buckets.Flash(Flash.FlashSaleId) ? FlashUnits
            : Gift && bucket == Buckets.Gift(Flash.FlashSaleId) ? 1
            : 0;
    }

    /// <summary>
    /// Cancels an order before close (by its member) or at any time (by the system), returning its units (and any flash
    /// quota units and gift it took) to <paramref name="lane"/> and the member's tally exactly once. Null when it was already cancelled.
    /// </summary>
    public Order? CancelOrder(Order order, string? byMember, string reason, MemberTally tally, StockLane lane, DateTimeOffset now)
    {
        if (byMember is not null && order.MemberId != byMember)
        {
            throw AppProblem.Forbidden("Only the member who placed an order can cancel it.");
        }

        if (order.Status == OrderStatus.Cancelled)
        {
            return null;
        }

        if (!IsBeforeClose && byMember is not null)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too late to cancel", $"Orders can be cancelled only before the campaign closes; it is {Wire(Phase)}.");
        }

        var cancelled = order.Copy();
        foreach (var line in cancelled.Lines.Where(l => l.Status != OrderStatus.Cancelled))
        {
            if (FindItem(line.ItemId) is not null)
            {
                lane.Return(Buckets.Item(line.ItemId), line.Quantity);
            }

            // A flash-priced line gives its quota units (and its gift) back too: while the sale runs, the next buyer gets
            // them at the flash price; after it, the sale's figures count only what was kept.
            if (line.FlashSaleId is { } flashSaleId && FlashSales.Any(f => f.FlashSaleId == flashSaleId))
            {
                lane.Return(Buckets.Flash(flashSaleId), line.Quantity);
                lane.Add(lane.Sold, Buckets.FlashOrders(flashSaleId), -1);
                if (line.Gift)
                {
                    lane.Return(Buckets.Gift(flashSaleId), 1);
                }
            }

            if (tally.Quantities.ContainsKey(line.ItemId))
            {
                tally.Quantities[line.ItemId] = Math.Max(0, tally.Of(line.ItemId) - line.Quantity);
            }
            line.Status = OrderStatus.Cancelled;
            line.CancelReason = reason;
        }

        cancelled.CancelledAt = now;
        Record("order.cancelled", $"orders/{order.OrderId}", new { order.OrderId, CampaignId, order.MemberId, reason, order.PointsUsed }, onLane: true);
        return cancelled;
    }

    /// <summary>预约, counted in the acting instance's lane.</summary>
    public void Reserve(StockLane lane)
    {
        if (!IsBeforeClose)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too late to reserve", $"Reservations are open until the campaign closes; it is {Wire(Phase)}.");
        }

        lane.Reservations++;
        ReservationCount++;
    }

    // ----- the live room's commerce -----

    /// <summary>Pins an item (the live room shows it with its traceability); false when it already was.</summary>
    public bool Pin(string itemId)
    {
        var item = FindItem(itemId) ?? throw AppProblem.Validation("itemId", $"Item '{itemId}' is not in this campaign.");
        if (Phase is not (CampaignPhase.Preheat or CampaignPhase.Live))
        {
            throw AppProblem.Conflict(ProblemCodes.NotLive, "Not live", $"Pin items during preheat or live; the campaign is {Wire(Phase)}.");
        }

        if (PinnedItemId == item.ItemId)
        {
            return false;
        }

        PinnedItemId = item.ItemId;
        Record("campaign.itemPinned", $"campaigns/{CampaignId}", new
        {
            CampaignId, item.ItemId, item.ProductId, item.Name, traceabilityUrl = $"/api/products/{item.ProductId}/traceability",
        }, occurrence: $"{Version + 1}");
        return true;
    }

    /// <summary>
    /// 限时秒杀: a quota of an item's units at a lower price until an end time. Its quota and gifts go into the pool,
    /// where lanes claim them like stock. Starting one that exists answers it unchanged (same id: a retry).
    /// </summary>
    public (FlashSale Sale, bool Started) StartFlashSale(string flashSaleId, string itemId, int quantity, long priceFen, int durationSeconds, int firstNGift, DateTimeOffset now, string? giftName = null)
    {
        if (FlashSales.FirstOrDefault(f => f.FlashSaleId == flashSaleId) is { } existing)
        {
            return (existing, false);
        }

        if (!IsOrderable)
        {
            throw AppProblem.Conflict(ProblemCodes.NotLive, "Not live", $"Flash sales run while live; the campaign is {Wire(Phase)}.");
        }

        var item = FindItem(itemId) ?? throw AppProblem.Validation("itemId", $"Item '{itemId}' is not in this campaign.");
        var remaining = RemainingOf(Buckets.Item(item.ItemId));
        var v = new Validator();
        if (quantity < 1 || quantity > remaining)
        {
            v.Add("quantity", $"quantity must be between 1 and the {remaining} units of {item.Name} left.");
        }

        if (priceFen < 1 || priceFen > item.OrderPriceFen)
        {
            v.Add("priceFen", $"priceFen must be between 1 and the current price ({item.OrderPriceFen}).");
        }

        if (firstNGift < 0 || firstNGift > quantity)
        {
            v.Add("firstNGift", "firstNGift must be between 0 and quantity.");
        }

        giftName = string.IsNullOrWhiteSpace(giftName) ? null : giftName.Trim();
        if (giftName is { Length: > 40 })
        {
            v.Add("giftName", "giftName is at most 40 characters.");
        }

        v.ThrowIfInvalid();
        if (ActiveFlashSale(item.ItemId, now) is not null)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Flash sale running", $"A flash sale on {item.Name} is already running; wait for it to end.");
        }

        var flash = new FlashSale
        {
            FlashSaleId = flashSaleId, ItemId = item.ItemId, Quantity = quantity, PriceFen = priceFen,
            StartsAt = now, EndsAt = now.AddSeconds(durationSeconds), FirstNGift = firstNGift,
            GiftName = firstNGift > 0 ? giftName ?? "赠品" : null,
        };
        FlashSales.Add(flash);
        Pool[Buckets.Flash(flashSaleId)] = quantity;
        if (firstNGift > 0)
        {
            Pool[Buckets.Gift(flashSaleId)] = firstNGift;
        }

        Record("flashSale.started", $"campaigns/{CampaignId}/flash-sales/{flashSaleId}", new { CampaignId, flash.FlashSaleId, flash.ItemId, flash.Quantity, flash.PriceFen, flash.EndsAt, flash.FirstNGift, flash.GiftName });
        return (flash, true);
    }

    /// <summary>Ends a flash sale (its timer, its quota sold out, or the leader); null when there is none, unchanged when already ended.</summary>
    public (FlashSale? Sale, bool Ended) EndFlashSale(string flashSaleId, DateTimeOffset now)
    {
        var flash = FlashSales.FirstOrDefault(f => f.FlashSaleId == flashSaleId);
        if (flash is null || flash.EndedAt is not null)
        {
            return (flash, false);
        }

        flash.EndedAt = now;
        Pool.Remove(Buckets.Flash(flashSaleId));
        Pool.Remove(Buckets.Gift(flashSaleId));
        Record("flashSale.ended", $"campaigns/{CampaignId}/flash-sales/{flash.FlashSaleId}", new { CampaignId, flash.FlashSaleId, flash.ItemId, flash.Sold, flash.Orders });
        return (flash, true);
    }

    // ----- 成团 and hand-over -----

    /// <summary>
    /// 成团 evaluation of one placed order after close: lines of items whose sold total reached their minimum are
    /// confirmed (a pickup order gets its code), the rest cancelled. Null when the order already has its outcome.
    /// </summary>
    public Order? Evaluate(Order order, Func<string> newPickupCode)
    {
        if (Phase != CampaignPhase.Closed || order.Status != OrderStatus.Placed)
        {
            return null;
        }

        var settled = order.Copy();
        foreach (var line in settled.Lines.Where(l => l.Status == OrderStatus.Placed))
        {
            if (FindItem(line.ItemId) is { } item && item.Sold >= item.MinGroupSize)
            {
                line.Status = OrderStatus.Confirmed;
            }
            else
            {
                line.Status = OrderStatus.Cancelled;
                line.CancelReason = "group-minimum-not-met";
            }
        }

        var confirmed = settled.Status == OrderStatus.Confirmed;
        if (confirmed)
        {
            Confirmed++;
            ToFulfil++;
            if (settled.Fulfilment == Fulfilment.Pickup)
            {
                settled.PickupCode = newPickupCode();
            }
        }

        Record(confirmed ? "order.confirmed" : "order.cancelled", $"orders/{settled.OrderId}", new
        {
            settled.OrderId, settled.CampaignId, settled.MemberId, reason = confirmed ? null : "group-minimum-not-met", settled.TotalFen,
            lines = settled.Lines.Select(l => new { l.ItemId, status = Order.Wire(l.Status) }), settled.PointsUsed,
        }, occurrence: "evaluation");
        // The result notification carries facts, never the pickup code: staff read the notification outbox.
        Record("notification.result", $"members/{settled.MemberId}", new
        {
            memberId = settled.MemberId, CampaignId, kind = "result", orderId = settled.OrderId, confirmed, fulfilment = settled.Fulfilment.ToString().ToLowerInvariant(),
        }, occurrence: settled.OrderId);
        return settled;
    }

    /// <summary>Records that every order has its 成团 outcome; false when already done (or no longer closed).</summary>
    public bool FinishEvaluation(DateTimeOffset now)
    {
        if (EvaluationDone || Phase != CampaignPhase.Closed)
        {
            return false;
        }

        EvaluationDone = true;
        if (ToFulfil == 0)
        {
            FulfilledAt = now;
        }

        Record("campaign.groupEvaluated", $"campaigns/{CampaignId}", new
        {
            CampaignId, Confirmed, items = Items.Select(i => new { i.ItemId, i.Sold, i.MinGroupSize, met = i.Sold >= i.MinGroupSize }),
        });
        return true;
    }

    /// <summary>
    /// Hands a confirmed order over: picked up (its code must match), dispatched or delivered. Null when nothing
    /// changes (dispatched again).
    /// </summary>
    public Order? HandOver(Order order, OrderStatus to, string? pickupCode, DateTimeOffset now)
    {
        if (to == OrderStatus.PickedUp && (order.PickupCode is null || !string.Equals(order.PickupCode, pickupCode?.Trim(), StringComparison.Ordinal)))
        {
            throw AppProblem.Conflict(ProblemCodes.WrongPickupCode, "Wrong pickup code", "That pickup code does not belong to this order; ask the member to show the code in their order.");
        }

        if (order.Status is OrderStatus.PickedUp or OrderStatus.Delivered)
        {
            throw AppProblem.Conflict(ProblemCodes.AlreadyPickedUp, "Already handed over",
                $"This order was already {(order.Status == OrderStatus.PickedUp ? "picked up" : "delivered")} at {order.FulfilledAt:yyyy-MM-dd HH:mm} UTC.");
        }

        if (order.Status is not (OrderStatus.Confirmed or OrderStatus.Dispatched))
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Not ready", $"Only confirmed orders are handed over; this one is {Order.Wire(order.Status)}.");
        }

        var wantsDelivery = to is OrderStatus.Dispatched or OrderStatus.Delivered;
        if (wantsDelivery != (order.Fulfilment == Fulfilment.Delivery))
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Wrong handover", order.Fulfilment == Fulfilment.Delivery
                ? "This order is delivered, not picked up: use /delivery."
                : "This order is picked up at the store with its code, not delivered.");
        }

        if (to == OrderStatus.Dispatched && order.Status == OrderStatus.Dispatched)
        {
            return null;
        }

        var updated = order.Copy();
        updated.FulfilmentStatus = to;
        if (to is OrderStatus.PickedUp or OrderStatus.Delivered)
        {
            updated.FulfilledAt = now;
            ToFulfil = Math.Max(0, ToFulfil - 1);
            if (ToFulfil == 0 && EvaluationDone)
            {
                FulfilledAt = now;
            }
        }

        Record($"order.{Order.Wire(to)}", $"orders/{updated.OrderId}", new { updated.OrderId, updated.CampaignId, updated.MemberId, at = now }, occurrence: Order.Wire(to));
        return updated;
    }

    /// <summary>
    /// Tells members something through the outbox (one event per member and kind). The words are the senders'
    /// business; the event carries the kind and facts. False when the one-off was already done.
    /// </summary>
    public bool Notify(string kind, IReadOnlyList<(string MemberId, string? OrderId)> recipients, bool marksPickupReminder, string? marksDone)
    {
        if ((marksPickupReminder && PickupReminderSent) || (marksDone is not null && Done.Contains(marksDone)))
        {
            return false;
        }

        foreach (var (memberId, orderId) in recipients)
        {
            Record($"notification.{kind}", $"members/{memberId}", new { memberId, CampaignId, kind, orderId }, occurrence: kind);
        }

        PickupReminderSent |= marksPickupReminder;
        if (marksDone is not null)
        {
            Done.Add(marksDone);
        }

        return true;
    }

    public static string Wire(CampaignPhase phase) => phase == CampaignPhase.FollowUp ? "followUp" : phase.ToString().ToLowerInvariant();

    public static CampaignPhase ParsePhase(string wire) => wire == "followUp" ? CampaignPhase.FollowUp : Enum.Parse<CampaignPhase>(wire, ignoreCase: true);

    /// <summary>A working copy (its lanes copied too; no pending events).</summary>
    public Campaign Clone() => CloneWith(Title, LeaderId, Schedule, Items, Stream, Intro);

    /// <summary>
    /// 编辑 before the live (API.md <c>PATCH</c>): a copy with the new title, leader, schedule and items, its stock counted
    /// again (each item's whole stock less what it sold goes to the pool; the lanes give back what they held of it and
    /// come back as the lanes to write). Items keep their ids by product; a pin on a removed item goes.
    /// Refused once the campaign has gone live (409 <c>invalid-transition</c>) and when a stock falls below what sold (400).
    /// </summary>
    public (Campaign Edited, List<StockLane> LanesAfter) EditBeforeLive(string title, string leaderId, CampaignSchedule schedule, IReadOnlyList<CampaignItem> items, LiveStream? stream, string? intro, string cause, DateTimeOffset now)
    {
        if (Phase is not (CampaignPhase.Draft or CampaignPhase.Preheat))
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too late to edit", $"A campaign is edited before it goes live; it is {Wire(Phase)}. Duplicate it into a new draft instead.");
        }

        var v = new Validator();
        for (var i = 0; i < items.Count; i++)
        {
            var sold = (FindItem(items[i].ItemId)?.Sold ?? 0) + HeldOf(items[i].ItemId);
            if (items[i].Stock < sold)
            {
                v.Add($"items[{i}].stock", $"stock cannot go below what already sold or is held for the waitlist ({sold}).");
            }
        }

        v.ThrowIfInvalid();
        var edited = CloneWith(title, leaderId, schedule, items, stream, intro);
        var lanes = _lanes.Select(l => l.Clone()).ToList();
        var kept = items.Select(i => Buckets.Item(i.ItemId)).ToHashSet(StringComparer.Ordinal);
        foreach (var item in Items.Where(i => !kept.Contains(Buckets.Item(i.ItemId))))
        {
            edited.Pool.Remove(Buckets.Item(item.ItemId));
        }

        foreach (var item in edited.Items)
        {
            var bucket = Buckets.Item(item.ItemId);
            edited.Pool[bucket] = item.Stock - (FindItem(item.ItemId)?.Sold ?? 0) - HeldOf(item.ItemId);
        }

        foreach (var lane in lanes)
        {
            foreach (var bucket in lane.Units.Keys.Where(b => kept.Contains(b) || Items.Any(i => Buckets.Item(i.ItemId) == b)).ToList())
            {
                lane.Units.Remove(bucket); // every unit of every item is counted in the pool again
            }

            lane.Version++;
        }

        if (edited.PinnedItemId is { } pinned && edited.FindItem(pinned) is null)
        {
            edited.PinnedItemId = null;
        }

        edited._lanes = lanes;
        edited.Recount();
        edited.Record("campaign.edited", $"campaigns/{CampaignId}", new
        {
            CampaignId, title, leaderId, schedule.PreheatAt, schedule.LiveStartAt, schedule.LiveEndAt, schedule.PickupUntil,
            items = edited.Items.Select(i => new { i.ItemId, i.ProductId, i.Name, i.PriceFen, i.LivePriceFen, i.MemberPriceFen, i.Stock }), cause, at = now,
        });
        return (edited, lanes);
    }

    private Campaign CloneWith(string title, string leaderId, CampaignSchedule schedule, IEnumerable<CampaignItem> items, LiveStream? stream, string? intro)
    {
        var copy = new Campaign
        {
            CampaignId = CampaignId,
            ChainId = ChainId,
            StoreId = StoreId,
            LeaderId = leaderId,
            Title = title,
            Schedule = schedule,
            Items = items.Select(i => i.Clone()).ToList(),
            Stream = stream,
            Intro = intro,
            Kind = Kind,
            CreatedAt = CreatedAt,
            Phase = Phase,
            PhasesReached = [.. PhasesReached],
            ReservationCount = ReservationCount,
            PinnedItemId = PinnedItemId,
            PhaseEnteredAt = PhaseEnteredAt,
            Waitlist = Waitlist.Where(w => items.Any(i => i.ItemId == w.ItemId)).Select(w => w.Clone()).ToList(),
            ToFulfil = ToFulfil,
            Confirmed = Confirmed,
            FulfilledAt = FulfilledAt,
            EvaluationDone = EvaluationDone,
            PickupReminderSent = PickupReminderSent,
            Done = new HashSet<string>(Done, StringComparer.Ordinal),
            FlashSales = FlashSales.Select(f => f.Clone()).ToList(),
            Restocks = [.. Restocks],
            Pool = new Dictionary<string, int>(Pool, StringComparer.Ordinal),
            LaneIds = [.. LaneIds],
            OrderCount = OrderCount,
            HistoryCount = HistoryCount,
            EventSeq = EventSeq,
            Version = Version,
            ETag = ETag,
        };
        copy._lanes = _lanes.Select(l => l.Clone()).ToList();
        return copy;
    }

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

    /// <summary>A new campaign: every item's stock in the pool.</summary>
    public void FillPool()
    {
        foreach (var item in Items)
        {
            Pool[Buckets.Item(item.ItemId)] = item.Stock;
        }
    }
}
