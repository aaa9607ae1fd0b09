using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>晒单 moderation and the public 晒单墙 (README "Review wall").</summary>
public sealed class ReviewsApi(ReviewModerationService reviews, CallerContext callerContext)
{
    /// <summary>How long a browser or CDN may keep the public wall: short, so a rejection leaves it within the minute.</summary>
    public const string WallCacheControl = "public, max-age=30";

    public sealed record RejectRequest(string? Reason);

    public sealed record ReviewView(
        string ReviewId, string CampaignId, string OrderId, string MemberId, string MaskedName, int Rating, string Text, int PhotoCount, int PhotosUploaded,
        string Status, bool Featured, string? RejectReason, DateTimeOffset At, DateTimeOffset? ModeratedAt, IReadOnlyList<Uri> PhotoUrls, int? FeaturedPoints)
    {
        public static ReviewView From(ModeratedReview m) => new(
            m.Review.ReviewId, m.CampaignId, m.Review.OrderId, m.Review.MemberId, m.MaskedName, m.Review.Rating, m.Review.Text, m.Review.PhotoCount, m.Review.PhotosUploaded,
            ModeratedReview.Wire(m.Status), m.Featured, m.RejectReason, m.Review.At, m.ModeratedAt, m.PhotoUrls, m.FeaturedPoints);
    }

    [Function("ListReviews")]
    [OpenApiOperation("FollowUp", "The campaign's reviews (晒单) for moderation (leader of its store, admin), newest first, at most 500: status pending/approved/rejected, featured, the member's masked name, text and read links to the confirmed photos (valid 1 h); featuredPoints = what featuring earns now.")]
    public async Task<Ok<List<ReviewView>>> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/reviews")] HttpRequest req, string campaignId) =>
        TypedResults.Ok((await reviews.ListAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted)).Select(ReviewView.From).ToList());

    [Function("ApproveReview")]
    [OpenApiOperation("FollowUp", "Approve the review (leader of its store, admin): with photos it shows on the store's 晒单墙. A rejected review may be approved later. Again → 200, unchanged.")]
    public async Task<Ok<ReviewView>> Approve([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/reviews/{reviewId}/approve")] HttpRequest req, string campaignId, string reviewId) =>
        TypedResults.Ok(ReviewView.From(await reviews.ApproveAsync(await callerContext.GetAsync(req), campaignId, reviewId, req.HttpContext.RequestAborted)));

    [Function("RejectReview")]
    [OpenApiOperation("FollowUp", "Reject the review with a reason ≤ 200 (leader of its store, admin): it leaves the 晒单墙. A featured review → 409 invalid-transition. Again → 200, the first reason kept.")]
    [OpenApiRequest(typeof(RejectRequest))]
    public async Task<Ok<ReviewView>> Reject([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/reviews/{reviewId}/reject")] HttpRequest req, string campaignId, string reviewId)
    {
        var body = await req.ReadJsonAsync<RejectRequest>();
        return TypedResults.Ok(ReviewView.From(await reviews.RejectAsync(await callerContext.GetAsync(req), campaignId, reviewId, body.Reason, req.HttpContext.RequestAborted)));
    }

    [Function("FeatureReview")]
    [OpenApiOperation("FollowUp", "Feature the review as 优质晒单 (leader of its store, admin): approves it, puts it first on the 晒单墙 and credits the chain's featuredReviewPoints (growth settings, default 50) to its member once, whatever the retries. Needs a confirmed photo; a rejected review → 409 invalid-transition. Again → 200.")]
    public async Task<Ok<ReviewView>> Feature([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/reviews/{reviewId}/feature")] HttpRequest req, string campaignId, string reviewId) =>
        TypedResults.Ok(ReviewView.From(await reviews.FeatureAsync(await callerContext.GetAsync(req), campaignId, reviewId, req.HttpContext.RequestAborted)));

    [Function("ReviewWall")]
    [OpenApiOperation("FollowUp", "晒单墙 (public): approved reviews with photos of the campaign's store, this campaign's and earlier ones', featured first, then newest, at most 30: masked name, rating, text and photo links (valid 1 h); never phones, member or order ids. Cache-Control: public, max-age=30.")]
    public async Task<Ok<ReviewWallView>> Wall([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/review-wall")] HttpRequest req, string campaignId)
    {
        var wall = await reviews.WallAsync(campaignId, req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers.CacheControl = WallCacheControl;
        return TypedResults.Ok(wall);
    }
}
