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
    double? ReservationToBuyerRate,
    RateSamples Samples,
    int AfterSales = 0,
    long RefundedFen = 0);

/// <summary>
/// The sample size (n) behind each averaged or rated figure of <see cref="DashboardFigures"/>, under the same name:
/// 客单价 over orders, 复购率 over buyers, 成团率 over items, 评价率 over fulfilled orders, 晒单率 over reviews, NPS over
/// survey answers, 预约转化率 over reservations. A rate over a handful is a hint, not a trend: the console shows n beside it.
/// </summary>
public sealed record RateSamples(int AverageOrderValueFen, int RepurchaseRate, int GroupSuccessRate, int ReviewRate, int PhotoRate, int Nps, int ReservationToBuyerRate);

/// <summary>One week of the period (Monday to Sunday in the chain's time zone, by the campaigns' scheduled live start).</summary>
public sealed record DashboardWeek(string WeekStart, DashboardFigures Figures);

public sealed record DashboardGroup(string Id, string? Name, string? StoreId, DashboardFigures Figures);

public sealed record Dashboard(DateTimeOffset From, DateTimeOffset To, string? StoreId, string? LeaderId, DashboardFigures Figures, IReadOnlyList<DashboardGroup> PerStore, IReadOnlyList<DashboardGroup> PerLeader,
    IReadOnlyList<CohortFigures> Cohorts, MemberActivity Activity, ReferralFigures Referrals, IReadOnlyList<TagFigures> Tags, IReadOnlyList<DashboardWeek> Weeks);

/// <summary>
/// 老带新 in the period (the store's members when one is chosen): members who joined with a referral code, their share of
/// all who joined, referrals rewarded (a referred member's first handover) and the points those rewards cost (both sides).
/// </summary>
public sealed record ReferralFigures(int NewMembers, int ReferredMembers, double? ReferredShare, int RewardedReferrals, long RewardPoints);

/// <summary>A CRM tag and how many members carry it now (the store's, or every store's).</summary>
public sealed record TagFigures(string Tag, int Members);

/// <summary>
/// 复购率 by cohort: the buyers whose first order (over the year before <c>to</c>) was in <paramref name="Month"/> (the
/// chain's time zone, by the campaign's scheduled live start), and how many of them bought again, in a later campaign
/// of that year.
/// </summary>
public sealed record CohortFigures(string Month, int Buyers, int RepeatBuyers, double? RepurchaseRate);

/// <summary>
/// Who was active in the period: buyers, of whom new (first order of the year before <c>to</c> in the period) and
/// returning (bought before it too); members who joined in it; buyers per week (weeks start on Monday, chain time zone).
/// </summary>
public sealed record MemberActivity(int Buyers, int NewBuyers, int ReturningBuyers, int NewMembers, IReadOnlyList<WeeklyBuyers> Weeks);

public sealed record WeeklyBuyers(string WeekStart, int Buyers);

