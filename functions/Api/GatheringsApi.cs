using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Gatherings;

namespace ServerlessCommerce.Functions.Api;

/// <summary>
/// Offline gatherings (线下活动: tastings, baking classes): a store's leader creates them and announces them in a live
/// room; members sign up (seat or 候补 waitlist) and check in with a private code; attendance feeds the CRM tag 活动常客.
/// </summary>
public sealed class GatheringsApi(GatheringService gatherings, GatheringReminders reminders, CallerContext callerContext)
{
    public sealed record CreateGatheringRequest(string? Title, string? Description, string? Place, DateTimeOffset? StartAt, DateTimeOffset? EndAt, int? Capacity, DateTimeOffset? SignupDeadline);

    public sealed record CheckInRequest(string? Code);

    public sealed record AttendeesResponse(GatheringView Gathering, IReadOnlyList<Attendee> Attendees, int CheckedIn, IReadOnlyDictionary<string, int> RemindersSent);

    [Function("CreateGathering")]
    [OpenApiOperation("Gatherings", "Create an offline gathering of the store (its leader, the admin): title ≤ 40, description? ≤ 500, place ≤ 80, startAt in the future (≤ 366 days), endAt after it (≤ 24 h), capacity 1–500, signupDeadline? between now and startAt (default startAt). Idempotency-Key optional.")]
    [OpenApiRequest(typeof(CreateGatheringRequest))]
    public async Task<Results<Created<GatheringView>, Ok<GatheringView>>> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/stores/{storeId}/gatherings")] HttpRequest req, string storeId)
    {
        var body = await req.ReadJsonAsync<CreateGatheringRequest>();
        var ct = req.HttpContext.RequestAborted;
        var created = await gatherings.CreateAsync(await callerContext.GetAsync(req), storeId, Draft(body), req.IdempotencyKey(), ct);
        return ChainsApi.CreatedOrReplayed(created, $"/api/gatherings/{created.Value.GatheringId}", await gatherings.ViewAsync(created.Value, ct));
    }

    [Function("ListGatherings")]
    [OpenApiOperation("Gatherings", "The store's gatherings, latest start first, at most 100 (its staff and the chain's members).")]
    public async Task<Ok<List<GatheringView>>> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/gatherings")] HttpRequest req, string storeId)
    {
        var ct = req.HttpContext.RequestAborted;
        var list = new List<GatheringView>();
        foreach (var g in await gatherings.ListAsync(await callerContext.GetAsync(req), storeId, ct))
        {
            list.Add(await gatherings.ViewAsync(g, ct));
        }

        return TypedResults.Ok(list);
    }

    [Function("GetGathering")]
    [OpenApiOperation("Gatherings", "The public view of a gathering: place, times, capacity, seats taken, waiting, whether sign-up is open. No names.")]
    public async Task<Ok<GatheringView>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/gatherings/{gatheringId}")] HttpRequest req, string gatheringId)
    {
        var ct = req.HttpContext.RequestAborted;
        return TypedResults.Ok(await gatherings.ViewAsync(await gatherings.GetAsync(gatheringId, ct), ct));
    }

