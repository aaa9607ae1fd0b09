using ServerlessCommerce.Common;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// A member's place in a sold-out item's waitlist (候补). While <see cref="ClaimUntil"/> is set her claim is open:
/// <see cref="Quantity"/> units are held for her in the pool under <see cref="Buckets.Hold"/> until then.
/// </summary>
public sealed class WaitlistEntry
{
    public required string ItemId { get; init; }

    public required string MemberId { get; init; }

    public required string MaskedName { get; init; }

    public required int Quantity { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    public DateTimeOffset? ClaimUntil { get; set; }

    public WaitlistEntry Clone() => (WaitlistEntry)MemberwiseClone();
}

/// <summary>The answer to joining: her entry, her place among those waiting (0 while her claim is open), and whether this joined her.</summary>
public sealed record WaitlistJoin(WaitlistEntry Entry, int Position, bool Created);

/// <summary>
/// The waitlist (候补) of the campaign's items. It lives on the campaign row, so every change to it — a place, a claim,
/// a claim used or expired — is written with If-Match on that row and never races another instance. A claim's units
/// move from general stock (the pool or the acting lane) to the item's hold bucket in the pool, where no other order
/// can take them; the claimant's order sells them; an expired claim passes them to the next in line or back to the pool.
/// Units of an item: pool + hold + lanes' units + lanes' sold = stock, always.
/// </summary>
public sealed partial class Campaign
{
    public const int MaxWaitlistPerItem = 200;
    public const int MaxWaitlistPerCampaign = 600;
    public const int MaxWaitlistQuantity = 10;

    /// <summary>How long a claim holds its units by default (the app setting <c>WaitlistClaimSeconds</c> may change it).</summary>
    public static readonly TimeSpan DefaultClaimFor = TimeSpan.FromMinutes(10);

    /// <summary>Every place, in the order members joined (per item, the first is first in line).</summary>
    public List<WaitlistEntry> Waitlist { get; init; } = [];

    /// <summary>Changes to the waitlist (or its holds) in this copy since it was made: the desk then writes the campaign row.</summary>
    public int WaitlistEdits { get; private set; }

    /// <summary>Units of an item held for open claims.</summary>
    public int HeldOf(string itemId) => Pool.GetValueOrDefault(Buckets.Hold(itemId));

    /// <summary>No units of the item left for anyone (its open claims' units count as left: their claimants may still order).</summary>
    public bool IsSoldOutForAll(string itemId) => RemainingOf(Buckets.Item(itemId)) + HeldOf(itemId) == 0;

    public WaitlistEntry? WaitlistEntryOf(string itemId, string memberId) => Waitlist.FirstOrDefault(w => w.ItemId == itemId && w.MemberId == memberId);

    /// <summary>Her place among those still waiting for the item (1 = next), 0 while her claim is open.</summary>
    public int PositionOf(WaitlistEntry entry) =>
        entry.ClaimUntil is not null ? 0 : Waitlist.Where(w => w.ItemId == entry.ItemId && w.ClaimUntil is null).TakeWhile(w => w.MemberId != entry.MemberId).Count() + 1;

    /// <summary>Items with claims past their time (checked lazily by every waitlist operation, and by the claim's own timer message).</summary>
    public IReadOnlyList<string> ItemsWithOverdueClaims(DateTimeOffset now) =>
        Waitlist.Where(w => w.ClaimUntil is { } until && until <= now).Select(w => w.ItemId).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Items whose waiting members could be served from units that are free (returned, restocked) — a promotion is due.</summary>
    public bool HasWaiting(string itemId) => Waitlist.Any(w => w.ItemId == itemId && w.ClaimUntil is null);

    /// <summary>
    /// 候补: a place in the item's line, while the campaign takes orders (preheat or live) and the item is sold out.
    /// Joining again answers her place unchanged.
    /// </summary>
    public WaitlistJoin JoinWaitlist(string itemId, string memberId, string memberName, int quantity, DateTimeOffset now)
    {
        var item = FindItem(itemId) ?? throw AppProblem.NotFound("item", itemId);
        if (WaitlistEntryOf(itemId, memberId) is { } existing)
        {
            return new WaitlistJoin(existing, PositionOf(existing), false);
        }

        if (Phase is not (CampaignPhase.Preheat or CampaignPhase.Live))
        {
            throw AppProblem.Conflict(ProblemCodes.NotLive, "Not taking orders", $"The waitlist is open while the campaign takes orders; it is {Wire(Phase)}.");
        }

        var max = Math.Min(MaxWaitlistQuantity, item.PerMemberLimit ?? MaxWaitlistQuantity);
        if (quantity < 1 || quantity > max)
        {
            throw AppProblem.Validation("quantity", $"quantity must be between 1 and {max}.");
        }

        var left = RemainingOf(Buckets.Item(itemId));
        if (left > 0)
        {
            throw AppProblem.Conflict("not-sold-out", "Not sold out", $"{item.Name} still has {left} left: order it instead of joining the waitlist.");
        }

        if (Waitlist.Count(w => w.ItemId == itemId) >= MaxWaitlistPerItem || Waitlist.Count >= MaxWaitlistPerCampaign)
        {
            throw AppProblem.Conflict("waitlist-full", "Waitlist full", $"The waitlist of {item.Name} is full ({MaxWaitlistPerItem} places per item, {MaxWaitlistPerCampaign} per campaign).");
        }

        var entry = new WaitlistEntry { ItemId = itemId, MemberId = memberId, MaskedName = ServerlessCommerce.Chains.Names.Mask(memberName), Quantity = quantity, JoinedAt = now };
        Waitlist.Add(entry);
        WaitlistEdits++;
        return new WaitlistJoin(entry, PositionOf(entry), true);
    }

