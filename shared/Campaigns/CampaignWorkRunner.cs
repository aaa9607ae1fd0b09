using Microsoft.Extensions.Logging;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// Fan-out work on one campaign, in idempotent chunks through its desk: cancelling every order of a cancelled
/// campaign, the parts of the 成团 evaluation after close (the lifecycle orchestration fans the chunks out), and member
/// notifications. Re-running any of it (a redelivered message, an activity run again after a crash) redoes only what
/// is not done yet.
/// </summary>
public sealed class CampaignWorkRunner(ITableStore tables, CampaignDesks desks, Crm.CrmTargeting targeting, ILogger<CampaignWorkRunner> logger)
{
    public const int EvaluationChunk = 24;
    public const int NotificationChunk = 90;

    public async Task CancelOrdersAsync(string campaignId, CancellationToken ct)
    {
        var cancelled = 0;
        foreach (var chunk in (await PlacedOrderIdsAsync(campaignId, ct)).Chunk(500))
        {
            await Task.WhenAll(chunk.Select(id => desks.SubmitAsync(campaignId, new CancelOrderCommand { OrderId = id, Reason = "campaign-cancelled" })));
            cancelled += chunk.Length;
        }

        logger.LogInformation("Campaign {CampaignId}: {Count} orders cancelled with the campaign", campaignId, cancelled);
    }

    /// <summary>The most placed orders one 成团 evaluation pass lists (the rest wait for the next pass).</summary>
    public const int EvaluationPass = 2000;

    /// <summary>
    /// The lifecycle's notification kinds (API.md "Lifecycle"): who hears each and what they read. One notification per
    /// member and kind: event ids are stable per member and kind, and the last chunk marks the kind done.
    /// </summary>
    public static readonly IReadOnlyList<string> LifecycleNotifications = ["preview", "live-reminder", "pickup-reminder", "survey"];

    /// <summary>成团 evaluation, first part: placed orders still waiting for their outcome (at most <paramref name="max"/>).</summary>
    public async Task<IReadOnlyList<string>> PlacedOrderIdsAsync(string campaignId, int max, CancellationToken ct) =>
        (await PlacedOrderIdsAsync(campaignId, ct)).Take(max).ToList();

    /// <summary>成团 evaluation of one chunk; answers how many orders got their outcome now (0 when all had one already, or the campaign is not closed).</summary>
    public Task<int> EvaluateOrdersAsync(string campaignId, IReadOnlyList<string> orderIds) =>
        desks.SubmitAsync(campaignId, new EvaluateOrdersCommand { OrderIds = orderIds });

    /// <summary>成团 evaluation, last part: the campaign records it finished and moves to fulfilling.</summary>
    public async Task<Campaign> FinishEvaluationAsync(string campaignId, string cause = "timer")
    {
        var campaign = await desks.SubmitAsync(campaignId, new FinishEvaluationCommand());
        logger.LogInformation("Campaign {CampaignId}: 成团 evaluated ({Confirmed} confirmed)", campaignId, campaign.Confirmed);
        if (campaign.Phase == CampaignPhase.Closed)
        {
            campaign = (await desks.SubmitAsync(campaignId, new TransitionCommand { Action = "fulfil", Cause = cause })).Campaign;
        }

        return campaign;
    }

    /// <summary>
    /// The whole 成团 evaluation now, for a person's <c>fulfil</c> of a closed campaign (API.md: it answers once the
    /// evaluation has finished). The same idempotent chunks the orchestration runs, so both may run at once: each order
    /// gets its outcome once and the campaign finishes once.
    /// </summary>
    public async Task<Campaign> EvaluateNowAsync(string campaignId, string cause, CancellationToken ct)
    {
        while (true)
        {
            var placed = await PlacedOrderIdsAsync(campaignId, EvaluationPass, ct);
            if (placed.Count == 0)
            {
                break;
            }

            var evaluated = 0;
            foreach (var wave in placed.Chunk(EvaluationChunk).Chunk(8))
            {
                evaluated += (await Task.WhenAll(wave.Select(chunk => EvaluateOrdersAsync(campaignId, chunk)))).Sum();
            }

            if (evaluated == 0)
            {
                break; // listed but settled meanwhile (the orchestration got there): nothing left for us
            }
        }

        return await FinishEvaluationAsync(campaignId, cause);
    }

