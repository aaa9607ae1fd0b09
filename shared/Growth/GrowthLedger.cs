using Microsoft.Extensions.Logging;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Growth;

/// <summary>The points ledger and the chain's growth settings, as stored (see <see cref="GrowthTables"/>).</summary>
public sealed class GrowthLedger(ITableStore tables, ILogger<GrowthLedger> logger)
{
    /// <summary>How many ledger entries a member's history shows (the balance always counts them all).</summary>
    public const int MaxHistory = 200;

    public async Task<GrowthSettings> SettingsAsync(string chainId, CancellationToken ct) =>
        GrowthTables.ToSettings(await tables.GetAsync(GrowthTables.Growth, chainId, GrowthTables.SettingsRow, cancellationToken: ct));

    public Task SaveSettingsAsync(string chainId, GrowthSettings settings, CancellationToken ct) =>
        tables.UpsertAsync(GrowthTables.Growth, GrowthTables.ToEntity(chainId, settings), TableUpdateMode.Replace, ct);

    /// <summary>Inserts the ledger row unless it is there: true when this call credited it. Nothing for 0 points.</summary>
    public async Task<bool> CreditOnceAsync(string memberId, string rowKey, PointsEntry entry, CancellationToken ct, IReadOnlyDictionary<string, object?>? extra = null)
    {
        if (entry.Amount == 0)
        {
            return false;
        }

        var row = Row(memberId, rowKey, entry);
        foreach (var (name, value) in extra ?? new Dictionary<string, object?>())
        {
            row[name] = value;
        }

        try
        {
            await tables.InsertAsync(FollowUpTables.Points, row, ct);
            logger.LogInformation("{Amount} points to member {MemberId} for {Reason} ({Row})", entry.Amount, memberId, entry.Reason, rowKey);
            return true;
        }
        catch (StorageConflictException)
        {
            return false; // credited before: a redelivery or a retry
        }
    }

    /// <summary>The ledger row of <paramref name="entry"/> under <paramref name="rowKey"/> (to insert, guarded or not).</summary>
    public static TableEntity Row(string memberId, string rowKey, PointsEntry entry)
    {
        var row = new TableEntity(memberId, rowKey);
        foreach (var (name, value) in FollowUpTables.ToEntity(memberId, entry).Properties)
        {
            row[name] = value;
        }

        return row;
    }

    public Task<TableEntity?> GetRowAsync(string memberId, string rowKey, CancellationToken ct) =>
        tables.GetAsync(FollowUpTables.Points, memberId, rowKey, cancellationToken: ct);

    /// <summary>The member's balance (every row) and newest entries (up to <see cref="MaxHistory"/>).</summary>
    public async Task<PointsAccount> AccountAsync(string memberId, CancellationToken ct)
    {
        var rows = await tables.QueryAsync(FollowUpTables.Points, TableQuery.Partition(memberId), ct).ToListAsync(ct);
        var entries = rows.Where(r => !GrowthTables.IsGuard(r.RowKey)).Select(FollowUpTables.ToPointsEntry).OrderByDescending(e => e.At).ToList();
        return new PointsAccount(entries.Sum(e => e.Amount), entries.Take(MaxHistory).ToList());
    }

    /// <summary>
    /// A write that may lower the member's balance, serialised with every other such write: reads the member's whole
    /// ledger (with the guard row), lets <paramref name="decide"/> say which rows to insert (it may throw to refuse),
    /// and inserts them together with the guard's next version (and the old one deleted), in one transaction of the member's
    /// partition. Another guarded write in between refuses the transaction and this reads and decides again. Credits
    /// (inserts that only add) need no guard. Returns what <paramref name="decide"/> returned last.
    /// </summary>
    public async Task<T> GuardedAsync<T>(string memberId, Func<IReadOnlyList<TableEntity>, Task<(IReadOnlyList<TableEntity> Inserts, T Result)>> decide, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var rows = await tables.QueryAsync(FollowUpTables.Points, TableQuery.Partition(memberId), ct).ToListAsync(ct);
            var guard = rows.Where(r => GrowthTables.IsGuard(r.RowKey)).MaxBy(r => r.GetInt64("Version") ?? 0);
            var (inserts, result) = await decide(rows.Where(r => !GrowthTables.IsGuard(r.RowKey)).ToList());

            // The guard is a row per version: two writers that read one version both insert the next, and one is refused.
            // (An insert conflict does not rest on ETag precision, which an emulator may round to the millisecond.)
            var version = (guard?.GetInt64("Version") ?? 0) + 1;
            var ops = inserts.Select(TableOperation.Insert).ToList();
            ops.Add(TableOperation.Insert(new TableEntity(memberId, GrowthTables.GuardRow(version)) { ["Version"] = version }));
            if (guard is not null)
            {
                ops.Add(TableOperation.Delete(memberId, guard.RowKey));
            }
            try
            {
                await tables.SubmitTransactionAsync(FollowUpTables.Points, ops, ct);
                foreach (var row in inserts)
                {
                    logger.LogInformation("{Amount} points to member {MemberId} ({Row})", row.GetInt32("Amount"), memberId, row.RowKey);
                }

                return result;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404 && attempt < 30)
            {
                // Another guarded write (or the same one, retried) got there first: read again and decide again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 + (attempt * 10))), ct);
            }
        }
    }

    /// <summary>How many referral rewards the member earned as a referrer.</summary>
    public async Task<int> ReferralRewardsAsync(string memberId, CancellationToken ct) =>
        await tables.QueryAsync(FollowUpTables.Points, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", memberId),
            TableFilter.RowKeyStartsWith(GrowthTables.ReferrerReason + ":")), ["RowKey"]), ct).CountAsync(ct);
}
