namespace ServerlessCommerce.Campaigns;

/// <summary>Join an item's waitlist (候补): answered with her place (unchanged when she already had one).</summary>
public sealed class JoinWaitlistCommand : DeskCommand<WaitlistJoin>
{
    public required string ItemId { get; init; }

    public required string MemberId { get; init; }

    public required string MemberName { get; init; }

    public int Quantity { get; init; } = 1;
}

/// <summary>Leave an item's waitlist; an open claim's units pass to the next in line. True when she had a place.</summary>
public sealed class LeaveWaitlistCommand : DeskCommand<bool>
{
    public required string ItemId { get; init; }

    public required string MemberId { get; init; }
}

/// <summary>
/// Promote an item's waitlist: end claims past their time, then give claims to the first in line while units exist
/// anywhere in the campaign (fetched into this instance's lane like an order's). Answers how many claims it gave.
/// Sent after a join and by a claim's timer message (a cancellation and a 补货 promote inside their own round).
/// </summary>
public sealed class PromoteWaitlistCommand : DeskCommand<int>
{
    public required string ItemId { get; init; }
}

/// <summary>The waitlist's settings for the desks (the app setting <c>WaitlistClaimSeconds</c>).</summary>
public sealed record WaitlistSettings(TimeSpan ClaimFor)
{
    public static readonly WaitlistSettings Default = new(Campaign.DefaultClaimFor);
}
