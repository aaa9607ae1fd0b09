using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Growth;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.FollowUp;

/// <summary>Where a review stands in moderation. A review without a decision is <see cref="Pending"/>.</summary>
public enum ReviewStatus
{
    Pending,
    Approved,
    Rejected,
}

/// <summary>A review as its campaign's staff see it in moderation: its decision, the member (masked) and read links to its photos.</summary>
public sealed record ModeratedReview(
    Review Review, string CampaignId, string MaskedName, ReviewStatus Status, bool Featured, string? RejectReason, DateTimeOffset? ModeratedAt,
    IReadOnlyList<Uri> PhotoUrls, int? FeaturedPoints)
{
    public static string Wire(ReviewStatus s) => s.ToString().ToLowerInvariant();
}

/// <summary>One 晒单 on the public wall: masked name, text and photo links; never a phone, member id or order id.</summary>
public sealed record WallReview(string ReviewId, string CampaignId, string MaskedName, int Rating, string Text, bool Featured, IReadOnlyList<Uri> PhotoUrls, DateTimeOffset At);

/// <summary>The public 晒单墙 of a campaign's store and how long its photo links work.</summary>
public sealed record ReviewWallView(string StoreId, IReadOnlyList<WallReview> Reviews, DateTimeOffset PhotoUrlsExpireAt);

/// <summary>
/// Moderation state and the wall. The review row (<see cref="FollowUpTables.FollowUp"/>, <c>rv_{orderId}</c>) is the
/// authority: it gains <c>Status</c>, <c>Featured</c>, <c>RejectReason</c>, <c>ModeratedAt</c>, <c>ModeratedBy</c>,
/// <c>MaskedName</c> and <c>ModerationSeq</c> (+1 on every change, written with the row's ETag).
/// <c>ReviewWall</c> is its public projection per store: PartitionKey = storeId, RowKey = reviewId, one row per moderated
/// review with the masked name, text, photo numbers, <c>Status</c> and the <c>Seq</c> it was projected from; a row is
/// only ever replaced by one of the same or a newer <c>Seq</c> (ETag-conditional), so racing moderations and retries
/// converge on the last decision. A rejected review's row stays as a tombstone (<c>Status = rejected</c>).
/// </summary>
public static class ReviewWallTables
{
    public const string ReviewWall = "ReviewWall";

    public static readonly IReadOnlyList<string> All = [ReviewWall];

    /// <summary>The ledger reason of the 优质晒单 reward; its row is <c>featured:{reviewId}</c>, so it is credited once.</summary>
    public const string FeaturedReason = "featured";

    public static string FeaturedRow(string reviewId) => FollowUpTables.PointsRow(FeaturedReason, reviewId);
}

/// <summary>
/// 晒单 moderation and the 晒单墙 (README "Review wall"). The leader of the campaign's store or the chain admin lists a
/// campaign's reviews and approves, rejects (with a reason) or features (优质晒单) them; each action is idempotent. An
/// approved review with photos shows on the public wall of every campaign of its store; featuring also approves and
/// credits the chain's <see cref="GrowthSettings.FeaturedReviewPoints"/> once per review.
/// </summary>
public sealed class ReviewModerationService(ITableStore tables, IBlobStore blobs, CampaignService campaigns, GrowthLedger ledger, TimeProvider clock, ILogger<ReviewModerationService> logger)
{
    /// <summary>How many reviews the moderation list shows (newest first).</summary>
    public const int MaxListed = 500;

    /// <summary>How many reviews the wall shows: featured first, then the newest approved.</summary>
    public const int WallSize = 30;

    public const int MaxReasonLength = 200;

    /// <summary>How long the wall's and the moderation list's photo links work.</summary>
    public static readonly TimeSpan PhotoReadLifetime = TimeSpan.FromHours(1);

    private const int MaxAttempts = 20;

