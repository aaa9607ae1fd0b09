using System.Security.Cryptography;
using System.Text;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Gatherings;

/// <summary>
/// An offline gathering (线下活动: a tasting, a baking class) of one store, optionally announced in a campaign's live room.
/// <see cref="Confirmed"/> and <see cref="Waiting"/> are the counters every sign-up moves in one entity-group
/// transaction with the sign-up row itself, so the capacity holds under parallel sign-ups on any number of instances.
/// </summary>
public sealed record Gathering(
    string GatheringId, string ChainId, string StoreId, string Title, string? Description, string Place,
    DateTimeOffset StartAt, DateTimeOffset EndAt, int Capacity, DateTimeOffset SignupDeadline, string Status,
    int Confirmed, int Waiting, long NextSeq, string? CampaignId, DateTimeOffset CreatedAt)
{
    public const string Open = "open";
    public const string Cancelled = "cancelled";
}

/// <summary>One member's place at a gathering: <c>confirmed</c> (a seat) or <c>waitlisted</c> (候补, in <see cref="Seq"/> order).</summary>
public sealed record GatheringSignup(
    string GatheringId, string MemberId, string Name, string? MaskedPhone, string Status, long Seq, string Nonce,
    DateTimeOffset SignedUpAt, DateTimeOffset? ConfirmedAt, DateTimeOffset? CheckedInAt)
{
    public const string ConfirmedStatus = "confirmed";
    public const string WaitlistedStatus = "waitlisted";
}

/// <summary>What a create or edit sends (every field optional on edit).</summary>
public sealed record GatheringDraft(
    string? Title, string? Description, string? Place, DateTimeOffset? StartAt, DateTimeOffset? EndAt, int? Capacity, DateTimeOffset? SignupDeadline);

/// <summary>The limits of gatherings.</summary>
public static class GatheringRules
{
    public const int MinCapacity = 1;
    public const int MaxCapacity = 500;

    /// <summary>At most this many members wait (候补) at once; beyond it a sign-up is refused with 409 <c>waitlist-full</c>.</summary>
    public const int MaxWaitlist = 200;

    public const int MaxTitleLength = 40;
    public const int MaxDescriptionLength = 500;
    public const int MaxPlaceLength = 80;

    /// <summary>A gathering lasts at most this long.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    /// <summary>A gathering starts at most this far ahead.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    /// <summary>Check-in opens this long before the start and closes this long after the end.</summary>
    public static readonly TimeSpan CheckInEarly = TimeSpan.FromHours(2);

    public static readonly TimeSpan CheckInLate = TimeSpan.FromHours(6);

    /// <summary>At most this many gatherings are listed per store (newest start first).</summary>
    public const int MaxListed = 100;

    /// <summary>The reminders: kind and how long before the start it is due.</summary>
    public static readonly IReadOnlyList<(string Kind, TimeSpan Before)> Reminders = [("24h", TimeSpan.FromHours(24)), ("2h", TimeSpan.FromHours(2))];

    /// <summary>A reminder claimed but not marked sent this long ago is sent again (the sender crashed mid-way).</summary>
    public static readonly TimeSpan ReminderClaimTimeout = TimeSpan.FromMinutes(10);

    public const string NotificationKind = "gathering-reminder";
    public const string PromotedKind = "gathering-promoted";
}

/// <summary>
/// Check-in codes (签到码): 8 digits derived from the signing key, the gathering, the member and the sign-up's random
/// nonce, so the code is never stored: she reads it again through <c>GET …/signup/mine</c>, and the check-in finds her
/// by the code's keyed hash (row <c>code_{hash}</c>). A new sign-up after a cancelled one gets a new code.
/// </summary>
public sealed class CheckInCodes(byte[] signingKey)
{
    public string Code(string gatheringId, string memberId, string nonce)
    {
        var mac = HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes($"gathering-code\n{gatheringId}\n{memberId}\n{nonce}"));
        var n = BitConverter.ToUInt64(mac, 0) % 90_000_000UL;
        return (10_000_000UL + n).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Hash(string gatheringId, string code) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes($"gathering-code-index\n{gatheringId}\n{code}")))[..40];

    public static bool LooksValid(string? code) => code is { Length: 8 } && code.All(char.IsAsciiDigit);
}

