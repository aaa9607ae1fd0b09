using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Hosting;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Follow-up (回访): the survey, reviews with photos (晒单) and points (API.md "Routes").</summary>
public static class FollowUpApi
{
    public static void MapFollowUpApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("FollowUp");
        api.MapPost("/orders/{orderId}/survey", SubmitSurvey).AsFunction("SubmitSurvey")
            .WithSummary("Answer the follow-up survey (the order's member), after pickup or delivery or once the campaign is in follow-up. Again → 409 already-submitted.");
        api.MapPost("/orders/{orderId}/reviews", SubmitReview).AsFunction("SubmitReview")
            .WithSummary($"Review the order (its member; same eligibility as the survey): {FollowUpRules.ReviewPoints} points, and one create-only upload URL per photo " +
                         $"(valid {FollowUpRules.PhotoUrlLifetime.TotalMinutes:0} min; PUT JPEG/PNG bytes with 'x-ms-blob-type: BlockBlob'). Again → 409 already-submitted.");
        api.MapPost("/orders/{orderId}/reviews/photos/confirm", ConfirmPhotos).AsFunction("ConfirmReviewPhotos")
            .WithSummary($"After uploading: keeps the JPEG/PNG photos (deletes anything else) and credits {FollowUpRules.PointsPerPhoto} points per photo, once each.");
        api.MapGet("/members/me/points", MyPoints).AsFunction("MyPoints").WithSummary("The member's points: balance and ledger entries.");
    }

    public sealed record SurveyResponse(string OrderId, int Satisfaction, int Nps, string? Comment, DateTimeOffset At);

    public sealed record ReviewResponse(string ReviewId, string OrderId, int Rating, string Text, int PhotoCount, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset PhotoUploadUrlsExpireAt);

    public sealed record PhotosResponse(int PhotosUploaded, int Points, int Balance);

    public sealed record PointsResponse(int Balance, IReadOnlyList<PointsEntry> Entries);

    public sealed record Services(FollowUpService FollowUp, CallerContext Caller, CancellationToken Cancellation);

    private static async Task<Created<SurveyResponse>> SubmitSurvey(string orderId, SurveyRequest body, [AsParameters] Services s)
    {
        var survey = await s.FollowUp.SubmitSurveyAsync(await s.Caller.GetAsync(), orderId, body, s.Cancellation);
        return TypedResults.Created($"/api/orders/{orderId}/survey", new SurveyResponse(survey.OrderId, survey.Satisfaction, survey.Nps, survey.Comment, survey.At));
    }

    private static async Task<Created<ReviewResponse>> SubmitReview(string orderId, ReviewRequest body, [AsParameters] Services s)
    {
        var (review, urls, expiresAt) = await s.FollowUp.SubmitReviewAsync(await s.Caller.GetAsync(), orderId, body, s.Cancellation);
        return TypedResults.Created($"/api/orders/{orderId}/reviews",
            new ReviewResponse(review.ReviewId, review.OrderId, review.Rating, review.Text, review.PhotoCount, urls, expiresAt));
    }

    private static async Task<Ok<PhotosResponse>> ConfirmPhotos(string orderId, [AsParameters] Services s)
    {
        var confirmation = await s.FollowUp.ConfirmPhotosAsync(await s.Caller.GetAsync(), orderId, s.Cancellation);
        return TypedResults.Ok(new PhotosResponse(confirmation.PhotosUploaded, confirmation.Points, confirmation.Balance));
    }

    private static async Task<Ok<PointsResponse>> MyPoints([AsParameters] Services s)
    {
        var account = await s.FollowUp.GetPointsAsync(await s.Caller.GetAsync(), s.Cancellation);
        return TypedResults.Ok(new PointsResponse(account.Balance, account.Entries));
    }
}
