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
/// <item><c>spend:{orderId}</c>, <c>return:{orderId}:{total}</c>: points that paid an order and came back (see <see cref="PointsSpending"/>);</item>
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
    public const string SpendReason = "spend";
    public const string ReturnReason = "return";

    /// <summary>
    /// The member's guard row in the ledger partition (<c>~guard:{version}</c>, no amount, never an entry): every write
    /// that lowers a balance (spending on an order, a deduction) inserts the next version in the same transaction, so two
    /// of them never both pass on one balance.
    /// </summary>
    public static string GuardRow(long version) => $"{GuardPrefix}{version:D12}";

    public const string GuardPrefix = "~guard:";

    public static bool IsGuard(string rowKey) => rowKey.StartsWith(GuardPrefix, StringComparison.Ordinal);

    /// <summary><c>spend:{orderId}</c>: the points an order used (negative), once.</summary>
    public static string SpendRow(string orderId) => FollowUpTables.PointsRow(SpendReason, orderId);

    /// <summary><c>return:{orderId}:{total}</c>: points given back for cancelled lines or a refund; the key holds the running total returned.</summary>
    public static string ReturnRow(string orderId, int returnedTotal) => $"{ReturnReason}:{orderId}:{returnedTotal:D10}";

    public static string ReturnPrefix(string orderId) => $"{ReturnReason}:{orderId}:";

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
        ["SpendPointsPerYuan"] = s.SpendPointsPerYuan,
        ["MaxPointsSharePercent"] = s.MaxPointsSharePercent,
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
            FeaturedReviewPoints: e.GetInt32("FeaturedReviewPoints") ?? GrowthSettings.DefaultFeaturedReviewPoints,
            SpendPointsPerYuan: e.GetInt32("SpendPointsPerYuan") ?? 0, MaxPointsSharePercent: e.GetInt32("MaxPointsSharePercent") ?? 0);
    }
}
