using System.Globalization;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Outreach;

/// <summary>
/// Where outreach lives: one table, <c>Outreach</c>.
/// Deliveries: PartitionKey = campaignId, RowKey = <c>d_{notification event id}</c>. The notification event id is stable
/// per member and notification (per member and kind; per order for a 成团 result), so the row is inserted once however
/// often the outbox hands the event over, and its <c>State</c> (pending → sending → sent | skipped | failed) moves only
/// by ETag-conditional writes: one sender per delivery, on any instance.
/// Follow-up calls done: PartitionKey = campaignId, RowKey = <c>fu_{memberId}</c>.
/// Member preferences: PartitionKey = chainId, RowKey = <c>pref_{memberId}</c>. Chain settings (quiet hours):
/// PartitionKey = chainId, RowKey = <c>settings</c>. Local fake sends (development only): PartitionKey = chainId,
/// RowKey = <c>sent_{inverted ticks}_{random}</c>, newest first.
/// </summary>
public static class OutreachTables
{
    public const string Outreach = "Outreach";

    public static readonly IReadOnlyList<string> All = [Outreach];

    public const string DeliveryPrefix = "d_";
    public const string FollowUpDonePrefix = "fu_";
    public const string SentPrefix = "sent_";
    public const string SettingsRow = "settings";

    public static string DeliveryRow(string eventId) => DeliveryPrefix + Clean(eventId);

    public static string FollowUpDoneRow(string memberId) => FollowUpDonePrefix + memberId;

    public static string PreferencesRow(string memberId) => "pref_" + memberId;

    public static string SentRow(DateTimeOffset at) =>
        SentPrefix + (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Table keys may not hold '/', '\', '#', '?' or control characters: those become '~'.</summary>
    private static string Clean(string key) =>
        string.Create(key.Length, key, static (span, k) =>
        {
            for (var i = 0; i < k.Length; i++)
            {
                span[i] = k[i] is '/' or '\\' or '#' or '?' || char.IsControl(k[i]) ? '~' : k[i];
            }
        });
}

/// <summary>Where a delivery stands.</summary>
public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    public static bool IsFinal(string? state) => state is Sent or Skipped or Failed;
}

/// <summary>One notification to one member, as stored (see <see cref="OutreachTables"/>).</summary>
public sealed record Delivery(
    string CampaignId, string DeliveryId, string ChainId, string MemberId, string Kind, string Text, string State,
    DateTimeOffset DueAt, int Attempts, string? Channel, string? Reason, DateTimeOffset? SentAt)
{
    public static Delivery From(TableEntity e) => new(
        e.PartitionKey, e.RowKey, e.GetString("ChainId") ?? string.Empty, e.GetString("MemberId") ?? string.Empty, e.GetString("Kind") ?? string.Empty,
        e.GetString("Text") ?? string.Empty, e.GetString("State") ?? DeliveryStates.Pending, e.GetDateTimeOffset("DueAt") ?? default, e.GetInt32("Attempts") ?? 0,
        e.GetString("Channel"), e.GetString("Reason"), e.GetDateTimeOffset("SentAt"));
}

/// <summary>A member's outreach choice: whether she hears from the store at all, and on which channels.</summary>
public sealed record OutreachPreferences(bool Outreach, IReadOnlyList<string> Channels, bool WeChatLinked, DateTimeOffset? UpdatedAt)
{
    public const string Sms = "sms";
    public const string WeChat = "wechat";

    public static readonly IReadOnlyList<string> AllChannels = [WeChat, Sms];

    public static readonly OutreachPreferences Default = new(true, AllChannels, false, null);
}
