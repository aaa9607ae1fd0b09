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
public sealed class CampaignOutbox(ITableStore tables, IQueueStore queues, IEventPublisher publisher, EventLog log, ServerlessCommerce.LiveRoom.ILiveRoomTransport live, INotificationTexts texts, TimeProvider clock, ILogger<CampaignOutbox> logger,
    IEnumerable<ICampaignEventSubscriber>? subscribers = null)
{
    private readonly ICampaignEventSubscriber[] _subscribers = subscribers?.ToArray() ?? [];

    public const string QueueName = "campaign-outbox";
    private const int PageSize = 100; // rows; a packed row holds a round's events (up to ~100)

    /// <summary>How long a dispatcher holds a campaign's outbox without renewing it (a crashed one's lease runs out).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The <see cref="QueueName"/> message that wakes a campaign's dispatcher. <paramref name="written"/>: the highest
    /// event number per stream its sender had committed; a dispatcher that finds them all published already stops after
    /// one read (with several instances, one dispatch often publishes what their wake-ups were sent for).
    /// </summary>
    public static string WakeMessage(string campaignId, IReadOnlyDictionary<string, long>? written = null) =>
        JsonSerializer.Serialize(new CampaignWork(campaignId, "dispatch") { Written = written }, JsonSerializerOptions.Web);

    /// <summary>A lease not renewed for this long is stale: its dispatcher renews it after every page it publishes.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    // Per campaign, when this instance's retry of a stale-leased outbox comes (one retry per lease, not one per wake-up).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _retries = new(StringComparer.Ordinal);

    /// <summary>
    /// Publishes everything past the watermarks; returns how many events went out. Events come in streams — the
    /// campaign row's and one per lane — each numbered on its own and published in order; the outbox row keeps a
    /// watermark per stream. One dispatcher at a time per campaign, on any instance (a lease on the outbox row): a
    /// wake-up that finds it held leaves the work to the holder, which looks again after letting go, so nothing waits.
    /// A holder that stopped renewing its lease (storage went away under it, or its process died) looks again never:
    /// a wake-up that finds such a stale lease sends one wake-up for the moment it runs out (see <see cref="StaleAfter"/>),
    /// so its events go out then rather than at the next sweep.
    /// </summary>
    public async Task<int> DispatchAsync(string campaignId, CancellationToken ct, IReadOnlyDictionary<string, long>? written = null)
    {
        var total = 0;
        var holder = Guid.NewGuid().ToString("N");
        for (var pass = 0; pass < 5; pass++)
        {
            var (outbox, heldUntil) = await TryLeaseAsync(campaignId, holder, pass == 0 ? written : null, ct);
            if (outbox is null)
            {
                if (heldUntil is { } until && clock.GetUtcNow() - (until - Lease) >= StaleAfter)
                {
                    await RetryWhenLeaseRunsOutAsync(campaignId, until, ct);
                }

                return total; // another dispatcher holds it and will look again after letting go
            }

            var released = false;
            try
            {
                (var published, released) = await DrainAsync(campaignId, outbox, ct);
                total += published;
            }
            finally
            {
                if (!released)
                {
                    await ReleaseAsync(outbox, CancellationToken.None);
                }
            }

            // Wake-ups that came while we held the lease were left to us: look once more, now that it is let go.
            if (await LagAsync(campaignId, CampaignTables.ToWatermarks(outbox), ct) == 0)
            {
                return total;
            }
        }

        return total;
    }

    /// <summary>
    /// The outbox row, leased to this dispatcher; null when another holds a live lease (with its end, when read), took
    /// it first, or when every event up to <paramref name="unlessPublished"/> is published already.
    /// </summary>
    private async Task<(TableEntity? Outbox, DateTimeOffset? HeldUntil)> TryLeaseAsync(string campaignId, string holder, IReadOnlyDictionary<string, long>? unlessPublished, CancellationToken ct)
    {
        var row = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow, cancellationToken: ct);
        var now = clock.GetUtcNow();
        if (row?.GetDateTimeOffset("LeaseUntil") is { } until && until > now)
        {
            return (null, until);
        }

        if (unlessPublished is { Count: > 0 } && row is not null)
        {
            var watermarks = CampaignTables.ToWatermarks(row);
            if (unlessPublished.All(w => watermarks.GetValueOrDefault(w.Key) >= w.Value))
            {
                return (null, null); // what this wake-up was sent for went out with an earlier dispatch
            }
        }

        var leased = CampaignTables.ToOutboxEntity(campaignId, CampaignTables.ToWatermarks(row), row?.ETag);
        leased["LeaseOwner"] = holder;
        leased["LeaseUntil"] = now + Lease;
        try
        {
            leased.ETag = row is null
                ? await tables.InsertAsync(CampaignTables.Campaigns, leased, ct)
                : await tables.UpdateAsync(CampaignTables.Campaigns, leased, TableUpdateMode.Replace, row.ETag!, ct);
            return (leased, null);
        }
        catch (Exception ex) when (ex is ConcurrencyException or StorageConflictException)
        {
            return (null, null);
        }
    }

    /// <summary>One delayed wake-up per stale lease and instance, visible just after the lease runs out.</summary>
    private async Task RetryWhenLeaseRunsOutAsync(string campaignId, DateTimeOffset until, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_retries.TryGetValue(campaignId, out var scheduled) && scheduled >= until)
        {
            return;
        }

        _retries[campaignId] = until;
        if (_retries.Count > 10_000)
        {
            _retries.Clear(); // a bound on campaigns remembered; forgetting one costs one more wake-up
        }

        // Queue delays are whole seconds: round up, so the wake-up never comes while the lease still holds.
        var delay = TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, (until - now).TotalSeconds)) + 1);
        logger.LogWarning("Outbox of {CampaignId}: its lease was not renewed for {Seconds:F0} s; looking again in {Delay} s", campaignId, (now - (until - Lease)).TotalSeconds, delay.TotalSeconds);
        try
        {
            await queues.SendAsync(QueueName, WakeMessage(campaignId), visibilityDelay: delay, cancellationToken: ct);
        }
        catch
        {
            _retries.TryRemove(KeyValuePair.Create(campaignId, until)); // not sent: the next wake-up tries again
            throw;
        }
    }

    private async Task ReleaseAsync(TableEntity outbox, CancellationToken ct)
    {
        outbox["LeaseUntil"] = DateTimeOffset.UnixEpoch;
        try
        {
            outbox.ETag = await tables.UpdateAsync(CampaignTables.Campaigns, outbox, TableUpdateMode.Replace, outbox.ETag!, ct);
        }
        catch (Exception ex) when (ex is ConcurrencyException or StorageNotFoundException)
        {
            // Lost the lease (it ran out and another dispatcher took it): that one carries on.
        }
    }

    /// <summary>
    /// Publishes page after page while holding the lease, moving each stream's watermark (and renewing the lease) after
    /// each. The write after a page that reached every stream's head lets the lease go as well (Released): whatever
    /// came after the heads were read is the caller's next look.
    /// </summary>
    private async Task<(int Published, bool Released)> DrainAsync(string campaignId, TableEntity outbox, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var watermarks = CampaignTables.ToWatermarks(outbox);
            var heads = await HeadsAsync(campaignId, ct);
            var behind = heads.Where(h => h.Value > watermarks.GetValueOrDefault(h.Key)).Select(h => h.Key).ToList();
            if (behind.Count == 0)
            {
                return (total, false);
            }

            var events = new List<DomainEvent>();
            foreach (var stream in behind)
            {
                var (after, before) = CampaignTables.EventRange(stream, watermarks.GetValueOrDefault(stream));
                var page = await tables.QueryPageAsync(CampaignTables.Campaigns, new TableQuery(TableFilter.And(
                    TableFilter.Equal("PartitionKey", campaignId),
                    TableFilter.Compare("RowKey", "gt", after),
                    TableFilter.Compare("RowKey", "lt", before)), Top: PageSize), cancellationToken: ct);
                if (page.Entities.Count == 0)
                {
                    continue;
                }

                events.AddRange(page.Entities.SelectMany(CampaignTables.ToEvents));
                watermarks[stream] = CampaignTables.EventSeqOf(page.Entities[^1].RowKey);
            }

            if (events.Count == 0)
            {
                return (total, false); // heads ahead of rows: a transaction in flight elsewhere; its own wake-up follows
            }

            var caughtUp = heads.All(h => watermarks.GetValueOrDefault(h.Key) >= h.Value);

            await publisher.PublishAsync(events, ct);
            await PushNotificationsAsync(campaignId, events);
            await log.RecordAllAsync(events, ct);
            foreach (var subscriber in _subscribers)
            {
                // Before the watermark moves: a crash here publishes the page again, and subscribers dedupe.
                await subscriber.HandleAsync(events, ct);
            }

            var next = CampaignTables.ToOutboxEntity(campaignId, watermarks, outbox.ETag);
            next["LeaseOwner"] = outbox.GetString("LeaseOwner");
            next["LeaseUntil"] = caughtUp ? DateTimeOffset.UnixEpoch : clock.GetUtcNow() + Lease;
            try
            {
                next.ETag = await tables.UpdateAsync(CampaignTables.Campaigns, next, TableUpdateMode.Replace, outbox.ETag!, ct);
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageNotFoundException)
            {
                // The lease ran out and another dispatcher took over; it publishes from its watermark (ids are stable).
                logger.LogDebug("Outbox of {CampaignId}: the lease moved to another dispatcher", campaignId);
                return (total + events.Count, true);
            }

            foreach (var (key, value) in next.Properties)
            {
                outbox[key] = value;
            }

            outbox.ETag = next.ETag;
            total += events.Count;
            logger.LogDebug("Outbox of {CampaignId}: published {Count} events from {Streams} streams", campaignId, events.Count, behind.Count);
            if (caughtUp)
            {
                return (total, true);
            }
        }
    }

    /// <summary>The last event number of every stream: the campaign row's and each lane's.</summary>
    private async Task<Dictionary<string, long>> HeadsAsync(string campaignId, CancellationToken ct)
    {
        var heads = new Dictionary<string, long>(StringComparer.Ordinal);
        var campaign = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, ["EventSeq", "LaneIds"], ct);
        heads[CampaignTables.CampaignStream] = campaign?.GetInt64("EventSeq") ?? 0;
        var laneIds = (campaign?.GetString("LaneIds") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (var lane in await CampaignTables.ReadLanesAsync(tables, campaignId, laneIds, ct))
        {
            heads[lane.Stream] = lane.EventSeq;
        }

        return heads;
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
                var payload = System.Text.Json.Nodes.JsonNode.Parse(e.Data.GetRawText())!.AsObject();
                if (e.Type.StartsWith("notification.", StringComparison.Ordinal))
                {
                    payload["text"] = texts.Text(e.Data);
                }

                await live.SendToUserAsync($"{memberId}@{campaignId}", "notification", payload, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogDebug(ex, "Notification {EventId} not pushed live", e.Id);
            }
        }
    }

    /// <summary>How far the outbox lags: events written but not yet published, over every stream.</summary>
    public async Task<long> LagAsync(string campaignId, CancellationToken ct) =>
        await LagAsync(campaignId, CampaignTables.ToWatermarks(await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow, cancellationToken: ct)), ct);

    /// <summary>The lag against watermarks the caller knows (it just wrote them; a later dispatcher's are only higher).</summary>
    private async Task<long> LagAsync(string campaignId, IReadOnlyDictionary<string, long> watermarks, CancellationToken ct)
    {
        var heads = await HeadsAsync(campaignId, ct);
        return heads.Sum(h => Math.Max(0, h.Value - watermarks.GetValueOrDefault(h.Key)));
    }
}

