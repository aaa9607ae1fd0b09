using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Growth;

/// <summary>A member's points: balance, newest entries, the level held and the next one.</summary>
public sealed record MemberPoints(int Balance, IReadOnlyList<PointsEntry> Entries, MemberLevel Level, MemberLevel? NextLevel, int? PointsToNextLevel, bool MemberPrice,
    int SpendPointsPerYuan = 0, int MaxPointsSharePercent = 0, int SpendStep = 1);

/// <summary>A member's referral (老带新) card: the code, the campaign a share opens, and how it went.</summary>
public sealed record ReferralCard(string ReferralCode, string? CampaignId, string? CampaignTitle, int Referred, int Rewarded);

/// <summary>One line of a store's referrer leaderboard (masked name only).</summary>
public sealed record ReferrerStanding(int Rank, string MaskedName, int Referred, int Rewarded);

/// <summary>A member of a store with their points and level, for the console's points lookup.</summary>
public sealed record MemberPointsSummary(string MemberId, string Name, string MaskedPhone, int Balance, string Level);

/// <summary>An admin's adjustment as recorded; <paramref name="Replayed"/> when the same Idempotency-Key came again.</summary>
public sealed record PointsAdjustment(string AdjustmentId, string MemberId, int Amount, string Reason, DateTimeOffset At, int Balance, bool Replayed);

/// <summary>Referrals (老带新), points and levels: settings, the member's views, the leaderboard and manual adjustments.</summary>
public sealed class GrowthService(ITableStore tables, GrowthLedger ledger, MemberPricing pricing, ChainService chains, MemberService members, TimeProvider clock, ILogger<GrowthService> logger)
{
    public const int MaxLeaderboard = 50;
    public const int MaxLookup = 20;
    public const int MaxAdjustment = 100_000;
    public const int MaxAdjustmentReasonLength = 100;
    public const string InsufficientPoints = "insufficient-points";

