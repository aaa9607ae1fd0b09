using ServerlessCommerce.Storage;

namespace ServerlessCommerce.FollowUp;

/// <summary>
/// Where follow-up lives (a contract: the campaign report reads these rows).
/// <c>FollowUp</c>: PartitionKey = campaignId; the survey of an order is row <c>s_{orderId}</c>, its review
/// <c>rv_{orderId}</c>, so one insert per order decides "already submitted".
/// <c>Points</c>: PartitionKey = memberId, RowKey = <c>{reason}:{orderId}</c>; a member's balance is the sum of
/// <c>Amount</c>, and a credit is given once because its row can be inserted once. Reasons (the one ledger, see
/// <c>Growth.GrowthTables</c>): <c>review</c>, <c>photos</c>, <c>purchase</c> (key: the order), <c>referral</c> (the
/// referrer's reward, key: the new member), <c>referred</c> (the new member's, key: themself) and <c>adjustment</c>
/// (key: derived from the admin's Idempotency-Key). Rows written by growth carry <c>OrderId</c> and <c>Note</c>.
/// Review photos are blobs <c>reviews/{campaignId}/{orderId}/{n}.jpg</c> in the <c>media</c> container.
/// </summary>
public static class FollowUpTables
{
    public const string FollowUp = "FollowUp";
    public const string Points = "Points";

    public static readonly IReadOnlyList<string> All = [FollowUp, Points];

    public const string SurveyPrefix = "s_";
    public const string ReviewPrefix = "rv_";

    public static string SurveyRow(string orderId) => SurveyPrefix + orderId;

    public static string ReviewRow(string orderId) => ReviewPrefix + orderId;

    public static string PointsRow(string reason, string orderId) => $"{reason}:{orderId}";

    public static string PhotoPrefix(string campaignId, string orderId) => $"reviews/{campaignId}/{orderId}/";

    /// <summary>The blob of the review's photo number <paramref name="n"/> (1-based).</summary>
    public static string PhotoBlob(string campaignId, string orderId, int n) => $"{PhotoPrefix(campaignId, orderId)}{n}.jpg";

    public static TableEntity ToEntity(string campaignId, FollowUpSurvey s) => new(campaignId, SurveyRow(s.OrderId))
    {
        ["MemberId"] = s.MemberId,
        ["OrderId"] = s.OrderId,
        ["Satisfaction"] = s.Satisfaction,
        ["Nps"] = s.Nps,
        ["Comment"] = s.Comment,
        ["At"] = s.At,
    };

    public static TableEntity ToEntity(string campaignId, Review r) => new(campaignId, ReviewRow(r.OrderId))
    {
        ["ReviewId"] = r.ReviewId,
        ["MemberId"] = r.MemberId,
        ["OrderId"] = r.OrderId,
        ["Rating"] = r.Rating,
        ["Text"] = r.Text,
        ["PhotoCount"] = r.PhotoCount,
        ["PhotosUploaded"] = r.PhotosUploaded,
        ["At"] = r.At,
    };

    public static Review ToReview(TableEntity e) => new(
        e.RequireString("ReviewId"), e.RequireString("OrderId"), e.RequireString("MemberId"), e.GetInt32("Rating") ?? 0,
        e.GetString("Text") ?? string.Empty, e.GetInt32("PhotoCount") ?? 0, e.GetInt32("PhotosUploaded") ?? 0, e.GetDateTimeOffset("At") ?? default);

    public static TableEntity ToEntity(string memberId, PointsEntry p) => new(memberId, PointsRow(p.Reason, p.OrderId))
    {
        ["Amount"] = p.Amount,
        ["CampaignId"] = p.CampaignId,
        ["At"] = p.At,
        ["OrderId"] = p.OrderId,
        ["Note"] = p.Note,
    };

    public static PointsEntry ToPointsEntry(TableEntity e)
    {
        var colon = e.RowKey.IndexOf(':', StringComparison.Ordinal);
        return new PointsEntry(
            colon > 0 ? e.RowKey[..colon] : e.RowKey, e.GetString("OrderId") ?? (colon > 0 ? e.RowKey[(colon + 1)..] : string.Empty),
            e.GetString("CampaignId") ?? string.Empty, e.GetInt32("Amount") ?? 0, e.GetDateTimeOffset("At") ?? default, e.GetString("Note"));
    }
}