    [Function("EditGathering")]
    [OpenApiOperation("Gatherings", "Edit an open gathering before it starts (its store's leader, the admin): any create field, only those sent change. Capacity never below the seats taken; raising it gives the new seats to the waitlist in order.")]
    [OpenApiRequest(typeof(CreateGatheringRequest))]
    public async Task<Ok<GatheringView>> Edit([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/gatherings/{gatheringId}")] HttpRequest req, string gatheringId)
    {
        var body = await req.ReadJsonAsync<CreateGatheringRequest>();
        var ct = req.HttpContext.RequestAborted;
        return TypedResults.Ok(await gatherings.ViewAsync(await gatherings.EditAsync(await callerContext.GetAsync(req), gatheringId, Draft(body), ct), ct));
    }

    [Function("CancelGathering")]
    [OpenApiOperation("Gatherings", "Cancel the gathering (its store's leader, the admin): sign-up closes and no reminders go out. Again → 200 as it is.")]
    public async Task<Ok<GatheringView>> Cancel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/gatherings/{gatheringId}/cancel")] HttpRequest req, string gatheringId)
    {
        var ct = req.HttpContext.RequestAborted;
        return TypedResults.Ok(await gatherings.ViewAsync(await gatherings.CancelAsync(await callerContext.GetAsync(req), gatheringId, ct), ct));
    }

    [Function("SignUpGathering")]
    [OpenApiOperation("Gatherings", "报名 (a member of the chain): a seat while one is free, else the waitlist (候补, at most 200). 201 the first time, 200 with her place after. After the deadline, once started or cancelled → 409 signup-closed; waitlist full → 409 waitlist-full. Private answer (no-store): it carries her check-in code.")]
    public async Task<Results<Created<MySignup>, Ok<MySignup>>> SignUp([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/gatherings/{gatheringId}/signup")] HttpRequest req, string gatheringId)
    {
        var (signup, created) = await gatherings.SignUpAsync(await callerContext.GetAsync(req), gatheringId, req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = "private, no-store";
        return created ? TypedResults.Created($"/api/gatherings/{gatheringId}/signup/mine", signup) : TypedResults.Ok(signup);
    }

    [Function("CancelGatheringSignup")]
    [OpenApiOperation("Gatherings", "Cancel her sign-up (the member): a freed seat goes to the first waiting member at once, exactly once. Not signed up → 204 too. After check-in → 409 invalid-transition.")]
    public async Task<NoContent> CancelSignup([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/gatherings/{gatheringId}/signup")] HttpRequest req, string gatheringId)
    {
        await gatherings.CancelSignupAsync(await callerContext.GetAsync(req), gatheringId, req.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    [Function("MyGatheringSignup")]
    [OpenApiOperation("Gatherings", "Her own sign-up (the member): status confirmed / waitlisted / none, her place in the waitlist, and her 8-digit check-in code while she has a seat. Cache-Control: private, no-store.")]
    public async Task<Ok<MySignup>> Mine([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/gatherings/{gatheringId}/signup/mine")] HttpRequest req, string gatheringId)
    {
        var mine = await gatherings.MineAsync(await callerContext.GetAsync(req), gatheringId, req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(mine);
    }

    [Function("GatheringAttendees")]
    [OpenApiOperation("Gatherings", "Everyone signed up (its store's leader, the admin): seats first, then the waitlist in order; names and masked phones, check-in times, and how many reminders went out.")]
    public async Task<Ok<AttendeesResponse>> Attendees([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/gatherings/{gatheringId}/attendees")] HttpRequest req, string gatheringId)
    {
        var ct = req.HttpContext.RequestAborted;
        var list = await gatherings.AttendeesAsync(await callerContext.GetAsync(req), gatheringId, ct);
        var view = await gatherings.ViewAsync(await gatherings.GetAsync(gatheringId, ct), ct);
        req.HttpContext.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(new AttendeesResponse(view, list, list.Count(a => a.CheckedInAt is not null), await reminders.SentAsync(gatheringId, ct)));
    }

    [Function("CheckInGathering")]
    [OpenApiOperation("Gatherings", "签到 with the code she shows (its store's leader, the admin), from 2 h before the start to 6 h after the end: once per attendee. Wrong code → 400 wrong-check-in-code; again → 409 already-checked-in; waitlisted → 409 invalid-transition.")]
    [OpenApiRequest(typeof(CheckInRequest))]
    public async Task<Ok<CheckInResult>> CheckIn([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/gatherings/{gatheringId}/check-in")] HttpRequest req, string gatheringId)
    {
        var body = await req.ReadJsonAsync<CheckInRequest>();
        return TypedResults.Ok(await gatherings.CheckInAsync(await callerContext.GetAsync(req), gatheringId, body.Code, req.HttpContext.RequestAborted));
    }

    [Function("AnnounceGathering")]
    [OpenApiOperation("Gatherings", "Announce the store's gathering in the campaign's live room (its store's leader, the admin): viewers get the live event gatheringAnnounced {gatheringId, title, place, startAt, capacity, seatsLeft, ...} and can sign up from the room; it stays listed at GET /api/campaigns/{campaignId}/gatherings.")]
    public async Task<Ok<GatheringView>> Announce([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/gatherings/{gatheringId}/announce")] HttpRequest req, string campaignId, string gatheringId) =>
        TypedResults.Ok(await gatherings.AnnounceAsync(await callerContext.GetAsync(req), campaignId, gatheringId, req.HttpContext.RequestAborted));

    [Function("CampaignGatherings")]
    [OpenApiOperation("Gatherings", "The gatherings announced in the campaign's live room (public), latest start first.")]
    public async Task<Ok<List<GatheringView>>> Announced([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/gatherings")] HttpRequest req, string campaignId)
    {
        var ct = req.HttpContext.RequestAborted;
        var list = new List<GatheringView>();
        foreach (var g in await gatherings.AnnouncedAsync(campaignId, ct))
        {
            list.Add(await gatherings.ViewAsync(g, ct));
        }

        return TypedResults.Ok(list);
    }

    private static GatheringDraft Draft(CreateGatheringRequest body) =>
        new(body.Title, body.Description, body.Place, body.StartAt, body.EndAt, body.Capacity, body.SignupDeadline);
}
