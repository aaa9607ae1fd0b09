using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Outreach;

/// <summary>Why the leader should call a member after a campaign (回访).</summary>
public static class FollowUpReasons
{
    /// <summary>Her first order with the chain: a welcome call keeps a new neighbour.</summary>
    public const string FirstOrder = "first-order";

    /// <summary>Her survey said satisfaction ≤ 3 or NPS ≤ 6.</summary>
    public const string LowScore = "low-score";

    /// <summary>A confirmed pickup order still not picked up.</summary>
    public const string NotPickedUp = "not-picked-up";

    /// <summary>Every line of her order was cancelled because the item missed its 成团 minimum.</summary>
    public const string GroupMissed = "group-missed";
}

/// <summary>One member the leader should call: why, and whether it is done.</summary>
public sealed record FollowUpTask(
    string MemberId, string Name, string Phone, IReadOnlyList<string> Reasons, IReadOnlyList<string> OrderIds, int? Satisfaction, int? Nps,
    bool Done, DateTimeOffset? DoneAt, string? Note);

/// <summary>
/// The D+3 回访 as a call list for the leader: from the campaign's orders, surveys and the members' order history, each
/// member with a reason to call (<see cref="FollowUpReasons"/>), once, with her phone (in full for the store's leader,
/// masked for the chain admin). A call is marked done once (<c>fu_{memberId}</c> inserted; again: the first stays).
/// </summary>
public sealed class FollowUpTasks(ITableStore tables, CampaignService campaigns, TimeProvider clock, ILogger<FollowUpTasks> logger)
{
    public const int MaxOrders = 5000;
    public const int MaxNoteLength = 200;
    public const int LowSatisfaction = 3;
    public const int LowNps = 6;

    public async Task<IReadOnlyList<FollowUpTask>> ListAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var orders = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)), ct)
            .Take(MaxOrders).Select(CampaignTables.ToOrder).ToListAsync(ct);
        var surveys = await tables.QueryAsync(FollowUpTables.FollowUp, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(FollowUpTables.SurveyPrefix)), ct)
            .Take(MaxOrders).ToListAsync(ct);
        var done = await tables.QueryAsync(OutreachTables.Outreach, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(OutreachTables.FollowUpDonePrefix)), ct)
            .Take(MaxOrders).ToDictionaryAsync(r => r.RowKey[OutreachTables.FollowUpDonePrefix.Length..], StringComparer.Ordinal, ct);
        var scoreByOrder = surveys.ToDictionary(s => s.GetString("OrderId") ?? s.RowKey[FollowUpTables.SurveyPrefix.Length..], StringComparer.Ordinal);
        var fullPhones = caller.Role == Role.Leader;

        var tasks = new List<FollowUpTask>();
        foreach (var group in orders.GroupBy(o => o.MemberId, StringComparer.Ordinal))
        {
            var mine = group.ToList();
            var reasons = new List<string>();
            int? satisfaction = null, nps = null;
            foreach (var order in mine)
            {
                if (scoreByOrder.TryGetValue(order.OrderId, out var s))
                {
                    satisfaction = Min(satisfaction, s.GetInt32("Satisfaction"));
                    nps = Min(nps, s.GetInt32("Nps"));
                }
            }

            if (satisfaction <= LowSatisfaction || nps <= LowNps)
            {
                reasons.Add(FollowUpReasons.LowScore);
            }

            if (mine.Any(o => o.Status == OrderStatus.Confirmed && o.Fulfilment == Fulfilment.Pickup))
            {
                reasons.Add(FollowUpReasons.NotPickedUp);
            }

            if (mine.All(o => o.Status == OrderStatus.Cancelled) && mine.Any(o => o.Lines.Any(l => l.CancelReason == "group-minimum-not-met")))
            {
                reasons.Add(FollowUpReasons.GroupMissed);
            }

            if (mine.Any(o => o.Status != OrderStatus.Cancelled) && await IsFirstCampaignAsync(group.Key, campaignId, ct))
            {
                reasons.Add(FollowUpReasons.FirstOrder);
            }

            if (reasons.Count == 0)
            {
                continue;
            }

            var member = await tables.GetAsync(ChainTables.Members, campaign.ChainId, ChainTables.MemberRow(group.Key), ["Name", "Phone"], ct);
            var phone = member?.GetString("Phone") ?? string.Empty;
            done.TryGetValue(group.Key, out var mark);
            tasks.Add(new FollowUpTask(group.Key, member?.GetString("Name") ?? mine[0].MemberName, fullPhones ? phone : Phones.Mask(phone), reasons,
                mine.Select(o => o.OrderId).ToList(), satisfaction, nps, mark is not null, mark?.GetDateTimeOffset("DoneAt"), mark?.GetString("Note")));
        }

        // Still to call first; the most reasons first; then by name.
        return tasks.OrderBy(t => t.Done).ThenByDescending(t => t.Reasons.Count).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Marks the call done (the store's leader or the admin). Again: 200 with the first mark, unchanged.</summary>
    public async Task<FollowUpTask> MarkDoneAsync(Caller caller, string campaignId, string memberId, string? note, CancellationToken ct)
    {
        var v = new Validator();
        var clean = v.OptionalText("note", note, MaxNoteLength);
        v.ThrowIfInvalid();
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var tasks = await ListAsync(caller, campaignId, ct);
        var task = tasks.FirstOrDefault(t => t.MemberId == memberId) ?? throw AppProblem.NotFound("follow-up task", memberId);
        if (task.Done)
        {
            return task;
        }

        try
        {
            await tables.InsertAsync(OutreachTables.Outreach, new TableEntity(campaignId, OutreachTables.FollowUpDoneRow(memberId))
            {
                ["Note"] = clean,
                ["DoneAt"] = clock.GetUtcNow(),
                ["DoneBy"] = caller.LeaderId ?? caller.Role.ToString().ToLowerInvariant(),
            }, ct);
            logger.LogInformation("Follow-up call to member {MemberId} for campaign {CampaignId} marked done", memberId, campaignId);
        }
        catch (StorageConflictException)
        {
            // Marked by a concurrent request: its mark stands.
        }

        return (await ListAsync(caller, campaignId, ct)).First(t => t.MemberId == memberId);
    }

    /// <summary>True when this campaign is the only one she ever ordered in (her order index lists campaigns she ordered in).</summary>
    private async Task<bool> IsFirstCampaignAsync(string memberId, string campaignId, CancellationToken ct)
    {
        var page = await tables.QueryPageAsync(CampaignTables.MemberCampaigns, new TableQuery(TableFilter.Equal("PartitionKey", memberId), Top: 2, Select: ["RowKey"]), cancellationToken: ct);
        return page.Entities.All(e => e.RowKey == campaignId);
    }

    private static int? Min(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