    /// <summary>Leaves the item's waitlist; an open claim's units go back to the pool (the next promotion passes them on). False when she had no place.</summary>
    public bool LeaveWaitlist(string itemId, string memberId)
    {
        if (WaitlistEntryOf(itemId, memberId) is not { } entry)
        {
            return false;
        }

        Drop(entry);
        return true;
    }

    private void Drop(WaitlistEntry entry)
    {
        Waitlist.Remove(entry);
        if (entry.ClaimUntil is not null)
        {
            var hold = Buckets.Hold(entry.ItemId);
            var held = Math.Min(entry.Quantity, Pool.GetValueOrDefault(hold));
            AddToPool(hold, -held);
            AddToPool(Buckets.Item(entry.ItemId), held);
        }

        WaitlistEdits++;
    }

    private void AddToPool(string bucket, int delta)
    {
        var value = Pool.GetValueOrDefault(bucket) + delta;
        if (value == 0 && bucket.StartsWith("h:", StringComparison.Ordinal))
        {
            Pool.Remove(bucket);
        }
        else
        {
            Pool[bucket] = value;
        }
    }

    /// <summary>
    /// Promotes the item's waitlist: claims past their time end (their units back to the pool), then the first in line
    /// get claims while units are at hand — in the pool, then in <paramref name="lane"/> — in strict order (nobody
    /// jumps a member whose quantity is not yet there). With <paramref name="verified"/> (a promotion that may fetch
    /// units) a lane short of units throws <see cref="StockShortage"/> before anything changes, unless a check of the
    /// whole campaign says the units are not there; without it only units at hand are used. Claims are given only
    /// while live (orders are taken). Answers how many claims it gave.
    /// </summary>
    public int PromoteWaitlist(string itemId, StockLane? lane, IReadOnlyDictionary<string, int>? verified, TimeSpan claimFor, DateTimeOffset now)
    {
        if (FindItem(itemId) is not { } item)
        {
            return 0;
        }

        var bucket = Buckets.Item(itemId);
        var expired = Waitlist.Where(w => w.ItemId == itemId && w.ClaimUntil is { } until && until <= now).ToList();
        var atHand = Pool.GetValueOrDefault(bucket) + expired.Sum(e => Math.Min(e.Quantity, HeldOf(itemId))) + (lane?.UnitsOf(bucket) ?? 0);
        var winners = new List<WaitlistEntry>();
        var need = 0;
        foreach (var waiting in IsOrderable ? Waitlist.Where(w => w.ItemId == itemId && w.ClaimUntil is null) : [])
        {
            if (atHand - need >= waiting.Quantity)
            {
                winners.Add(waiting);
                need += waiting.Quantity;
                continue;
            }

            if (lane is not null && verified is not null && !(verified.TryGetValue(bucket, out var total) && total + atHand - lane.UnitsOf(bucket) < need + waiting.Quantity))
            {
                throw new StockShortage(new Dictionary<string, int>(StringComparer.Ordinal) { [bucket] = need + waiting.Quantity - atHand });
            }

            break;
        }

        foreach (var e in expired)
        {
            Drop(e);
        }

        foreach (var winner in winners)
        {
            var fromPool = Math.Min(winner.Quantity, Pool.GetValueOrDefault(bucket));
            AddToPool(bucket, -fromPool);
            if (winner.Quantity > fromPool)
            {
                lane!.Release(bucket, winner.Quantity - fromPool);
            }

            AddToPool(Buckets.Hold(itemId), winner.Quantity);
            winner.ClaimUntil = now + claimFor;
            WaitlistEdits++;
            Record("notification.waitlist", $"members/{winner.MemberId}", new
            {
                memberId = winner.MemberId, CampaignId, kind = "waitlist", itemId, itemName = item.Name, quantity = winner.Quantity, claimUntil = winner.ClaimUntil,
            }, occurrence: $"waitlist-{itemId}-{winner.ClaimUntil.Value.ToUnixTimeMilliseconds()}");
        }

        RecountHeld();
        return winners.Count;
    }

    /// <summary>
    /// The units of an order line that come from her open claim on the item (0 without one); the order's
    /// <see cref="UseClaim"/> then spends it.
    /// </summary>
    public int ClaimedFor(string itemId, string memberId, DateTimeOffset now) =>
        WaitlistEntryOf(itemId, memberId) is { ClaimUntil: { } until } entry && until > now ? Math.Min(entry.Quantity, HeldOf(itemId)) : 0;

    /// <summary>Her order took <paramref name="sold"/> units of her claim: they are sold from the hold; the rest of the claim goes back to the pool.</summary>
    internal void UseClaim(string itemId, string memberId, int sold, StockLane lane)
    {
        var entry = WaitlistEntryOf(itemId, memberId)!;
        var hold = Buckets.Hold(itemId);
        AddToPool(hold, -entry.Quantity);
        AddToPool(Buckets.Item(itemId), entry.Quantity - sold);
        lane.Add(lane.Sold, Buckets.Item(itemId), sold);
        Waitlist.Remove(entry);
        WaitlistEdits++;
        RecountHeld();
    }

    /// <summary>Each item's held units (its open claims), for <see cref="CampaignItem.Remaining"/>.</summary>
    private void RecountHeld()
    {
        foreach (var item in Items)
        {
            item.Held = HeldOf(item.ItemId);
        }
    }
}
