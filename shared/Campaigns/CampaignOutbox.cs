using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// Publishes a campaign's outbox. Events are written in the same transaction as the change they describe (an order,
/// a cancellation, a phase change), so none is lost; this moves them out — to Event Grid and the chain's event log —
/// in order, then advances a watermark. At least once: a crash before the watermark moves publishes again, and event
/// ids are stable so consumers (and our log) keep one.
/// </summary>
public sealed class CampaignOutbox(ITableStore tables, IEventPublisher publisher, EventLog log, ServerlessCommerce.LiveRoom.ILiveRoomTransport live, ILogger<CampaignOutbox> logger)
{
    public const string QueueName = "campaign-outbox";
    private const int PageSize = 100; // rows; a packed row holds a round's events (up to ~100)

    /// <summary>Publishes everything past the watermark; returns how many events went out.</summary>
    public async Task<int> DispatchAsync(string campaignId, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var outbox = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow, cancellationToken: ct);
            var watermark = outbox?.GetInt64("PublishedSeq") ?? 0;
            var page = await tables.QueryPageAsync(CampaignTables.Campaigns, new TableQuery(TableFilter.And(
                TableFilter.Equal("PartitionKey", campaignId),
                TableFilter.Compare("RowKey", "gt", CampaignTables.EventRow(watermark)),
                TableFilter.Compare("RowKey", "lt", CampaignTables.EventPrefix + "~")), Top: PageSize), cancellationToken: ct);
            if (page.Entities.Count == 0)
            {
                return total;
            }

            var events = page.Entities.SelectMany(CampaignTables.ToEvents).ToList();
            await publisher.PublishAsync(events, ct);
            await PushNotificationsAsync(campaignId, events);
            await log.RecordAllAsync(events, ct);

            var last = long.Parse(page.Entities[^1].RowKey[CampaignTables.EventPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
            var row = new TableEntity(campaignId, CampaignTables.OutboxRow) { ["PublishedSeq"] = last };
            try
            {
                if (outbox is null)
                {
                    await tables.InsertAsync(CampaignTables.Campaigns, row, ct);
                }
                else
                {
                    await tables.UpdateAsync(CampaignTables.Campaigns, row, TableUpdateMode.Replace, outbox.ETag!, ct);
                }
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageConflictException)
            {
                // Another dispatcher moved the watermark meanwhile; it owns the rest.
                logger.LogDebug("Outbox of {CampaignId}: another dispatcher advanced the watermark", campaignId);
                return total + events.Count;
            }

            total += events.Count;
            logger.LogDebug("Outbox of {CampaignId}: published {Count} events up to {Seq}", campaignId, events.Count, last);
        }
    }

    /// <summary>
    /// Notifications also reach the member's open live-room connections (the "live room" side of the notification
    /// port); external senders (SMS, WeChat) subscribe to the published events. Best effort: the outbox is the record.
    /// </summary>
    private async Task PushNotificationsAsync(string campaignId, IReadOnlyList<DomainEvent> events)
    {
        // Handovers (picked up, dispatched, delivered) also reach the member's page, so it moves on without polling.
        foreach (var e in events.Where(e => e.Type.StartsWith("notification.", StringComparison.Ordinal)
            || e.Type is "order.pickedUp" or "order.dispatched" or "order.delivered"))
        {
            try
            {
                var memberId = e.Data.GetProperty("memberId").GetString();
                await live.SendToUserAsync($"{memberId}@{campaignId}", "notification", e.Data, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogDebug(ex, "Notification {EventId} not pushed live", e.Id);
            }
        }
    }

    /// <summary>How far the outbox lags: events written but not yet published.</summary>
    public async Task<long> LagAsync(string campaignId, CancellationToken ct)
    {
        var campaign = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, ["EventSeq"], ct);
        var outbox = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow, cancellationToken: ct);
        return (campaign?.GetInt64("EventSeq") ?? 0) - (outbox?.GetInt64("PublishedSeq") ?? 0);
    }
}

