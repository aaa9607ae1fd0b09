using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.FollowUp;

/// <summary>A member's answer to the follow-up (回访) survey of one order.</summary>
public sealed record FollowUpSurvey(string OrderId, string MemberId, int Satisfaction, int Nps, string? Comment, DateTimeOffset At);

/// <summary>A member's review (晒单) of one order; photos arrive later, straight from the browser to Blob Storage.</summary>
public sealed record Review(string ReviewId, string OrderId, string MemberId, int Rating, string Text, int PhotoCount, int PhotosUploaded, DateTimeOffset At);

/// <summary>A review as just submitted: the review and one create-only upload URL per requested photo.</summary>
public sealed record SubmittedReview(Review Review, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset UrlsExpireAt);

/// <summary>The outcome of confirming a review's photos: how many were kept, the review's points and the member's balance.</summary>
public sealed record PhotoConfirmation(int PhotosUploaded, int Points, int Balance);

/// <summary>
/// One credit (or, for an admin's adjustment, a debit) in a member's points ledger. <paramref name="OrderId"/> is the
/// order it is for (empty for an adjustment); <paramref name="Note"/> the adjustment's reason or the referral's other member.
/// </summary>
public sealed record PointsEntry(string Reason, string OrderId, string CampaignId, int Amount, DateTimeOffset At, string? Note = null);

/// <summary>A member's points: the balance is the sum of the ledger.</summary>
public sealed record PointsAccount(int Balance, IReadOnlyList<PointsEntry> Entries);

/// <summary>The follow-up rules: who may answer, what the answers may hold, what they earn.</summary>
public static class FollowUpRules
{
    public const int MaxCommentLength = 500;
    public const int MaxReviewTextLength = 500;
    public const int MaxPhotos = 9;

    /// <summary>Points for a review, credited once on submission.</summary>
    public const int ReviewPoints = 10;

    /// <summary>Points for each photo that really arrived and is a JPEG or PNG, credited once per photo.</summary>
    public const int PointsPerPhoto = 5;

    /// <summary>A photo larger than this is not kept (create-only SAS URLs cannot limit the size themselves).</summary>
    public const long MaxPhotoBytes = 10 * 1024 * 1024;

    /// <summary>How long the photo upload URLs work.</summary>
    public static readonly TimeSpan PhotoUrlLifetime = TimeSpan.FromMinutes(15);

    public const string ReviewReason = "review";
    public const string PhotosReason = "photos";

    /// <summary>
    /// A survey or review is possible once the order was handed over (picked up or delivered), or once the campaign is
    /// in follow-up for any order that was not cancelled. Otherwise 409 <c>invalid-transition</c>.
    /// </summary>
    public static void EnsureEligible(Order order, Campaign campaign, string what)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(campaign);
        var handedOver = order.Status is OrderStatus.PickedUp or OrderStatus.Delivered;
        var inFollowUp = campaign.Phase == CampaignPhase.FollowUp && order.Status != OrderStatus.Cancelled;
        if (!handedOver && !inFollowUp)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Not possible yet",
                $"A {what} can be given after pickup or delivery, or once the campaign is in follow-up; this order is " +
                $"{Order.Wire(order.Status)} and the campaign is {Campaign.Wire(campaign.Phase)}.");
        }
    }

    /// <summary>
    /// The image type the bytes show (JPEG, PNG, GIF or WebP by their magic numbers), or null for anything else. A photo
    /// is stored and served with this type, never with the one its uploader claimed (which could be <c>text/html</c>).
    /// </summary>
    public static string? PhotoType(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith(Catalogue.ReportFiles.Jpeg.Magic))
        {
            return "image/jpeg";
        }

        if (content.StartsWith(Catalogue.ReportFiles.Png.Magic))
        {
            return "image/png";
        }

        if (content.StartsWith("GIF87a"u8) || content.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        return content.Length >= 12 && content.StartsWith("RIFF"u8) && content[8..12].SequenceEqual("WEBP"u8) ? "image/webp" : null;
    }
}
