using ServerlessCommerce.Campaigns;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Crm;

/// <summary>What one member did in one campaign, for the leader's member list (<c>?campaignId=</c>).</summary>
public sealed record MemberCampaignFlags(bool Reserved, bool Commented, bool Voted, bool Ordered);

/// <summary>
/// Who reserved, commented, voted and ordered in one campaign: one query per kind over the campaign's partition
/// (reservations and orders in Campaigns, comments and votes in LiveRoom), reading only the member column, each
/// bounded by <see cref="MaxRowsPerKind"/>. "Ordered" counts any order, a cancelled one too (she did order).
/// </summary>
public sealed class MemberCampaignActivity
{
    public const int MaxRowsPerKind = 20_000;

    private MemberCampaignActivity(HashSet<string> reserved, HashSet<string> commented, HashSet<string> voted, HashSet<string> ordered)
    {
        Reserved = reserved;
        Commented = commented;
        Voted = voted;
        Ordered = ordered;
    }

    public IReadOnlySet<string> Reserved { get; }

    public IReadOnlySet<string> Commented { get; }

    public IReadOnlySet<string> Voted { get; }

    public IReadOnlySet<string> Ordered { get; }

    public MemberCampaignFlags For(string memberId) =>
        new(Reserved.Contains(memberId), Commented.Contains(memberId), Voted.Contains(memberId), Ordered.Contains(memberId));

    public static async Task<MemberCampaignActivity> ReadAsync(ITableStore tables, string campaignId, CancellationToken ct)
    {
        var reserved = MembersAsync(tables, CampaignTables.Campaigns, campaignId, CampaignTables.ReservationPrefix, r => r.GetString("MemberId") ?? r.RowKey[2..], ct);
        var ordered = MembersAsync(tables, CampaignTables.Campaigns, campaignId, CampaignTables.OrderPrefix, r => r.GetString("MemberId"), ct);
        var commented = MembersAsync(tables, LiveRoomService.Table, campaignId, "c_", r => r.GetString("MemberId"), ct);
        // Vote rows: v_{poll}_{memberId}, keyed so the member is in the key; nothing else is read.
        var voted = MembersAsync(tables, LiveRoomService.Table, campaignId, "v_", r => r.RowKey.IndexOf('_', 2) is var i and > 0 ? r.RowKey[(i + 1)..] : null, ct);
        await Task.WhenAll(reserved, ordered, commented, voted);
        return new MemberCampaignActivity(await reserved, await commented, await voted, await ordered);
    }

    private static async Task<HashSet<string>> MembersAsync(ITableStore tables, string table, string campaignId, string prefix, Func<TableEntity, string?> memberOf, CancellationToken ct)
    {
        var query = TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(prefix)) with { Select = ["MemberId"] };
        var members = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var row in tables.QueryAsync(table, query, ct).Take(MaxRowsPerKind).WithCancellation(ct))
            {
                if (memberOf(row) is { Length: > 0 } memberId)
                {
                    members.Add(memberId);
                }
            }
        }
        catch (StorageNotFoundException)
        {
            // the table does not exist yet: nobody did this
        }

        return members;
    }
}
