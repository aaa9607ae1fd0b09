using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Functions.Series;

namespace ServerlessCommerce.Functions.Api;

/// <summary>系列直播 (recurring series): a store's template campaign on a schedule, its proposals, confirm and skip.</summary>
public sealed class SeriesApi(SeriesService series, ChainService chainService, ServerlessCommerce.Streaming.StreamProviderService streams, CallerContext callerContext)
{
    public sealed record SeriesRequest(
        string? Name, string? LeaderId, string? FromCampaignId, SeriesTemplate? Template, SeriesScheduleDraft? Schedule, bool? Active, int? ProposeDaysAhead);

    public sealed record ScheduleView(List<int>? Weekdays, string? LiveStartTime, string? Cron, double LiveDurationMinutes, double PreheatLeadHours, double PickupHoursAfterLive);

    public sealed record SeriesView(
        string SeriesId, string ChainId, string StoreId, string LeaderId, string Name, bool Active, int ProposeDaysAhead, string TimeZone,
        SeriesTemplate Template, ScheduleView Schedule, DateTimeOffset? NextLiveStartAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record ConfirmResponse(SeriesProposal Proposal, CampaignsApi.CampaignView Campaign);

    private async Task<SeriesView> ViewAsync(SeriesRecord s, CancellationToken ct)
    {
        var zone = await series.ZoneAsync(s.ChainId, ct);
        var c = s.Schedule;
        return new SeriesView(s.SeriesId, s.ChainId, s.StoreId, s.LeaderId, s.Name, s.Active, s.ProposeDaysAhead, zone.Id, s.Template,
            new ScheduleView(c.Weekdays?.ToList(), c.LiveStartTime, c.Cron, c.LiveDurationMinutes, c.PreheatLeadHours, c.PickupHoursAfterLive),
            s.Active ? c.Next(DateTimeOffset.UtcNow, zone)?.LiveStartAt : null, s.CreatedAt, s.UpdatedAt);
    }

    private static void Private(HttpRequest req) => req.HttpContext.Response.Headers.CacheControl = "no-store";

    [Function("CreateSeries")]
    [OpenApiOperation("Series", "系列直播: a recurring campaign of the store (its leader, the admin). template = the campaign-create fields without store and times (checked as create checks them; errors named template.*), or fromCampaignId = copy a campaign of the store. schedule: weekdays (1 = Monday … 7 = Sunday) + liveStartTime (HH:mm, the chain's time zone, Asia/Shanghai by default) or cron (NCrontab), liveDurationMinutes, preheatLeadHours, pickupHoursAfterLive. proposeDaysAhead (1–30, default 7). At most 20 series per store. The next occurrence within proposeDaysAhead is proposed at once. Idempotency-Key optional.")]
    [OpenApiRequest(typeof(SeriesRequest))]
    public async Task<Results<Created<SeriesView>, Ok<SeriesView>>> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/stores/{storeId}/series")] HttpRequest req, string storeId)
    {
        var body = await req.ReadJsonAsync<SeriesRequest>();
        var ct = req.HttpContext.RequestAborted;
        var created = await series.CreateAsync(await callerContext.GetAsync(req), storeId,
            new SeriesDraft(body.Name, body.LeaderId, body.FromCampaignId, body.Template, body.Schedule, body.Active, body.ProposeDaysAhead), req.IdempotencyKey(), ct);
        Private(req);
        return ChainsApi.CreatedOrReplayed(created, $"/api/series/{created.Value.SeriesId}", await ViewAsync(created.Value, ct));
    }

    [Function("ListSeries")]
    [OpenApiOperation("Series", "The store's series (its leader, the admin), oldest first.")]
    public async Task<Ok<List<SeriesView>>> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/series")] HttpRequest req, string storeId)
    {
        var ct = req.HttpContext.RequestAborted;
        var list = new List<SeriesView>();
        foreach (var s in await series.ListAsync(await callerContext.GetAsync(req), storeId, ct))
        {
            list.Add(await ViewAsync(s, ct));
        }

        Private(req);
        return TypedResults.Ok(list);
    }

    [Function("GetSeries")]
    [OpenApiOperation("Series", "One series with its next live start (its store's leader, the admin).")]
    public async Task<Ok<SeriesView>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/series/{seriesId}")] HttpRequest req, string seriesId)
    {
        var ct = req.HttpContext.RequestAborted;
        var view = await ViewAsync(await series.GetAsync(await callerContext.GetAsync(req), seriesId, ct), ct);
        Private(req);
        return TypedResults.Ok(view);
    }

    [Function("EditSeries")]
    [OpenApiOperation("Series", "Change a series: name, template (whole), schedule (whole), active (false = paused: nothing more is proposed), proposeDaysAhead. Proposals already made keep their times.")]
    [OpenApiRequest(typeof(SeriesRequest))]
    public async Task<Ok<SeriesView>> Edit([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/series/{seriesId}")] HttpRequest req, string seriesId)
    {
        var body = await req.ReadJsonAsync<SeriesRequest>();
        var ct = req.HttpContext.RequestAborted;
        var edited = await series.EditAsync(await callerContext.GetAsync(req), seriesId,
            new SeriesDraft(body.Name, body.LeaderId, body.FromCampaignId, body.Template, body.Schedule, body.Active, body.ProposeDaysAhead), ct);
        Private(req);
        return TypedResults.Ok(await ViewAsync(edited, ct));
    }

    [Function("DeleteSeries")]
    [OpenApiOperation("Series", "Delete a series and its proposals; the campaigns it made stay. 204, also when it is already gone.")]
    public async Task<NoContent> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/series/{seriesId}")] HttpRequest req, string seriesId)
    {
        await series.DeleteAsync(await callerContext.GetAsync(req), seriesId, req.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    [Function("SeriesProposals")]
    [OpenApiOperation("Series", "The series' proposals, newest first (at most 50): status proposed, confirmed (with campaignId), skipped, or expired (its live start passed unconfirmed).")]
    public async Task<Ok<IReadOnlyList<SeriesProposal>>> Proposals([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/series/{seriesId}/proposals")] HttpRequest req, string seriesId)
    {
        var list = await series.ProposalsAsync(await callerContext.GetAsync(req), seriesId, req.HttpContext.RequestAborted);
        Private(req);
        return TypedResults.Ok(list);
    }

    [Function("ConfirmSeriesProposal")]
    [OpenApiOperation("Series", "确认开团: the proposal becomes a campaign draft with the template's items and the proposal's times, its lifecycle timers armed → 201; again → 200 with the same campaign. Live start passed → 409 proposal-stale; skipped → 409 invalid-transition.")]
    public async Task<Results<Created<ConfirmResponse>, Ok<ConfirmResponse>>> Confirm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/series/{seriesId}/proposals/{proposalId}/confirm")] HttpRequest req, string seriesId, string proposalId)
    {
        var ct = req.HttpContext.RequestAborted;
        var confirmed = await series.ConfirmAsync(await callerContext.GetAsync(req), seriesId, proposalId, ct);
        var body = new ConfirmResponse(confirmed.Proposal, await CampaignsApi.ViewAsync(confirmed.Campaign, chainService, streams, ct));
        Private(req);
        return confirmed.Created ? TypedResults.Created($"/api/campaigns/{confirmed.Campaign.CampaignId}", body) : TypedResults.Ok(body);
    }

    [Function("SkipSeriesProposal")]
    [OpenApiOperation("Series", "跳过: this occurrence will not run (again → 200). A confirmed proposal → 409 invalid-transition (cancel its campaign instead).")]
    public async Task<Ok<SeriesProposal>> Skip(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/series/{seriesId}/proposals/{proposalId}/skip")] HttpRequest req, string seriesId, string proposalId)
    {
        var skipped = await series.SkipAsync(await callerContext.GetAsync(req), seriesId, proposalId, req.HttpContext.RequestAborted);
        Private(req);
        return TypedResults.Ok(skipped);
    }
}