/// <summary>
/// What follows a committed round, off the request path: wake the outbox (at most twice per
/// <see cref="OutboxWakeInterval"/> per campaign and instance, times the instances selling it, up to 4), keep the campaign list's phase current, tell the
/// lifecycle orchestration to re-plan, and start the order cancellation when a campaign is cancelled.
/// </summary>
public sealed class CampaignCommitEffects(IQueueStore queues, ITableStore tables, ServerlessCommerce.LiveRoom.LiveRoomBroadcaster live, LifecycleReplans lifecycle, TimeProvider clock, ILogger<CampaignCommitEffects> logger) : ICampaignCommitObserver
{
    public const string WorkQueueName = "campaign-work";

    /// <summary>
    /// A burst commits dozens of rounds a second on every instance; one dispatch publishes everything up to the moment it
    /// reads. So a round whose wake-up is still to come (one waiting to be sent) needs none of its own, and after
    /// a wake-up the next one waits out the rest of this interval: one dispatch (about 20 storage calls) serves many
    /// rounds, and events reach Event Grid and the chain's log at most this much later. The live room does not wait for
    /// it: its messages come from the rounds themselves.
    /// </summary>
    public static readonly TimeSpan OutboxWakeInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>With N instances selling one campaign, each wakes its outbox at most every N × the interval, N ≤ this.</summary>
    private const int MaxWakeSpacing = 4;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OutboxWake> _wakes = new(StringComparer.Ordinal);

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