    public async Task<IReadOnlyList<ModeratedReview>> ListAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var rows = await tables.QueryAsync(FollowUpTables.FollowUp, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(FollowUpTables.ReviewPrefix)), ct).ToListAsync(ct);
        rows = rows.OrderByDescending(r => r.GetDateTimeOffset("At")).Take(MaxListed).ToList();
        var names = await MemberNamesAsync(campaignId, ct);
        var photos = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        await foreach (var blob in blobs.ListAsync(CatalogueTables.Media, $"reviews/{campaignId}/", ct))
        {
            var parts = blob.Name.Split('/');
            if (parts.Length == 4 && int.TryParse(Path.GetFileNameWithoutExtension(parts[3]), out var n))
            {
                (photos.TryGetValue(parts[2], out var list) ? list : photos[parts[2]] = []).Add(n);
            }
        }

        var points = (await ledger.SettingsAsync(campaign.ChainId, ct)).FeaturedReviewPoints;
        var expiresAt = clock.GetUtcNow() + PhotoReadLifetime;
        var result = new List<ModeratedReview>(rows.Count);
        foreach (var row in rows)
        {
            var review = FollowUpTables.ToReview(row);
            var numbers = KeptPhotos(review, photos.GetValueOrDefault(review.OrderId) ?? []);
            result.Add(await ToModeratedAsync(campaignId, row, names.GetValueOrDefault(review.OrderId), numbers, expiresAt, points, ct));
        }

        return result;
    }

    public Task<ModeratedReview> ApproveAsync(Caller caller, string campaignId, string reviewId, CancellationToken ct) =>
        ModerateAsync(caller, campaignId, reviewId, "approve", (row, status, featured) =>
        {
            if (status == ReviewStatus.Approved)
            {
                return false;
            }

            row["Status"] = ModeratedReview.Wire(ReviewStatus.Approved);
            row["RejectReason"] = null;
            row["ApprovedAt"] = clock.GetUtcNow();
            return true;
        }, ct);

    public Task<ModeratedReview> RejectAsync(Caller caller, string campaignId, string reviewId, string? reason, CancellationToken ct)
    {
        var v = new Validator();
        var text = v.Text("reason", reason, MaxReasonLength);
        v.ThrowIfInvalid();
        return ModerateAsync(caller, campaignId, reviewId, "reject", (row, status, featured) =>
        {
            if (featured)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Featured review",
                    "This review is a 优质晒单 and its points were given; a featured review cannot be rejected.");
            }

            if (status == ReviewStatus.Rejected)
            {
                return false; // rejected before: the first reason stands
            }

            row["Status"] = ModeratedReview.Wire(ReviewStatus.Rejected);
            row["RejectReason"] = text;
            return true;
        }, ct);
    }

    /// <summary>Features (优质晒单) and approves the review, then credits the chain's featured-review points once.</summary>
    public async Task<ModeratedReview> FeatureAsync(Caller caller, string campaignId, string reviewId, CancellationToken ct)
    {
        var moderated = await ModerateAsync(caller, campaignId, reviewId, "feature", (row, status, featured) =>
        {
            if (status == ReviewStatus.Rejected)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Rejected review", "This review was rejected; approve it first, then feature it.");
            }

            if ((row.GetInt32("PhotosUploaded") ?? 0) <= 0)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "No photos", "A 优质晒单 shows photos: this review has no confirmed photo yet.");
            }

            if (status == ReviewStatus.Approved && featured)
            {
                return false;
            }

            row["Status"] = ModeratedReview.Wire(ReviewStatus.Approved);
            row["Featured"] = true;
            row["RejectReason"] = null;
            row["ApprovedAt"] = status == ReviewStatus.Approved ? row.GetDateTimeOffset("ApprovedAt") ?? clock.GetUtcNow() : clock.GetUtcNow();
            return true;
        }, ct);

        // After the row says featured, so a crash in between is repaired by the retry; the ledger row decides "once".
        var r = moderated.Review;
        var points = moderated.FeaturedPoints ?? 0;
        await ledger.CreditOnceAsync(r.MemberId, ReviewWallTables.FeaturedRow(r.ReviewId),
            new PointsEntry(ReviewWallTables.FeaturedReason, r.OrderId, campaignId, points, clock.GetUtcNow(), r.ReviewId), ct);
        return moderated;
    }

    /// <summary>The public wall of the campaign's store: its approved reviews with photos, featured first, newest next.</summary>
    public async Task<ReviewWallView> WallAsync(string campaignId, CancellationToken ct)
    {
        var campaign = await campaigns.GetAsync(campaignId, ct);
        var rows = (await tables.QueryAsync(ReviewWallTables.ReviewWall, TableQuery.Partition(campaign.StoreId,
            TableFilter.Equal("Status", ModeratedReview.Wire(ReviewStatus.Approved))), ct).ToListAsync(ct)).Where(r => ParsePhotos(r.GetString("Photos")).Any()).ToList();
        var expiresAt = clock.GetUtcNow() + PhotoReadLifetime;
        var wall = new List<WallReview>();
        foreach (var row in rows.OrderByDescending(r => r.GetBoolean("Featured") ?? false).ThenByDescending(r => r.GetDateTimeOffset("ApprovedAt")).Take(WallSize))
        {
            var fromCampaign = row.RequireString("CampaignId");
            var orderId = row.RequireString("OrderId");
            var urls = new List<Uri>();
            foreach (var n in ParsePhotos(row.GetString("Photos")))
            {
                urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, FollowUpTables.PhotoBlob(fromCampaign, orderId, n), BlobSasPermissions.Read, expiresAt, ct));
            }

            wall.Add(new WallReview(row.RowKey, fromCampaign, row.GetString("MaskedName") ?? "**", row.GetInt32("Rating") ?? 0, row.GetString("Text") ?? string.Empty,
                row.GetBoolean("Featured") ?? false, urls, row.GetDateTimeOffset("At") ?? default));
        }

        return new ReviewWallView(campaign.StoreId, wall, expiresAt);
    }

    /// <summary>
    /// Applies one moderation to the review row with its ETag (again on a fresh row when another instance wrote first),
    /// then projects the row onto the wall. <paramref name="change"/> returns false when the review is already where the
    /// action leads: nothing is written, the projection is still repaired.
    /// </summary>
    private async Task<ModeratedReview> ModerateAsync(Caller caller, string campaignId, string reviewId, string action, Func<TableEntity, ReviewStatus, bool, bool> change, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        for (var attempt = 1; ; attempt++)
        {
            var row = await FindAsync(campaignId, reviewId, ct) ?? throw AppProblem.NotFound("review", reviewId);
            var review = FollowUpTables.ToReview(row);
            var numbers = await PhotosOfAsync(campaignId, review, ct);
            var changed = change(row, StatusOf(row), row.GetBoolean("Featured") ?? false);
            var name = await MemberNameAsync(campaignId, review.OrderId, ct);
            if (changed)
            {
                row["ModerationSeq"] = (row.GetInt64("ModerationSeq") ?? 0) + 1;
                row["ModeratedAt"] = clock.GetUtcNow();
                row["ModeratedBy"] = CampaignService.CauseOf(caller);
                row["MaskedName"] = Names.Mask(name ?? string.Empty);
                try
                {
                    row.ETag = await tables.UpdateAsync(FollowUpTables.FollowUp, row, TableUpdateMode.Merge, row.ETag!, ct);
                }
                catch (ConcurrencyException) when (attempt < MaxAttempts)
                {
                    continue; // another moderation of this review wrote first: decide again on its result
                }

                logger.LogInformation("Review {ReviewId} of campaign {CampaignId}: {Action} by {Cause}", reviewId, campaignId, action, CampaignService.CauseOf(caller));
            }

            await ProjectAsync(campaign.StoreId, campaignId, row, numbers, ct);
            var points = (await ledger.SettingsAsync(campaign.ChainId, ct)).FeaturedReviewPoints;
            return await ToModeratedAsync(campaignId, row, name, numbers, clock.GetUtcNow() + PhotoReadLifetime, points, ct);
        }
    }

    /// <summary>Writes the wall row of the review unless the wall already holds a newer decision.</summary>
    private async Task ProjectAsync(string storeId, string campaignId, TableEntity review, IReadOnlyList<int> photos, CancellationToken ct)
    {
        var seq = review.GetInt64("ModerationSeq") ?? 0;
        var status = StatusOf(review);
        if (seq == 0 || status == ReviewStatus.Pending)
        {
            return; // never moderated: nothing to show
        }

        var reviewId = review.RequireString("ReviewId");
        var wall = new TableEntity(storeId, reviewId)
        {
            ["CampaignId"] = campaignId,
            ["OrderId"] = review.RequireString("OrderId"),
            ["Status"] = ModeratedReview.Wire(status),
            ["Featured"] = review.GetBoolean("Featured") ?? false,
            ["MaskedName"] = review.GetString("MaskedName") ?? "**",
            ["Rating"] = review.GetInt32("Rating") ?? 0,
            ["Text"] = status == ReviewStatus.Approved ? review.GetString("Text") ?? string.Empty : string.Empty,
            ["Photos"] = status == ReviewStatus.Approved ? string.Join(',', photos) : string.Empty,
            ["At"] = review.GetDateTimeOffset("At"),
            ["ApprovedAt"] = review.GetDateTimeOffset("ApprovedAt"),
            ["Seq"] = seq,
        };
        for (var attempt = 1; ; attempt++)
        {
            var current = await tables.GetAsync(ReviewWallTables.ReviewWall, storeId, reviewId, ["Seq"], ct);
            if (current is not null && (current.GetInt64("Seq") ?? 0) > seq)
            {
                return; // a later decision is on the wall already
            }

            try
            {
                if (current is null)
                {
                    await tables.InsertAsync(ReviewWallTables.ReviewWall, wall, ct);
                }
                else
                {
                    await tables.UpdateAsync(ReviewWallTables.ReviewWall, wall, TableUpdateMode.Replace, current.ETag!, ct);
                }

                return;
            }
            catch (Exception ex) when (ex is StorageConflictException or ConcurrencyException && attempt < MaxAttempts)
            {
                // Another instance projected first: compare with what it wrote.
            }
        }
    }

    private async Task<ModeratedReview> ToModeratedAsync(string campaignId, TableEntity row, string? name, IReadOnlyList<int> photos, DateTimeOffset expiresAt, int featuredPoints, CancellationToken ct)
    {
        var review = FollowUpTables.ToReview(row);
        var urls = new List<Uri>(photos.Count);
        foreach (var n in photos)
        {
            urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, FollowUpTables.PhotoBlob(campaignId, review.OrderId, n), BlobSasPermissions.Read, expiresAt, ct));
        }

        var featured = row.GetBoolean("Featured") ?? false;
        return new ModeratedReview(review, campaignId, row.GetString("MaskedName") ?? Names.Mask(name ?? string.Empty), StatusOf(row), featured,
            row.GetString("RejectReason"), row.GetDateTimeOffset("ModeratedAt"), urls, featuredPoints);
    }

    private async Task<TableEntity?> FindAsync(string campaignId, string reviewId, CancellationToken ct) =>
        await tables.QueryAsync(FollowUpTables.FollowUp, TableQuery.Partition(campaignId, TableFilter.And(
            TableFilter.RowKeyStartsWith(FollowUpTables.ReviewPrefix), TableFilter.Equal("ReviewId", reviewId))), ct).FirstOrDefaultAsync(ct);

    /// <summary>The photos of the review that are in storage now (the confirm step kept only images), in number order.</summary>
    private async Task<IReadOnlyList<int>> PhotosOfAsync(string campaignId, Review review, CancellationToken ct)
    {
        var numbers = new List<int>();
        await foreach (var blob in blobs.ListAsync(CatalogueTables.Media, FollowUpTables.PhotoPrefix(campaignId, review.OrderId), ct))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(blob.Name[(blob.Name.LastIndexOf('/') + 1)..]), out var n))
            {
                numbers.Add(n);
            }
        }

        return KeptPhotos(review, numbers);
    }

    /// <summary>
    /// Only confirmed photos count: none until the member confirmed (<see cref="Review.PhotosUploaded"/> &gt; 0), and only
    /// numbers the review asked for. An upload not yet confirmed may not be an image, so it is never linked.
    /// </summary>
    private static List<int> KeptPhotos(Review review, IEnumerable<int> inStorage) =>
        review.PhotosUploaded <= 0 ? [] : inStorage.Where(n => n >= 1 && n <= review.PhotoCount).Distinct().Order().Take(review.PhotosUploaded).ToList();

    private static IEnumerable<int> ParsePhotos(string? photos) =>
        (photos ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.TryParse(p, out var n) ? n : 0).Where(n => n is >= 1 and <= FollowUpRules.MaxPhotos);

    private static ReviewStatus StatusOf(TableEntity row) =>
        Enum.TryParse<ReviewStatus>(row.GetString("Status"), ignoreCase: true, out var s) ? s : ReviewStatus.Pending;

    private async Task<string?> MemberNameAsync(string campaignId, string orderId, CancellationToken ct) =>
        (await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OrderRow(orderId), ["MemberName"], ct))?.GetString("MemberName");

    private async Task<Dictionary<string, string>> MemberNamesAsync(string campaignId, CancellationToken ct)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in tables.QueryAsync(CampaignTables.Campaigns, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", campaignId),
            TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)), ["OrderId", "MemberName"]), ct))
        {
            if (row.GetString("OrderId") is { } orderId)
            {
                names[orderId] = row.GetString("MemberName") ?? string.Empty;
            }
        }

        return names;
    }
}
