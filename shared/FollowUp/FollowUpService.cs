using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.FollowUp;

/// <summary>What a member sends to answer the survey.</summary>
public sealed record SurveyRequest(int? Satisfaction, int? Nps, string? Comment);

/// <summary>What a member sends to review an order; <see cref="PhotoCount"/> asks for that many upload URLs.</summary>
public sealed record ReviewRequest(int? Rating, string? Text, int? PhotoCount);

/// <summary>Follow-up (回访): the survey, reviews with photos (晒单) and the points they earn.</summary>
public sealed class FollowUpService(ITableStore tables, IBlobStore blobs, OrderService orders, CampaignService campaigns, TimeProvider clock, ILogger<FollowUpService> logger)
{
    public async Task<FollowUpSurvey> SubmitSurveyAsync(Caller caller, string orderId, SurveyRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        caller.Require(Role.Member);
        var v = new Validator();
        if (request.Satisfaction is not (>= 1 and <= 5))
        {
            v.Add("satisfaction", "satisfaction must be a whole number from 1 (very unhappy) to 5 (very happy).");
        }

        if (request.Nps is not (>= 0 and <= 10))
        {
            v.Add("nps", "nps must be a whole number from 0 (would not recommend) to 10 (would surely recommend).");
        }

        var comment = v.OptionalText("comment", request.Comment, FollowUpRules.MaxCommentLength);
        v.ThrowIfInvalid();

        var order = await LoadEligibleOrderAsync(caller, orderId, "survey", ct);
        var survey = new FollowUpSurvey(order.OrderId, order.MemberId, request.Satisfaction!.Value, request.Nps!.Value, comment, clock.GetUtcNow());
        try
        {
            await tables.InsertAsync(FollowUpTables.FollowUp, FollowUpTables.ToEntity(order.CampaignId, survey), ct);
        }
        catch (StorageConflictException)
        {
            throw AlreadySubmitted("survey");
        }

        logger.LogInformation("Survey of order {OrderId} submitted (satisfaction {Satisfaction}, NPS {Nps})", orderId, survey.Satisfaction, survey.Nps);
        return survey;
    }