    public async Task<GrowthSettings> GetSettingsAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        return await ledger.SettingsAsync(chainId, ct);
    }

    public async Task<GrowthSettings> PutSettingsAsync(Caller caller, string chainId, GrowthSettings settings, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        await ledger.SaveSettingsAsync(chainId, settings, ct);
        pricing.Forget(chainId);
        logger.LogInformation("Growth settings of chain {ChainId} changed: {Levels} levels, referral {Referrer}/{Referee}, {Rate} points per yuan",
            chainId, settings.Levels.Count, settings.ReferrerRewardPoints, settings.RefereeRewardPoints, settings.PurchasePointsPerYuan);
        return settings;
    }

    public async Task<MemberPoints> MyPointsAsync(Caller caller, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var account = await ledger.AccountAsync(caller.MemberId!, ct);
        var settings = await ledger.SettingsAsync(caller.ChainId!, ct);
        var standing = settings.StandingFor(account.Balance);
        return new MemberPoints(account.Balance, account.Entries, standing.Level, standing.Next, standing.PointsToNext(account.Balance),
            await pricing.GrantsMemberPriceAsync(caller.ChainId!, caller.MemberId!, ct), settings.SpendPointsPerYuan, settings.MaxPointsSharePercent, settings.SpendStep);
    }

    /// <summary>The member's code, the store's live or next campaign (live first, then the soonest to start), and counts.</summary>
    public async Task<ReferralCard> MyReferralAsync(Caller caller, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var member = await members.GetAsync(caller.ChainId!, caller.MemberId!, ct);
        var now = clock.GetUtcNow();
        var campaign = (await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(member.ChainId, TableFilter.Equal("StoreId", member.StoreId)), ct).ToListAsync(ct))
            .Select(CampaignTables.ToSummary)
            .Where(c => c.Phase is "live" or "preheat" or "draft" && (c.LiveEndAt ?? DateTimeOffset.MaxValue) > now)
            .OrderBy(c => c.Phase == "live" ? 0 : 1).ThenBy(c => c.LiveStartAt)
            .FirstOrDefault();
        var referred = await tables.QueryAsync(ChainTables.Members, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", member.ChainId),
            TableFilter.Equal("ReferredBy", member.MemberId)), ["MemberId"]), ct).CountAsync(ct);
        return new ReferralCard(member.ReferralCode, campaign?.CampaignId, campaign?.Title, referred, await ledger.ReferralRewardsAsync(member.MemberId, ct));
    }

    /// <summary>The store's referrers by how many neighbours they brought (then by rewards); the store's leader or the admin.</summary>
    public async Task<IReadOnlyList<ReferrerStanding>> LeaderboardAsync(Caller caller, string storeId, int? top, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(storeId, "store");
        if (top is < 1 or > MaxLeaderboard)
        {
            throw AppProblem.Validation("top", $"top must be between 1 and {MaxLeaderboard}.");
        }

        var store = await chains.FindStoreAsync(caller.ChainId!, storeId, ct) ?? throw AppProblem.NotFound("store", storeId);
        if (caller.Role == Role.Leader && caller.StoreId != store.StoreId)
        {
            throw AppProblem.Forbidden("Only this store's leader (or the chain admin) sees its referral leaderboard.");
        }

        // One partition scan of the chain's members (a chain is a few stores' neighbours), names and links only.
        var rows = await tables.QueryAsync(ChainTables.Members, TableQuery.Partition(caller.ChainId!, TableFilter.Equal("Kind", "member")) with { Select = ["MemberId", "StoreId", "Name", "ReferredBy"] }, ct).ToListAsync(ct);
        var byId = rows.ToDictionary(r => r.GetString("MemberId") ?? string.Empty, StringComparer.Ordinal);
        var ranked = rows.Where(r => r.GetString("ReferredBy") is { Length: > 0 })
            .GroupBy(r => r.GetString("ReferredBy")!, StringComparer.Ordinal)
            .Where(g => byId.TryGetValue(g.Key, out var referrer) && referrer.GetString("StoreId") == store.StoreId)
            .Select(g => (ReferrerId: g.Key, Referred: g.Count()))
            .ToList();
        var withRewards = await Task.WhenAll(ranked.Select(async r => (r.ReferrerId, r.Referred, Rewarded: await ledger.ReferralRewardsAsync(r.ReferrerId, ct))));
        return withRewards
            .OrderByDescending(r => r.Referred).ThenByDescending(r => r.Rewarded).ThenBy(r => r.ReferrerId, StringComparer.Ordinal)
            .Take(top ?? 10)
            .Select((r, i) => new ReferrerStanding(i + 1, Names.Mask(byId[r.ReferrerId].GetString("Name") ?? "邻居"), r.Referred, r.Rewarded))
            .ToList();
    }

    /// <summary>
    /// The store's members whose name contains <paramref name="q"/> or whose phone ends with it (up to
    /// <see cref="MaxLookup"/>), with balance and level: the console's points lookup (store leader or admin).
    /// </summary>
    public async Task<IReadOnlyList<MemberPointsSummary>> LookupAsync(Caller caller, string storeId, string? q, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(storeId, "store");
        var query = q?.Trim() ?? string.Empty;
        if (query.Length > 20)
        {
            throw AppProblem.Validation("q", "q is a name or a phone tail of at most 20 characters.");
        }

        var store = await chains.FindStoreAsync(caller.ChainId!, storeId, ct) ?? throw AppProblem.NotFound("store", storeId);
        if (caller.Role == Role.Leader && caller.StoreId != store.StoreId)
        {
            throw AppProblem.Forbidden("Only this store's leader (or the chain admin) looks up its members' points.");
        }

        var rows = await tables.QueryAsync(ChainTables.Members, TableQuery.Partition(caller.ChainId!, TableFilter.And(TableFilter.Equal("Kind", "member"), TableFilter.Equal("StoreId", store.StoreId))), ct).ToListAsync(ct);
        var found = rows.Select(ChainTables.ToMember)
            .Where(m => query.Length == 0 || m.Name.Contains(query, StringComparison.OrdinalIgnoreCase) || m.Phone.EndsWith(query, StringComparison.Ordinal))
            .OrderBy(m => m.Name, StringComparer.Ordinal).Take(MaxLookup).ToList();
        var settings = await ledger.SettingsAsync(caller.ChainId!, ct);
        return await Task.WhenAll(found.Select(async m =>
        {
            var balance = (await ledger.AccountAsync(m.MemberId, ct)).Balance;
            return new MemberPointsSummary(m.MemberId, m.Name, m.MaskedPhone, balance, settings.StandingFor(balance).Level.Name);
        }));
    }

    /// <summary>
    /// The admin adds or deducts points with a reason. The Idempotency-Key (required) names the ledger row, so the same
    /// key credits once: again with the same body → the same adjustment (replayed); another body → 409. A deduction
    /// beyond the balance → 409 <c>insufficient-points</c>.
    /// </summary>
    public async Task<PointsAdjustment> AdjustAsync(Caller caller, string memberId, int? amount, string? reason, string? idempotencyKey, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChainOf(memberId, "member");
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        if (key is null)
        {
            v.Add(Idempotency.HeaderName, $"{Idempotency.HeaderName} is required, so a retried adjustment counts once.");
        }

        if (amount is null or 0 or < -MaxAdjustment or > MaxAdjustment)
        {
            v.Add("amount", $"amount must be a whole number of points between -{MaxAdjustment} and {MaxAdjustment}, not 0.");
        }

        var text = v.Text("reason", reason, MaxAdjustmentReasonLength);
        v.ThrowIfInvalid();
        await members.GetAsync(caller.ChainId!, memberId, ct);

        var adjustmentId = Idempotency.Derive("points-adjustment:" + memberId, key!, 16);
        var rowKey = GrowthTables.AdjustmentRow(adjustmentId);
        var fingerprint = Idempotency.Fingerprint(new { amount, text });
        if (await ledger.GetRowAsync(memberId, rowKey, ct) is { } existing)
        {
            return await ReplayAsync(existing, memberId, adjustmentId, fingerprint, ct);
        }

        var balance = (await ledger.AccountAsync(memberId, ct)).Balance;
        if (balance + amount!.Value < 0)
        {
            throw AppProblem.Conflict(InsufficientPoints, "Not enough points", $"The member has {balance} points; a deduction of {-amount.Value} would take the balance below 0.");
        }

        var at = clock.GetUtcNow();
        var entry = new PointsEntry(GrowthTables.AdjustmentReason, string.Empty, string.Empty, amount.Value, at, text);
        var extra = new Dictionary<string, object?> { ["RequestHash"] = fingerprint, ["AdjustmentId"] = adjustmentId };
        var credited = amount.Value > 0
            ? await ledger.CreditOnceAsync(memberId, rowKey, entry, ct, extra)
            : await DeductOnceAsync(memberId, rowKey, entry, extra, ct);
        if (!credited)
        {
            return await ReplayAsync((await ledger.GetRowAsync(memberId, rowKey, ct))!, memberId, adjustmentId, fingerprint, ct);
        }

        pricing.ForgetMember(memberId);
        logger.LogInformation("Admin adjusted the points of member {MemberId} by {Amount}", memberId, amount.Value);
        return new PointsAdjustment(adjustmentId, memberId, amount.Value, text, at, balance + amount.Value, false);
    }

    /// <summary>A deduction lowers the balance: checked and written under the member's ledger guard, like points spent on orders.</summary>
    private Task<bool> DeductOnceAsync(string memberId, string rowKey, PointsEntry entry, IReadOnlyDictionary<string, object?> extra, CancellationToken ct) =>
        ledger.GuardedAsync(memberId, rows =>
        {
            if (rows.Any(r => r.RowKey == rowKey))
            {
                return Task.FromResult(((IReadOnlyList<TableEntity>)[], false));
            }

            var balance = rows.Sum(r => (long)(r.GetInt32("Amount") ?? 0));
            if (balance + entry.Amount < 0)
            {
                throw AppProblem.Conflict(InsufficientPoints, "Not enough points", $"The member has {balance} points; a deduction of {-entry.Amount} would take the balance below 0.");
            }

            var row = new TableEntity(memberId, rowKey);
            foreach (var (name, value) in FollowUpTables.ToEntity(memberId, entry).Properties.Concat(extra))
            {
                row[name] = value;
            }

            return Task.FromResult(((IReadOnlyList<TableEntity>)[row], true));
        }, ct);

    private async Task<PointsAdjustment> ReplayAsync(TableEntity existing, string memberId, string adjustmentId, string fingerprint, CancellationToken ct)
    {
        if (existing.GetString("RequestHash") != fingerprint)
        {
            throw Idempotency.Conflict();
        }

        var entry = FollowUpTables.ToPointsEntry(existing);
        return new PointsAdjustment(adjustmentId, memberId, entry.Amount, entry.Note ?? string.Empty, entry.At, (await ledger.AccountAsync(memberId, ct)).Balance, true);
    }
}
