using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Campaigns (开团): create, list, the public view, lifecycle actions, history, reservations.</summary>
public sealed class CampaignsApi(CampaignService campaignService, ChainService chainService, ServerlessCommerce.Streaming.StreamProviderService streams, ServerlessCommerce.Crm.CrmTargeting targeting, CampaignWorkRunner work, CallerContext callerContext)
{
    public sealed record CreateCampaignRequest(
        string? Title, string? StoreId, string? LeaderId, List<CampaignItemDraft>? Items, DateTimeOffset? PreheatAt, DateTimeOffset? LiveStartAt,
        DateTimeOffset? LiveEndAt, DateTimeOffset? PickupUntil, double? FollowUpAfterHours, double? FollowUpWindowHours, List<string?>? TargetTags = null,
        StreamDraft? Stream = null, string? Intro = null);

    public sealed record ItemView(string ItemId, string ProductId, string Name, string? Unit, long PriceFen, long? LivePriceFen, int Stock, int Remaining, int Sold, int MinGroupSize, int? PerMemberLimit, long? MemberPriceFen = null);

    public sealed record FlashSaleState(string FlashSaleId, string ItemId, int Quantity, int Sold, long PriceFen, DateTimeOffset EndsAt, int FirstNGift, bool Active, string? GiftName = null);

    public sealed record StoreView(string StoreId, string Name, string Address);

    public sealed record CampaignView(
        string CampaignId, string ChainId, string StoreId, StoreView? Store, string LeaderId, string Title, string Phase,
        DateTimeOffset PreheatAt, DateTimeOffset LiveStartAt, DateTimeOffset LiveEndAt, DateTimeOffset PickupUntil,
        double FollowUpAfterHours, double FollowUpWindowHours, int ReservationCount, int OrderCount, string? PinnedItemId, List<ItemView> Items,
        List<FlashSaleState> FlashSales, long Seq, string? TimeZone = null, LiveStream? Stream = null, string? Intro = null, string? Kind = null)
    {
        public static CampaignView From(Campaign c, Store? store = null, string? timeZone = null) => new(
            c.CampaignId, c.ChainId, c.StoreId, store is null ? null : new StoreView(store.StoreId, store.Name, store.Address), c.LeaderId, c.Title,
            Campaign.Wire(c.Phase), c.Schedule.PreheatAt, c.Schedule.LiveStartAt, c.Schedule.LiveEndAt, c.Schedule.PickupUntil,
            c.Schedule.FollowUpAfterHours, c.Schedule.FollowUpWindowHours, c.ReservationCount, c.OrderCount, c.PinnedItemId,
            c.Items.Select(i => new ItemView(i.ItemId, i.ProductId, i.Name, i.Unit, i.PriceFen, i.LivePriceFen, i.Stock, i.Remaining, i.Sold, i.MinGroupSize, i.PerMemberLimit, i.MemberPriceFen)).ToList(),
            c.FlashSales.Select(f => new FlashSaleState(f.FlashSaleId, f.ItemId, f.Quantity, f.Sold, f.PriceFen, f.EndsAt, f.FirstNGift, f.EndedAt is null && f.Remaining > 0 && f.EndsAt > DateTimeOffset.UtcNow, f.GiftName)).ToList(), c.Seq, timeZone, c.Stream, c.Intro, c.Kind);
    }

    public sealed record CampaignSummary(string CampaignId, string Title, string StoreId, string LeaderId, string Phase, DateTimeOffset? LiveStartAt, DateTimeOffset? LiveEndAt);