/// <summary>
/// Where gatherings live: table <c>Gatherings</c>.
/// <list type="bullet">
/// <item>Partition <c>gatheringId</c>: row <c>gathering</c> (the gathering and its counters), one row <c>s_{memberId}</c>
/// per sign-up, one row <c>code_{hash}</c> per check-in code (→ memberId), and one row <c>rm_{kind}_{memberId}</c> per
/// reminder sent. Sign-up, cancel and promotion are one transaction in this partition, guarded by the gathering row's ETag.</item>
/// <item>Partition <c>store_{storeId}</c>: row <c>gatheringId</c> per gathering of the store (the list).</item>
/// <item>Partition <c>campaign_{campaignId}</c>: row <c>gatheringId</c> per gathering announced in that live room.</item>
/// <item>Partition <c>upcoming</c>: row <c>gatheringId</c> with <c>StartAt</c>, for the reminder timer (removed when it started or was cancelled).</item>
/// <item>Partition <c>att_{chainId}</c>: row <c>{memberId}_{gatheringId}</c> per check-in (what the CRM tag rule counts).</item>
/// </list>
/// </summary>
public static class GatheringTables
{
    public const string Gatherings = "Gatherings";

    public static readonly IReadOnlyList<string> All = [Gatherings];

    public const string GatheringRow = "gathering";
    public const string SignupPrefix = "s_";
    public const string CodePrefix = "code_";
    public const string ReminderPrefix = "rm_";
    public const string UpcomingPartition = "upcoming";

    public static string SignupRow(string memberId) => SignupPrefix + memberId;

    public static string CodeRow(string hash) => CodePrefix + hash;

    public static string ReminderRow(string kind, string memberId) => $"{ReminderPrefix}{kind}_{memberId}";

    public static string StorePartition(string storeId) => "store_" + storeId;

    public static string CampaignPartition(string campaignId) => "campaign_" + campaignId;

    public static string AttendancePartition(string chainId) => "att_" + chainId;

    public static string AttendanceRow(string memberId, string gatheringId) => $"{memberId}_{gatheringId}";

    public static TableEntity ToEntity(Gathering g) => new(g.GatheringId, GatheringRow)
    {
        ["ChainId"] = g.ChainId,
        ["StoreId"] = g.StoreId,
        ["Title"] = g.Title,
        ["Description"] = g.Description,
        ["Place"] = g.Place,
        ["StartAt"] = g.StartAt,
        ["EndAt"] = g.EndAt,
        ["Capacity"] = g.Capacity,
        ["SignupDeadline"] = g.SignupDeadline,
        ["Status"] = g.Status,
        ["Confirmed"] = g.Confirmed,
        ["Waiting"] = g.Waiting,
        ["NextSeq"] = g.NextSeq,
        ["CampaignId"] = g.CampaignId,
        ["CreatedAt"] = g.CreatedAt,
    };

    public static Gathering ToGathering(TableEntity e) => new(
        e.PartitionKey, e.RequireString("ChainId"), e.RequireString("StoreId"), e.RequireString("Title"), e.GetString("Description"),
        e.GetString("Place") ?? string.Empty, e.GetDateTimeOffset("StartAt") ?? default, e.GetDateTimeOffset("EndAt") ?? default,
        e.GetInt32("Capacity") ?? 0, e.GetDateTimeOffset("SignupDeadline") ?? default, e.GetString("Status") ?? Gathering.Open,
        e.GetInt32("Confirmed") ?? 0, e.GetInt32("Waiting") ?? 0, e.GetInt64("NextSeq") ?? 1, e.GetString("CampaignId"), e.GetDateTimeOffset("CreatedAt") ?? default);

    public static TableEntity ToIndexEntity(Gathering g) => new(StorePartition(g.StoreId), g.GatheringId)
    {
        ["Title"] = g.Title,
        ["StartAt"] = g.StartAt,
        ["Status"] = g.Status,
    };

    public static TableEntity ToEntity(GatheringSignup s) => new(s.GatheringId, SignupRow(s.MemberId))
    {
        ["MemberId"] = s.MemberId,
        ["Name"] = s.Name,
        ["MaskedPhone"] = s.MaskedPhone,
        ["Status"] = s.Status,
        ["Seq"] = s.Seq,
        ["Nonce"] = s.Nonce,
        ["SignedUpAt"] = s.SignedUpAt,
        ["ConfirmedAt"] = s.ConfirmedAt,
        ["CheckedInAt"] = s.CheckedInAt,
    };

    public static GatheringSignup ToSignup(TableEntity e) => new(
        e.PartitionKey, e.RequireString("MemberId"), e.GetString("Name") ?? string.Empty, e.GetString("MaskedPhone"),
        e.GetString("Status") ?? GatheringSignup.WaitlistedStatus, e.GetInt64("Seq") ?? 0, e.GetString("Nonce") ?? string.Empty,
        e.GetDateTimeOffset("SignedUpAt") ?? default, e.GetDateTimeOffset("ConfirmedAt"), e.GetDateTimeOffset("CheckedInAt"));
}
