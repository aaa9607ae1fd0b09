using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Chains;

/// <summary>
/// Tables and keys of chains and people. Everything of a chain lives in partition <c>chainId</c>, so a member and
/// its phone and referral-code index rows are written in one atomic transaction.
/// </summary>
public static class ChainTables
{
    public const string Chains = "Chains";
    public const string Stores = "Stores";
    public const string Leaders = "Leaders";
    public const string Members = "Members";

    public static readonly IReadOnlyList<string> All = [Chains, Stores, Leaders, Members];

    public const string ChainRow = "chain";

    public static string MemberRow(string memberId) => "m_" + memberId;

    public static string PhoneRow(string phone) => "phone_" + Secrets(phone);

    public static string ReferralRow(string code) => "ref_" + code;

    public const string MemberRowPrefix = "m_";

    // Phones are personal data: the index row is keyed by a hash, never the number itself.
    private static string Secrets(string phone) => Identity.Secrets.Hash("phone:" + phone)[..32];

    public static TableEntity ToEntity(Chain chain, string adminKeyHash) => new(chain.ChainId, ChainRow)
    {
        ["Name"] = chain.Name,
        ["TimeZone"] = chain.TimeZone,
        ["AdminKeyHash"] = adminKeyHash,
        ["CreatedAt"] = chain.CreatedAt,
    };

    public static Chain ToChain(TableEntity e) =>
        new(e.PartitionKey, e.RequireString("Name"), e.GetString("TimeZone") ?? Common.TimeZones.Default, e.GetDateTimeOffset("CreatedAt") ?? default);

    public static TableEntity ToEntity(Store store) => new(store.ChainId, store.StoreId)
    {
        ["Name"] = store.Name,
        ["Address"] = store.Address,
        ["CreatedAt"] = store.CreatedAt,
    };

    public static Store ToStore(TableEntity e) =>
        new(e.RowKey, e.PartitionKey, e.RequireString("Name"), e.GetString("Address") ?? string.Empty, e.GetDateTimeOffset("CreatedAt") ?? default);

    public static TableEntity ToEntity(Leader leader, string keyHash) => new(leader.ChainId, leader.LeaderId)
    {
        ["Name"] = leader.Name,
        ["StoreId"] = leader.StoreId,
        ["KeyHash"] = keyHash,
        ["CreatedAt"] = leader.CreatedAt,
    };

    public static Leader ToLeader(TableEntity e) =>
        new(e.RowKey, e.PartitionKey, e.RequireString("StoreId"), e.RequireString("Name"), e.GetDateTimeOffset("CreatedAt") ?? default);

    public static TableEntity ToEntity(Member m) => new(m.ChainId, MemberRow(m.MemberId))
    {
        ["Kind"] = "member",
        ["MemberId"] = m.MemberId,
        ["StoreId"] = m.StoreId,
        ["Name"] = m.Name,
        ["Phone"] = m.Phone,
        ["ReferralCode"] = m.ReferralCode,
        ["ReferredBy"] = m.ReferredBy,
        ["TokenVersion"] = m.TokenVersion,
        ["JoinedAt"] = m.JoinedAt,
    };

    public static Member ToMember(TableEntity e) => new(
        e.RequireString("MemberId"), e.PartitionKey, e.RequireString("StoreId"), e.RequireString("Name"), e.RequireString("Phone"),
        e.RequireString("ReferralCode"), e.GetString("ReferredBy"), e.GetInt32("TokenVersion") ?? 1, e.GetDateTimeOffset("JoinedAt") ?? default);
}
