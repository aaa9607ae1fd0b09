using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.LiveRoom;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The live room: negotiate, viewers, comments, polls, pins and flash sales.</summary>
public static class LiveApi
{
    public static void MapLiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Live room");
        api.MapPost("/live/negotiate", Negotiate).AsFunction("LiveNegotiate")
            .WithSummary("Anyone: {url, accessToken} to connect a SignalR client to the campaign's live room, plus a viewerToken for heartbeats.");
        api.MapPost("/live/heartbeat", Heartbeat).AsFunction("LiveHeartbeat").WithSummary("A watching client says it is still there (every ~60 s), with its viewerToken.");
        api.MapGet("/campaigns/{campaignId}/viewers", Viewers).AsFunction("LiveViewers").WithSummary("Viewers: clients seen in the last 90 s.");
        api.MapPost("/campaigns/{campaignId}/comments", Comment).AsFunction("PostComment").WithSummary("A member comments (≤ 200 chars; at most 5 per 30 s and one per 2 s → 429).");
        api.MapGet("/campaigns/{campaignId}/comments", Comments).AsFunction("ListComments").WithSummary("The latest comments (public), oldest first.");
        api.MapPost("/campaigns/{campaignId}/comments/{commentId}/answer", Answer).AsFunction("AnswerComment").WithSummary("The leader answers a comment.");
        api.MapPost("/campaigns/{campaignId}/polls", OpenPoll).AsFunction("OpenPoll").WithSummary("The leader opens a poll of 2–6 options.");
        api.MapGet("/campaigns/{campaignId}/polls", Polls).AsFunction("ListPolls").WithSummary("The campaign's polls with counts (public).");
        api.MapPost("/campaigns/{campaignId}/polls/{pollId}/votes", Vote).AsFunction("VotePoll").WithSummary("A member votes once: {option} is a 0-based index.");
        api.MapPost("/campaigns/{campaignId}/polls/{pollId}/close", ClosePoll).AsFunction("ClosePoll").WithSummary("The leader closes a poll; answers the final counts.");
        api.MapPost("/campaigns/{campaignId}/pin", Pin).AsFunction("PinItem").WithSummary("The leader pins an item (shown with its traceability).");
        api.MapPost("/campaigns/{campaignId}/flash-sales", StartFlashSale).AsFunction("StartFlashSale")
            .WithSummary("The leader starts a flash sale: quantity of an item at priceFen for durationSeconds; the first firstNGift orders get a gift. Ends by itself.");
    }

    public sealed record Services(
        LiveRoomService Live,
        CallerContext Caller,
        [property: FromHeader(Name = Idempotency.HeaderName)] string? IdempotencyKey,
        CancellationToken Cancellation);

    public sealed record HeartbeatRequest(string? ViewerToken);

    public sealed record TextRequest(string? Text);

    public sealed record PollRequest(string? Question, List<string?>? Options);

    public sealed record VoteRequest(int? Option);

    public sealed record PinRequest(string? ItemId);

    public sealed record FlashSaleRequest(string? ItemId, int? Quantity, long? PriceFen, int? DurationSeconds, int? FirstNGift);

    public sealed record FlashSaleView(string FlashSaleId, string ItemId, int Quantity, long PriceFen, DateTimeOffset EndsAt, int FirstNGift, int Sold);

    public sealed record CountView(int Count);

    public sealed record CommentCreated(string CommentId, string MaskedName, string Text, DateTimeOffset At);

    private static async Task<Ok<Negotiated>> Negotiate([FromQuery] string? campaignId, HttpRequest request, [AsParameters] Services s)
    {
        var requestBase = new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");
        return TypedResults.Ok(await s.Live.NegotiateAsync(await s.Caller.GetAsync(), campaignId, requestBase, s.Cancellation));
    }

    private static async Task<NoContent> Heartbeat(HeartbeatRequest body, [AsParameters] Services s)
    {
        await s.Live.HeartbeatAsync(body.ViewerToken, s.Cancellation);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<CountView>> Viewers(string campaignId, [AsParameters] Services s) =>
        TypedResults.Ok(new CountView(await s.Live.CountViewersAsync(campaignId, s.Cancellation)));

    private static async Task<Created<CommentCreated>> Comment(string campaignId, TextRequest body, [AsParameters] Services s)
    {
        var c = await s.Live.CommentAsync(await s.Caller.GetAsync(), campaignId, body.Text, s.Cancellation);
        return TypedResults.Created($"/api/campaigns/{campaignId}/comments", new CommentCreated(c.CommentId, c.MaskedName, c.Text, c.At));
    }

    private static async Task<Ok<IReadOnlyList<Comment>>> Comments(string campaignId, [FromQuery] int? take, [AsParameters] Services s) =>
        TypedResults.Ok(await s.Live.RecentCommentsAsync(campaignId, take ?? 50, s.Cancellation));

    private static async Task<Ok<Comment>> Answer(string campaignId, string commentId, TextRequest body, [AsParameters] Services s) =>
        TypedResults.Ok(await s.Live.AnswerAsync(await s.Caller.GetAsync(), campaignId, commentId, body.Text, s.Cancellation));

    private static async Task<Created<Poll>> OpenPoll(string campaignId, PollRequest body, [AsParameters] Services s)
    {
        var poll = await s.Live.OpenPollAsync(await s.Caller.GetAsync(), campaignId, body.Question, body.Options, s.Cancellation);
        return TypedResults.Created($"/api/campaigns/{campaignId}/polls", poll);
    }

    private static async Task<Ok<IReadOnlyList<Poll>>> Polls(string campaignId, [AsParameters] Services s) =>
        TypedResults.Ok(await s.Live.PollsAsync(campaignId, s.Cancellation));

    private static async Task<Ok> Vote(string campaignId, string pollId, VoteRequest body, [AsParameters] Services s)
    {
        await s.Live.VoteAsync(await s.Caller.GetAsync(), campaignId, pollId, body.Option, s.Cancellation);
        return TypedResults.Ok();
    }

    private static async Task<Ok<Poll>> ClosePoll(string campaignId, string pollId, [AsParameters] Services s) =>
        TypedResults.Ok(await s.Live.ClosePollAsync(await s.Caller.GetAsync(), campaignId, pollId, s.Cancellation));

    private static async Task<Ok<CampaignsApi.CampaignView>> Pin(string campaignId, PinRequest body, ChainService chains, [AsParameters] Services s) =>
        TypedResults.Ok(await CampaignsApi.ViewAsync(await s.Live.PinAsync(await s.Caller.GetAsync(), campaignId, body.ItemId, s.Cancellation), chains, s.Cancellation));

    private static async Task<Created<FlashSaleView>> StartFlashSale(string campaignId, FlashSaleRequest body, [AsParameters] Services s)
    {
        var f = await s.Live.StartFlashSaleAsync(await s.Caller.GetAsync(), campaignId, body.ItemId, body.Quantity, body.PriceFen, body.DurationSeconds, body.FirstNGift, s.IdempotencyKey, s.Cancellation);
        return TypedResults.Created($"/api/campaigns/{campaignId}", new FlashSaleView(f.FlashSaleId, f.ItemId, f.Quantity, f.PriceFen, f.EndsAt, f.FirstNGift, f.Sold));
    }
}
