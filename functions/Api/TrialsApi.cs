using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Crm;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>KOC / experience-officer trials (体验官): invite, feedback with photos, approval, public quotes.</summary>
public sealed class TrialsApi(TrialService trialService, CallerContext callerContext)
{
    public sealed record InviteRequest(string? MemberId, string? ItemId);

    public sealed record FeedbackRequest(string? Text, int? PhotoCount);

    public sealed record ApproveRequest(string? Quote);

    public sealed record TrialView(
        string TrialId, string CampaignId, string MemberId, string MaskedName, string ItemId, string ItemName, string Status, string? Text, int PhotoCount,
        int PhotosUploaded, string? Quote, DateTimeOffset InvitedAt, DateTimeOffset? SubmittedAt, DateTimeOffset? ApprovedAt, IReadOnlyList<Uri> PhotoUrls)
    {
        public static TrialView From(Trial t, IReadOnlyList<Uri>? photos = null) => new(
            t.TrialId, t.CampaignId, t.MemberId, ServerlessCommerce.Chains.Names.Mask(t.MemberName), t.ItemId, t.ItemName, Trial.Wire(t.Status), t.Text, t.PhotoCount,
            t.PhotosUploaded, t.Quote, t.InvitedAt, t.SubmittedAt, t.ApprovedAt, photos ?? []);
    }

    public sealed record FeedbackResponse(TrialView Trial, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset PhotoUploadUrlsExpireAt);

    [Function("InviteTrial")]
    [OpenApiOperation("Trials", "Invite a member of the campaign's store to trial one of its items (leader of its store, admin), in draft or preheat (409 invalid-transition later). 201 the first time, 200 again; at most 30 per campaign.")]
    [OpenApiRequest(typeof(InviteRequest))]
    public async Task<Results<Created<TrialView>, Ok<TrialView>>> Invite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/trials")] HttpRequest req, string campaignId)
    {
        var body = await req.ReadJsonAsync<InviteRequest>();
        var (trial, created) = await trialService.InviteAsync(await callerContext.GetAsync(req), campaignId, body.MemberId, body.ItemId, req.HttpContext.RequestAborted);
        return created ? TypedResults.Created($"/api/campaigns/{campaignId}/trials/{trial.TrialId}", TrialView.From(trial)) : TypedResults.Ok(TrialView.From(trial));
    }

    [Function("ListTrials")]
    [OpenApiOperation("Trials", "The campaign's trials with feedback and photo links (leader of its store, admin).")]
    public async Task<Ok<List<TrialView>>> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/trials")] HttpRequest req, string campaignId) =>
        TypedResults.Ok((await trialService.ListAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted)).Select(t => TrialView.From(t.Trial, t.PhotoUrls)).ToList());

    [Function("MyTrials")]
    [OpenApiOperation("Trials", "The calling member's own trial invitations in the campaign.")]
    public async Task<Ok<List<TrialView>>> Mine([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/trials/mine")] HttpRequest req, string campaignId) =>
        TypedResults.Ok((await trialService.MineAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted)).Select(t => TrialView.From(t.Trial, t.PhotoUrls)).ToList());

    [Function("SubmitTrialFeedback")]
    [OpenApiOperation("Trials", "The invited member's feedback (text ≤ 500, photoCount 0–9), once (409 already-submitted again); one create-only upload URL per photo (valid 15 min; PUT image bytes with 'x-ms-blob-type: BlockBlob'), then confirm.")]
    [OpenApiRequest(typeof(FeedbackRequest))]
    public async Task<Created<FeedbackResponse>> Submit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/trials/{trialId}/feedback")] HttpRequest req, string campaignId, string trialId)
    {
        var body = await req.ReadJsonAsync<FeedbackRequest>();
        var feedback = await trialService.SubmitAsync(await callerContext.GetAsync(req), campaignId, trialId, body.Text, body.PhotoCount, req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/campaigns/{campaignId}/trials/{trialId}", new FeedbackResponse(TrialView.From(feedback.Trial), feedback.PhotoUploadUrls, feedback.ExpiresAt));
    }

    [Function("ConfirmTrialPhotos")]
    [OpenApiOperation("Trials", "After uploading (the invited member): keeps JPEG/PNG/GIF/WebP photos by their bytes; anything else is deleted and named in a 400 validation problem (photos[n]).")]
    public async Task<Ok<TrialView>> Confirm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/trials/{trialId}/feedback/photos/confirm")] HttpRequest req, string campaignId, string trialId) =>
        TypedResults.Ok(TrialView.From(await trialService.ConfirmPhotosAsync(await callerContext.GetAsync(req), campaignId, trialId, req.HttpContext.RequestAborted)));

    [Function("ApproveTrial")]
    [OpenApiOperation("Trials", "Approve the feedback as a public 体验官说 quote (leader of its store, admin); quote ≤ 140, defaults to the feedback text. Again → 200.")]
    [OpenApiRequest(typeof(ApproveRequest))]
    public async Task<Ok<TrialView>> Approve([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/trials/{trialId}/approve")] HttpRequest req, string campaignId, string trialId)
    {
        // The body is optional: a bare POST approves the feedback text as it is.
        var body = req.ContentLength is 0 || string.IsNullOrEmpty(req.ContentType) ? new ApproveRequest(null) : await req.ReadJsonAsync<ApproveRequest>();
        return TypedResults.Ok(TrialView.From(await trialService.ApproveAsync(await callerContext.GetAsync(req), campaignId, trialId, body.Quote, req.HttpContext.RequestAborted)));
    }

    [Function("TrialQuotes")]
    [OpenApiOperation("Trials", "体验官说 (public): the campaign's approved trial quotes with masked names and photo links; never phones.")]
    public async Task<Ok<IReadOnlyList<TrialQuote>>> Quotes([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/trial-quotes")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await trialService.QuotesAsync(campaignId, req.HttpContext.RequestAborted));
}
