using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.LiveRoom;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The live room: negotiate, viewers, comments, polls, pins and flash sales.</summary>
public sealed class LiveApi(LiveRoomService liveRoomService, CallerContext callerContext, ChainService chainService, ServerlessCommerce.Streaming.StreamProviderService streams, ClientRateLimits limits)
{
    public sealed record TextRequest(string? Text);

    public sealed record PollRequest(string? Question, List<string?>? Options);

    public sealed record VoteRequest(int? Option);

    public sealed record PinRequest(string? ItemId);

    public sealed record FlashSaleRequest(string? ItemId, int? Quantity, long? PriceFen, int? DurationSeconds, int? FirstNGift, string? GiftName);

    public sealed record FlashSaleView(string FlashSaleId, string ItemId, int Quantity, long PriceFen, DateTimeOffset EndsAt, int FirstNGift, string? GiftName, int Sold, DateTimeOffset? EndedAt)
    {
        public static FlashSaleView From(ServerlessCommerce.Campaigns.FlashSale f) => new(f.FlashSaleId, f.ItemId, f.Quantity, f.PriceFen, f.EndsAt, f.FirstNGift, f.GiftName, f.Sold, f.EndedAt);
    }

    public sealed record RestockRequest(int? Quantity);

    /// <summary>The 补货 done and the item after it (its waitlist served first: <c>remaining</c> counts what is left for anyone).</summary>
    public sealed record RestockView(string RestockId, string ItemId, int Quantity, DateTimeOffset At, int Stock, int Remaining, int Held);

    public sealed record CountView(int Count);

    public sealed record CommentCreated(string CommentId, string MaskedName, string Text, DateTimeOffset At);

    [Function("LiveNegotiate")]
    [OpenApiOperation("Live room", "Anyone: {url, accessToken} to connect a SignalR client to the campaign's live room; a client counts as a viewer once connected. Limited per address (RateLimitNegotiationsPerMinute).")]
    public async Task<Ok<Negotiated>> Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/live/negotiate")] HttpRequest req)
    {
        limits.Negotiation(req); // per client address (RateLimitNegotiationsPerMinute)
        var campaignId = req.QueryString("campaignId");
        var requestBase = new Uri($"{req.Scheme}://{req.Host}{req.PathBase}/");
        return TypedResults.Ok(await liveRoomService.NegotiateAsync(await callerContext.GetAsync(req), campaignId, requestBase, req.HttpContext.RequestAborted));
    }

    [Function("LiveViewers")]
    [OpenApiOperation("Live room", "Viewers: clients connected to the room now, on any instance (a negotiation that never connects does not count). Embedded hub: each instance's live connections, one row per instance rewritten every 30 s (a dead instance's drop out within 90 s). Azure SignalR Service: the connections its upstream events reported. Cached ~2 s.")]
    public async Task<Ok<CountView>> Viewers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/viewers")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(new CountView(await liveRoomService.CountViewersAsync(campaignId, req.HttpContext.RequestAborted)));

