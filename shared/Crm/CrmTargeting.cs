using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Crm;

/// <summary>Reach and conversion of one targeted tag in one campaign.</summary>
public sealed record TagReach(string Tag, int Reached, int Ordered, double? Rate);

/// <summary>
/// Tag-targeted preheat: which tags a campaign targets, who its preview reaches because of them (besides those who
/// reserved), and the per-tag reach and conversion for the report.
/// </summary>
public sealed class CrmTargeting(ITableStore tables, CrmTagService tags, CampaignService campaigns, ILogger<CrmTargeting> logger)
{
    public const int MaxTargetTags = 5;

    /// <summary>Checks targeted tag names against the chain's rules; null or empty means "no targeting".</summary>
    public async Task<IReadOnlyList<string>> ValidateAsync(Caller caller, string chainId, IReadOnlyList<string?>? targetTags, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        if (targetTags is null || targetTags.Count == 0)
        {
            return [];
        }

        if (targetTags.Count > MaxTargetTags)
        {
            throw AppProblem.Validation("targetTags", $"A campaign targets at most {MaxTargetTags} tags.");
        }

        var known = (await tags.RulesAsync(chainId, ct)).TagNames();
        var v = new Validator();
        for (var i = 0; i < targetTags.Count; i++)
        {
            if (targetTags[i] is not { } tag || !known.Contains(tag, StringComparer.Ordinal))
            {
                v.Add($"targetTags[{i}]", $"'{targetTags[i]}' is not one of this chain's tags ({string.Join("、", known)}).");
            }
        }

        v.ThrowIfInvalid();
        return targetTags.Select(t => t!).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Sets the campaign's targeted tags (its staff), while its preview has not gone out.</summary>
    public async Task<IReadOnlyList<string>> SetAsync(Caller caller, string campaignId, IReadOnlyList<string?>? targetTags, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var valid = await ValidateAsync(caller, campaign.ChainId, targetTags, ct);
        if (campaign.Phase is not (CampaignPhase.Draft or CampaignPhase.Preheat) || campaign.Done.Contains("preview"))
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Preview already sent", "Targeted tags can be changed only before the campaign's preview goes out (draft or preheat).");
        }

        await SaveAsync(campaignId, valid, ct);
        return valid;
    }

    public async Task<IReadOnlyList<string>> GetAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return await TargetsAsync(campaignId, ct);
    }

    public Task SaveAsync(string campaignId, IReadOnlyList<string> targetTags, CancellationToken ct) =>
        tables.UpsertAsync(CrmTables.Crm, new TableEntity(campaignId, CrmTables.TargetsRow) { ["Tags"] = CrmTables.WriteTags(targetTags) }, cancellationToken: ct);

    private async Task<IReadOnlyList<string>> TargetsAsync(string campaignId, CancellationToken ct) =>
        await tables.GetAsync(CrmTables.Crm, campaignId, CrmTables.TargetsRow, cancellationToken: ct) is { } row ? CrmTables.ReadTags(row) : [];

    /// <summary>
    /// The members of the campaign's store whose tags match its targets; records each as reached (with the matched
    /// tags) before the preview is sent, so a rerun writes the same rows.
    /// </summary>
    public async Task<IReadOnlyList<string>> PreviewAudienceAsync(string campaignId, CancellationToken ct)
    {
        var targets = await TargetsAsync(campaignId, ct);
        if (targets.Count == 0)
        {
            return [];
        }

        var campaign = await campaigns.GetAsync(campaignId, ct);

        var matched = (await tags.TagsOfStoreAsync(campaign.StoreId, ct))
            .Select(kv => (MemberId: kv.Key, Tags: kv.Value.Intersect(targets, StringComparer.Ordinal).ToList()))
            .Where(m => m.Tags.Count > 0).ToList();
        foreach (var batch in matched.Chunk(100))
        {
            await tables.SubmitTransactionAsync(CrmTables.Crm,
                batch.Select(m => TableOperation.UpsertReplace(new TableEntity(campaign.CampaignId, CrmTables.ReachRow(m.MemberId)) { ["MemberId"] = m.MemberId, ["Tags"] = CrmTables.WriteTags(m.Tags) })).ToList(), ct);
        }

        logger.LogInformation("Campaign {CampaignId}: targeted preview reaches {Count} members by tags", campaign.CampaignId, matched.Count);
        return matched.Select(m => m.MemberId).ToList();
    }

    /// <summary>Per targeted tag: members reached by the preview, those of them who ordered in the campaign, and the rate.</summary>
    public async Task<IReadOnlyList<TagReach>> ReachAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return await ReachAsync(campaignId, ct);
    }

    public async Task<IReadOnlyList<TagReach>> ReachAsync(string campaignId, CancellationToken ct)
    {
        var targets = await TargetsAsync(campaignId, ct);
        if (targets.Count == 0)
        {
            return [];
        }

        var reached = await tables.QueryAsync(CrmTables.Crm, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CrmTables.ReachPrefix)), ct)
            .Select(r => (MemberId: r.RequireString("MemberId"), Tags: CrmTables.ReadTags(r))).ToListAsync(ct);
        var buyers = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)) with { Select = ["MemberId"] }, ct)
            .Select(r => r.RequireString("MemberId")).ToHashSetAsync(StringComparer.Ordinal, ct);
        return targets.Select(tag =>
        {
            var members = reached.Where(r => r.Tags.Contains(tag, StringComparer.Ordinal)).Select(r => r.MemberId).ToList();
            var ordered = members.Count(buyers.Contains);
            return new TagReach(tag, members.Count, ordered, members.Count == 0 ? null : Math.Round((double)ordered / members.Count, 4));
        }).ToList();
    }
}