    /// <summary>Sends one of the <see cref="LifecycleNotifications"/>.</summary>
    public Task NotifyAsync(string campaignId, string kind, CancellationToken ct) => kind switch
    {
        "preview" or "live-reminder" => NotifyReservedAsync(campaignId, kind, ct),
        "pickup-reminder" => RemindPickupAsync(campaignId, ct),
        "survey" => NotifyBuyersAsync(campaignId, kind, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a lifecycle notification."),
    };

    private Task NotifyReservedAsync(string campaignId, string kind, CancellationToken ct) =>
        NotifyAsync(campaignId, kind, kind == "preview" ? PreviewRecipientsAsync(campaignId, ct) : ReservedAsync(campaignId, ct), marksPickupReminder: false, ct, marksDone: kind);

    /// <summary>
    /// The preview goes to those who reserved and to the members whose CRM tags the campaign targets, once per member
    /// (a member in both lists is one recipient).
    /// </summary>
    private async Task<List<(string MemberId, string? OrderId)>> PreviewRecipientsAsync(string campaignId, CancellationToken ct)
    {
        var reserved = await ReservedAsync(campaignId, ct);
        var targeted = await targeting.PreviewAudienceAsync(campaignId, ct);
        var seen = reserved.Select(r => r.MemberId).ToHashSet(StringComparer.Ordinal);
        reserved.AddRange(targeted.Where(seen.Add).Select(m => (m, (string?)null)));
        return reserved;
    }

    private Task NotifyBuyersAsync(string campaignId, string kind, CancellationToken ct) =>
        NotifyAsync(campaignId, kind, OrdersAsync(campaignId, o => o.Status is OrderStatus.Confirmed or OrderStatus.PickedUp or OrderStatus.Delivered or OrderStatus.Dispatched, ct),
            marksPickupReminder: false, ct, marksDone: kind);

    /// <summary>Records a one-off as done (e.g. the report) so the lifecycle stops asking for it.</summary>
    public Task MarkDoneAsync(string campaignId, string what, CancellationToken ct) =>
        desks.SubmitAsync(campaignId, new NotifyMembersCommand { Kind = what, Recipients = [], MarksDone = what });

    /// <summary>Reminds members with a confirmed pickup order not yet picked up; marks the campaign when done.</summary>
    private Task RemindPickupAsync(string campaignId, CancellationToken ct) =>
        NotifyAsync(campaignId, "pickup-reminder",
            OrdersAsync(campaignId, o => o.Status == OrderStatus.Confirmed && o.Fulfilment == Fulfilment.Pickup, ct), marksPickupReminder: true, ct);

    private async Task NotifyAsync(string campaignId, string kind, Task<List<(string MemberId, string? OrderId)>> recipientsTask, bool marksPickupReminder, CancellationToken ct, string? marksDone = null)
    {
        var recipients = await recipientsTask;
        var chunks = recipients.Chunk(NotificationChunk).ToList();
        if (chunks.Count == 0 && (marksPickupReminder || marksDone is not null))
        {
            chunks.Add([]);
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            // The last chunk carries the "done" mark: a restart before it repeats earlier ones (same event ids), never skips.
            var last = i == chunks.Count - 1;
            await desks.SubmitAsync(campaignId, new NotifyMembersCommand
            {
                Kind = kind, Recipients = chunks[i], MarksPickupReminder = marksPickupReminder && last, MarksDone = last ? marksDone : null,
            });
        }

        logger.LogInformation("Campaign {CampaignId}: {Kind} sent to {Count} members", campaignId, kind, recipients.Count);
    }

    private async Task<List<string>> PlacedOrderIdsAsync(string campaignId, CancellationToken ct) =>
        await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId,
                TableFilter.And(TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix), TableFilter.Equal("Status", "placed"))) with { Select = ["OrderId"] }, ct)
            .Select(r => r.RequireString("OrderId")).ToListAsync(ct);

    private async Task<List<(string MemberId, string? OrderId)>> ReservedAsync(string campaignId, CancellationToken ct) =>
        await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.ReservationPrefix)) with { Select = ["MemberId"] }, ct)
            .Select(r => (r.RequireString("MemberId"), (string?)null)).ToListAsync(ct);

    private async Task<List<(string MemberId, string? OrderId)>> OrdersAsync(string campaignId, Func<Order, bool> which, CancellationToken ct) =>
        await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)), ct)
            .Select(CampaignTables.ToOrder).Where(which).Select(o => (o.MemberId, (string?)o.OrderId)).ToListAsync(ct);
}
