using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Crm;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Automatic CRM tags: the chain's rules, a store's tags and members, a campaign's targeted tags and their reach.</summary>
public sealed class CrmApi(CrmTagService tagService, CrmTargeting targeting, CallerContext callerContext)
{
    public sealed record TargetTagsRequest(List<string?>? TargetTags);

    public sealed record TargetTagsResponse(string CampaignId, IReadOnlyList<string> TargetTags);

    [Function("GetTagRules")]
    [OpenApiOperation("CRM", "The chain's tag rules (admin; a leader may read them). Defaults: 高价值, 烘焙达人/生鲜达人 (category fans), 忠实观众, 沉睡, KOC候选.")]
    public async Task<Ok<TagRules>> GetRules([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/tag-rules")] HttpRequest req, string chainId) =>
        TypedResults.Ok(await tagService.GetRulesAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted));

    [Function("PutTagRules")]
    [OpenApiOperation("CRM", "Replace the chain's tag rules (admin). A missing section keeps its default; tag names 1–12 characters, unique, no comma; at most 8 category-fan rules; counts 1–1000, days 1–3650, fen 0–1e9. Takes effect at the next recompute.")]
    [OpenApiRequest(typeof(TagRulesDraft))]
    public async Task<Ok<TagRules>> PutRules([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/chains/{chainId}/tag-rules")] HttpRequest req, string chainId)
    {
        var body = await req.ReadJsonAsync<TagRulesDraft>();
        return TypedResults.Ok(await tagService.PutRulesAsync(await callerContext.GetAsync(req), chainId, body, req.HttpContext.RequestAborted));
    }

    [Function("RecomputeTags")]
    [OpenApiOperation("CRM", "Recompute every member's tags of the chain now (admin); the nightly job does the same per chain.")]
    public async Task<Ok<RecomputeResult>> Recompute([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/tags/recompute")] HttpRequest req, string chainId) =>
        TypedResults.Ok(await tagService.RecomputeAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted));

    [Function("StoreTags")]
    [OpenApiOperation("CRM", "The store's tags and how many members carry each, most first (leader of that store, admin).")]
    public async Task<Ok<IReadOnlyList<TagCount>>> StoreTags([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/tags")] HttpRequest req, string storeId) =>
        TypedResults.Ok(await tagService.StoreTagsAsync(await callerContext.GetAsync(req), storeId, req.HttpContext.RequestAborted));

    [Function("StoreMembers")]
    [OpenApiOperation("CRM", "The store's members with full phones and tags (leader of that store, admin); ?q= a name part or phone tail, ?tag= members with that tag; at most 200. With ?campaignId= (a campaign of that store, else 404) each row also carries campaign: {reserved, commented, voted, ordered} for it.")]
    public async Task<Ok<IReadOnlyList<StoreMember>>> StoreMembers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/members")] HttpRequest req, string storeId) =>
        TypedResults.Ok(await tagService.StoreMembersAsync(await callerContext.GetAsync(req), storeId, req.QueryString("q"), req.QueryString("tag"), req.HttpContext.RequestAborted,
            req.QueryString("campaignId")));

    [Function("GetCampaignTargets")]
    [OpenApiOperation("CRM", "The tags the campaign's preview targets (its staff).")]
    public async Task<Ok<TargetTagsResponse>> GetTargets([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/target-tags")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(new TargetTagsResponse(campaignId, await targeting.GetAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted)));

    [Function("PutCampaignTargets")]
    [OpenApiOperation("CRM", "Set the tags the campaign's preview targets (its staff; at most 5 of the chain's tags), until the preview goes out (409 invalid-transition after).")]
    [OpenApiRequest(typeof(TargetTagsRequest))]
    public async Task<Ok<TargetTagsResponse>> PutTargets([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/campaigns/{campaignId}/target-tags")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<TargetTagsRequest>();
        return TypedResults.Ok(new TargetTagsResponse(campaignId, await targeting.SetAsync(await callerContext.GetAsync(req), campaignId, body.TargetTags, req.HttpContext.RequestAborted)));
    }

    [Function("CampaignTagReach")]
    [OpenApiOperation("CRM", "Per targeted tag: members the preview reached because of it, those of them who ordered in the campaign, and the rate (its staff). Also in the report as tagReach.")]
    public async Task<Ok<IReadOnlyList<TagReach>>> Reach([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/tag-reach")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await targeting.ReachAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted));
}
