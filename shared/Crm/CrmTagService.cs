using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Crm;

/// <summary>One tag of a store and how many of its members carry it.</summary>
public sealed record TagCount(string Tag, int Count);

/// <summary>A member as the store's leader sees them: full phone (API.md: only in the store member list) and tags.</summary>
/// With <c>?campaignId=</c>, <see cref="Campaign"/> says what she did in that campaign (else it is left out).
public sealed record StoreMember(string MemberId, string Name, string Phone, DateTimeOffset JoinedAt, string? ReferredBy, IReadOnlyList<string> Tags,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] MemberCampaignFlags? Campaign = null);

/// <summary>What one recompute did.</summary>
public sealed record RecomputeResult(string ChainId, int Members, int Changed, DateTimeOffset At);

/// <summary>
/// Automatic CRM tags: the chain's rules, the recompute (from orders, reservations, photo reviews and referrals), the
/// store's counts and member list. Which facts each rule reads is written on the rule records in <see cref="TagRules"/>.
/// </summary>
public sealed class CrmTagService(ITableStore tables, ChainService chains, TimeProvider clock, ILogger<CrmTagService> logger)
{
    /// <summary>The campaigns (newest live start first) one recompute reads; older ones stop counting.</summary>
    public const int MaxCampaignsRead = 500;

