using System.Text.Json;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Growth;

/// <summary>
/// Where growth lives. <c>Growth</c>: PartitionKey = chainId, row <c>settings</c> = the chain's <see cref="GrowthSettings"/>
/// (absent: the defaults). The points themselves are the one ledger, <see cref="FollowUpTables.Points"/>
/// (PartitionKey = memberId), append-only with deterministic row keys, so every credit is an insert that can happen once:
/// <list type="bullet">
/// <item><c>purchase:{orderId}</c>: an order handed over (picked up or delivered);</item>
/// <item><c>referral:{newMemberId}</c> in the referrer's partition and <c>referred:{newMemberId}</c> in the new member's:
/// the referral reward, on the new member's first handed-over order;</item>
/// <item><c>adjustment:{id}</c>: an admin's adjustment, the id derived from its Idempotency-Key;</item>
/// <item><c>review:{orderId}</c>, <c>photos:{orderId}</c>: follow-up (see <see cref="FollowUpTables"/>).</item>
/// </list>
/// </summary>
public static class GrowthTables
{
    public const string Growth = "Growth";

    public static readonly IReadOnlyList<string> All = [Growth];

    public const string SettingsRow = "settings";

    public const string PurchaseReason = "purchase";
    public const string ReferrerReason = "referral";
    public const string RefereeReason = "referred";
    public const string AdjustmentReason = "adjustment";

    public static string PurchaseRow(string orderId) => FollowUpTables.PointsRow(PurchaseReason, orderId);

    public static string ReferrerRow(string newMemberId) => FollowUpTables.PointsRow(ReferrerReason, newMemberId);

    public static string RefereeRow(string newMemberId) => FollowUpTables.PointsRow(RefereeReason, newMemberId);

    public static string AdjustmentRow(string adjustmentId) => FollowUpTables.PointsRow(AdjustmentReason, adjustmentId);

    private sealed record LevelRow(string Name, int MinPoints, string[] Privileges, bool MemberPrice = false);

    public static TableEntity ToEntity(string chainId, GrowthSettings s) => new(chainId, SettingsRow)
    {
        ["ReferrerRewardPoints"] = s.ReferrerRewardPoints,
        ["RefereeRewardPoints"] = s.RefereeRewardPoints,
        ["PurchasePointsPerYuan"] = s.PurchasePointsPerYuan,
        ["FeaturedReviewPoints"] = s.FeaturedReviewPoints,
        ["Levels"] = JsonSerializer.Serialize(s.Levels.Select(l => new LevelRow(l.Name, l.MinPoints, [.. l.Privileges], l.MemberPrice)), JsonSerializerOptions.Web),
    };

    public static GrowthSettings ToSettings(TableEntity? e)
    {
        if (e is null)
        {
            return GrowthSettings.Default;
        }

        var levels = JsonSerializer.Deserialize<LevelRow[]>(e.GetString("Levels") ?? "[]", JsonSerializerOptions.Web) ?? [];
        return new GrowthSettings(e.GetInt32("ReferrerRewardPoints") ?? 0, e.GetInt32("RefereeRewardPoints") ?? 0, e.GetInt32("PurchasePointsPerYuan") ?? 0,
            levels.Length == 0 ? GrowthSettings.Default.Levels : levels.Select(l => new MemberLevel(l.Name, l.MinPoints, l.Privileges, l.MemberPrice)).ToList(),
            e.GetInt32("FeaturedReviewPoints") ?? GrowthSettings.DefaultFeaturedReviewPoints);
    }
}