/// <summary>
/// What follows a committed round, off the request path: wake the outbox (at most one wake-up in flight per campaign),
/// keep the campaign list's phase current, tell the lifecycle orchestration to re-plan, and start the order
/// cancellation when a campaign is cancelled.
/// </summary>
public sealed class CampaignCommitEffects(IQueueStore queues, ITableStore tables, ServerlessCommerce.LiveRoom.LiveRoomBroadcaster live, LifecycleReplans lifecycle, TimeProvider clock, ILogger<CampaignCommitEffects> logger) : ICampaignCommitObserver
{
    public const string WorkQueueName = "campaign-work";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _wakeInFlight = new(StringComparer.Ordinal);

    public async Task OnCommittedAsync(CommittedRound round, CancellationToken cancellationToken)
    {
        var campaign = round.Campaign;
        var tasks = new List<Task> { live.PublishAsync(round, cancellationToken) };
        foreach (var flash in round.FlashSalesStarted)
        {
            // Durable end: the message survives restarts; pricing also checks the end time, so a late message is harmless.
            var delay = flash.EndsAt - clock.GetUtcNow();
            tasks.Add(queues.SendAsync(WorkQueueName, JsonSerializer.Serialize(new CampaignWork(campaign.CampaignId, CampaignWork.EndFlashSale, flash.FlashSaleId), JsonSerializerOptions.Web),
                delay > TimeSpan.Zero ? delay : TimeSpan.Zero, cancellationToken: cancellationToken));
        }

        if (round.HasEvents && _wakeInFlight.TryAdd(campaign.CampaignId, 0))
        {
            // Every round committed while this wake-up is in flight is already in storage when the dispatcher reads.
            tasks.Add(WakeOutboxAsync(campaign.CampaignId, cancellationToken));
        }

        if (campaign.Phase == CampaignPhase.Live && round.PlacedOrders.Count > 0 && campaign.Items.All(i => i.Remaining == 0))
        {
            // 截单 when sold out: the same transition, caused by the stock.
            tasks.Add(Work(campaign.CampaignId, CampaignWork.CloseSoldOut));
        }

        // The plan (LifecyclePlan) moves with a phase change and with the last handover (follow-up is counted from it).
        // Not with each 成团 evaluation round: the orchestration runs that step itself and plans again after it.
        if (round.Transitions.Count > 0 || (round.Fulfilments && campaign.FulfilledAt is not null))
        {
            // The orchestration decides when: tell it the phase or the schedule moved, so it re-plans (a step due now runs at once).
            tasks.Add(lifecycle.RequestAsync(campaign.CampaignId, cancellationToken));
        }

        // Notifications and the report are lifecycle steps too (activities of the orchestration): nothing to enqueue here.
        if (round.Transitions.Count > 0)
        {
            tasks.Add(tables.UpsertAsync(CampaignTables.CampaignIndex, CampaignTables.ToIndexEntity(campaign), TableUpdateMode.Merge, cancellationToken));
            if (round.Transitions.Any(t => t.To == CampaignPhase.Cancelled))
            {
                logger.LogInformation("Campaign {CampaignId} cancelled: cancelling its orders", campaign.CampaignId);
                tasks.Add(queues.SendAsync(WorkQueueName, JsonSerializer.Serialize(new CampaignWork(campaign.CampaignId, CampaignWork.CancelOrders), JsonSerializerOptions.Web), cancellationToken: cancellationToken));
            }
        }

        await Task.WhenAll(tasks);
    }

    private Task Work(string campaignId, string work) =>
        queues.SendAsync(WorkQueueName, JsonSerializer.Serialize(new CampaignWork(campaignId, work), JsonSerializerOptions.Web));

    private async Task WakeOutboxAsync(string campaignId, CancellationToken ct)
    {
        try
        {
            await queues.SendAsync(CampaignOutbox.QueueName, JsonSerializer.Serialize(new CampaignWork(campaignId, "dispatch"), JsonSerializerOptions.Web), cancellationToken: ct);
        }
        finally
        {
            _wakeInFlight.TryRemove(campaignId, out _);
        }
    }
}

/// <summary>A unit of background work on one campaign (a queue message).</summary>
public sealed record CampaignWork(string CampaignId, string Work, string? FlashSaleId = null)
{
    public const string CancelOrders = "cancel-orders";
    public const string EndFlashSale = "end-flash-sale";
    public const string CloseSoldOut = "close-sold-out";

    /// <summary>The campaign's phase or schedule changed: its lifecycle orchestration re-plans (or starts).</summary>
    public const string Replan = "replan";
}
