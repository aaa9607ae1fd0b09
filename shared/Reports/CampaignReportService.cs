using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Reports;

/// <summary>A generated report: the metrics and when they were computed.</summary>
public sealed record CampaignReport(CampaignMetrics Metrics, DateTimeOffset GeneratedAt);

/// <summary>
/// A report with read links to its files: <paramref name="ReportUrl"/> is the page in <paramref name="Lang"/>,
/// <paramref name="ReportUrls"/> the page in each language (<see cref="ReportDocuments.Languages"/>).
/// </summary>
public sealed record CampaignReportLinks(CampaignReport Report, Uri ReportUrl, Uri CsvUrl, Uri JsonUrl, DateTimeOffset ExpiresAt, string Lang, ReportPageUrls ReportUrls);

/// <summary>The report page's links, one per language.</summary>
public sealed record ReportPageUrls(Uri Zh, Uri En);

/// <summary>
/// The post-campaign report (复盘): computes a campaign's numbers from its rows, writes them as HTML, CSV and JSON
/// blobs (<c>media/reports/{campaignId}/report.*</c>, the page once per language, overwritten on every run) and records when, in the campaign's
/// <c>report</c> row.
/// </summary>
public sealed class CampaignReportService(
    ITableStore tables, IBlobStore blobs, CampaignService campaigns, ChainService chains, CampaignFactsReader facts, TimeProvider clock, ILogger<CampaignReportService> logger)
    : ICampaignReportGenerator
{
    /// <summary>Run when a campaign completes (the lifecycle's <c>report</c> work).</summary>
    Task ICampaignReportGenerator.GenerateAsync(string campaignId, CancellationToken cancellationToken) => GenerateAsync(campaignId, cancellationToken);

    /// <summary>How many earlier campaigns of the store are searched for repeat buyers.</summary>
    public const int RepeatBuyerLookback = 50;

    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(2);

    /// <summary>(Re)generates the report now. Idempotent: the same blobs and row are overwritten.</summary>
    public async Task<CampaignReport> GenerateAsync(string campaignId, CancellationToken ct = default)
    {
        var campaign = await campaigns.GetAsync(campaignId, ct);
        var campaignFacts = await facts.ReadAsync(campaign, ct);
        var buyers = CampaignMetricsCalculator.Buyers(campaign, campaignFacts.Orders);
        IReadOnlySet<string> earlier = buyers.Count == 0 ? new HashSet<string>() : await EarlierBuyersAsync(campaign, ct);
        var metrics = CampaignMetricsCalculator.Compute(campaignFacts, earlier);
        var report = new CampaignReport(metrics, clock.GetUtcNow());

        var chain = await chains.GetChainAsync(campaign.ChainId, ct);
        TimeZones.TryFind(chain.TimeZone, out var zone);
        var store = await chains.FindStoreAsync(campaign.ChainId, campaign.StoreId, ct);
        await Task.WhenAll(ReportDocuments.Languages.Select(lang =>
            blobs.UploadAsync(ReportTables.Container, ReportTables.HtmlBlob(campaignId, lang), new BinaryData(ReportDocuments.ToHtml(metrics, store?.Name, report.GeneratedAt, zone, lang)), "text/html; charset=utf-8", ct)));
        await Task.WhenAll(
            blobs.UploadAsync(ReportTables.Container, ReportTables.CsvBlob(campaignId), new BinaryData(ReportDocuments.ToCsv(metrics, report.GeneratedAt, zone)), "text/csv; charset=utf-8", ct),
            blobs.UploadAsync(ReportTables.Container, ReportTables.JsonBlob(campaignId), BinaryData.FromObjectAsJson(metrics, ReportTables.Json), "application/json; charset=utf-8", ct));
        // The row last: once it says "generated", the files it points at exist.
        await tables.UpsertAsync(CampaignTables.Campaigns, ReportTables.ToEntity(report), TableUpdateMode.Replace, ct);
        logger.LogInformation("Report of campaign {CampaignId} generated: {Orders} orders, {GmvFen} fen", campaignId, metrics.Orders, metrics.GmvFen);
        return report;
    }

    /// <summary>The report with 2-hour read links; 409 <c>report-not-ready</c> before it was generated.</summary>
    public async Task<CampaignReportLinks> GetAsync(Caller caller, string campaignId, CancellationToken ct, string lang = "zh-CN")
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var row = await tables.GetAsync(CampaignTables.Campaigns, campaignId, ReportTables.ReportRow, cancellationToken: ct)
                  ?? throw AppProblem.Conflict(ProblemCodes.ReportNotReady, "Report not ready",
                      "The report is written when the campaign completes; a leader or admin can generate it now with POST on this URL.");
        return await LinksAsync(ReportTables.ToReport(row), lang, ct);
    }

    /// <summary>A leader's or admin's "generate now".</summary>
    public async Task<CampaignReportLinks> GenerateAsync(Caller caller, string campaignId, CancellationToken ct, string lang = "zh-CN")
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return await LinksAsync(await GenerateAsync(campaignId, ct), lang, ct);
    }

    private async Task<CampaignReportLinks> LinksAsync(CampaignReport report, string lang, CancellationToken ct)
    {
        var id = report.Metrics.CampaignId;
        var expiresAt = clock.GetUtcNow().Add(LinkLifetime);
        var zh = await blobs.GetSasUriAsync(ReportTables.Container, ReportTables.HtmlBlob(id, "zh-CN"), BlobSasPermissions.Read, expiresAt, ct);
        var en = await blobs.GetSasUriAsync(ReportTables.Container, ReportTables.HtmlBlob(id, "en"), BlobSasPermissions.Read, expiresAt, ct);
        return new CampaignReportLinks(report,
            lang == "en" ? en : zh,
            await blobs.GetSasUriAsync(ReportTables.Container, ReportTables.CsvBlob(id), BlobSasPermissions.Read, expiresAt, ct),
            await blobs.GetSasUriAsync(ReportTables.Container, ReportTables.JsonBlob(id), BlobSasPermissions.Read, expiresAt, ct),
            expiresAt, lang, new ReportPageUrls(zh, en));
    }

    /// <summary>Buyers of the store's last <see cref="RepeatBuyerLookback"/> campaigns that went live before this one.</summary>
    private async Task<HashSet<string>> EarlierBuyersAsync(Campaign campaign, CancellationToken ct)
    {
        var filter = TableFilter.And(TableFilter.Equal("StoreId", campaign.StoreId), TableFilter.Compare("LiveStartAt", "lt", campaign.Schedule.LiveStartAt));
        var index = await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(campaign.ChainId, filter) with { Select = ["LiveStartAt"] }, ct).ToListAsync(ct);
        var earlier = index.Where(r => r.RowKey != campaign.CampaignId)
            .OrderByDescending(r => r.GetDateTimeOffset("LiveStartAt")).Take(RepeatBuyerLookback).Select(r => r.RowKey).ToList();
        var buyers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in earlier.Chunk(8))
        {
            var sets = await Task.WhenAll(chunk.Select(async id =>
            {
                var campaign = await CampaignTables.ReadAsync(tables, id, ct);
                return campaign is null ? new HashSet<string>() : CampaignMetricsCalculator.Buyers(campaign, await facts.OrdersAsync(id, ct));
            }));
            foreach (var set in sets)
            {
                buyers.UnionWith(set);
            }
        }

        return buyers;
    }
}
