using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Campaigns (开团): create, list, the public view, lifecycle actions, history, reservations.</summary>
public static class CampaignsApi
{
    public static void MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Campaigns");
        api.MapPost("/chains/{chainId}/campaigns", Create).AsFunction("CreateCampaign").WithSummary("Open a campaign (admin, or a leader for their own store). Starts in draft.");
        api.MapGet("/chains/{chainId}/campaigns", List).AsFunction("ListCampaigns").WithSummary("The chain's campaigns (a leader sees their store's).");
        api.MapGet("/campaigns/{campaignId}", Get).AsFunction("GetCampaign").WithSummary("The public view: phase, schedule, items with price and remaining stock.");
        api.MapGet("/campaigns/{campaignId}/history", History).AsFunction("CampaignHistory").WithSummary("Every phase change: from, to, when, and the cause (timer, leader:<id>, sweeper, soldOut).");
        api.MapPost("/campaigns/{campaignId}/actions/{action}", Act).AsFunction("CampaignAction")
            .WithSummary("preheat, go-live, close, fulfil, follow-up, complete or cancel. An action that already happened answers 200 with the campaign as it is.");
        api.MapPost("/campaigns/{campaignId}/reservations", Reserve).AsFunction("ReserveCampaign").WithSummary("预约 (member): 201 the first time, 200 after.");
    }

    public sealed record CreateCampaignRequest(
        string? Title, string? StoreId, string? LeaderId, List<CampaignItemDraft>? Items, DateTimeOffset? PreheatAt, DateTimeOffset? LiveStartAt,
        DateTimeOffset? LiveEndAt, DateTimeOffset? PickupUntil, double? FollowUpAfterHours, double? FollowUpWindowHours);

    public sealed record ItemView(string ItemId, string ProductId, string Name, string? Unit, long PriceFen, long? LivePriceFen, int Stock, int Remaining, int Sold, int MinGroupSize, int? PerMemberLimit);

    public sealed record FlashSaleState(string FlashSaleId, string ItemId, int Quantity, int Sold, long PriceFen, DateTimeOffset EndsAt, int FirstNGift, bool Active);

    public sealed record StoreView(string StoreId, string Name, string Address);

    public sealed record CampaignView(
        string CampaignId, string ChainId, string StoreId, StoreView? Store, string LeaderId, string Title, string Phase,
        DateTimeOffset PreheatAt, DateTimeOffset LiveStartAt, DateTimeOffset LiveEndAt, DateTimeOffset PickupUntil,
        double FollowUpAfterHours, double FollowUpWindowHours, int ReservationCount, int OrderCount, string? PinnedItemId, List<ItemView> Items,
        List<FlashSaleState> FlashSales, string? TimeZone = null)
    {
        public static CampaignView From(Campaign c, Store? store = null, string? timeZone = null) => new(
            c.CampaignId, c.ChainId, c.StoreId, store is null ? null : new StoreView(store.StoreId, store.Name, store.Address), c.LeaderId, c.Title,
            Campaign.Wire(c.Phase), c.Schedule.PreheatAt, c.Schedule.LiveStartAt, c.Schedule.LiveEndAt, c.Schedule.PickupUntil,
            c.Schedule.FollowUpAfterHours, c.Schedule.FollowUpWindowHours, c.ReservationCount, c.OrderCount, c.PinnedItemId,
            c.Items.Select(i => new ItemView(i.ItemId, i.ProductId, i.Name, i.Unit, i.PriceFen, i.LivePriceFen, i.Stock, i.Remaining, i.Sold, i.MinGroupSize, i.PerMemberLimit)).ToList(),
            c.FlashSales.Select(f => new FlashSaleState(f.FlashSaleId, f.ItemId, f.Quantity, f.Sold, f.PriceFen, f.EndsAt, f.FirstNGift, f.EndedAt is null && f.Remaining > 0 && f.EndsAt > DateTimeOffset.UtcNow)).ToList(), timeZone);
    }

    public sealed record CampaignSummary(string CampaignId, string Title, string StoreId, string LeaderId, string Phase, DateTimeOffset? LiveStartAt, DateTimeOffset? LiveEndAt);

    public sealed record Services(
        CampaignService Campaigns,
        ChainService Chains,
        CallerContext Caller,
        [property: FromHeader(Name = Idempotency.HeaderName)] string? IdempotencyKey,
        CancellationToken Cancellation);

    private static async Task<Results<Created<CampaignView>, Ok<CampaignView>>> Create(string chainId, CreateCampaignRequest body, [AsParameters] Services s)
    {
        var draft = new CampaignDraft(body.Title, body.StoreId, body.LeaderId, body.Items, body.PreheatAt, body.LiveStartAt, body.LiveEndAt, body.PickupUntil, body.FollowUpAfterHours, body.FollowUpWindowHours);
        var created = await s.Campaigns.CreateAsync(await s.Caller.GetAsync(), chainId, draft, s.IdempotencyKey, s.Cancellation);
        return ChainsApi.CreatedOrReplayed(created, $"/api/campaigns/{created.Value.CampaignId}", await ViewAsync(created.Value, s));
    }

    private static async Task<Ok<List<CampaignSummary>>> List(string chainId, [AsParameters] Services s) =>
        TypedResults.Ok((await s.Campaigns.ListAsync(await s.Caller.GetAsync(), chainId, s.Cancellation))
            .Select(r => new CampaignSummary(r.RowKey, r.GetString("Title") ?? string.Empty, r.GetString("StoreId") ?? string.Empty, r.GetString("LeaderId") ?? string.Empty,
                r.GetString("Phase") ?? "draft", r.GetDateTimeOffset("LiveStartAt"), r.GetDateTimeOffset("LiveEndAt")))
            .ToList());

    private static async Task<Ok<CampaignView>> Get(string campaignId, [AsParameters] Services s) =>
        TypedResults.Ok(await ViewAsync(await s.Campaigns.GetAsync(campaignId, s.Cancellation), s));

    private static Task<CampaignView> ViewAsync(Campaign campaign, Services s) => ViewAsync(campaign, s.Chains, s.Cancellation);

    /// <summary>The public view with its store and the chain's time zone (every route that answers a campaign uses it).</summary>
    internal static async Task<CampaignView> ViewAsync(Campaign campaign, ChainService chains, CancellationToken ct) =>
        CampaignView.From(campaign, await chains.FindStoreAsync(campaign.ChainId, campaign.StoreId, ct), (await chains.GetChainAsync(campaign.ChainId, ct)).TimeZone);

    private static async Task<Ok<IReadOnlyList<HistoryEntry>>> History(string campaignId, [AsParameters] Services s) =>
        TypedResults.Ok(await s.Campaigns.HistoryAsync(await s.Caller.GetAsync(), campaignId, s.Cancellation));

    private static async Task<Ok<CampaignView>> Act(string campaignId, string action, [AsParameters] Services s) =>
        TypedResults.Ok(await ViewAsync(await s.Campaigns.ActAsync(await s.Caller.GetAsync(), campaignId, action, s.Cancellation), s));

    public sealed record ReservationResponse(string CampaignId, string MemberId, bool Created);

    private static async Task<Results<Created<ReservationResponse>, Ok<ReservationResponse>>> Reserve(string campaignId, [AsParameters] Services s)
    {
        var caller = await s.Caller.GetAsync();
        var created = await s.Campaigns.ReserveAsync(caller, campaignId, s.Cancellation);
        var body = new ReservationResponse(campaignId, caller.MemberId!, created);
        return created ? TypedResults.Created($"/api/campaigns/{campaignId}", body) : TypedResults.Ok(body);
    }
}