    /// <summary>
    /// Records the review, credits its points once and hands out one create-only upload URL per requested photo
    /// (valid <see cref="FollowUpRules.PhotoUrlLifetime"/>); the photos count once confirmed.
    /// </summary>
    public async Task<SubmittedReview> SubmitReviewAsync(Caller caller, string orderId, ReviewRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        caller.Require(Role.Member);
        var v = new Validator();
        if (request.Rating is not (>= 1 and <= 5))
        {
            v.Add("rating", "rating must be a whole number of stars from 1 to 5.");
        }

        var text = v.Text("text", request.Text, FollowUpRules.MaxReviewTextLength);
        var photoCount = request.PhotoCount ?? 0;
        if (photoCount is < 0 or > FollowUpRules.MaxPhotos)
        {
            v.Add("photoCount", $"photoCount must be between 0 and {FollowUpRules.MaxPhotos}.");
        }

        v.ThrowIfInvalid();

        var order = await LoadEligibleOrderAsync(caller, orderId, "review", ct);
        var review = new Review(Ids.For(order.ChainId, 'v', order.OrderId), order.OrderId, order.MemberId, request.Rating!.Value, text, photoCount, 0, clock.GetUtcNow());
        try
        {
            await tables.InsertAsync(FollowUpTables.FollowUp, FollowUpTables.ToEntity(order.CampaignId, review), ct);
        }
        catch (StorageConflictException)
        {
            // A retry after a crash between the two writes still gets its points; the ledger row decides "once".
            await CreditOnceAsync(order, FollowUpRules.ReviewReason, FollowUpRules.ReviewPoints, ct);
            throw AlreadySubmitted("review");
        }

        await CreditOnceAsync(order, FollowUpRules.ReviewReason, FollowUpRules.ReviewPoints, ct);
        var expiresAt = clock.GetUtcNow() + FollowUpRules.PhotoUrlLifetime;
        var urls = new List<Uri>(photoCount);
        for (var n = 1; n <= photoCount; n++)
        {
            urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, FollowUpTables.PhotoBlob(order.CampaignId, order.OrderId, n), BlobSasPermissions.Create, expiresAt, ct));
        }

        logger.LogInformation("Review {ReviewId} of order {OrderId} submitted with {PhotoCount} photo URLs", review.ReviewId, orderId, photoCount);
        return new SubmittedReview(review, urls, expiresAt);
    }

    /// <summary>
    /// Counts the review's uploaded photos: every blob under the review's prefix is kept only when its first bytes are a
    /// JPEG or PNG (and it is not empty or too large), otherwise deleted. Records the count and tops the photo points up
    /// to <see cref="FollowUpRules.PointsPerPhoto"/> per kept photo, so confirming again never credits twice.
    /// </summary>
    public async Task<PhotoConfirmation> ConfirmPhotosAsync(Caller caller, string orderId, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var (order, _) = await orders.GetAsync(caller, orderId, ct);
        int kept;
        var refused = new SortedSet<int>();
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(FollowUpTables.FollowUp, order.CampaignId, FollowUpTables.ReviewRow(order.OrderId), cancellationToken: ct)
                      ?? throw new AppProblem(ProblemCodes.NotFound, "No review yet", $"Order '{order.OrderId}' has no review yet: send the review first (POST /api/orders/{order.OrderId}/reviews).");
            var review = FollowUpTables.ToReview(row);
            kept = await KeepValidPhotosAsync(order, review.PhotoCount, refused, ct);
            if (kept == review.PhotosUploaded)
            {
                break;
            }

            row["PhotosUploaded"] = kept;
            try
            {
                await tables.UpdateAsync(FollowUpTables.FollowUp, row, TableUpdateMode.Merge, row.ETag!, ct);
                break;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // Another confirmation wrote first: count again on the fresh row.
            }
        }

        await CreditOnceAsync(order, FollowUpRules.ReviewReason, FollowUpRules.ReviewPoints, ct);
        var photoPoints = await TopUpAsync(order, FollowUpRules.PhotosReason, kept * FollowUpRules.PointsPerPhoto, ct);
        var account = await GetAccountAsync(order.MemberId, ct);
        logger.LogInformation("Photos of the review of order {OrderId} confirmed: {Kept} kept", orderId, kept);
        if (refused.Count > 0)
        {
            // The real photos are kept and credited; the member learns which uploads were not images (and were deleted,
            // so their upload URLs can create them again).
            throw AppProblem.Validation(refused.ToDictionary(n => $"photos[{n}]", n => new[]
            {
                $"Photo {n} is not a JPEG, PNG, GIF or WebP image (or is larger than {FollowUpRules.MaxPhotoBytes / 1024 / 1024} MB); it was deleted. Upload a photo with the same URL and confirm again.",
            }));
        }

        return new PhotoConfirmation(kept, FollowUpRules.ReviewPoints + photoPoints, account.Balance);
    }

    private async Task<PointsAccount> GetAccountAsync(string memberId, CancellationToken ct)
    {
        var rows = await tables.QueryAsync(FollowUpTables.Points, TableQuery.Partition(memberId), ct).ToListAsync(ct);
        var entries = rows.Select(FollowUpTables.ToPointsEntry).OrderByDescending(e => e.At).ToList();
        return new PointsAccount(entries.Sum(e => e.Amount), entries);
    }

    private async Task<Order> LoadEligibleOrderAsync(Caller caller, string orderId, string what, CancellationToken ct)
    {
        var (order, _) = await orders.GetAsync(caller, orderId, ct);
        FollowUpRules.EnsureEligible(order, await campaigns.GetAsync(order.CampaignId, ct), what);
        return order;
    }

    /// <summary>
    /// Keeps the uploads that are images, stored with the type their bytes show (never the uploader's); deletes the
    /// rest and names them in <paramref name="refused"/> (1-based).
    /// </summary>
    private async Task<int> KeepValidPhotosAsync(Order order, int photoCount, ISet<int> refused, CancellationToken ct) =>
        (await UploadedPhotos.CheckAsync(blobs, FollowUpTables.PhotoPrefix(order.CampaignId, order.OrderId),
            n => FollowUpTables.PhotoBlob(order.CampaignId, order.OrderId, n), photoCount, refused, logger, "Review", ct)).Count;

    /// <summary>Credits <paramref name="amount"/> once: the ledger row can be inserted once, a conflict means credited.</summary>
    private async Task CreditOnceAsync(Order order, string reason, int amount, CancellationToken ct)
    {
        try
        {
            await tables.InsertAsync(FollowUpTables.Points, FollowUpTables.ToEntity(order.MemberId, new PointsEntry(reason, order.OrderId, order.CampaignId, amount, clock.GetUtcNow())), ct);
            logger.LogInformation("{Amount} points credited to member {MemberId} for {Reason} of order {OrderId}", amount, order.MemberId, reason, order.OrderId);
        }
        catch (StorageConflictException)
        {
            // Already credited.
        }
    }

    /// <summary>Raises the ledger row of <paramref name="reason"/> to <paramref name="amount"/> (never lowers it); returns its amount.</summary>
    private async Task<int> TopUpAsync(Order order, string reason, int amount, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(FollowUpTables.Points, order.MemberId, FollowUpTables.PointsRow(reason, order.OrderId), cancellationToken: ct);
            try
            {
                if (row is null)
                {
                    if (amount <= 0)
                    {
                        return 0;
                    }

                    await tables.InsertAsync(FollowUpTables.Points, FollowUpTables.ToEntity(order.MemberId, new PointsEntry(reason, order.OrderId, order.CampaignId, amount, clock.GetUtcNow())), ct);
                }
                else
                {
                    var current = row.GetInt32("Amount") ?? 0;
                    if (current >= amount)
                    {
                        return current;
                    }

                    row["Amount"] = amount;
                    row["At"] = clock.GetUtcNow();
                    await tables.UpdateAsync(FollowUpTables.Points, row, TableUpdateMode.Merge, row.ETag!, ct);
                }

                logger.LogInformation("{Reason} points of order {OrderId} for member {MemberId} raised to {Amount}", reason, order.OrderId, order.MemberId, amount);
                return amount;
            }
            catch (Exception ex) when (ex is StorageConflictException or ConcurrencyException && attempt < 5)
            {
                // Another confirmation credited first: read its row again and top up from there.
            }
        }
    }

    private static AppProblem AlreadySubmitted(string what) =>
        AppProblem.Conflict(ProblemCodes.AlreadySubmitted, "Already submitted", $"This order's {what} was already submitted; each order gets one {what}.");
}
