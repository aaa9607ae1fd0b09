using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Events;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Growth;

/// <summary>
/// Purchase points and referral rewards, driven by the campaign outbox (<see cref="ICampaignEventSubscriber"/>): an
/// <c>order.pickedUp</c> or <c>order.delivered</c> credits the order's purchase points, and — the first time one of a
/// referred member's orders is handed over — the referral reward to both sides. The outbox delivers at least once and
/// never moves on before this returns; every credit is an insert of a deterministic ledger row, so a redelivered or
/// retried event credits nothing twice.
/// </summary>
public sealed class GrowthRewards(ITableStore tables, GrowthLedger ledger, ILogger<GrowthRewards> logger) : ICampaignEventSubscriber
{
    public async Task HandleAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken)
    {
        Dictionary<string, GrowthSettings>? settings = null;
        foreach (var e in events)
        {
            if (e.Type is not ("order.pickedUp" or "order.delivered"))
            {
                continue;
            }

            settings ??= new Dictionary<string, GrowthSettings>(StringComparer.Ordinal);
            if (!settings.TryGetValue(e.ChainId, out var rules))
            {
                settings[e.ChainId] = rules = await ledger.SettingsAsync(e.ChainId, cancellationToken);
            }

            await HandOverAsync(e, rules, cancellationToken);
        }
    }

    private async Task HandOverAsync(DomainEvent e, GrowthSettings rules, CancellationToken ct)
    {
        var orderId = Read(e.Data, "orderId");
        var campaignId = Read(e.Data, "campaignId");
        var memberId = Read(e.Data, "memberId");
        if (orderId is null || campaignId is null || memberId is null)
        {
            logger.LogWarning("Handover event {EventId} lacks its order, campaign or member; no points", e.Id);
            return;
        }

        var orderRow = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OrderRow(orderId), cancellationToken: ct);
        if (orderRow is not null)
        {
            var points = rules.PurchasePoints(CampaignTables.ToOrder(orderRow).TotalFen);
            await ledger.CreditOnceAsync(memberId, GrowthTables.PurchaseRow(orderId), new PointsEntry(GrowthTables.PurchaseReason, orderId, campaignId, points, e.Time), ct);
        }

        var memberRow = await tables.GetAsync(ChainTables.Members, e.ChainId, ChainTables.MemberRow(memberId), cancellationToken: ct);
        if (memberRow is null || ChainTables.ToMember(memberRow) is not { ReferredBy: { } referrerId } member)
        {
            return;
        }

        var referrerRow = await tables.GetAsync(ChainTables.Members, e.ChainId, ChainTables.MemberRow(referrerId), cancellationToken: ct);
        var referrer = referrerRow is null ? null : ChainTables.ToMember(referrerRow);
        if (referrer is null || !ReferralRules.MayReward(referrer, member))
        {
            logger.LogWarning("Referral of member {MemberId} by {ReferrerId} is not rewarded: the referrer is gone or the link breaks a guard", memberId, referrerId);
            return;
        }

        // The referrer's row is keyed by the new member, the new member's by themself: once per referral, whichever order came first.
        await ledger.CreditOnceAsync(referrer.MemberId, GrowthTables.ReferrerRow(member.MemberId),
            new PointsEntry(GrowthTables.ReferrerReason, orderId, campaignId, rules.ReferrerRewardPoints, e.Time, member.MaskedName), ct);
        await ledger.CreditOnceAsync(member.MemberId, GrowthTables.RefereeRow(member.MemberId),
            new PointsEntry(GrowthTables.RefereeReason, orderId, campaignId, rules.RefereeRewardPoints, e.Time, referrer.MaskedName), ct);
    }

    private static string? Read(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>The referral guards (老带新): who may be linked to whom, and whose link earns a reward.</summary>
public static class ReferralRules
{
    /// <summary>
    /// A link earns a reward only between two different people of one chain (not the same member, not the same phone)
    /// that do not refer each other back. Join makes these links impossible already (a referrer exists before the
    /// member it refers, a phone joins once); this is the second line, for rows that came another way.
    /// </summary>
    public static bool MayReward(Member referrer, Member member) =>
        referrer.MemberId != member.MemberId
        && referrer.ChainId == member.ChainId
        && referrer.Phone != member.Phone
        && referrer.ReferredBy != member.MemberId;
}
