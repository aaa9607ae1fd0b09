using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Reports;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The post-campaign report (复盘) and the chain dashboard.</summary>
public sealed class ReportsApi(CampaignReportService campaignReportService, DashboardService dashboardService, ServerlessCommerce.Crm.CrmTargeting targeting, CallerContext callerContext)
{
    /// <summary>The report; <c>tagReach</c> (CRM targeted preview: reached, ordered, rate per targeted tag) is read live, not from the stored report.</summary>
    public sealed record ReportView(CampaignMetrics Metrics, Uri ReportUrl, Uri CsvUrl, Uri JsonUrl, DateTimeOffset GeneratedAt, DateTimeOffset ExpiresAt, IReadOnlyList<ServerlessCommerce.Crm.TagReach> TagReach,
        string Lang, ReportPageUrls ReportUrls)
    {
        public static ReportView From(CampaignReportLinks r, IReadOnlyList<ServerlessCommerce.Crm.TagReach> tagReach) =>
            new(r.Report.Metrics, r.ReportUrl, r.CsvUrl, r.JsonUrl, r.Report.GeneratedAt, r.ExpiresAt, tagReach, r.Lang, r.ReportUrls);
    }

    /// <summary>The report page's language: <c>?lang=zh-CN|en</c>, else from Accept-Language, else zh-CN; 400 naming lang otherwise.</summary>
    private static string Lang(HttpRequest req) =>
        ReportDocuments.PickLanguage(req.QueryString("lang"), req.Headers.AcceptLanguage.ToString())
        ?? throw ServerlessCommerce.Common.AppProblem.Validation("lang", "lang must be zh-CN or en.");

    public sealed record GroupView(
        string? StoreId, string? LeaderId, string? Name, int Campaigns, int Orders, int Buyers, long GmvFen, long? AverageOrderValueFen, double? RepurchaseRate,
        double? GroupSuccessRate, double? ReviewRate, double? PhotoRate, int? Nps, double? ReservationToBuyerRate, RateSamples Samples, int AfterSales = 0, long RefundedFen = 0);

    /// <summary>One week's figures (<c>weekStart</c> is its Monday in the chain's time zone) with n beside every rate.</summary>
    public sealed record WeekView(
        string WeekStart, int Campaigns, int Orders, int Buyers, long GmvFen, long? AverageOrderValueFen, double? RepurchaseRate, double? GroupSuccessRate,
        double? ReviewRate, double? PhotoRate, int? Nps, double? ReservationToBuyerRate, RateSamples Samples)
    {
        public static WeekView Of(DashboardWeek w) => new(w.WeekStart, w.Figures.Campaigns, w.Figures.Orders, w.Figures.Buyers, w.Figures.GmvFen, w.Figures.AverageOrderValueFen,
            w.Figures.RepurchaseRate, w.Figures.GroupSuccessRate, w.Figures.ReviewRate, w.Figures.PhotoRate, w.Figures.Nps, w.Figures.ReservationToBuyerRate, w.Figures.Samples);
    }

    public sealed record DashboardView(
        DateTimeOffset From, DateTimeOffset To, string? StoreId, string? LeaderId, int Campaigns, int Orders, int Buyers, long GmvFen, long? AverageOrderValueFen,
        double? RepurchaseRate, double? GroupSuccessRate, double? ReviewRate, double? PhotoRate, int? Nps, double? ReservationToBuyerRate, RateSamples Samples,
        List<GroupView> PerStore, List<GroupView> PerLeader, IReadOnlyList<CohortFigures> Cohorts, MemberActivity Activity, ReferralFigures Referrals, IReadOnlyList<TagFigures> Tags,
        List<WeekView> Weeks, int AfterSales = 0, long RefundedFen = 0)
    {
        public static DashboardView Of(Dashboard d)
        {
            var f = d.Figures;
            return new(d.From, d.To, d.StoreId, d.LeaderId, f.Campaigns, f.Orders, f.Buyers, f.GmvFen, f.AverageOrderValueFen, f.RepurchaseRate, f.GroupSuccessRate,
                f.ReviewRate, f.PhotoRate, f.Nps, f.ReservationToBuyerRate, f.Samples,
                d.PerStore.Select(g => Group(g.Id, null, g)).ToList(), d.PerLeader.Select(g => Group(g.StoreId, g.Id, g)).ToList(), d.Cohorts, d.Activity, d.Referrals, d.Tags,
                d.Weeks.Select(WeekView.Of).ToList(), f.AfterSales, f.RefundedFen);
        }

        private static GroupView Group(string? storeId, string? leaderId, DashboardGroup g) => new(
            storeId, leaderId, g.Name, g.Figures.Campaigns, g.Figures.Orders, g.Figures.Buyers, g.Figures.GmvFen, g.Figures.AverageOrderValueFen, g.Figures.RepurchaseRate,
            g.Figures.GroupSuccessRate, g.Figures.ReviewRate, g.Figures.PhotoRate, g.Figures.Nps, g.Figures.ReservationToBuyerRate, g.Figures.Samples, g.Figures.AfterSales, g.Figures.RefundedFen);
    }

    [Function("GetCampaignReport")]
    [OpenApiOperation("Reports", "The campaign's report (leader of its store, admin): metrics and 2-hour links to report.html/.csv/.json; 409 report-not-ready before it was generated. ?lang=zh-CN|en picks the language of the page reportUrl links to (default from Accept-Language, zh-CN when unsure; each page has its labels in one language only); reportUrls links both.")]
    public async Task<Ok<ReportView>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/report")] HttpRequest req, string campaignId)
    {
        var lang = Lang(req);
        return TypedResults.Ok(ReportView.From(await campaignReportService.GetAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted, lang), await targeting.ReachAsync(campaignId, req.HttpContext.RequestAborted)));
    }

    [Function("GenerateCampaignReport")]
    [OpenApiOperation("Reports", "(Re)generate the report now from the campaign's rows (leader of its store, admin); answers like GET (?lang= too).")]
    public async Task<Ok<ReportView>> Generate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/report")] HttpRequest req, string campaignId)
    {
        var lang = Lang(req);
        return TypedResults.Ok(ReportView.From(await campaignReportService.GenerateAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted, lang), await targeting.ReachAsync(campaignId, req.HttpContext.RequestAborted)));
    }

    [Function("ChainDashboard")]
    [OpenApiOperation("Reports", "Numbers of the campaigns whose live start is in [from, to) (default the last 30 days), per store and leader; 复购率 by cohort (the month of a buyer's first order over the year before `to`) and member activity (buyers new and returning, members joined, buyers per week); referrals (members who joined with a code, rewards and their points) and CRM tag counts, of the store or the chain; `weeks`: the same figures for every week (Monday, the chain's zone) of the period, empty weeks included; `samples` beside every figure set: the n behind each average and rate (orders, buyers, items, fulfilled orders, reviews, survey answers, reservations). perLeader is HQ's per-leader view (?leaderId= narrows to one). Admin; a leader for their own store. from/to: a date (2026-11-01, the chain's midnight) or an ISO-8601 time, between 2000-01-01 and 2199-12-31; at most the dashboard's longest period apart.")]
    public async Task<Ok<DashboardView>> Dashboard([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/dashboard")] HttpRequest req, string chainId) =>
        TypedResults.Ok(DashboardView.Of(await dashboardService.GetAsync(await callerContext.GetAsync(req), chainId, req.QueryString("from"), req.QueryString("to"), req.QueryString("storeId"), req.QueryString("leaderId"), req.HttpContext.RequestAborted)));
}
