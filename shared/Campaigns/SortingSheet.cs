namespace ServerlessCommerce.Campaigns;

/// <summary>One neighbour's bag on the sorting sheet: her confirmed pickup items, summed across her orders.</summary>
public sealed record SortingBag(string MemberId, string MemberName, string MaskedPhone, IReadOnlyList<SortingLine> Lines)
{
    /// <summary>The last four digits of her phone (what a neighbour says at the counter), or empty when unknown.</summary>
    public string PhoneTail => MaskedPhone.Length >= 4 && MaskedPhone[^4..].All(char.IsAsciiDigit) ? MaskedPhone[^4..] : string.Empty;
}

/// <summary>An item and how many of it.</summary>
public sealed record SortingLine(string ItemId, string Name, int Quantity);

/// <summary>A shelf: a run of bags, printed on its own page.</summary>
public sealed record SortingShelf(string Label, IReadOnlyList<SortingBag> Bags);

/// <summary>
/// The printable 分拣/配货单: what to pack for each neighbour whose pickup orders are confirmed and not yet handed over,
/// with the totals per item to take from stock. Bags are ordered by phone tail, the words a neighbour says at the
/// counter, and cut into shelves of at most <see cref="ShelfSize"/> so one printed page is one shelf.
/// </summary>
public sealed record SortingSheet(string CampaignId, string Title, DateTimeOffset PickupUntil, IReadOnlyList<SortingLine> Totals, IReadOnlyList<SortingShelf> Shelves)
{
    public const int ShelfSize = 20;

    public int BagCount => Shelves.Sum(s => s.Bags.Count);

    public static SortingSheet From(Campaign campaign, IEnumerable<Order> orders)
    {
        var bags = orders
            .Where(o => o.Fulfilment == Fulfilment.Pickup && o.Status == OrderStatus.Confirmed)
            .GroupBy(o => o.MemberId, StringComparer.Ordinal)
            .Select(member =>
            {
                var first = member.OrderBy(o => o.CreatedAt).First();
                return new SortingBag(member.Key, first.MemberName, first.MaskedPhone, SumLines(member.SelectMany(o => o.Lines)));
            })
            .Where(b => b.Lines.Count > 0)
            .OrderBy(b => b.PhoneTail, StringComparer.Ordinal).ThenBy(b => b.MemberName, StringComparer.Ordinal).ThenBy(b => b.MemberId, StringComparer.Ordinal)
            .ToList();
        var shelves = bags.Chunk(ShelfSize).Select((chunk, i) => new SortingShelf(ShelfLabel(i), chunk)).ToList();
        return new SortingSheet(campaign.CampaignId, campaign.Title, campaign.Schedule.PickupUntil, SumLines(bags.SelectMany(b => b.Lines)), shelves);
    }

    /// <summary>Confirmed lines only (a confirmed order may carry lines whose item missed its group), summed per item; gifts count too, they go in the bag.</summary>
    private static List<SortingLine> SumLines(IEnumerable<OrderLine> lines) =>
        lines.Where(l => l.Status == OrderStatus.Confirmed).GroupBy(l => l.ItemId, StringComparer.Ordinal)
            .Select(g => new SortingLine(g.Key, g.First().Name, g.Sum(l => l.Quantity))).OrderBy(l => l.Name, StringComparer.Ordinal).ToList();

    private static List<SortingLine> SumLines(IEnumerable<SortingLine> lines) =>
        lines.GroupBy(l => l.ItemId, StringComparer.Ordinal).Select(g => new SortingLine(g.Key, g.First().Name, g.Sum(l => l.Quantity)))
            .OrderBy(l => l.Name, StringComparer.Ordinal).ToList();

    /// <summary>A, B, … Z, then AA, AB, …: short enough to write on a shelf.</summary>
    private static string ShelfLabel(int index) =>
        index < 26 ? ((char)('A' + index)).ToString() : ShelfLabel((index / 26) - 1) + (char)('A' + (index % 26));
}