        foreach (var claim in round.Events.Where(e => e.Type == "notification.waitlist"))
        {
            // A waitlist claim's own timer: when it runs out the item's waitlist is promoted (every waitlist operation
            // and every order on the item also ends overdue claims, so a lost message only delays the hand-on).
            var delay = claim.Data.GetProperty("claimUntil").GetDateTimeOffset() - clock.GetUtcNow() + TimeSpan.FromSeconds(1);
            tasks.Add(queues.SendAsync(WorkQueueName, JsonSerializer.Serialize(new CampaignWork(campaign.CampaignId, CampaignWork.Waitlist) { ItemId = claim.Data.GetProperty("itemId").GetString() }, JsonSerializerOptions.Web),
                delay > TimeSpan.Zero ? delay : TimeSpan.Zero, cancellationToken: cancellationToken));
        }

        if (round.HasEvents)
        {
            tasks.Add(WakeOutboxAsync(campaign, cancellationToken));
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

    /// <summary>
    /// Every item sold out (checked on every lane): 截单, the same close, caused by the stock — once, however many
    /// instances noticed (the close is idempotent and re-checks the stock on every lane). A flash quota used up ends its
    /// sale the way its timer would.
    /// </summary>
    public async Task OnExhaustedAsync(StockExhausted exhausted, CancellationToken cancellationToken)
    {
        if (exhausted.AllItems)
        {
            await Work(exhausted.CampaignId, CampaignWork.CloseSoldOut);
        }

        foreach (var flashSaleId in exhausted.FlashSales)
        {
            await queues.SendAsync(WorkQueueName, JsonSerializer.Serialize(new CampaignWork(exhausted.CampaignId, CampaignWork.EndFlashSale, flashSaleId), JsonSerializerOptions.Web), cancellationToken: cancellationToken);
        }
    }

    private Task Work(string campaignId, string work) =>
        queues.SendAsync(WorkQueueName, JsonSerializer.Serialize(new CampaignWork(campaignId, work), JsonSerializerOptions.Web));

    /// <summary>
    /// Makes sure a dispatch reads storage after this round committed: either a wake-up still to be sent (its dispatcher
    /// reads later, so it sees this round), or a new one — at once, or at the end of the interval since the last. Real
    /// time, not the domain clock: this is about the machine's work, not the campaign's schedule.
    /// </summary>
    private async Task WakeOutboxAsync(Campaign committed, CancellationToken ct)
    {
        var campaignId = committed.CampaignId;
        var wake = _wakes.GetOrAdd(campaignId, static _ => new OutboxWake());
        // Each instance selling (a leased lane) wakes the one outbox: spaced so that together they wake it about as often
        // as one instance would, since any dispatch publishes every instance's events; never more than a second apart.
        var selling = Math.Clamp(committed.Lanes.Count(l => l.IsLeased(clock.GetUtcNow())), 1, MaxWakeSpacing);
        var interval = (long)OutboxWakeInterval.TotalMilliseconds * selling;
        long delay;
        long sendAt;
        lock (wake)
        {
            // Every round notes what it wrote before it decides, so the wake-up that covers it names its events.
            wake.Note(CampaignTables.CampaignStream, committed.EventSeq);
            foreach (var lane in committed.Lanes)
            {
                wake.Note(lane.Stream, lane.EventSeq);
            }

            var now = Environment.TickCount64;
            if (wake.SendAt > now)
            {
                return; // a wake-up still to come covers this round
            }

            delay = Math.Max(0, wake.LastSent + interval - now);
            sendAt = now + Math.Max(delay, 1);
            wake.SendAt = sendAt;
            wake.LastSent = now + delay;
        }

        try
        {
            // Waited here, not as the message's visibility delay: queues count that in whole seconds. A crash while
            // waiting loses only the wake-up; the outbox sweeper publishes what it would have.
            if (delay > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay), ct);
            }

            Dictionary<string, long> written;
            lock (wake)
            {
                // From here a round that commits sends its own wake-up: this one names only what was noted so far.
                written = new Dictionary<string, long>(wake.Written, StringComparer.Ordinal);
                if (wake.SendAt == sendAt)
                {
                    wake.SendAt = 0;
                }
            }

            await queues.SendAsync(CampaignOutbox.QueueName, CampaignOutbox.WakeMessage(campaignId, written), cancellationToken: ct);
        }
        catch
        {
            lock (wake)
            {
                if (wake.SendAt == sendAt)
                {
                    wake.SendAt = 0; // not sent: the next round sends one (and the outbox sweeper catches up meanwhile)
                }
            }

            throw;
        }