    [Function("PostComment")]
    [OpenApiOperation("Live room", "A member comments (≤ 200 chars; at most 5 per 30 s and one per 2 s → 429).")]
    [OpenApiRequest(typeof(TextRequest))]
    public async Task<Created<CommentCreated>> Comment([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/comments")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<TextRequest>();
        var c = await liveRoomService.CommentAsync(await callerContext.GetAsync(req), campaignId, body.Text, req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/campaigns/{campaignId}/comments", new CommentCreated(c.CommentId, c.MaskedName, c.Text, c.At));
    }

    [Function("ListComments")]
    [OpenApiOperation("Live room", "The latest comments (public), oldest first.")]
    public async Task<Ok<IReadOnlyList<Comment>>> Comments([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/comments")] HttpRequest req, string campaignId)
    {
        var take = req.QueryInt("take");
        return TypedResults.Ok(await liveRoomService.RecentCommentsAsync(campaignId, take ?? 50, req.HttpContext.RequestAborted));
    }
    [Function("AnswerComment")]
    [OpenApiOperation("Live room", "The leader answers a comment.")]
    [OpenApiRequest(typeof(TextRequest))]
    public async Task<Ok<Comment>> Answer([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/comments/{commentId}/answer")] HttpRequest req, string campaignId, string commentId)
    {
        var body = await req.ReadJsonAsync<TextRequest>();
        return TypedResults.Ok(await liveRoomService.AnswerAsync(await callerContext.GetAsync(req), campaignId, commentId, body.Text, req.HttpContext.RequestAborted));
    }
    [Function("OpenPoll")]
    [OpenApiOperation("Live room", "The leader opens a poll of 2–6 options.")]
    [OpenApiRequest(typeof(PollRequest))]
    public async Task<Created<Poll>> OpenPoll([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/polls")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<PollRequest>();
        var poll = await liveRoomService.OpenPollAsync(await callerContext.GetAsync(req), campaignId, body.Question, body.Options, req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/campaigns/{campaignId}/polls", poll);
    }

    [Function("ListPolls")]
    [OpenApiOperation("Live room", "The campaign's polls with counts (public).")]
    public async Task<Ok<IReadOnlyList<Poll>>> Polls([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/polls")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await liveRoomService.PollsAsync(campaignId, req.HttpContext.RequestAborted));

    [Function("VotePoll")]
    [OpenApiOperation("Live room", "A member votes once: {option} is a 0-based index.")]
    [OpenApiRequest(typeof(VoteRequest))]
    public async Task<Ok> Vote([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/polls/{pollId}/votes")] HttpRequest req, string campaignId, string pollId)
    {
        var body = await req.ReadJsonAsync<VoteRequest>();
        await liveRoomService.VoteAsync(await callerContext.GetAsync(req), campaignId, pollId, body.Option, req.HttpContext.RequestAborted);
        return TypedResults.Ok();
    }

    [Function("ClosePoll")]
    [OpenApiOperation("Live room", "The leader closes a poll; answers the final counts.")]
    public async Task<Ok<Poll>> ClosePoll([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/polls/{pollId}/close")] HttpRequest req, string campaignId, string pollId) =>
        TypedResults.Ok(await liveRoomService.ClosePollAsync(await callerContext.GetAsync(req), campaignId, pollId, req.HttpContext.RequestAborted));

    [Function("PinItem")]
    [OpenApiOperation("Live room", "The leader pins an item (shown with its traceability).")]
    [OpenApiRequest(typeof(PinRequest))]
    public async Task<Ok<CampaignsApi.CampaignView>> Pin([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/pin")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<PinRequest>();
        return TypedResults.Ok(await CampaignsApi.ViewAsync(await liveRoomService.PinAsync(await callerContext.GetAsync(req), campaignId, body.ItemId, req.HttpContext.RequestAborted), chainService, streams, req.HttpContext.RequestAborted));
    }
    [Function("StartFlashSale")]
    [OpenApiOperation("Live room", "The leader starts a flash sale: quantity of an item at priceFen for durationSeconds; the first firstNGift orders get the gift giftName. Ends by itself, when its quota is sold, or when the leader ends it.")]
    [OpenApiRequest(typeof(FlashSaleRequest))]
    public async Task<Created<FlashSaleView>> StartFlashSale([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/flash-sales")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<FlashSaleRequest>();
        var f = await liveRoomService.StartFlashSaleAsync(await callerContext.GetAsync(req), campaignId, body.ItemId, body.Quantity, body.PriceFen, body.DurationSeconds, body.FirstNGift, body.GiftName, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/campaigns/{campaignId}", FlashSaleView.From(f));
    }

    [Function("RestockItem")]
    [OpenApiOperation("Live room", "补货 (leader of the store, admin): {quantity} 1–10000 more units of an item while live (stock stays ≤ 100000; at most 50 per campaign). The item's waitlist (候补) gets claims on them first. Send an Idempotency-Key: a retry adds nothing more and answers the first. Before go-live edit the campaign instead; after close 409 invalid-transition.")]
    [OpenApiRequest(typeof(RestockRequest))]
    public async Task<Ok<RestockView>> Restock([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/items/{itemId}/restock")] HttpRequest req, string campaignId, string itemId)
    {
        var body = await req.ReadJsonAsync<RestockRequest>();
        var (restock, campaign) = await liveRoomService.RestockAsync(await callerContext.GetAsync(req), campaignId, itemId, body.Quantity, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        var item = campaign.FindItem(itemId)!;
        return TypedResults.Ok(new RestockView(restock.RestockId, restock.ItemId, restock.Quantity, restock.At, item.Stock, item.Remaining, item.Held));
    }

    [Function("EndFlashSale")]
    [OpenApiOperation("Live room", "The leader ends a flash sale early: later orders pay the usual price. Again → 200.")]
    public async Task<Ok<FlashSaleView>> EndFlashSale([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/flash-sales/{flashSaleId}/end")] HttpRequest req, string campaignId, string flashSaleId) =>
        TypedResults.Ok(FlashSaleView.From(await liveRoomService.EndFlashSaleAsync(await callerContext.GetAsync(req), campaignId, flashSaleId, req.HttpContext.RequestAborted)));
}
