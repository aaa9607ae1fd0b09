using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The waitlist (候补) of sold-out items: join, leave, the member's places and claims, and the staff's view of the lines.</summary>
public sealed class WaitlistApi(WaitlistService waitlist, CallerContext callerContext)
{
    public sealed record JoinWaitlistRequest(int? Quantity);

    public sealed record WaitlistPlaceResponse(string CampaignId, string ItemId, string ItemName, int Quantity, string Status, int Position, DateTimeOffset JoinedAt, DateTimeOffset? ClaimUntil, bool Created);

    [Function("JoinWaitlist")]
    [OpenApiOperation("Waitlist", "候补 (member): a place in a sold-out item's line while the campaign takes orders; body optional {quantity} (1..min(10, perMemberLimit), default 1). 201 the first time, 200 with the same place after. 409 not-sold-out while units are left (order instead), 409 waitlist-full (200 per item, 600 per campaign), 409 not-live outside preheat/live. status waiting (position N) or claimed (claimUntil: her units are held until then).")]
    [OpenApiRequest(typeof(JoinWaitlistRequest))]
    public async Task<Results<Created<WaitlistPlaceResponse>, Ok<WaitlistPlaceResponse>>> Join([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/items/{itemId}/waitlist")] HttpRequest req, string campaignId, string itemId)
    {
        var caller = await callerContext.GetAsync(req);
        // The body is optional: none (no length, no type) joins for one unit.
        var body = req.ContentLength > 0 || (req.ContentLength is null && req.ContentType is { Length: > 0 }) ? await req.ReadJsonAsync<JoinWaitlistRequest>() : new JoinWaitlistRequest(null);
        var (place, created) = await waitlist.JoinAsync(caller, campaignId, itemId, body.Quantity, req.HttpContext.RequestAborted);
        var response = new WaitlistPlaceResponse(place.CampaignId, place.ItemId, place.ItemName, place.Quantity, place.Status, place.Position, place.JoinedAt, place.ClaimUntil, created);
        return created ? TypedResults.Created($"/api/campaigns/{campaignId}/waitlist/mine", response) : TypedResults.Ok(response);
    }

    [Function("LeaveWaitlist")]
    [OpenApiOperation("Waitlist", "Leave an item's waitlist (member): 204, also when she had no place. An open claim passes to the next in line.")]
    public async Task<NoContent> Leave([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/campaigns/{campaignId}/items/{itemId}/waitlist")] HttpRequest req, string campaignId, string itemId)
    {
        await waitlist.LeaveAsync(await callerContext.GetAsync(req), campaignId, itemId, req.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    [Function("MyWaitlist")]
    [OpenApiOperation("Waitlist", "The member's places in this campaign's waitlists: [{itemId, itemName, quantity, status waiting|claimed, position, joinedAt, claimUntil}].")]
    public async Task<Ok<IReadOnlyList<WaitlistPlace>>> Mine([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/waitlist/mine")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await waitlist.MineAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted));

    [Function("CampaignWaitlist")]
    [OpenApiOperation("Waitlist", "Every item's waitlist (leader of the store, chain admin): [{itemId, name, remaining, waiting, claims, held, queue: [{position, maskedName, quantity, status, joinedAt, claimUntil}]}].")]
    public async Task<Ok<IReadOnlyList<WaitlistItemQueue>>> Queue([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/waitlist")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await waitlist.QueueAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted));
}