        if (_wakes.Count > 10_000)
        {
            _wakes.Clear(); // a bound on campaigns remembered; forgetting one only costs an early wake-up
        }
    }

    private sealed class OutboxWake
    {
        public long LastSent = long.MinValue / 2;
        public long SendAt;

        /// <summary>The highest event number this instance committed per stream (only ever rises).</summary>
        public Dictionary<string, long> Written { get; } = new(StringComparer.Ordinal);

        public void Note(string stream, long seq)
        {
            if (seq > Written.GetValueOrDefault(stream))
            {
                Written[stream] = seq;
            }
        }
    }
}

/// <summary>A unit of background work on one campaign (a queue message).</summary>
public sealed record CampaignWork(string CampaignId, string Work, string? FlashSaleId = null)
{
    /// <summary>On an outbox wake-up: the highest event number per stream its sender had committed.</summary>
    public IReadOnlyDictionary<string, long>? Written { get; init; }

    public const string CancelOrders = "cancel-orders";
    public const string EndFlashSale = "end-flash-sale";
    public const string CloseSoldOut = "close-sold-out";

    /// <summary>An item's waitlist (候补) claim reached its time: promote the item's waitlist (<see cref="ItemId"/>).</summary>
    public const string Waitlist = "waitlist";

    /// <summary>For <see cref="Waitlist"/>: the item.</summary>
    public string? ItemId { get; init; }

    /// <summary>The campaign's phase or schedule changed: its lifecycle orchestration re-plans (or starts).</summary>
    public const string Replan = "replan";
}
