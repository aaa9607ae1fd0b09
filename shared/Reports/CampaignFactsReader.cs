using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Reports;

/// <summary>Reads the rows a campaign's numbers come from: orders, reservations, history, surveys and reviews.</summary>
public sealed class CampaignFactsReader(ITableStore tables)
{
    public async Task<CampaignFacts> ReadAsync(Campaign campaign, CancellationToken ct)
    {
        var id = campaign.CampaignId;
        var orders = OrdersAsync(id, ct);
        var reservations = tables.QueryAsync(CampaignTables.Campaigns,
            TableQuery.Partition(id, TableFilter.RowKeyStartsWith(CampaignTables.ReservationRow(string.Empty))) with { Select = ["MemberId"] }, ct).ToListAsync(ct).AsTask();
        var history = tables.QueryAsync(CampaignTables.Campaigns,
            TableQuery.Partition(id, TableFilter.And(TableFilter.RowKeyStartsWith(CampaignTables.HistoryPrefix), TableFilter.Equal("To", "live"))) with { Select = ["At"] }, ct).ToListAsync(ct).AsTask();
        var surveys = FollowUpAsync(id, ReportTables.SurveyPrefix, ct);
        var reviews = FollowUpAsync(id, ReportTables.ReviewPrefix, ct);
        await Task.WhenAll(orders, reservations, history, surveys, reviews);

        return new CampaignFacts(
            campaign,
            await orders,
            (await reservations).Select(r => r.GetString("MemberId") ?? r.RowKey[2..]).ToList(),
            (await history).Select(h => h.GetDateTimeOffset("At")).Min(),
            (await surveys).Select(ReportTables.ToSurvey).ToList(),
            (await reviews).Select(ReportTables.ToReview).ToList());
    }

    public async Task<IReadOnlyList<Order>> OrdersAsync(string campaignId, CancellationToken ct) =>
        (await tables.QueryAsync(CampaignTables.Campaigns, ReportTables.Orders(campaignId), ct).ToListAsync(ct)).Select(CampaignTables.ToOrder).ToList();

    /// <summary>Follow-up rows of the campaign; none when the table does not exist yet.</summary>
    private async Task<List<TableEntity>> FollowUpAsync(string campaignId, string prefix, CancellationToken ct)
    {
        try
        {
            return await tables.QueryAsync(ReportTables.FollowUp, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(prefix)), ct).ToListAsync(ct);
        }
        catch (StorageNotFoundException)
        {
            return [];
        }
    }
}