    public const int MaxMembersListed = 200;

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public async Task<TagRules> GetRulesAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        return await RulesAsync(chainId, ct);
    }

    public async Task<TagRules> PutRulesAsync(Caller caller, string chainId, TagRulesDraft? draft, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var rules = TagRules.Validate(draft);
        await tables.UpsertAsync(CrmTables.Crm, new TableEntity(chainId, CrmTables.RulesRow) { ["Rules"] = JsonSerializer.Serialize(rules, Json), ["At"] = clock.GetUtcNow() }, cancellationToken: ct);
        logger.LogInformation("Tag rules of chain {ChainId} replaced", chainId);
        return rules;
    }

    public async Task<TagRules> RulesAsync(string chainId, CancellationToken ct)
    {
        var row = await tables.GetAsync(CrmTables.Crm, chainId, CrmTables.RulesRow, cancellationToken: ct);
        return row?.GetString("Rules") is { } json
            ? JsonSerializer.Deserialize<TagRules>(json, Json) is { } saved
                ? saved with { GatheringRegular = saved.GatheringRegular ?? TagRules.Default.GatheringRegular } // rules saved before gatherings
                : throw new InvalidDataException($"Tag rules of chain {chainId} are empty.")
            : TagRules.Default;
    }

    /// <summary>The admin's "recompute now" (the timer and queue job run the same).</summary>
    public async Task<RecomputeResult> RecomputeAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        await chains.GetChainAsync(chainId, ct);
        return await RecomputeChainAsync(chainId, null, ct);
    }

    /// <summary>
    /// Recomputes every member's tags of one chain as of <paramref name="asOf"/> (default now) and writes the rows whose
    /// tags changed. Idempotent and safe to run concurrently: every row written is a whole value computed from facts.
    /// </summary>
    public async Task<RecomputeResult> RecomputeChainAsync(string chainId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var now = asOf ?? clock.GetUtcNow();
        var rules = await RulesAsync(chainId, ct);
        var members = await tables.QueryAsync(ChainTables.Members, TableQuery.Partition(chainId, TableFilter.RowKeyStartsWith(ChainTables.MemberRowPrefix)), ct)
            .Select(ChainTables.ToMember).ToListAsync(ct);
        var categories = await tables.QueryAsync(CatalogueTables.Products, TableQuery.Partition(chainId), ct)
            .ToDictionaryAsync(p => p.RowKey, p => p.GetString("Category") ?? string.Empty, StringComparer.Ordinal, ct);
        var campaigns = (await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(chainId), ct).Select(CampaignTables.ToSummary).ToListAsync(ct))
            .OrderByDescending(c => c.LiveStartAt).Take(MaxCampaignsRead).ToList();

        var facts = members.ToDictionary(m => m.MemberId, _ => new Facts(), StringComparer.Ordinal);
        foreach (var c in campaigns)
        {
            var campaign = await CampaignTables.ReadAsync(tables, c.CampaignId, ct);
            if (campaign is null)
            {
                continue;
            }

            var productOf = campaign.Items.ToDictionary(i => i.ItemId, i => i.ProductId, StringComparer.Ordinal);
            var wentLive = campaign.Phase is not (CampaignPhase.Draft or CampaignPhase.Preheat or CampaignPhase.Cancelled);
            var attended = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var row in tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(c.CampaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix)), ct))
            {
                var order = CampaignTables.ToOrder(row);
                if (!facts.TryGetValue(order.MemberId, out var f) || order.Status == OrderStatus.Cancelled)
                {
                    continue;
                }

                f.Orders++;
                f.Spend += order.TotalFen;
                f.LastOrderAt = f.LastOrderAt is { } last && last > order.CreatedAt ? last : order.CreatedAt;
                foreach (var category in order.Lines.Where(l => l.Status != OrderStatus.Cancelled)
                             .Select(l => categories.GetValueOrDefault(productOf.GetValueOrDefault(l.ItemId) ?? l.ProductId) ?? string.Empty)
                             .Where(x => x.Length > 0).Distinct(StringComparer.Ordinal))
                {
                    f.ByCategory[category] = f.ByCategory.GetValueOrDefault(category) + 1;
                }

                attended.Add(order.MemberId);
            }

            if (wentLive)
            {
                await foreach (var row in tables.QueryAsync(CampaignTables.Campaigns,
                                   TableQuery.Partition(c.CampaignId, TableFilter.RowKeyStartsWith(CampaignTables.ReservationPrefix)) with { Select = ["MemberId"] }, ct))
                {
                    attended.Add(row.RequireString("MemberId"));
                }

                foreach (var memberId in attended)
                {
                    if (facts.TryGetValue(memberId, out var f))
                    {
                        f.Lives++;
                    }
                }
            }

            await foreach (var row in tables.QueryAsync(FollowUpTables.FollowUp, TableQuery.Partition(c.CampaignId, TableFilter.RowKeyStartsWith(FollowUpTables.ReviewPrefix)), ct))
            {
                if ((row.GetInt32("PhotosUploaded") ?? 0) > 0 && row.GetString("MemberId") is { } reviewer && facts.TryGetValue(reviewer, out var f))
                {
                    f.PhotoReviews++;
                }
            }
        }

        // Gatherings checked in at (one attendance row per member and gathering).
        await foreach (var row in tables.QueryAsync(ServerlessCommerce.Gatherings.GatheringTables.Gatherings,
                           TableQuery.Partition(ServerlessCommerce.Gatherings.GatheringTables.AttendancePartition(chainId)) with { Select = ["MemberId"] }, ct))
        {
            if (row.GetString("MemberId") is { } attendee && facts.TryGetValue(attendee, out var f))
            {
                f.Gatherings++;
            }
        }

        foreach (var m in members)
        {
            if (m.ReferredBy is { } referrer && facts.TryGetValue(referrer, out var f))
            {
                f.Referrals++;
            }
        }

        var changed = 0;
        foreach (var store in members.GroupBy(m => m.StoreId, StringComparer.Ordinal))
        {
            var existing = await tables.QueryAsync(CrmTables.MemberTags, TableQuery.Partition(store.Key), ct)
                .ToDictionaryAsync(r => r.RowKey, r => r.GetString("Tags") ?? string.Empty, StringComparer.Ordinal, ct);
            var writes = new List<TableOperation>();
            foreach (var m in store)
            {
                var f = facts[m.MemberId];
                var signals = new MemberSignals(m.MemberId, m.JoinedAt, f.Orders, f.Spend, f.LastOrderAt, f.ByCategory, f.Lives, f.PhotoReviews, f.Referrals, f.Gatherings);
                var tags = CrmTables.WriteTags(MemberTagger.Tags(rules, signals, now));
                if (existing.GetValueOrDefault(m.MemberId) != tags)
                {
                    writes.Add(TableOperation.UpsertReplace(new TableEntity(store.Key, m.MemberId) { ["Tags"] = tags, ["ChainId"] = chainId }));
                }
            }

            foreach (var batch in writes.Chunk(100))
            {
                await tables.SubmitTransactionAsync(CrmTables.MemberTags, batch, ct);
            }

            changed += writes.Count;
        }

        logger.LogInformation("Tags of chain {ChainId} recomputed: {Members} members, {Changed} changed", chainId, members.Count, changed);
        return new RecomputeResult(chainId, members.Count, changed, now);
    }

    /// <summary>The store's tags and how many members carry each, most first (leader of that store, admin).</summary>
    public async Task<IReadOnlyList<TagCount>> StoreTagsAsync(Caller caller, string storeId, CancellationToken ct)
    {
        await RequireStoreStaffAsync(caller, storeId, ct);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in tables.QueryAsync(CrmTables.MemberTags, TableQuery.Partition(storeId) with { Select = ["Tags"] }, ct))
        {
            foreach (var tag in CrmTables.ReadTags(row))
            {
                counts[tag] = counts.GetValueOrDefault(tag) + 1;
            }
        }

        return counts.Select(kv => new TagCount(kv.Key, kv.Value)).OrderByDescending(t => t.Count).ThenBy(t => t.Tag, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The store's members (API.md <c>GET /api/stores/{storeId}/members?q=</c>), with their tags; <paramref name="q"/>
    /// matches a name or a phone tail, <paramref name="tag"/> keeps members with that tag. At most <see cref="MaxMembersListed"/>.
    /// With <paramref name="campaignId"/> (a campaign of that store, else 404), each row carries whether she reserved,
    /// commented, voted and ordered in it.
    /// </summary>
    public async Task<IReadOnlyList<StoreMember>> StoreMembersAsync(Caller caller, string storeId, string? q, string? tag, CancellationToken ct, string? campaignId = null)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        var v = new Validator();
        var query = v.OptionalText("q", q, 20);
        var wanted = v.OptionalText("tag", tag, TagRules.MaxTagLength);
        v.ThrowIfInvalid();
        MemberCampaignActivity? activity = null;
        if (campaignId is not null)
        {
            var campaign = Ids.ChainOf(campaignId) == chainId
                ? await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, ["StoreId"], ct)
                : null;
            if (campaign?.GetString("StoreId") != storeId)
            {
                throw AppProblem.NotFound("campaign", campaignId); // not this store's: no telling whether it exists elsewhere
            }

            activity = await MemberCampaignActivity.ReadAsync(tables, campaignId, ct);
        }
        var tags = await tables.QueryAsync(CrmTables.MemberTags, TableQuery.Partition(storeId), ct)
            .ToDictionaryAsync(r => r.RowKey, CrmTables.ReadTags, StringComparer.Ordinal, ct);
        var members = tables.QueryAsync(ChainTables.Members, TableQuery.Partition(chainId, TableFilter.And(TableFilter.RowKeyStartsWith(ChainTables.MemberRowPrefix), TableFilter.Equal("StoreId", storeId))), ct)
            .Select(ChainTables.ToMember);
        var list = new List<StoreMember>();
        await foreach (var m in members)
        {
            var memberTags = tags.GetValueOrDefault(m.MemberId) ?? [];
            if ((query is null || m.Name.Contains(query, StringComparison.OrdinalIgnoreCase) || m.Phone.EndsWith(query, StringComparison.Ordinal))
                && (wanted is null || memberTags.Contains(wanted, StringComparer.Ordinal)))
            {
                list.Add(new StoreMember(m.MemberId, m.Name, m.Phone, m.JoinedAt, m.ReferredBy, memberTags, activity?.For(m.MemberId)));
            }
        }

        return list.OrderBy(m => m.JoinedAt).Take(MaxMembersListed).ToList();
    }

    /// <summary>The tags of the members of one store (for targeting), memberId → tags.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TagsOfStoreAsync(string storeId, CancellationToken ct) =>
        await tables.QueryAsync(CrmTables.MemberTags, TableQuery.Partition(storeId), ct).ToDictionaryAsync(r => r.RowKey, CrmTables.ReadTags, StringComparer.Ordinal, ct);

    /// <summary>Leader of that store or admin of its chain; returns the chain id. 404 for a store that does not exist.</summary>
    public Task<string> RequireStoreStaffAsync(Caller caller, string storeId, CancellationToken ct) =>
        chains.RequireStoreStaffAsync(caller, storeId, "members", ct);

    private sealed class Facts
    {
        public int Orders;
        public long Spend;
        public DateTimeOffset? LastOrderAt;
        public readonly Dictionary<string, int> ByCategory = new(StringComparer.Ordinal);
        public int Lives;
        public int PhotoReviews;
        public int Referrals;
        public int Gatherings;
    }
}
