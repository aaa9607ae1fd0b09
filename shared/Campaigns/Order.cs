namespace ServerlessCommerce.Campaigns;

/// <summary>Status of an order line and (derived) of an order. Wire names are camelCase.</summary>
public enum OrderStatus
{
    Placed,
    Confirmed,
    Cancelled,
    PickedUp,
    Dispatched,
    Delivered,
}

public enum Fulfilment
{
    Pickup,
    Delivery,
}

/// <summary>One line of an order: an item, a quantity at the price that applied, and its own status.</summary>
public sealed class OrderLine
{
    public required string ItemId { get; init; }

    public required string ProductId { get; init; }

    public required string Name { get; init; }

    public required int Quantity { get; init; }

    public required long UnitPriceFen { get; init; }

    public OrderStatus Status { get; set; } = OrderStatus.Placed;

    public string? CancelReason { get; set; }

    /// <summary>The flash sale whose price this line got, if any.</summary>
    public string? FlashSaleId { get; init; }

    /// <summary>Among the first orders of a flash sale: a gift comes with it.</summary>
    public bool Gift { get; init; }

    /// <summary>What the gift is (the flash sale's <c>giftName</c>), when the line has one.</summary>
    public string? GiftName { get; init; }

    /// <summary>Priced at the item's 会员价 (the member's level grants it).</summary>
    public bool MemberPrice { get; init; }

    public long TotalFen => UnitPriceFen * Quantity;

    /// <summary>
    /// Approved after-sale refunds of this line (README "After-sale"), one entry per request: the quantity stays what was
    /// bought (成团 counted it), the refunds say how much of it was given back. Never changed in place: a refund replaces
    /// the list.
    /// </summary>
    public IReadOnlyList<LineRefund>? Refunds { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public int RefundedQuantity => Refunds?.Sum(r => r.Quantity) ?? 0;

    [System.Text.Json.Serialization.JsonIgnore]
    public long RefundedFen => Refunds?.Sum(r => r.AmountFen) ?? 0;

    public OrderLine Copy() => (OrderLine)MemberwiseClone();
}

/// <summary>
/// One approved after-sale refund of an order line: the request, the units and the amount, and the order's refunded
/// total before it (so the points reversal of each refund is computed the same on every retry).
/// </summary>
public sealed record LineRefund(string RequestId, int Quantity, long AmountFen, long OrderRefundedBeforeFen, DateTimeOffset At);

/// <summary>A member's order in a campaign (接龙 line). Its id is derived from the member and their idempotency key.</summary>
public sealed class Order
{
    public required string OrderId { get; init; }

    public required string CampaignId { get; init; }

    public required string ChainId { get; init; }

    public required string StoreId { get; init; }

    public required string MemberId { get; init; }

    public required string MemberName { get; init; }

    public required string MaskedPhone { get; init; }

    public required List<OrderLine> Lines { get; init; }

    public required Fulfilment Fulfilment { get; init; }

    public string? Address { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>Order-level status, kept for the fulfilment states; otherwise derived from the lines.</summary>
    public OrderStatus? FulfilmentStatus { get; set; }

    /// <summary>The code its member shows at the counter (提货码); set for confirmed pickup orders.</summary>
    public string? PickupCode { get; set; }

    /// <summary>When it was picked up or delivered.</summary>
    public DateTimeOffset? FulfilledAt { get; set; }

    /// <summary>A hash of what was asked, to tell an idempotent retry from a different order under the same key.</summary>
    public required string RequestHash { get; init; }

    public string? ETag { get; set; }

    /// <summary>Points that paid part of the order (积分抵扣) when placed; 0 for none.</summary>
    public int PointsUsed { get; init; }

    /// <summary>What those points took off, in fen (the chain's rate when placed).</summary>
    public long PointsDiscountFen { get; init; }

    /// <summary>
    /// API.md "Orders and 成团": <c>cancelled</c> when every line is; <c>confirmed</c> when any line is (unless a
    /// fulfilment status moved on); otherwise <c>placed</c>.
    /// </summary>
    public OrderStatus Status => Lines.All(l => l.Status == OrderStatus.Cancelled)
        ? OrderStatus.Cancelled
        : FulfilmentStatus ?? (Lines.Any(l => l.Status == OrderStatus.Confirmed) ? OrderStatus.Confirmed : OrderStatus.Placed);

    /// <summary>Placed lines before close; confirmed lines after (cancelled lines never count).</summary>
    public long TotalFen => Lines.Any(l => l.Status == OrderStatus.Confirmed)
        ? Lines.Where(l => l.Status == OrderStatus.Confirmed).Sum(l => l.TotalFen)
        : Lines.Where(l => l.Status != OrderStatus.Cancelled).Sum(l => l.TotalFen);

    /// <summary>What approved after-sale refunds gave back, over every line (never more than <see cref="TotalFen"/>).</summary>
    public long RefundedFen => Lines.Sum(l => l.RefundedFen);

    /// <summary>A copy to change (lines copied too).</summary>
    public Order Copy()
    {
        return new Order
        {
            OrderId = OrderId, CampaignId = CampaignId, ChainId = ChainId, StoreId = StoreId, MemberId = MemberId, MemberName = MemberName,
            MaskedPhone = MaskedPhone, Lines = Lines.Select(l => l.Copy()).ToList(), Fulfilment = Fulfilment, Address = Address, CreatedAt = CreatedAt,
            CancelledAt = CancelledAt, FulfilmentStatus = FulfilmentStatus, PickupCode = PickupCode, FulfilledAt = FulfilledAt, RequestHash = RequestHash, ETag = ETag,
            PointsUsed = PointsUsed, PointsDiscountFen = PointsDiscountFen,
        };
    }

    public static string Wire(OrderStatus status) => status switch
    {
        OrderStatus.PickedUp => "pickedUp",
        _ => status.ToString().ToLowerInvariant(),
    };
}

/// <summary>How much of each item one member holds in a campaign (active lines only): the per-member limit's ledger.</summary>
public sealed class MemberTally
{
    public required string MemberId { get; init; }

    public Dictionary<string, int> Quantities { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Null when the row does not exist yet (the first order inserts it).</summary>
    public string? ETag { get; set; }

    public int Of(string itemId) => Quantities.GetValueOrDefault(itemId);

    public MemberTally Clone() => new() { MemberId = MemberId, Quantities = new(Quantities, StringComparer.Ordinal), ETag = ETag };
}
