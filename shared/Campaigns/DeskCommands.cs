namespace ServerlessCommerce.Campaigns;

/// <summary>A change to one campaign, handed to its <see cref="CampaignDesk"/>, answered when committed or refused.</summary>
public abstract class DeskCommand
{
    internal abstract void Fail(Exception error);
}

/// <summary>A command with a typed answer.</summary>
public abstract class DeskCommand<TResult> : DeskCommand
{
    private readonly TaskCompletionSource<TResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Completion => _done.Task;

    internal void Complete(TResult result) => _done.TrySetResult(result);

    internal override void Fail(Exception error) => _done.TrySetException(error);
}

/// <summary>What a member asks for in one order line, and the unit price she saw (when the client says).</summary>
public sealed record RequestedLine(string ItemId, int Quantity, long? ExpectedUnitPriceFen = null);

/// <summary>The answer to an order: the order, and whether an earlier request with the same key had already made it.</summary>
public sealed record OrderOutcome(Order Order, bool Replayed);

/// <summary>Place an order (接龙): stock, the member's tally, the order and its event move together.</summary>
public sealed class PlaceOrderCommand : DeskCommand<OrderOutcome>
{
    public required string OrderId { get; init; }

    public required string MemberId { get; init; }

    public required string MemberName { get; init; }

    public required string MaskedPhone { get; init; }

    public required IReadOnlyList<RequestedLine> Lines { get; init; }

    public required Fulfilment Fulfilment { get; init; }

    public string? Address { get; init; }

    public required string RequestHash { get; init; }

    /// <summary>The member's level grants 会员价 (<see cref="IMemberPricing"/>, asked before the desk).</summary>
    public bool MemberPrice { get; init; }

    /// <summary>Points to pay part of it with, and the chain's rate and cap (checked against the priced total in the round).</summary>
    public PointsPayment? Points { get; init; }
}

/// <summary>Cancel an order before close, returning its stock exactly once. By its member, or by the campaign's cancellation.</summary>
public sealed class CancelOrderCommand : DeskCommand<Order>
{
    public required string OrderId { get; init; }

    /// <summary>The member who must own the order, or null when the system cancels (campaign cancelled).</summary>
    public string? MemberId { get; init; }

    public required string Reason { get; init; }
}

/// <summary>Reserve (预约) the campaign; true when this created the reservation.</summary>
public sealed class ReserveCommand : DeskCommand<bool>
{
    public required string MemberId { get; init; }
}

/// <summary>A lifecycle action, by a person (<c>leader:&lt;id&gt;</c>) or the system (<c>timer</c>, <c>sweeper</c>, <c>soldOut</c>).</summary>
public sealed class TransitionCommand : DeskCommand<(Campaign Campaign, Transition Transition)>
{
    public required string Action { get; init; }

    public required string Cause { get; init; }

    /// <summary>截单 when sold out: closes only if no item has a unit left anywhere (checked with the close, on every lane).</summary>
    public bool OnlyIfSoldOut { get; init; }
}

/// <summary>Pin an item: the live room shows it (with its traceability) until another is pinned.</summary>
public sealed class PinItemCommand : DeskCommand<Campaign>
{
    public required string ItemId { get; init; }
}

/// <summary>Start a flash sale on an item of a live campaign.</summary>
public sealed class StartFlashSaleCommand : DeskCommand<FlashSale>
{
    public required string FlashSaleId { get; init; }

    public required string ItemId { get; init; }

    public required int Quantity { get; init; }

    public required long PriceFen { get; init; }

    public required int DurationSeconds { get; init; }

    public int FirstNGift { get; init; }

    public string? GiftName { get; init; }
}

/// <summary>补货: more units of an item of a live campaign; the same <see cref="RestockId"/> again changes nothing.</summary>
public sealed class RestockItemCommand : DeskCommand<Restock>
{
    public required string RestockId { get; init; }

    public required string ItemId { get; init; }

    public required int Quantity { get; init; }
}

/// <summary>End a flash sale (its timer, its quota sold out, or the leader). Ending an ended one changes nothing.</summary>
public sealed class EndFlashSaleCommand : DeskCommand<FlashSale?>
{
    public required string FlashSaleId { get; init; }
}

/// <summary>成团 evaluation of some placed orders after close: lines of items that reached their minimum are confirmed (with a pickup code), the rest cancelled.</summary>
public sealed class EvaluateOrdersCommand : DeskCommand<int>
{
    public required IReadOnlyList<string> OrderIds { get; init; }
}

/// <summary>Marks the 成团 evaluation finished (every order has its outcome).</summary>
public sealed class FinishEvaluationCommand : DeskCommand<Campaign>
{
}

/// <summary>What happens to a confirmed order at the end: picked up (with its code), dispatched, or delivered.</summary>
public sealed class FulfilOrderCommand : DeskCommand<Order>
{
    public required string OrderId { get; init; }

    public required OrderStatus To { get; init; }

    /// <summary>For pickups: the code the member shows; must match.</summary>
    public string? PickupCode { get; init; }
}

/// <summary>Tells members something (preview, live reminder, result, pickup reminder, survey invitation) through the outbox.</summary>
public sealed class NotifyMembersCommand : DeskCommand<int>
{
    public required string Kind { get; init; }

    public required IReadOnlyList<(string MemberId, string? OrderId)> Recipients { get; init; }

    /// <summary>Record on the campaign that the pickup reminder went out.</summary>
    public bool MarksPickupReminder { get; init; }

    /// <summary>Record on the campaign that this one-off is done (so the lifecycle stops asking for it).</summary>
    public string? MarksDone { get; init; }
}
