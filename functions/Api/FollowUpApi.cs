using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Follow-up (回访): the survey and reviews with photos (晒单) (API.md "Routes"); the points they earn are read at <c>GET /api/members/me/points</c> (<see cref="GrowthApi"/>).</summary>
public sealed class FollowUpApi(FollowUpService followUpService, CallerContext callerContext)
{
    public sealed record SurveyResponse(string OrderId, int Satisfaction, int Nps, string? Comment, DateTimeOffset At);

    public sealed record ReviewResponse(string ReviewId, string OrderId, int Rating, string Text, int PhotoCount, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset PhotoUploadUrlsExpireAt);

    public sealed record PhotosResponse(int PhotosUploaded, int Points, int Balance);

    [Function("SubmitSurvey")]
    [OpenApiOperation("FollowUp", "Answer the follow-up survey (the order's member), after pickup or delivery or once the campaign is in follow-up. Again → 409 already-submitted.")]
    [OpenApiRequest(typeof(SurveyRequest))]
    public async Task<Created<SurveyResponse>> SubmitSurvey([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/survey")] HttpRequest req, string orderId)
    {
        var body = await req.ReadJsonAsync<SurveyRequest>();
        var survey = await followUpService.SubmitSurveyAsync(await callerContext.GetAsync(req), orderId, body, req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/orders/{orderId}/survey", new SurveyResponse(survey.OrderId, survey.Satisfaction, survey.Nps, survey.Comment, survey.At));
    }

    [Function("SubmitReview")]
    [OpenApiOperation("FollowUp", "Review the order (its member; same eligibility as the survey): 10 points, and one create-only upload URL per photo (valid 15 min; PUT JPEG/PNG/GIF/WebP bytes with 'x-ms-blob-type: BlockBlob'). Again → 409 already-submitted.")]
    [OpenApiRequest(typeof(ReviewRequest))]
    public async Task<Created<ReviewResponse>> SubmitReview([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/reviews")] HttpRequest req, string orderId)
    {
        var body = await req.ReadJsonAsync<ReviewRequest>();
        var (review, urls, expiresAt) = await followUpService.SubmitReviewAsync(await callerContext.GetAsync(req), orderId, body, req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/orders/{orderId}/reviews",
            new ReviewResponse(review.ReviewId, review.OrderId, review.Rating, review.Text, review.PhotoCount, urls, expiresAt));
    }

    [Function("ConfirmReviewPhotos")]
    [OpenApiOperation("FollowUp", "After uploading: keeps the JPEG/PNG/GIF/WebP photos, stored with the type their bytes show (never the one claimed at upload), and credits 5 points per photo, once each; anything else is deleted and named in a 400 validation problem (photos[n]).")]
    public async Task<Ok<PhotosResponse>> ConfirmPhotos([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/reviews/photos/confirm")] HttpRequest req, string orderId)
    {
        var confirmation = await followUpService.ConfirmPhotosAsync(await callerContext.GetAsync(req), orderId, req.HttpContext.RequestAborted);
        return TypedResults.Ok(new PhotosResponse(confirmation.PhotosUploaded, confirmation.Points, confirmation.Balance));
    }
}
