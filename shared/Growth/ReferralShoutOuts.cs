using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Growth;

/// <summary>One referrer as the live room shows them: rank, masked name and neighbours brought (never an id or a phone).</summary>
public sealed record ShoutOutReferrer(int Rank, string MaskedName, int Referred);

/// <summary>A shout-out as broadcast to the live room (event <c>shoutOut</c>).</summary>
public sealed record ShoutOut(string Kind, IReadOnlyList<ShoutOutReferrer> Referrers, DateTimeOffset At);

/// <summary>
/// The leader thanks the store's top referrers (老带新之星) in the live room: the store's referral leaderboard, masked,
/// sent to every viewer as a <c>shoutOut</c> event. One shout-out per campaign per <see cref="Gap"/>, kept in the
/// live room's table with If-Match so it holds across instances.
/// </summary>
public sealed class ReferralShoutOuts(
    GrowthService growth,
    CampaignService campaigns,
    LiveRoomBroadcaster broadcaster,
    ITableStore tables,
    TimeProvider clock,
    ILogger<ReferralShoutOuts> logger)
{
    public const int DefaultTop = 3;
    public const int MaxTop = 5;
    public const string NothingToShow = "nothing-to-show";
    public const string Kind = "referrers";

    public static readonly TimeSpan Gap = TimeSpan.FromSeconds(10);

    private const string AllowanceRow = "so_referrers";

    public async Task<ShoutOut> ThankReferrersAsync(Caller caller, string campaignId, int? top, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        if (top is < 1 or > MaxTop)
        {
            throw AppProblem.Validation("top", $"top must be between 1 and {MaxTop}.");
        }

        if (campaign.Phase is not (CampaignPhase.Preheat or CampaignPhase.Live))
        {
            throw AppProblem.Conflict(ProblemCodes.NotLive, "The live room is closed", $"Shout-outs are shown during preheat and live; the campaign is {Campaign.Wire(campaign.Phase)}.");
        }

        var board = await growth.LeaderboardAsync(caller, campaign.StoreId, top ?? DefaultTop, ct);
        if (board.Count == 0)
        {
            throw AppProblem.Conflict(NothingToShow, "Nothing to show", "No member of this store has brought a neighbour yet, so there is no referrer to thank.");
        }

        await ConsumeAllowanceAsync(campaignId, ct);
        var shoutOut = new ShoutOut(Kind, board.Select(r => new ShoutOutReferrer(r.Rank, r.MaskedName, r.Referred)).ToList(), clock.GetUtcNow());
        await broadcaster.SendAsync(campaignId, "shoutOut", new { shoutOut.Kind, shoutOut.Referrers, shoutOut.At }, ct);
        logger.LogInformation("Referrer shout-out of {Count} sent to the live room of {CampaignId}", shoutOut.Referrers.Count, campaignId);
        return shoutOut;
    }

    /// <summary>At most one shout-out per campaign per <see cref="Gap"/>: the last one's time in one row, replaced with If-Match.</summary>
    private async Task ConsumeAllowanceAsync(string campaignId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var row = await tables.GetAsync(LiveRoomService.Table, campaignId, AllowanceRow, cancellationToken: ct);
            if (row?.GetDateTimeOffset("LastAt") is { } last && now - last < Gap)
            {
                var wait = last + Gap - now;
                throw new AppProblem(ProblemCodes.RateLimited, "Slow down", $"One shout-out per {Gap.TotalSeconds:F0} s; try again in {Math.Ceiling(wait.TotalSeconds):F0} s.")
                {
                    RetryAfter = wait,
                };
            }

            var updated = new TableEntity(campaignId, AllowanceRow) { ["Kind"] = "rate", ["LastAt"] = now };
            try
            {
                if (row is null)
                {
                    await tables.InsertAsync(LiveRoomService.Table, updated, ct);
                }
                else
                {
                    await tables.UpdateAsync(LiveRoomService.Table, updated, TableUpdateMode.Replace, row.ETag!, ct);
                }

                return;
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageConflictException && attempt < 5)
            {
                // Two shout-outs raced: re-read; the other one's time now answers 429.
            }
        }
    }
}
