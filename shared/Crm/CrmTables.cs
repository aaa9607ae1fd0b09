using System.Text.Json;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Crm;

/// <summary>
/// Where CRM lives.
/// <c>Crm</c>: a chain's tag rules are row <c>tag-rules</c> of partition <c>chainId</c> (JSON); a campaign's targeted tags
/// are row <c>targets</c> of partition <c>campaignId</c>, and who its targeted preview reached is one row
/// <c>reach_{memberId}</c> per member (with the matched tags) in the same partition.
/// <c>MemberTags</c>: PartitionKey = storeId, RowKey = memberId, <c>Tags</c> = the member's computed tags (JSON array).
/// A recompute replaces whole rows computed from the same facts, so running it twice, or on two instances at once,
/// ends with the same rows (the later run wins with a value that is equally right). A store's counts are one
/// partition query.
/// <c>Trials</c>: PartitionKey = campaignId, RowKey = trialId (derived from campaign, member and item, so an
/// invitation is inserted once). Trial photos are blobs <c>trials/{campaignId}/{trialId}/{n}.jpg</c> in <c>media</c>.
/// </summary>
public static class CrmTables
{
    public const string Crm = "Crm";
    public const string MemberTags = "MemberTags";
    public const string Trials = "Trials";

    public static readonly IReadOnlyList<string> All = [Crm, MemberTags, Trials];

    public const string RulesRow = "tag-rules";
    public const string TargetsRow = "targets";
    public const string ReachPrefix = "reach_";

    public static string ReachRow(string memberId) => ReachPrefix + memberId;

    public static string TrialPhotoPrefix(string campaignId, string trialId) => $"trials/{campaignId}/{trialId}/";

    public static string TrialPhotoBlob(string campaignId, string trialId, int n) => $"{TrialPhotoPrefix(campaignId, trialId)}{n}.jpg";

    public static IReadOnlyList<string> ReadTags(TableEntity row) =>
        row.GetString("Tags") is { Length: > 0 } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    public static string WriteTags(IReadOnlyList<string> tags) => JsonSerializer.Serialize(tags);
}
