using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Outreach;

/// <summary>The outreach queue's message: one delivery to settle.</summary>
public sealed record DeliveryWork(string CampaignId, string DeliveryId);

/// <summary>How outreach runs: the senders in the order they are tried, and the default quiet hours.</summary>
public sealed record OutreachOptions(QuietHours DefaultQuietHours)
{
    /// <summary>Tries per delivery before it is marked failed.</summary>
    public const int MaxAttempts = 5;

    /// <summary>How long one instance holds a delivery while it sends it.</summary>
    public static readonly TimeSpan SendLease = TimeSpan.FromMinutes(2);

    public static TimeSpan Backoff(int attempts) => attempts switch
    {
        <= 1 => TimeSpan.FromSeconds(20),
        2 => TimeSpan.FromMinutes(2),
        3 => TimeSpan.FromMinutes(10),
        _ => TimeSpan.FromMinutes(30),
    };
}

/// <summary>
/// Delivers the notifications the campaign outbox records (previews, live reminders, 成团 results, pickup reminders,
/// the survey) to members' phones or WeChat, each once per member and notification:
/// <list type="number">
/// <item>As an <see cref="ICampaignEventSubscriber"/>, it inserts one delivery row per <c>notification.*</c> event (the
/// row key is the event's stable id, so a republished page inserts nothing new) and queues it on <see cref="QueueName"/>.</item>
/// <item><see cref="DeliverAsync(string, string, CancellationToken)"/> (the queue handler, on any instance, any number of times) settles it: opted out →
/// <c>skipped</c>; inside the chain's quiet hours → stays <c>pending</c> with <c>DueAt</c> at the window's end and a
/// delayed message; otherwise it claims the row (pending → sending, ETag-conditional: one instance wins), sends, and
/// records <c>sent</c>. A provider failure goes back to <c>pending</c> with a backoff, up to
/// <see cref="OutreachOptions.MaxAttempts"/> tries, then <c>failed</c>; a permanent refusal is <c>failed</c> at once.</item>
/// </list>
/// Verification codes do not pass here (<see cref="Messaging.IMessageSender"/>): no opt-out or quiet hours for them.
/// </summary>
public sealed partial class OutreachService(ITableStore tables, IQueueStore queues, INotificationTexts texts, IEnumerable<IMemberMessageSender> senders, OutreachOptions options,
    TimeProvider clock, ILogger<OutreachService> logger) : ICampaignEventSubscriber
{
    public const string QueueName = "outreach";

    private readonly IMemberMessageSender[] _senders = senders.ToArray();

    public bool Enabled => _senders.Length > 0;

    // ----- recording -----

    public async Task HandleAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var notifications = events.Where(e => e.Type.StartsWith("notification.", StringComparison.Ordinal)).DistinctBy(e => e.Id).ToList();
        foreach (var chunk in notifications.Chunk(16))
        {
            await Task.WhenAll(chunk.Select(e => RecordAsync(e, cancellationToken)));
        }
    }

    private async Task RecordAsync(DomainEvent e, CancellationToken ct)
    {
        var memberId = Read(e.Data, "memberId");
        var campaignId = Read(e.Data, "campaignId");
        if (memberId is null || campaignId is null)
        {
            logger.LogWarning("Notification {EventId} names no member or campaign; not delivered", e.Id);
            return;
        }

        var row = new TableEntity(campaignId, OutreachTables.DeliveryRow(e.Id))
        {
            ["ChainId"] = e.ChainId,
            ["MemberId"] = memberId,
            ["Kind"] = Read(e.Data, "kind") ?? e.Type["notification.".Length..],
            ["Text"] = texts.Text(e.Data),
            ["State"] = DeliveryStates.Pending,
            ["DueAt"] = e.Time,
            ["Attempts"] = 0,
            ["CreatedAt"] = clock.GetUtcNow(),
        };
        try
        {
            await tables.InsertAsync(OutreachTables.Outreach, row, ct);
        }
        catch (StorageConflictException)
        {
            // Recorded before (a republished page). Queue it again only while it still waits and is due: a crash
            // between the insert and the message must not strand it; the claim keeps a second message harmless.
            var existing = await tables.GetAsync(OutreachTables.Outreach, row.PartitionKey, row.RowKey, cancellationToken: ct);
            if (existing is null || existing.GetString("State") != DeliveryStates.Pending || existing.GetDateTimeOffset("DueAt") > clock.GetUtcNow())
            {
                return;
            }
        }

        await EnqueueAsync(campaignId, row.RowKey, TimeSpan.Zero, ct);
    }

    private Task EnqueueAsync(string campaignId, string deliveryId, TimeSpan delay, CancellationToken ct) =>
        queues.SendAsync(QueueName, JsonSerializer.Serialize(new DeliveryWork(campaignId, deliveryId), JsonSerializerOptions.Web),
            visibilityDelay: delay > TimeSpan.Zero ? Ceiling(delay) : null, cancellationToken: ct);

    /// <summary>Queue delays are whole seconds: round up, so the message never comes before it is due.</summary>
    private static TimeSpan Ceiling(TimeSpan delay) => TimeSpan.FromSeconds(Math.Min(Math.Ceiling(delay.TotalSeconds) + 1, TimeSpan.FromDays(6).TotalSeconds));

    // ----- delivering -----

    /// <summary>The queue handler: settles one delivery (see the class summary). Safe to run any number of times, anywhere.</summary>
    public async Task DeliverAsync(string message, CancellationToken ct)
    {
        DeliveryWork? work;
        try
        {
            work = JsonSerializer.Deserialize<DeliveryWork>(message, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            work = null;
        }

        if (work is null || string.IsNullOrEmpty(work.CampaignId) || string.IsNullOrEmpty(work.DeliveryId))
        {
            logger.LogWarning("Outreach message is not a delivery; dropped");
            return;
        }

        await DeliverAsync(work.CampaignId, work.DeliveryId, ct);
    }

    public async Task DeliverAsync(string campaignId, string deliveryId, CancellationToken ct)
    {
        var row = await tables.GetAsync(OutreachTables.Outreach, campaignId, deliveryId, cancellationToken: ct);
        if (row is null || DeliveryStates.IsFinal(row.GetString("State")))
        {
            return;
        }

        var now = clock.GetUtcNow();
        var delivery = Delivery.From(row);
        if (delivery.State == DeliveryStates.Sending && row.GetDateTimeOffset("LeaseUntil") is { } leaseUntil && leaseUntil > now)
        {
            // Another instance is sending it right now. Look again once its lease runs out: if it died mid-send, the
            // delivery is taken up again then (its provider may have sent it: the one window for a second text).
            await EnqueueAsync(campaignId, deliveryId, leaseUntil - now, ct);
            return;
        }

        if (delivery.State == DeliveryStates.Pending && delivery.DueAt > now + TimeSpan.FromSeconds(1))
        {
            return; // early (a duplicate message): the delayed message of its deferral or retry comes when it is due
        }

        var member = await tables.GetAsync(ChainTables.Members, delivery.ChainId, ChainTables.MemberRow(delivery.MemberId), cancellationToken: ct);
        if (member is null)
        {
            await SettleAsync(row, DeliveryStates.Skipped, "no-member", null, null, ct);
            return;
        }

        var preferences = await PreferencesAsync(delivery.ChainId, delivery.MemberId, ct);
        if (!preferences.Prefs.Outreach)
        {
            await SettleAsync(row, DeliveryStates.Skipped, OptedOutReason, null, null, ct);
            return;
        }

        var quiet = await QuietHoursAsync(delivery.ChainId, ct);
        var release = quiet.Hours.Release(now, quiet.Zone);
        if (release > now)
        {
            // Quiet hours: deferred to the window's end, never dropped. The writer that moves DueAt queues the message.
            row["DueAt"] = release;
            row["State"] = DeliveryStates.Pending;
            row["Reason"] = QuietHoursReason;
            if (await TryUpdateAsync(row, ct))
            {
                await EnqueueAsync(campaignId, deliveryId, release - now, ct);
                logger.LogInformation("Delivery {DeliveryId} of {CampaignId} deferred to {Release:u} (quiet hours)", deliveryId, campaignId, release);
            }

            return;
        }

        var message = new MemberMessage(delivery.ChainId, campaignId, deliveryId, delivery.MemberId, delivery.Kind, delivery.Text,
            member.GetString("Phone") ?? string.Empty, preferences.OpenId, now);
        var sender = _senders.FirstOrDefault(s => preferences.Prefs.Channels.Contains(s.Channel, StringComparer.Ordinal) && s.CanReach(message));
        if (sender is null)
        {
            await SettleAsync(row, DeliveryStates.Skipped, "no-channel", null, null, ct);
            return;
        }

        // Claim: pending → sending, conditional on the row as read; the loser of a race stops here.
        var attempts = delivery.Attempts + 1;
        row["State"] = DeliveryStates.Sending;
        row["LeaseUntil"] = now + OutreachOptions.SendLease;
        row["Attempts"] = attempts;
        row["Channel"] = sender.Channel;
        if (!await TryUpdateAsync(row, ct))
        {
            return;
        }

        string? providerId;
        try
        {
            providerId = await sender.SendAsync(message, ct);
        }
        catch (Exception ex) when (ex is OutreachSendException or HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            var permanent = ex is OutreachSendException { Permanent: true };
            if (permanent || attempts >= OutreachOptions.MaxAttempts)
            {
                logger.LogWarning("Delivery {DeliveryId} of {CampaignId} failed for good after {Attempts} tries: {Reason}", deliveryId, campaignId, attempts, ex.Message);
                await SettleAsync(row, DeliveryStates.Failed, Shorten(ex.Message), sender.Channel, null, ct);
                return;
            }

            var retryAt = clock.GetUtcNow() + OutreachOptions.Backoff(attempts);
            row["State"] = DeliveryStates.Pending;
            row["DueAt"] = retryAt;
            row["Reason"] = Shorten(ex.Message);
            row["LeaseUntil"] = DateTimeOffset.UnixEpoch;
            if (await TryUpdateAsync(row, ct))
            {
                await EnqueueAsync(campaignId, deliveryId, retryAt - clock.GetUtcNow(), ct);
            }

            logger.LogInformation("Delivery {DeliveryId} of {CampaignId}: try {Attempts} failed ({Reason}); again at {RetryAt:u}", deliveryId, campaignId, attempts, ex.Message, retryAt);
            return;
        }

        await SettleAsync(row, DeliveryStates.Sent, null, sender.Channel, providerId, ct);
    }

    private async Task SettleAsync(TableEntity row, string state, string? reason, string? channel, string? providerId, CancellationToken ct)
    {
        row["State"] = state;
        row["Reason"] = reason;
        row["Channel"] = channel;
        row["ProviderId"] = providerId;
        row["LeaseUntil"] = DateTimeOffset.UnixEpoch;
        if (state == DeliveryStates.Sent)
        {
            row["SentAt"] = clock.GetUtcNow();
        }

        if (!await TryUpdateAsync(row, CancellationToken.None) && state == DeliveryStates.Sent)
        {
            logger.LogWarning("Delivery {DeliveryId} of {CampaignId} was sent but its row moved meanwhile", row.RowKey, row.PartitionKey);
        }
    }

    private async Task<bool> TryUpdateAsync(TableEntity row, CancellationToken ct)
    {
        try
        {
            row.ETag = await tables.UpdateAsync(OutreachTables.Outreach, row, TableUpdateMode.Replace, row.ETag!, ct);
            return true;
        }
        catch (Exception ex) when (ex is ConcurrencyException or StorageNotFoundException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] : text;

    /// <summary>A campaign's deliveries (staff, tests), at most 2000.</summary>
    /// <summary>How one kind of a campaign's notifications fared (counts of deliveries, one per member).</summary>
    public sealed record KindOutreach(string Kind, int Sent, int Waiting, int QuietHours, int OptedOut, int Unreachable, int Failed);

    /// <summary>What a campaign's notifications did: <see cref="Enabled"/> false when no sender is configured.</summary>
    public sealed record CampaignOutreach(bool Enabled, int Deliveries, IReadOnlyList<KindOutreach> Kinds);

    /// <summary>
    /// The campaign's deliveries by kind (oldest kind first): sent, waiting (due, sending or retrying), held by quiet
    /// hours, skipped because the member turned messages off, unreachable (no channel, no member), failed for good.
    /// At most <see cref="MaxDeliveriesRead"/> read.
    /// </summary>
    public async Task<CampaignOutreach> SummaryAsync(string campaignId, CancellationToken ct)
    {
        var deliveries = await DeliveriesAsync(campaignId, ct);
        var kinds = deliveries.GroupBy(d => d.Kind, StringComparer.Ordinal).OrderBy(g => g.Min(d => d.DueAt)).Select(g => new KindOutreach(g.Key,
            g.Count(d => d.State == DeliveryStates.Sent),
            g.Count(d => d.State is DeliveryStates.Pending or DeliveryStates.Sending && d.Reason != QuietHoursReason),
            g.Count(d => d.State is DeliveryStates.Pending && d.Reason == QuietHoursReason),
            g.Count(d => d.State == DeliveryStates.Skipped && d.Reason == OptedOutReason),
            g.Count(d => d.State == DeliveryStates.Skipped && d.Reason != OptedOutReason),
            g.Count(d => d.State == DeliveryStates.Failed))).ToList();
        return new CampaignOutreach(Enabled, deliveries.Count, kinds);
    }

    public const int MaxDeliveriesRead = 2000;

    private const string QuietHoursReason = "quiet-hours";

    private const string OptedOutReason = "opted-out";

    public async Task<IReadOnlyList<Delivery>> DeliveriesAsync(string campaignId, CancellationToken ct) =>
        await tables.QueryAsync(OutreachTables.Outreach, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(OutreachTables.DeliveryPrefix)), ct)
            .Take(MaxDeliveriesRead).Select(Delivery.From).ToListAsync(ct);

    // ----- preferences -----

    public async Task<OutreachPreferences> GetPreferencesAsync(Caller caller, CancellationToken ct)
    {
        caller.Require(Role.Member);
        return (await PreferencesAsync(caller.ChainId!, caller.MemberId!, ct)).Prefs;
    }

    /// <summary>
    /// Replaces the member's choice. <paramref name="channels"/> ⊆ {wechat, sms} (none given: both); a WeChat openid
    /// (from the mini program's login, ≤ 64 letters, digits, '-' or '_') links her WeChat; an empty one unlinks it.
    /// </summary>
    public async Task<OutreachPreferences> PutPreferencesAsync(Caller caller, bool? outreach, IReadOnlyList<string?>? channels, string? weChatOpenId, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var v = new Validator();
        if (outreach is null)
        {
            v.Add("outreach", "outreach must be true (the store may message you) or false (no messages).");
        }

        var chosen = channels is null ? OutreachPreferences.AllChannels.ToList() : channels.Select(c => c?.Trim().ToLowerInvariant()).Distinct().ToList()!;
        if (channels is not null && (channels.Count > 4 || chosen.Any(c => c is null || !OutreachPreferences.AllChannels.Contains(c))))
        {
            v.Add("channels", "channels must list only 'wechat' and 'sms'.");
        }

        if (weChatOpenId is { Length: > 0 } && !OpenIdPattern().IsMatch(weChatOpenId))
        {
            v.Add("wechatOpenId", "wechatOpenId must be 1–64 letters, digits, '-' or '_'.");
        }

        v.ThrowIfInvalid();
        var key = OutreachTables.PreferencesRow(caller.MemberId!);
        var now = clock.GetUtcNow();
        var entity = new TableEntity(caller.ChainId!, key)
        {
            ["Outreach"] = outreach!.Value,
            ["Channels"] = string.Join(',', OutreachPreferences.AllChannels.Where(chosen.Contains)),
            ["UpdatedAt"] = now,
        };
        if (weChatOpenId is not null)
        {
            entity["WeChatOpenId"] = weChatOpenId.Length == 0 ? null : weChatOpenId;
        }

        await tables.UpsertAsync(OutreachTables.Outreach, entity, TableUpdateMode.Merge, ct);
        logger.LogInformation("Member {MemberId} set outreach {Outreach} on {Channels}", caller.MemberId, outreach, entity["Channels"]);
        return (await PreferencesAsync(caller.ChainId!, caller.MemberId!, ct)).Prefs;
    }

    private async Task<(OutreachPreferences Prefs, string? OpenId)> PreferencesAsync(string chainId, string memberId, CancellationToken ct)
    {
        var row = await tables.GetAsync(OutreachTables.Outreach, chainId, OutreachTables.PreferencesRow(memberId), cancellationToken: ct);
        if (row is null)
        {
            return (OutreachPreferences.Default, null);
        }

        var channels = (row.GetString("Channels") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
        var openId = row.GetString("WeChatOpenId");
        return (new OutreachPreferences(row.GetBoolean("Outreach") ?? true, channels, openId is not null, row.GetDateTimeOffset("UpdatedAt")), openId);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex OpenIdPattern();

    // ----- quiet hours -----

    public sealed record ChainOutreachSettings(string ChainId, string QuietHoursStart, string QuietHoursEnd, string TimeZone);

    public async Task<ChainOutreachSettings> GetSettingsAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        var (hours, zone) = await QuietHoursAsync(chainId, ct);
        return new ChainOutreachSettings(chainId, hours.StartText, hours.EndText, zone.Id);
    }

    /// <summary>The chain's quiet hours (admin), <c>HH:mm</c> in the chain's time zone; equal ends: none.</summary>
    public async Task<ChainOutreachSettings> PutSettingsAsync(Caller caller, string chainId, string? start, string? end, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var v = new Validator();
        if (!QuietHours.TryParseTime(start, out var from))
        {
            v.Add("quietHoursStart", "quietHoursStart must be a time HH:mm, e.g. 21:30.");
        }

        if (!QuietHours.TryParseTime(end, out var to))
        {
            v.Add("quietHoursEnd", "quietHoursEnd must be a time HH:mm, e.g. 08:00 (equal to the start: no quiet hours).");
        }

        v.ThrowIfInvalid();
        await tables.UpsertAsync(OutreachTables.Outreach, new TableEntity(chainId, OutreachTables.SettingsRow)
        {
            ["QuietStart"] = new QuietHours(from, to).StartText,
            ["QuietEnd"] = new QuietHours(from, to).EndText,
            ["UpdatedAt"] = clock.GetUtcNow(),
        }, TableUpdateMode.Replace, ct);
        return await GetSettingsAsync(caller, chainId, ct);
    }

    /// <summary>The chain's quiet hours as set (or the default), in its time zone.</summary>
    public async Task<QuietHours> QuietHoursOfAsync(string chainId, CancellationToken ct) => (await QuietHoursAsync(chainId, ct)).Hours;

    private async Task<(QuietHours Hours, TimeZoneInfo Zone)> QuietHoursAsync(string chainId, CancellationToken ct)
    {
        var settings = await tables.GetAsync(OutreachTables.Outreach, chainId, OutreachTables.SettingsRow, cancellationToken: ct);
        var chain = await tables.GetAsync(ChainTables.Chains, chainId, ChainTables.ChainRow, ["TimeZone"], ct);
        if (!TimeZones.TryFind(chain?.GetString("TimeZone") ?? TimeZones.Default, out var zone))
        {
            TimeZones.TryFind(TimeZones.Default, out zone);
        }

        var hours = settings is not null && QuietHours.TryParseTime(settings.GetString("QuietStart"), out var s) && QuietHours.TryParseTime(settings.GetString("QuietEnd"), out var e)
            ? new QuietHours(s, e)
            : options.DefaultQuietHours;
        return (hours, zone);
    }

    private static string? Read(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
