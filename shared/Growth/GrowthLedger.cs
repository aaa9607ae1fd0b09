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

        var row = new TableEntity(memberId, rowKey);
        foreach (var (name, value) in FollowUpTables.ToEntity(memberId, entry).Properties)
        {
            row[name] = value;
        }

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

    public Task<TableEntity?> GetRowAsync(string memberId, string rowKey, CancellationToken ct) =>
        tables.GetAsync(FollowUpTables.Points, memberId, rowKey, cancellationToken: ct);

    /// <summary>The member's balance (every row) and newest entries (up to <see cref="MaxHistory"/>).</summary>
    public async Task<PointsAccount> AccountAsync(string memberId, CancellationToken ct)
    {
        var rows = await tables.QueryAsync(FollowUpTables.Points, TableQuery.Partition(memberId), ct).ToListAsync(ct);
        var entries = rows.Select(FollowUpTables.ToPointsEntry).OrderByDescending(e => e.At).ToList();
        return new PointsAccount(entries.Sum(e => e.Amount), entries.Take(MaxHistory).ToList());
    }

    /// <summary>How many referral rewards the member earned as a referrer.</summary>
    public async Task<int> ReferralRewardsAsync(string memberId, CancellationToken ct) =>
        await tables.QueryAsync(FollowUpTables.Points, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", memberId),
            TableFilter.RowKeyStartsWith(GrowthTables.ReferrerReason + ":")), ["RowKey"]), ct).CountAsync(ct);
}
