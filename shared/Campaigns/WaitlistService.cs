using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Campaigns;

/// <summary>One of a member's places in a campaign's waitlists (候补): waiting at a position, or with an open claim until a time.</summary>
public sealed record WaitlistPlace(string CampaignId, string ItemId, string ItemName, int Quantity, string Status, int Position, DateTimeOffset JoinedAt, DateTimeOffset? ClaimUntil);

/// <summary>One place in an item's line as staff see it (masked name only).</summary>
public sealed record WaitlistQueueEntry(int Position, string MaskedName, int Quantity, string Status, DateTimeOffset JoinedAt, DateTimeOffset? ClaimUntil);

/// <summary>An item's waitlist for staff: how many wait, how many claims are open, the units they hold, and the line.</summary>
public sealed record WaitlistItemQueue(string ItemId, string Name, int Remaining, int Waiting, int Claims, int Held, IReadOnlyList<WaitlistQueueEntry> Queue);

/// <summary>
/// The waitlist (候补) of sold-out items: members join and leave through the campaign's desk (the waitlist lives on the
/// campaign row, its claims' units in the pool's hold), and the desk promotes the first in line whenever units come
/// back — in the same round as a cancellation or a 补货, and on a claim's timer.
/// </summary>
public sealed class WaitlistService(CampaignDesks desks, CampaignService campaigns, TimeProvider clock, ILogger<WaitlistService> logger)
{
    /// <summary>Joins the item's waitlist (member). Created is false when she already had a place (answered unchanged).</summary>
    public async Task<(WaitlistPlace Place, bool Created)> JoinAsync(Caller caller, string campaignId, string itemId, int? quantity, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        CheckItemId(itemId);
        var joined = await desks.SubmitAsync(campaignId, new JoinWaitlistCommand { ItemId = itemId, MemberId = caller.MemberId!, MemberName = caller.Name ?? string.Empty, Quantity = quantity ?? 1 });
        if (joined.Created)
        {
            // She joined on the lanes this desk read; a unit another instance got back meanwhile reaches her now.
            await PromoteQuietlyAsync(campaignId, itemId);
        }

        var campaign = await campaigns.GetAsync(campaignId, ct);
        var entry = campaign.WaitlistEntryOf(itemId, caller.MemberId!);
        return (entry is null ? ToPlace(campaign, joined.Entry, joined.Position) : ToPlace(campaign, entry, campaign.PositionOf(entry)), joined.Created);
    }

    /// <summary>Leaves the item's waitlist (member); an open claim passes to the next in line. Leaving twice changes nothing.</summary>
    public async Task LeaveAsync(Caller caller, string campaignId, string itemId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        CheckItemId(itemId);
        await desks.SubmitAsync(campaignId, new LeaveWaitlistCommand { ItemId = itemId, MemberId = caller.MemberId! });
    }

    /// <summary>The member's places in the campaign's waitlists, with open claims and their end.</summary>
    public async Task<IReadOnlyList<WaitlistPlace>> MineAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var campaign = await CurrentAsync(await campaigns.GetAsync(campaignId, ct), ct);
        return campaign.Waitlist.Where(w => w.MemberId == caller.MemberId).Select(w => ToPlace(campaign, w, campaign.PositionOf(w))).ToList();
    }

    /// <summary>Every item's waitlist (leader of the store, chain admin): counts and the line with masked names.</summary>
    public async Task<IReadOnlyList<WaitlistItemQueue>> QueueAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        var campaign = await CurrentAsync(await campaigns.GetForStaffAsync(caller, campaignId, ct), ct);
        return campaign.Items.Select(item =>
        {
            var line = campaign.Waitlist.Where(w => w.ItemId == item.ItemId).ToList();
            return new WaitlistItemQueue(item.ItemId, item.Name, item.Remaining, line.Count(w => w.ClaimUntil is null), line.Count(w => w.ClaimUntil is not null), campaign.HeldOf(item.ItemId),
                line.Select(w => new WaitlistQueueEntry(campaign.PositionOf(w), w.MaskedName, w.Quantity, w.ClaimUntil is null ? "waiting" : "claimed", w.JoinedAt, w.ClaimUntil)).ToList());
        }).ToList();
    }

    /// <summary>The campaign with claims past their time ended (lazily: a lost timer message only delays the hand-on).</summary>
    private async Task<Campaign> CurrentAsync(Campaign campaign, CancellationToken ct)
    {
        var overdue = campaign.ItemsWithOverdueClaims(clock.GetUtcNow());
        if (overdue.Count == 0)
        {
            return campaign;
        }

        foreach (var itemId in overdue)
        {
            await PromoteQuietlyAsync(campaign.CampaignId, itemId);
        }

        return await campaigns.GetAsync(campaign.CampaignId, ct);
    }

    private async Task PromoteQuietlyAsync(string campaignId, string itemId)
    {
        try
        {
            await desks.SubmitAsync(campaignId, new PromoteWaitlistCommand { ItemId = itemId });
        }
        catch (AppProblem problem) when (problem.Code == "busy")
        {
            logger.LogInformation("Campaign {CampaignId}: waitlist of {ItemId} not promoted now (busy); the next operation does it", campaignId, itemId);
        }
    }

    private static void CheckItemId(string itemId)
    {
        if (string.IsNullOrWhiteSpace(itemId) || itemId.Length > 40)
        {
            throw AppProblem.Validation("itemId", "itemId names an item of the campaign.");
        }
    }

    private static WaitlistPlace ToPlace(Campaign campaign, WaitlistEntry w, int position) =>
        new(campaign.CampaignId, w.ItemId, campaign.FindItem(w.ItemId)?.Name ?? w.ItemId, w.Quantity, w.ClaimUntil is null ? "waiting" : "claimed", position, w.JoinedAt, w.ClaimUntil);
}
