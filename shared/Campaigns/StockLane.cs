namespace ServerlessCommerce.Campaigns;

/// <summary>
/// Names of the counted things a campaign hands out: an item's units, a flash sale's quota and its gifts. Units of a
/// bucket sit either in the campaign's pool or in one of its <see cref="StockLane"/>s, never in two places.
/// </summary>
public static class Buckets
{
    public static string Item(string itemId) => itemId;

    public static string Flash(string flashSaleId) => "f:" + flashSaleId;

    public static string Gift(string flashSaleId) => "g:" + flashSaleId;

    /// <summary>An item's units held for open waitlist claims (候补); only ever in the pool, never in a lane.</summary>
    public static string Hold(string itemId) => "h:" + itemId;

    /// <summary>Not a bucket of units: the count of orders that got a flash sale's price (kept in <see cref="StockLane.Sold"/>).</summary>
    public static string FlashOrders(string flashSaleId) => "fo:" + flashSaleId;
}

/// <summary>
/// A stock slice (ARCHITECTURE.md §6): units of a campaign's buckets that one instance has claimed from the pool and
/// sells without touching the campaign row, so instances selling one campaign never replace the same row each round.
/// Its row lives in the campaign's partition (<c>s_NN</c>, at most <see cref="MaxLanes"/>) with its own ETag.
/// <list type="bullet">
/// <item>An instance owns a lane while its lease holds; every write renews it. A lane whose instance went away is taken
/// over, units and all, by the next instance that needs one.</item>
/// <item>Units move pool → lane (a claim, with the campaign row) and lane → lane (a rebalance when the pool is empty),
/// each in one transaction with If-Match on both rows, so a unit is never in two places.</item>
/// <item>An order takes units from its instance's lane; a cancellation gives them back to the lane of the instance that
/// cancels. <see cref="Sold"/> is the net sold through this lane (it may go below zero after cancellations); an item's
/// sold total is the sum over lanes, and pool + lanes' units + lanes' sold = stock, always.</item>
/// </list>
/// </summary>
public sealed class StockLane
{
    /// <summary>Lanes per campaign: more instances than this share lanes (still correct, with more retries).</summary>
    public const int MaxLanes = 32;

    /// <summary>How long an instance keeps its lane without writing to it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(20);

    public required string LaneId { get; init; }

    public string? Owner { get; set; }

    public DateTimeOffset LeaseUntil { get; set; }

    /// <summary>Unsold units held per bucket.</summary>
    public Dictionary<string, int> Units { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Net units sold through this lane per bucket (and flash-price orders under <see cref="Buckets.FlashOrders"/>).</summary>
    public Dictionary<string, int> Sold { get; init; } = new(StringComparer.Ordinal);

    public int Orders { get; set; }

    public int Reservations { get; set; }

    /// <summary>The last event numbered in this lane's event stream.</summary>
    public long EventSeq { get; set; }

    /// <summary>Bumped on every write of the row: the campaign's <c>seq</c> is the sum of its rows' versions.</summary>
    public long Version { get; set; }

    /// <summary>The campaign row's version at the last fence: a lane read with a fence newer than the campaign row read means the row moved since.</summary>
    public long Fence { get; set; }

    /// <summary>Null until the row exists.</summary>
    public string? ETag { get; set; }

    /// <summary>The event stream of this lane (event rows <c>e_{stream}_…</c>).</summary>
    public string Stream => "s" + LaneId;

    public int UnitsOf(string bucket) => Units.GetValueOrDefault(bucket);

    public int SoldOf(string bucket) => Sold.GetValueOrDefault(bucket);

    public bool IsLeased(DateTimeOffset now) => Owner is not null && LeaseUntil > now;

    internal void Add(Dictionary<string, int> counts, string bucket, int delta)
    {
        var value = counts.GetValueOrDefault(bucket) + delta;
        if (value == 0)
        {
            counts.Remove(bucket);
        }
        else
        {
            counts[bucket] = value;
        }
    }

    /// <summary>Sells <paramref name="quantity"/> units of a bucket it holds.</summary>
    internal void Sell(string bucket, int quantity)
    {
        if (UnitsOf(bucket) < quantity)
        {
            throw new InvalidOperationException($"Lane {LaneId} holds {UnitsOf(bucket)} of {bucket}, not {quantity}.");
        }

        Add(Units, bucket, -quantity);
        Add(Sold, bucket, quantity);
    }

    /// <summary>Takes back units a cancellation returns.</summary>
    internal void Return(string bucket, int quantity)
    {
        Add(Units, bucket, quantity);
        Add(Sold, bucket, -quantity);
    }

    /// <summary>Units arriving from the pool or another lane.</summary>
    public void Receive(string bucket, int quantity) => Add(Units, bucket, quantity);

    /// <summary>Units leaving for another lane.</summary>
    public void Release(string bucket, int quantity)
    {
        if (UnitsOf(bucket) < quantity)
        {
            throw new InvalidOperationException($"Lane {LaneId} holds {UnitsOf(bucket)} of {bucket}, not {quantity}.");
        }

        Add(Units, bucket, -quantity);
    }

    public StockLane Clone() => new()
    {
        LaneId = LaneId, Owner = Owner, LeaseUntil = LeaseUntil,
        Units = new(Units, StringComparer.Ordinal), Sold = new(Sold, StringComparer.Ordinal),
        Orders = Orders, Reservations = Reservations, EventSeq = EventSeq, Version = Version, Fence = Fence, ETag = ETag,
    };

    public static string IdOf(int index) => index.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// An order needs more units of some buckets than its instance's lane holds, and nobody has yet checked that the
/// campaign as a whole lacks them: the desk claims or rebalances units, then tries the order again.
/// </summary>
public sealed class StockShortage(IReadOnlyDictionary<string, int> missing) : Exception("The lane needs more units.")
{
    public IReadOnlyDictionary<string, int> Missing { get; } = missing;
}