    [Function("CreateCampaign")]
    [OpenApiOperation("Campaigns", "Open a campaign (admin, or a leader for their own store). Starts in draft. Optional targetTags (at most 5 of the chain's CRM tags): the preview also goes to the store's members with those tags; read or change with /api/campaigns/{campaignId}/target-tags.")]
    [OpenApiRequest(typeof(CreateCampaignRequest))]
    public async Task<Results<Created<CampaignView>, Ok<CampaignView>>> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/campaigns")] HttpRequest req, string chainId)
    {
        var body = await req.ReadJsonAsync<CreateCampaignRequest>();
        var draft = new CampaignDraft(body.Title, body.StoreId, body.LeaderId, body.Items, body.PreheatAt, body.LiveStartAt, body.LiveEndAt, body.PickupUntil, body.FollowUpAfterHours, body.FollowUpWindowHours, body.Stream, body.Intro);
        var caller = await callerContext.GetAsync(req);
        // targetTags (CRM targeted preview) is checked before anything is created and stored beside the campaign.
        var targetTags = await targeting.ValidateAsync(caller, chainId, body.TargetTags, req.HttpContext.RequestAborted);
        var created = await campaignService.CreateAsync(caller, chainId, draft, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        if (targetTags.Count > 0 && !created.Replayed)
        {
            await targeting.SaveAsync(created.Value.CampaignId, targetTags, req.HttpContext.RequestAborted);
        }
        return ChainsApi.CreatedOrReplayed(created, $"/api/campaigns/{created.Value.CampaignId}", await ViewAsync(created.Value, chainService, streams, req.HttpContext.RequestAborted));
    }

    public sealed record DuplicateRequest(DateTimeOffset? PreheatAt, DateTimeOffset? LiveStartAt, DateTimeOffset? LiveEndAt, DateTimeOffset? PickupUntil);

    [Function("EditCampaign")]
    [OpenApiOperation("Campaigns", "Edit a campaign before it goes live (its store's leader, the admin): any create field; only those sent change. items is the whole new list (an item keeps its itemId by product); stock never below sold; the timers are re-planned. After go-live → 409 invalid-transition; storeId cannot change (duplicate instead).")]
    [OpenApiRequest(typeof(CreateCampaignRequest))]
    public async Task<Ok<CampaignView>> Edit([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/campaigns/{campaignId}")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<CreateCampaignRequest>();
        var caller = await callerContext.GetAsync(req);
        var ct = req.HttpContext.RequestAborted;
        var current = await campaignService.GetForStaffAsync(caller, campaignId, ct);
        var targetTags = body.TargetTags is null ? null : await targeting.ValidateAsync(caller, current.ChainId, body.TargetTags, ct);
        var edited = await campaignService.EditAsync(caller, campaignId, new CampaignPatch(body.Title, body.StoreId, body.LeaderId, body.Items, body.PreheatAt, body.LiveStartAt,
            body.LiveEndAt, body.PickupUntil, body.FollowUpAfterHours, body.FollowUpWindowHours, body.Stream, body.Intro), ct);
        if (targetTags is not null)
        {
            await targeting.SaveAsync(campaignId, targetTags, ct);
        }

        return TypedResults.Ok(await ViewAsync(edited, chainService, streams, ct));
    }

    [Function("DuplicateCampaign")]
    [OpenApiOperation("Campaigns", "Copy any earlier campaign of the store into a new draft (its store's leader, the admin): same title, items, prices, stock and limits, the given schedule (preheatAt defaults to 48 h before liveStartAt). Idempotency-Key optional, as for create.")]
    [OpenApiRequest(typeof(DuplicateRequest))]
    public async Task<Results<Created<CampaignView>, Ok<CampaignView>>> Duplicate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/duplicate")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<DuplicateRequest>();
        var created = await campaignService.DuplicateAsync(await callerContext.GetAsync(req), campaignId,
            new CampaignPatch(PreheatAt: body.PreheatAt, LiveStartAt: body.LiveStartAt, LiveEndAt: body.LiveEndAt, PickupUntil: body.PickupUntil), req.IdempotencyKey(), req.HttpContext.RequestAborted);
        return ChainsApi.CreatedOrReplayed(created, $"/api/campaigns/{created.Value.CampaignId}", await ViewAsync(created.Value, chainService, streams, req.HttpContext.RequestAborted));
    }

    [Function("ListCampaigns")]
    [OpenApiOperation("Campaigns", "The chain's campaigns (a leader sees their store's).")]
    public async Task<Ok<List<CampaignSummary>>> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/campaigns")] HttpRequest req, string chainId) =>
        TypedResults.Ok((await campaignService.ListAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted))
            .Select(c => new CampaignSummary(c.CampaignId, c.Title, c.StoreId, c.LeaderId, c.Phase, c.LiveStartAt, c.LiveEndAt))
            .ToList());

    [Function("GetCampaign")]
    [OpenApiOperation("Campaigns", "The public view: phase, schedule, items with price and remaining stock.")]
    public async Task<Ok<CampaignView>> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await ViewAsync(await campaignService.GetAsync(campaignId, req.HttpContext.RequestAborted), chainService, streams, req.HttpContext.RequestAborted));

    /// <summary>
    /// The public view with its store and the chain's time zone (every route that answers a campaign uses it). A campaign
    /// without a playback URL of its own shows the chain's stream provider's, signed at read time (a cached provider read).
    /// </summary>
    internal static async Task<CampaignView> ViewAsync(Campaign campaign, ChainService chains, ServerlessCommerce.Streaming.StreamProviderService streams, CancellationToken ct) =>
        CampaignView.From(campaign, await chains.FindStoreAsync(campaign.ChainId, campaign.StoreId, ct), (await chains.GetChainAsync(campaign.ChainId, ct)).TimeZone)
            with { Stream = await streams.EffectiveStreamAsync(campaign, ct) };

    [Function("CampaignHistory")]
    [OpenApiOperation("Campaigns", "Every phase change: from, to, when, and the cause (timer, leader:<id>, sweeper, soldOut).")]
    public async Task<Ok<IReadOnlyList<HistoryEntry>>> History([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/history")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await campaignService.HistoryAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted));

    [Function("CampaignAction")]
    [OpenApiOperation("Campaigns", "preheat, go-live, close, fulfil, follow-up, complete or cancel. An action that already happened answers 200 with the campaign as it is. fulfil from closed first finishes the 成团 evaluation, so every order has its outcome when it answers.")]
    public async Task<Ok<CampaignView>> Act([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/actions/{action}")] HttpRequest req, string campaignId, string action)
    {
        var caller = await callerContext.GetAsync(req);
        var ct = req.HttpContext.RequestAborted;
        if (action == "fulfil" && await campaignService.GetForStaffAsync(caller, campaignId, ct) is { Phase: CampaignPhase.Closed, EvaluationDone: false })
        {
            // 成团 first: every order gets its outcome before the campaign is fulfilling (the orchestration may be at it too).
            await work.EvaluateNowAsync(campaignId, CampaignService.CauseOf(caller), ct);
        }

        return TypedResults.Ok(await ViewAsync(await campaignService.ActAsync(caller, campaignId, action, ct), chainService, streams, ct));
    }

    public sealed record ReservationResponse(string CampaignId, string MemberId, bool Created);

    [Function("ReserveCampaign")]
    [OpenApiOperation("Campaigns", "预约 (member): 201 the first time, 200 after.")]
    public async Task<Results<Created<ReservationResponse>, Ok<ReservationResponse>>> Reserve([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/reservations")] HttpRequest req, string campaignId)
    {
        var caller = await callerContext.GetAsync(req);
        var created = await campaignService.ReserveAsync(caller, campaignId, req.HttpContext.RequestAborted);
        var body = new ReservationResponse(campaignId, caller.MemberId!, created);
        return created ? TypedResults.Created($"/api/campaigns/{campaignId}", body) : TypedResults.Ok(body);
    }
}
