using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Messaging;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Gatherings;

/// <summary>
/// The gathering reminders (活动提醒): each member with a seat gets one text 24 h and one 2 h before the start, through the
/// configured message sender, each exactly once. The reminder row <c>rm_{kind}_{memberId}</c> is inserted before the send
/// (the insert decides who sends: one instance, one run) and marked sent after it; a row claimed but never marked
/// (the sender crashed mid-way) is claimed again with its ETag after <see cref="GatheringRules.ReminderClaimTimeout"/>.
/// A reminder is due to a member whose seat was confirmed before its due time, so a member who signs up 10 h
/// before the start gets only the 2 h one. The timer calls <see cref="RunAsync"/> with the clock's now; tests call it with theirs.
/// </summary>
public sealed class GatheringReminders(ITableStore tables, ChainService chains, IMessageSender sender, INotificationTexts texts, TimeProvider clock, ILogger<GatheringReminders> logger)
{
    public static readonly TimeSpan Horizon = GatheringRules.Reminders.Max(r => r.Before);

    /// <summary>Sends every reminder due at <paramref name="now"/> (default: the clock's); returns how many this call sent.</summary>
    public async Task<int> RunAsync(DateTimeOffset? now = null, CancellationToken ct = default)
    {
        var at = now ?? clock.GetUtcNow();
        var sent = 0;
        var upcoming = await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(GatheringTables.UpcomingPartition,
            TableFilter.Compare("StartAt", "le", at + Horizon)), ct).ToListAsync(ct);
        foreach (var row in upcoming)
        {
            try
            {
                if (row.GetDateTimeOffset("StartAt") is { } start && start <= at)
                {
                    if (at - start > TimeSpan.FromDays(2))
                    {
                        // Long started: no reminder can be due any more (kept a while for clocks that run behind).
                        await tables.DeleteAsync(GatheringTables.Gatherings, row.PartitionKey, row.RowKey, row.ETag!, ct);
                    }

                    continue;
                }

                sent += await RemindAsync(row.RowKey, at, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Reminders of gathering {GatheringId} failed; the next run tries again", row.RowKey);
            }
        }

        return sent;
    }

    private async Task<int> RemindAsync(string gatheringId, DateTimeOffset now, CancellationToken ct)
    {
        if (await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.GatheringRow, cancellationToken: ct) is not { } row)
        {
            return 0;
        }

        var g = GatheringTables.ToGathering(row);
        var due = GatheringRules.Reminders.Where(r => g.StartAt - r.Before <= now && now < g.StartAt).ToList();
        if (g.Status != Gathering.Open || due.Count == 0)
        {
            return 0;
        }

        var seats = await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(gatheringId, TableFilter.And(
                TableFilter.RowKeyStartsWith(GatheringTables.SignupPrefix), TableFilter.Equal("Status", GatheringSignup.ConfirmedStatus))), ct)
            .Select(GatheringTables.ToSignup).ToListAsync(ct);
        var chain = await chains.GetChainAsync(g.ChainId, ct);
        var zone = TimeZones.TryFind(chain.TimeZone, out var z) ? z : TimeZoneInfo.Utc;
        var sent = 0;
        foreach (var (kind, before) in due)
        {
            var dueAt = g.StartAt - before;
            foreach (var s in seats.Where(s => (s.ConfirmedAt ?? s.SignedUpAt) < dueAt))
            {
                if (await ClaimAsync(gatheringId, kind, s.MemberId, now, ct) is not { } claim)
                {
                    continue;
                }

                var text = texts.Text(JsonSerializer.SerializeToElement(new
                {
                    kind = GatheringRules.NotificationKind, before = kind, title = g.Title, place = g.Place,
                    when = TimeZoneInfo.ConvertTime(g.StartAt, zone).ToString("M月d日 HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                }));
                var phone = (await tables.GetAsync(ChainTables.Members, g.ChainId, ChainTables.MemberRow(s.MemberId), ["Phone"], ct))?.GetString("Phone");
                if (phone is not null)
                {
                    await sender.SendAsync(new OutgoingMessage(g.ChainId, phone, GatheringRules.NotificationKind, text, null, now), ct);
                }

                await tables.UpdateAsync(GatheringTables.Gatherings, new TableEntity(gatheringId, claim.RowKey) { ["State"] = "sent", ["SentAt"] = now, ["Text"] = text },
                    TableUpdateMode.Merge, claim.ETag!, ct);
                sent++;
                logger.LogInformation("Gathering {GatheringId}: {Kind} reminder sent to member {MemberId}", gatheringId, kind, s.MemberId);
            }
        }

        return sent;
    }

    /// <summary>The reminder row, claimed for this run, or null when it was sent (or is being sent) by another.</summary>
    private async Task<TableEntity?> ClaimAsync(string gatheringId, string kind, string memberId, DateTimeOffset now, CancellationToken ct)
    {
        var claim = new TableEntity(gatheringId, GatheringTables.ReminderRow(kind, memberId))
        {
            ["MemberId"] = memberId, ["Kind"] = kind, ["State"] = "sending", ["ClaimedAt"] = now,
        };
        try
        {
            claim.ETag = await tables.InsertAsync(GatheringTables.Gatherings, claim, ct);
            return claim;
        }
        catch (StorageConflictException)
        {
        }

        var existing = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, claim.RowKey, cancellationToken: ct);
        if (existing is null || existing.GetString("State") == "sent" || now - (existing.GetDateTimeOffset("ClaimedAt") ?? now) < GatheringRules.ReminderClaimTimeout)
        {
            return null;
        }

        try
        {
            claim.ETag = await tables.UpdateAsync(GatheringTables.Gatherings, claim, TableUpdateMode.Merge, existing.ETag!, ct);
            return claim;
        }
        catch (ConcurrencyException)
        {
            return null; // another run claimed it first
        }
    }

    /// <summary>How many reminders of each kind the gathering has sent (the leader's attendee view).</summary>
    public async Task<IReadOnlyDictionary<string, int>> SentAsync(string gatheringId, CancellationToken ct) =>
        (await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(gatheringId, TableFilter.RowKeyStartsWith(GatheringTables.ReminderPrefix)), ct).ToListAsync(ct))
        .Where(r => r.GetString("State") == "sent").GroupBy(r => r.GetString("Kind") ?? string.Empty).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