/// <summary>
/// Chain dashboards: every campaign whose live start lies in [from, to), optionally of one store or leader, computed
/// from the campaigns' rows with the same rules as the campaign report.
/// </summary>
public sealed class DashboardService(ITableStore tables, ChainService chains, CampaignFactsReader facts, TimeProvider clock)
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    /// <summary>How far back cohorts and "new or returning" look from <c>to</c>: a member's first order is the first of this year.</summary>
    public static readonly TimeSpan HistoryWindow = TimeSpan.FromDays(366);

    /// <summary>At most this many campaigns are read for one dashboard (the period and the year before it); beyond, 400.</summary>
    public const int MaxCampaigns = 2_000;

    public async Task<Dashboard> GetAsync(Caller caller, string chainId, string? from, string? to, string? storeId, string? leaderId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        storeId = caller.NarrowToStore(storeId, "dashboard");
        leaderId = string.IsNullOrWhiteSpace(leaderId) ? null : leaderId.Trim();

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

        // The period's campaigns, and the year's before `to` (for first orders): one query over the longer range.
        var historyStart = start < end - HistoryWindow ? start : end - HistoryWindow;
        filters[0] = TableFilter.Compare("LiveStartAt", "ge", historyStart);
        var index = await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(chainId, TableFilter.And([.. filters])) with { Select = ["LiveStartAt"] }, ct).ToListAsync(ct);
        if (index.Count > MaxCampaigns)
        {
            throw AppProblem.Validation("from", $"This dashboard would read {index.Count} campaigns (the period and the year before it); at most {MaxCampaigns}. Choose one store or leader.");
        }

        // Each campaign at its scheduled live start (the index's, which chose it), as the period's filter has it.
        var history = new List<(CampaignMetrics Metrics, HashSet<string> Buyers, DateTimeOffset At)>();
        foreach (var chunk in index.Chunk(8))
        {
            var results = await Task.WhenAll(chunk.Select(async row => (Computed: await ComputeAsync(row.RowKey, ct), At: row.GetDateTimeOffset("LiveStartAt") ?? default)));
            history.AddRange(results.Where(r => r.Computed is not null).Select(r => (r.Computed!.Value.Item1, r.Computed!.Value.Item2, r.At)));
        }

        var computed = history.Where(c => c.At >= start).Select(c => (c.Metrics, c.Buyers)).ToList();
        var weeks = Weekly(history.Where(c => c.At >= start).Select(c => (c.Metrics, c.Buyers, c.At)), start, end, zone ?? TimeZoneInfo.Utc);

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

        var referrals = await ReferralsAsync(chainId, storeId, start, end, ct);
        var (cohorts, activity) = Retention(history.Select(c => (c.At, c.Buyers)), start, end, zone ?? TimeZoneInfo.Utc, referrals.NewMembers);
        return new Dashboard(start, end, storeId, leaderId, Aggregate(computed), perStore, perLeader, cohorts, activity, referrals, await TagsAsync(chainId, storeId, ct), weeks);
    }

    /// <summary>
    /// Trends by week: every week (Monday, the chain's time zone) that [from, to) touches, in order, with the figures of
    /// the campaigns that went live in it; a week without campaigns is there with zeros, so a gap shows as a gap.
    /// </summary>
    public static IReadOnlyList<DashboardWeek> Weekly(
        IEnumerable<(CampaignMetrics Metrics, HashSet<string> Buyers, DateTimeOffset At)> campaigns, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        static DateOnly Monday(DateTimeOffset at, TimeZoneInfo zone)
        {
            var local = TimeZoneInfo.ConvertTime(at, zone);
            return DateOnly.FromDateTime(local.Date).AddDays(-(((int)local.DayOfWeek + 6) % 7));
        }

        var byWeek = campaigns.GroupBy(c => Monday(c.At, zone)).ToDictionary(g => g.Key, g => g.Select(c => (c.Metrics, c.Buyers)).ToList());
        var weeks = new List<DashboardWeek>();
        for (var monday = Monday(from, zone); monday <= Monday(to.AddTicks(-1), zone); monday = monday.AddDays(7))
        {
            weeks.Add(new DashboardWeek(monday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Aggregate(byWeek.GetValueOrDefault(monday) ?? [])));
        }

        return weeks;
    }

    /// <summary>
    /// Members who joined in [from, to) and how many with a referral; referral rewards credited in it (ledger rows
    /// <c>referral:</c> and <c>referred:</c> of the chain's members, whose ids all start with the chain's).
    /// </summary>
    private async Task<ReferralFigures> ReferralsAsync(string chainId, string? storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var members = new HashSet<string>(StringComparer.Ordinal);
        int joined = 0, referred = 0;
        var filter = storeId is null ? TableFilter.RowKeyStartsWith(ChainTables.MemberRowPrefix) : TableFilter.And(TableFilter.RowKeyStartsWith(ChainTables.MemberRowPrefix), TableFilter.Equal("StoreId", storeId));
        await foreach (var row in tables.QueryAsync(ChainTables.Members, TableQuery.Partition(chainId, filter) with { Select = ["MemberId", "JoinedAt", "ReferredBy"] }, ct))
        {
            members.Add(row.GetString("MemberId") ?? string.Empty);
            if (row.GetDateTimeOffset("JoinedAt") is { } at && at >= from && at < to)
            {
                joined++;
                referred += string.IsNullOrEmpty(row.GetString("ReferredBy")) ? 0 : 1;
            }
        }

        int rewarded = 0;
        long points = 0;
        foreach (var reason in new[] { ServerlessCommerce.Growth.GrowthTables.ReferrerReason, ServerlessCommerce.Growth.GrowthTables.RefereeReason })
        {
            var query = new TableQuery(TableFilter.And(
                TableFilter.Compare("PartitionKey", "ge", chainId + "-"), TableFilter.Compare("PartitionKey", "lt", chainId + "."),
                TableFilter.RowKeyStartsWith(reason + ":"), TableFilter.Compare("At", "ge", from), TableFilter.Compare("At", "lt", to)), ["Amount"]);
            await foreach (var row in tables.QueryAsync(ServerlessCommerce.FollowUp.FollowUpTables.Points, query, ct))
            {
                if (storeId is not null && !members.Contains(row.PartitionKey))
                {
                    continue;
                }

                points += row.GetInt32("Amount") ?? 0;
                rewarded += reason == ServerlessCommerce.Growth.GrowthTables.RefereeReason ? 1 : 0;
            }
        }

        return new ReferralFigures(joined, referred, CampaignMetricsCalculator.Rate(referred, joined), rewarded, points);
    }

    /// <summary>The CRM tags of the store's members (or every store's), as the last recompute left them.</summary>
    private async Task<IReadOnlyList<TagFigures>> TagsAsync(string chainId, string? storeId, CancellationToken ct)
    {
        var stores = storeId is not null ? [storeId] : (await chains.ListStoresAsync(chainId, ct)).Select(s => s.StoreId).ToList();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var store in stores)
        {
            await foreach (var row in tables.QueryAsync(ServerlessCommerce.Crm.CrmTables.MemberTags, TableQuery.Partition(store) with { Select = ["Tags"] }, ct))
            {
                foreach (var tag in ServerlessCommerce.Crm.CrmTables.ReadTags(row))
                {
                    counts[tag] = counts.GetValueOrDefault(tag) + 1;
                }
            }
        }

        return counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => new TagFigures(c.Key, c.Value)).ToList();
    }

    /// <summary>
    /// Cohorts and activity from each campaign's buyers (orders not cancelled), campaigns ordered by live start. A
    /// buyer's cohort is the month of their first campaign in <paramref name="history"/>; a repeat buyer bought in a
    /// later campaign too.
    /// </summary>
    public static (IReadOnlyList<CohortFigures> Cohorts, MemberActivity Activity) Retention(
        IEnumerable<(DateTimeOffset At, HashSet<string> Buyers)> history, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, int newMembers)
    {
        var first = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var campaignsBought = new Dictionary<string, int>(StringComparer.Ordinal);
        var inPeriod = new HashSet<string>(StringComparer.Ordinal);
        var weeks = new SortedDictionary<DateOnly, HashSet<string>>();
        foreach (var (at, buyers) in history.Where(c => c.At < to).OrderBy(c => c.At))
        {
            var local = TimeZoneInfo.ConvertTime(at, zone);
            var monday = DateOnly.FromDateTime(local.Date).AddDays(-(((int)local.DayOfWeek + 6) % 7));
            foreach (var buyer in buyers)
            {
                first.TryAdd(buyer, at);
                campaignsBought[buyer] = campaignsBought.GetValueOrDefault(buyer) + 1;
                if (at >= from)
                {
                    inPeriod.Add(buyer);
                    (weeks.TryGetValue(monday, out var set) ? set : weeks[monday] = new HashSet<string>(StringComparer.Ordinal)).Add(buyer);
                }
            }
        }

        string Month(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var cohorts = first.GroupBy(f => Month(f.Value), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var repeat = g.Count(b => campaignsBought[b.Key] >= 2);
                return new CohortFigures(g.Key, g.Count(), repeat, CampaignMetricsCalculator.Rate(repeat, g.Count()));
            }).ToList();
        var newBuyers = inPeriod.Count(b => first[b] >= from);
        return (cohorts, new MemberActivity(inPeriod.Count, newBuyers, inPeriod.Count - newBuyers, newMembers,
            weeks.Select(w => new WeeklyBuyers(w.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), w.Value.Count)).ToList()));
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
        var samples = new RateSamples(orders, campaignsPerBuyer.Count, m.Sum(x => x.Items.Count), m.Sum(x => x.FulfilledOrders), reviews, m.Sum(x => x.Surveys), m.Sum(x => x.Reservations));
        return new DashboardFigures(
            m.Count, orders, campaignsPerBuyer.Count, gmv,
            orders == 0 ? null : (long)Math.Round((double)gmv / orders, MidpointRounding.AwayFromZero),
            CampaignMetricsCalculator.Rate(campaignsPerBuyer.Count(b => b.Value >= 2), campaignsPerBuyer.Count),
            CampaignMetricsCalculator.Rate(m.Sum(x => x.ItemsGroupMet), m.Sum(x => x.Items.Count)),
            CampaignMetricsCalculator.Rate(reviews, m.Sum(x => x.FulfilledOrders)),
            CampaignMetricsCalculator.Rate(m.Sum(x => x.ReviewsWithPhotos), reviews),
            CampaignMetricsCalculator.Nps(m.Sum(x => x.Promoters), m.Sum(x => x.Detractors), m.Sum(x => x.Surveys)),
            CampaignMetricsCalculator.Rate(m.Sum(x => x.ReservedBuyers), m.Sum(x => x.Reservations)),
            samples,
            m.Sum(x => x.AfterSales), m.Sum(x => x.RefundedFen));
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

    /// <summary>A date (the chain's midnight) or an ISO-8601 time; null when absent; a validation message when neither.</summary>
    internal static DateTimeOffset? Parse(Validator v, string field, string? text, TimeZoneInfo zone)
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
