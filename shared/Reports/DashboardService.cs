using System.Globalization;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Reports;

/// <summary>The numbers of a set of campaigns (a whole period, one store or one leader).</summary>
public sealed record DashboardFigures(
    int Campaigns,
    int Orders,
    int Buyers,
    long GmvFen,
    long? AverageOrderValueFen,
    double? RepurchaseRate,
    double? GroupSuccessRate,
    double? ReviewRate,
    double? PhotoRate,
    int? Nps,
    double? ReservationToBuyerRate);

public sealed record DashboardGroup(string Id, string? Name, string? StoreId, DashboardFigures Figures);

public sealed record Dashboard(DateTimeOffset From, DateTimeOffset To, string? StoreId, string? LeaderId, DashboardFigures Figures, IReadOnlyList<DashboardGroup> PerStore, IReadOnlyList<DashboardGroup> PerLeader);

/// <summary>
/// Chain dashboards: every campaign whose live start lies in [from, to), optionally of one store or leader, computed
/// from the campaigns' rows with the same rules as the campaign report.
/// </summary>
public sealed class DashboardService(ITableStore tables, ChainService chains, CampaignFactsReader facts, TimeProvider clock)
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public async Task<Dashboard> GetAsync(Caller caller, string chainId, string? from, string? to, string? storeId, string? leaderId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        storeId = string.IsNullOrWhiteSpace(storeId) ? null : storeId.Trim();
        leaderId = string.IsNullOrWhiteSpace(leaderId) ? null : leaderId.Trim();
        if (caller.Role == Role.Leader)
        {
            if (storeId is not null && storeId != caller.StoreId)
            {
                throw AppProblem.Forbidden("A leader sees the dashboard of their own store only.");
            }

            storeId = caller.StoreId;
        }

        var chain = await chains.GetChainAsync(chainId, ct);
        TimeZones.TryFind(chain.TimeZone, out var zone);
        var (start, end) = Period(from, to, zone);

        var filters = new List<string> { TableFilter.Compare("LiveStartAt", "ge", start), TableFilter.Compare("LiveStartAt", "lt", end) };
        if (storeId is not null)
        {
            filters.Add(TableFilter.Equal("StoreId", storeId));
        }

        if (leaderId is not null)
        {
            filters.Add(TableFilter.Equal("LeaderId", leaderId));
        }

        var index = await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(chainId, TableFilter.And([.. filters])) with { Select = ["LiveStartAt"] }, ct).ToListAsync(ct);
        var computed = new List<(CampaignMetrics Metrics, HashSet<string> Buyers)>();
        foreach (var chunk in index.Select(r => r.RowKey).Chunk(8))
        {
            var results = await Task.WhenAll(chunk.Select(id => ComputeAsync(id, ct)));
            computed.AddRange(results.Where(r => r is not null).Select(r => r!.Value));
        }

        var perStore = new List<DashboardGroup>();
        foreach (var group in computed.GroupBy(c => c.Metrics.StoreId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            perStore.Add(new DashboardGroup(group.Key, (await chains.FindStoreAsync(chainId, group.Key, ct))?.Name, group.Key, Aggregate(group)));
        }

        var perLeader = new List<DashboardGroup>();
        foreach (var group in computed.GroupBy(c => c.Metrics.LeaderId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var leader = await tables.GetAsync(ChainTables.Leaders, chainId, group.Key, ["Name"], ct);
            perLeader.Add(new DashboardGroup(group.Key, leader?.GetString("Name"), group.First().Metrics.StoreId, Aggregate(group)));
        }

        return new Dashboard(start, end, storeId, leaderId, Aggregate(computed), perStore, perLeader);
    }

    private async Task<(CampaignMetrics, HashSet<string>)?> ComputeAsync(string campaignId, CancellationToken ct)
    {
        var campaign = await CampaignTables.ReadAsync(tables, campaignId, ct);
        if (campaign is null)
        {
            return null;
        }

        var campaignFacts = await facts.ReadAsync(campaign, ct);
        return (CampaignMetricsCalculator.Compute(campaignFacts, new HashSet<string>()), CampaignMetricsCalculator.Buyers(campaignFacts.Campaign, campaignFacts.Orders));
    }

    /// <summary>Sums of the campaigns' counts; rates from the sums (not averages of rates); buyers counted once.</summary>
    public static DashboardFigures Aggregate(IEnumerable<(CampaignMetrics Metrics, HashSet<string> Buyers)> campaigns)
    {
        var list = campaigns.ToList();
        var m = list.Select(c => c.Metrics).ToList();
        var campaignsPerBuyer = list.SelectMany(c => c.Buyers).GroupBy(b => b, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var orders = m.Sum(x => x.Orders);
        var gmv = m.Sum(x => x.GmvFen);
        var reviews = m.Sum(x => x.Reviews);
        return new DashboardFigures(
            m.Count, orders, campaignsPerBuyer.Count, gmv,
            orders == 0 ? null : (long)Math.Round((double)gmv / orders, MidpointRounding.AwayFromZero),
            CampaignMetricsCalculator.Rate(campaignsPerBuyer.Count(b => b.Value >= 2), campaignsPerBuyer.Count),
            CampaignMetricsCalculator.Rate(m.Sum(x => x.ItemsGroupMet), m.Sum(x => x.Items.Count)),
            CampaignMetricsCalculator.Rate(reviews, m.Sum(x => x.FulfilledOrders)),
            CampaignMetricsCalculator.Rate(m.Sum(x => x.ReviewsWithPhotos), reviews),
            CampaignMetricsCalculator.Nps(m.Sum(x => x.Promoters), m.Sum(x => x.Detractors), m.Sum(x => x.Surveys)),
            CampaignMetricsCalculator.Rate(m.Sum(x => x.ReservedBuyers), m.Sum(x => x.Reservations)));
    }

    /// <summary>
    /// [from, to): ISO-8601 instants, or dates (<c>2026-11-01</c>) meaning midnight in the chain's time zone. Default:
    /// the 30 days up to now.
    /// </summary>
    private (DateTimeOffset From, DateTimeOffset To) Period(string? from, string? to, TimeZoneInfo zone)
    {
        var v = new Validator();
        var end = Parse(v, "to", to, zone) ?? clock.GetUtcNow();
        var start = Parse(v, "from", from, zone) ?? end - DefaultPeriod;
        v.ThrowIfInvalid();
        if (start >= end)
        {
            throw AppProblem.Validation("from", "from must be before to.");
        }

        if (end - start > MaxPeriod)
        {
            throw AppProblem.Validation("to", $"A dashboard covers at most {MaxPeriod.TotalDays:0} days; narrow from/to.");
        }

        return (start, end);
    }

    /// <summary>Years a dashboard can cover; outside them the chain's midnight or the default period would leave the calendar.</summary>
    private static bool InRange(Validator v, string field, int year)
    {
        if (year is >= 2000 and <= 2199)
        {
            return true;
        }

        v.Add(field, $"{field} must lie between 2000-01-01 and 2199-12-31.");
        return false;
    }

    private static DateTimeOffset? Parse(Validator v, string field, string? text, TimeZoneInfo zone)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            if (!InRange(v, field, day.Year))
            {
                return null;
            }

            var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
            return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
        }

        if (text.Length >= 16 && text[4] == '-' && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return InRange(v, field, at.Year) ? at : null;
        }

        v.Add(field, $"{field} must be a date (2026-11-01, the chain's midnight) or an ISO-8601 time (2026-11-01T12:00:00Z).");
        return null;
    }
}
