using System.Globalization;
using System.Text.Json;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Series;

/// <summary>What a series copies into each campaign: the campaign-create fields other than the store, leader and times.</summary>
public sealed record SeriesTemplate(
    string? Title = null,
    List<CampaignItemDraft>? Items = null,
    double? FollowUpAfterHours = null,
    double? FollowUpWindowHours = null,
    StreamDraft? Stream = null,
    string? Intro = null);

/// <summary>A create or a PATCH of a series (PATCH: only the fields present change; template and schedule are whole).</summary>
public sealed record SeriesDraft(
    string? Name = null,
    string? LeaderId = null,
    string? FromCampaignId = null,
    SeriesTemplate? Template = null,
    SeriesScheduleDraft? Schedule = null,
    bool? Active = null,
    int? ProposeDaysAhead = null);

/// <summary>A series as stored.</summary>
public sealed record SeriesRecord(
    string SeriesId, string ChainId, string StoreId, string LeaderId, string Name, bool Active, int ProposeDaysAhead,
    SeriesTemplate Template, SeriesSchedule Schedule, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public string? ETag { get; init; }
}

/// <summary>One proposed occurrence. <c>Status</c>: proposed, confirmed, skipped, or expired (proposed and its live start passed).</summary>
public sealed record SeriesProposal(
    string ProposalId, string SeriesId, string Status, DateTimeOffset PreheatAt, DateTimeOffset LiveStartAt, DateTimeOffset LiveEndAt,
    DateTimeOffset PickupUntil, string? CampaignId, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt, string? DecidedBy)
{
    internal string? ETag { get; init; }
}

/// <summary>What a confirm answers: the proposal, the campaign it made, and whether this call made it.</summary>
public sealed record SeriesConfirmation(SeriesProposal Proposal, Campaign Campaign, bool Created);

/// <summary>
/// 系列直播: a store's recurring campaign ("每周三厨房"). A timer proposes the next occurrence a few days ahead (one
/// proposal per series and live start: the row key is the natural key, so instances and reruns insert it once); the
/// leader confirms it, which creates the campaign draft through <see cref="CampaignService.CreateAsync"/> (its
/// lifecycle timers armed, as every created draft), or skips it. Nothing becomes a campaign without a confirm.
/// </summary>
public sealed class SeriesService(ITableStore tables, ChainService chains, CampaignService campaigns, TimeProvider clock, ILogger<SeriesService> logger)
{
    public const string Table = "Series";
    public const int MaxSeriesPerStore = 20;
    public const int MaxNameLength = 40;
    public const int MaxProposalsListed = 50;
    public const int DefaultProposeDaysAhead = 7;
    public const int MaxProposeDaysAhead = 30;

    private const string SeriesPrefix = "s_";
    private const string ProposalPrefix = "p_";
    private const string ProposalFormat = "yyyyMMddHHmmss";

    public const string Proposed = "proposed", Confirmed = "confirmed", Skipped = "skipped", Expired = "expired";

    /// <summary>409: the proposal's live start has passed; it can no longer become a campaign.</summary>
    public const string ProposalStale = "proposal-stale";

    // ----- series -----

    public async Task<CreateResult<SeriesRecord>> CreateAsync(Caller caller, string storeId, SeriesDraft draft, string? idempotencyKey, CancellationToken ct)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        var key = Idempotency.Normalize(idempotencyKey);
        var now = clock.GetUtcNow();
        var v = new Validator();
        var name = v.Text("name", draft.Name, MaxNameLength);
        var template = draft.Template;
        var leaderId = draft.LeaderId;
        if (!string.IsNullOrWhiteSpace(draft.FromCampaignId))
        {
            if (draft.Template is not null)
            {
                v.Add("template", "Give either fromCampaignId or template, not both.");
            }

            var source = Ids.ChainOf(draft.FromCampaignId) == chainId ? await CampaignTables.ReadAsync(tables, draft.FromCampaignId, ct) : null;
            if (source is null || source.StoreId != storeId)
            {
                v.Add("fromCampaignId", "fromCampaignId must be a campaign of this store.");
            }
            else
            {
                template = FromCampaign(source);
                leaderId ??= source.LeaderId;
            }
        }

        leaderId ??= caller.LeaderId;
        var days = ValidateDays(v, draft.ProposeDaysAhead);
        var (schedule, normalized) = await ValidateAsync(v, caller, chainId, storeId, leaderId, template, draft.Schedule, now, ct);
        v.ThrowIfInvalid();

        var existing = await tables.QueryAsync(Table, TableQuery.Partition(chainId, TableFilter.And(TableFilter.RowKeyStartsWith(SeriesPrefix), TableFilter.Equal("StoreId", storeId))) with { Select = ["StoreId"] }, ct).CountAsync(ct);
        var seriesId = key is null ? Ids.New(chainId, 'w') : Ids.For(chainId, 'w', key);
        var series = new SeriesRecord(seriesId, chainId, storeId, leaderId!, name, draft.Active ?? true, days, normalized!, schedule!, now, now);
        var fingerprint = Idempotency.Fingerprint(new { name, leaderId, series.Active, days, normalized, schedule });
        var row = ToEntity(series);
        row["RequestHash"] = fingerprint;
        var replayed = false;
        try
        {
            if (existing >= MaxSeriesPerStore)
            {
                throw AppProblem.Validation("storeId", $"A store has at most {MaxSeriesPerStore} series; delete one first.");
            }

            await tables.InsertAsync(Table, row, ct);
            logger.LogInformation("Series {SeriesId} created for store {StoreId}", seriesId, storeId);
        }
        catch (StorageConflictException) when (key is not null)
        {
            var stored = await tables.GetAsync(Table, chainId, SeriesPrefix + seriesId, cancellationToken: ct);
            if (stored is null || stored.GetString("RequestHash") != fingerprint)
            {
                throw Idempotency.Conflict();
            }

            series = ToSeries(stored);
            replayed = true;
        }

        // The first proposal comes at once (when it is within the series' days ahead), not at the next timer run.
        await ProposeNextAsync(series, now, ct);
        return new CreateResult<SeriesRecord>(series, null, replayed);
    }

    public async Task<IReadOnlyList<SeriesRecord>> ListAsync(Caller caller, string storeId, CancellationToken ct)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        var rows = await tables.QueryAsync(Table, TableQuery.Partition(chainId, TableFilter.And(TableFilter.RowKeyStartsWith(SeriesPrefix), TableFilter.Equal("StoreId", storeId))), ct).ToListAsync(ct);
        return rows.Select(ToSeries).OrderBy(s => s.CreatedAt).ToList();
    }

    public async Task<SeriesRecord> GetAsync(Caller caller, string seriesId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(seriesId, "series");
        var row = Ids.IsKind(seriesId, 'w') ? await tables.GetAsync(Table, Ids.ChainOf(seriesId)!, SeriesPrefix + seriesId, cancellationToken: ct) : null;
        var series = row is null ? throw AppProblem.NotFound("series", seriesId) : ToSeries(row);
        if (caller.Role == Role.Leader && caller.StoreId != series.StoreId)
        {
            throw AppProblem.Forbidden("This series belongs to another store.");
        }

        return series;
    }

    /// <summary>PATCH: name, template (whole), schedule (whole), active (pause/resume), proposeDaysAhead. Proposals already made keep their times.</summary>
    public async Task<SeriesRecord> EditAsync(Caller caller, string seriesId, SeriesDraft patch, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(caller, seriesId, ct);
            var now = clock.GetUtcNow();
            var v = new Validator();
            var name = patch.Name is null ? current.Name : v.Text("name", patch.Name, MaxNameLength);
            if (patch.FromCampaignId is not null)
            {
                v.Add("fromCampaignId", "fromCampaignId is for creating a series; send template to change it.");
            }

            var days = patch.ProposeDaysAhead is null ? current.ProposeDaysAhead : ValidateDays(v, patch.ProposeDaysAhead);
            var leaderId = patch.LeaderId ?? current.LeaderId;
            var scheduleDraft = patch.Schedule ?? new SeriesScheduleDraft(current.Schedule.Weekdays?.ToList(), current.Schedule.LiveStartTime, current.Schedule.Cron,
                current.Schedule.LiveDurationMinutes, current.Schedule.PreheatLeadHours, current.Schedule.PickupHoursAfterLive);
            var (schedule, template) = await ValidateAsync(v, caller, current.ChainId, current.StoreId, leaderId, patch.Template ?? current.Template, scheduleDraft, now, ct);
            v.ThrowIfInvalid();
            var edited = current with
            {
                Name = name, LeaderId = leaderId, ProposeDaysAhead = days, Template = template!, Schedule = schedule!,
                Active = patch.Active ?? current.Active, UpdatedAt = now,
            };
            try
            {
                // Merge keeps the create's RequestHash (an idempotent retry of the create still finds its series).
                await tables.UpdateAsync(Table, ToEntity(edited), TableUpdateMode.Merge, current.ETag!, ct);
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                continue; // another edit came first: apply this one to what is there now
            }

            logger.LogInformation("Series {SeriesId} edited (active {Active})", seriesId, edited.Active);
            if (edited.Active)
            {
                await ProposeNextAsync(edited, now, ct);
            }

            return await GetAsync(caller, seriesId, ct);
        }
    }

    /// <summary>Deletes the series and its open proposals; campaigns it made stay. Deleting one that is gone is a success.</summary>
    public async Task DeleteAsync(Caller caller, string seriesId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(seriesId, "series");
        SeriesRecord series;
        try
        {
            series = await GetAsync(caller, seriesId, ct);
        }
        catch (AppProblem p) when (p.Code == ProblemCodes.NotFound)
        {
            return;
        }

        await tables.DeleteAsync(Table, series.ChainId, SeriesPrefix + seriesId, "*", ct);
        var proposals = await tables.QueryAsync(Table, TableQuery.Partition(series.ChainId, TableFilter.RowKeyStartsWith(ProposalPrefix + seriesId + "_")) with { Select = ["Status"] }, ct).ToListAsync(ct);
        foreach (var chunk in proposals.Chunk(100))
        {
            await tables.SubmitTransactionAsync(Table, chunk.Select(r => TableOperation.Delete(r.PartitionKey, r.RowKey)).ToList(), ct);
        }

        logger.LogInformation("Series {SeriesId} deleted with {Count} proposals", seriesId, proposals.Count);
    }

    /// <summary>The series' proposals, newest live start first (at most <see cref="MaxProposalsListed"/>).</summary>
    public async Task<IReadOnlyList<SeriesProposal>> ProposalsAsync(Caller caller, string seriesId, CancellationToken ct)
    {
        var series = await GetAsync(caller, seriesId, ct);
        var now = clock.GetUtcNow();
        var rows = await tables.QueryAsync(Table, TableQuery.Partition(series.ChainId, TableFilter.RowKeyStartsWith(ProposalPrefix + seriesId + "_")), ct).ToListAsync(ct);
        return rows.Select(r => ToProposal(r, now)).OrderByDescending(p => p.LiveStartAt).Take(MaxProposalsListed).ToList();
    }

    // ----- proposing -----

    /// <summary>
    /// The timer's work, with the instant to propose for: every active series gets a proposal for its next occurrence
    /// when that live start is at most its <c>proposeDaysAhead</c> days after <paramref name="now"/>. Insert-if-absent on
    /// the natural key, so two instances or a rerun propose each occurrence once. Returns the proposals this call made.
    /// <paramref name="chainId"/> narrows it to one chain's series (tests run it for their own chain at a chosen instant).
    /// </summary>
    public async Task<IReadOnlyList<SeriesProposal>> ProposeDueAsync(DateTimeOffset now, CancellationToken ct, string? chainId = null)
    {
        var made = new List<SeriesProposal>();
        var filter = TableFilter.And(TableFilter.Equal("Kind", "series"), TableFilter.Equal("Active", true));
        var query = chainId is null ? new TableQuery(filter) : TableQuery.Partition(chainId, filter); // one chain: a test's own, or an admin tool
        await foreach (var row in tables.QueryAsync(Table, query, ct))
        {
            try
            {
                if (await ProposeNextAsync(ToSeries(row), now, ct) is { } proposal)
                {
                    made.Add(proposal);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Series {RowKey}: proposing its next occurrence failed; the next run tries again", row.RowKey);
            }
        }

        return made;
    }

    /// <summary>Inserts the proposal of the series' next occurrence after <paramref name="now"/> if it is due and absent; null otherwise.</summary>
    public async Task<SeriesProposal?> ProposeNextAsync(SeriesRecord series, DateTimeOffset now, CancellationToken ct)
    {
        if (!series.Active)
        {
            return null;
        }

        var zone = await ZoneAsync(series.ChainId, ct);
        if (series.Schedule.Next(now, zone) is not { } next || next.LiveStartAt > now.AddDays(series.ProposeDaysAhead))
        {
            return null;
        }

        var proposal = new SeriesProposal(ProposalIdOf(next.LiveStartAt), series.SeriesId, Proposed, next.PreheatAt, next.LiveStartAt, next.LiveEndAt, next.PickupUntil,
            null, now, null, null);
        try
        {
            await tables.InsertAsync(Table, ToEntity(series.ChainId, proposal), ct);
        }
        catch (StorageConflictException)
        {
            return null; // proposed already (another instance, an earlier run)
        }

        logger.LogInformation("Series {SeriesId}: proposed the live of {LiveStartAt:o}", series.SeriesId, next.LiveStartAt);
        return proposal;
    }

    // ----- deciding -----

    /// <summary>
    /// 确认开团: creates the campaign draft from the template and the proposal's times (its lifecycle timers armed by
    /// the create). Idempotent: the campaign id is derived from the proposal, so a repeat — or two leaders at once —
    /// answer the same campaign. A proposal whose live start has passed → 409 <see cref="ProposalStale"/>; a skipped one
    /// → 409 invalid-transition.
    /// </summary>
    public async Task<SeriesConfirmation> ConfirmAsync(Caller caller, string seriesId, string proposalId, CancellationToken ct)
    {
        var series = await GetAsync(caller, seriesId, ct);
        var proposal = await ReadProposalAsync(series, proposalId, ct);
        if (proposal.Status == Confirmed && proposal.CampaignId is { } done)
        {
            return new SeriesConfirmation(proposal, await campaigns.GetAsync(done, ct), false);
        }

        if (proposal.Status == Skipped)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Proposal skipped", "This occurrence was skipped; it can no longer become a campaign.");
        }

        if (proposal.Status == Expired)
        {
            throw AppProblem.Conflict(ProposalStale, "Proposal out of date",
                $"This occurrence's live start ({proposal.LiveStartAt:yyyy-MM-dd HH:mm} UTC) has passed; it can no longer become a campaign. Confirm a later one, or duplicate a campaign with new times.");
        }

        var key = $"series:{seriesId}:{proposalId}";
        var campaignId = Ids.For(series.ChainId, 'k', key);
        var campaign = await CampaignTables.ReadAsync(tables, campaignId, ct);
        var created = false;
        if (campaign is null)
        {
            var t = series.Template;
            // Confirmed after the proposed preheat: the preheat opens now (a past one would be refused, and means nothing).
            var now = clock.GetUtcNow();
            var preheatAt = proposal.PreheatAt < now ? now : proposal.PreheatAt;
            var draft = new CampaignDraft(t.Title, series.StoreId, series.LeaderId, t.Items, preheatAt, proposal.LiveStartAt, proposal.LiveEndAt, proposal.PickupUntil,
                t.FollowUpAfterHours, t.FollowUpWindowHours, t.Stream, t.Intro);
            try
            {
                var result = await campaigns.CreateAsync(caller, series.ChainId, draft, key, ct);
                campaign = result.Value;
                created = !result.Replayed;
            }
            catch (AppProblem p) when (p.Code == ProblemCodes.IdempotencyConflict)
            {
                // Made a moment ago by another confirm from a template edited in between: that campaign is the answer.
                campaign = await campaigns.GetAsync(campaignId, ct);
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var decided = proposal with { Status = Confirmed, CampaignId = campaign.CampaignId, DecidedAt = clock.GetUtcNow(), DecidedBy = CampaignService.CauseOf(caller) };
            try
            {
                await tables.UpdateAsync(Table, ToEntity(series.ChainId, decided), TableUpdateMode.Replace, proposal.ETag!, ct);
                logger.LogInformation("Series {SeriesId}: proposal {ProposalId} confirmed as campaign {CampaignId}", seriesId, proposalId, campaign.CampaignId);
                return new SeriesConfirmation(decided with { ETag = null }, campaign, created);
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                proposal = await ReadProposalAsync(series, proposalId, ct);
                if (proposal.Status == Confirmed)
                {
                    return new SeriesConfirmation(proposal, campaign, created);
                }
            }
        }
    }

    /// <summary>跳过: the occurrence will not run. Idempotent; a confirmed proposal → 409 invalid-transition.</summary>
    public async Task<SeriesProposal> SkipAsync(Caller caller, string seriesId, string proposalId, CancellationToken ct)
    {
        var series = await GetAsync(caller, seriesId, ct);
        for (var attempt = 0; ; attempt++)
        {
            var proposal = await ReadProposalAsync(series, proposalId, ct);
            if (proposal.Status == Skipped)
            {
                return proposal;
            }

            if (proposal.Status == Confirmed)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Proposal confirmed",
                    "This occurrence is already a campaign; cancel the campaign instead.");
            }

            var skipped = proposal with { Status = Skipped, DecidedAt = clock.GetUtcNow(), DecidedBy = CampaignService.CauseOf(caller) };
            try
            {
                await tables.UpdateAsync(Table, ToEntity(series.ChainId, skipped), TableUpdateMode.Replace, proposal.ETag!, ct);
                return skipped with { ETag = null };
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // Decided by someone else meanwhile: look again.
            }
        }
    }

    private async Task<SeriesProposal> ReadProposalAsync(SeriesRecord series, string proposalId, CancellationToken ct)
    {
        var row = IsProposalId(proposalId) ? await tables.GetAsync(Table, series.ChainId, ProposalPrefix + series.SeriesId + "_" + proposalId, cancellationToken: ct) : null;
        return row is null ? throw AppProblem.NotFound("proposal", proposalId) : ToProposal(row, clock.GetUtcNow());
    }

    // ----- validation -----

    private static int ValidateDays(Validator v, int? days)
    {
        var value = days ?? DefaultProposeDaysAhead;
        if (value is < 1 or > MaxProposeDaysAhead)
        {
            v.Add("proposeDaysAhead", $"proposeDaysAhead must be between 1 and {MaxProposeDaysAhead}.");
        }

        return value;
    }

    /// <summary>
    /// The schedule, then the template through every check of campaign create (<see cref="CampaignService.CreateAsync"/>
    /// with validateOnly) for the next occurrence's times; template field errors are named <c>template.*</c>.
    /// </summary>
    private async Task<(SeriesSchedule? Schedule, SeriesTemplate? Template)> ValidateAsync(Validator v, Caller caller, string chainId, string storeId, string? leaderId,
        SeriesTemplate? template, SeriesScheduleDraft? scheduleDraft, DateTimeOffset now, CancellationToken ct)
    {
        var zone = await ZoneAsync(chainId, ct);
        var schedule = SeriesSchedule.Validate(v, scheduleDraft, zone, now);
        if (template is null)
        {
            v.Add("template", "template (title, items, …) or fromCampaignId is required.");
            return (schedule, null);
        }

        // The times the first campaign would get (a placeholder a day ahead when the schedule itself is wrong).
        // A preheat lead that reaches into the past preheats from now, as confirming such an occurrence does.
        var at = schedule?.Next(now, zone) ?? new SeriesOccurrence(now.AddHours(20), now.AddDays(1), now.AddDays(1).AddHours(2), now.AddDays(3));
        at = at.PreheatAt < now ? at with { PreheatAt = now } : at;
        var draft = new CampaignDraft(template.Title, storeId, leaderId, template.Items, at.PreheatAt, at.LiveStartAt, at.LiveEndAt, at.PickupUntil,
            template.FollowUpAfterHours, template.FollowUpWindowHours, template.Stream, template.Intro);
        try
        {
            var checkedDraft = (await campaigns.CreateAsync(caller, chainId, draft, null, ct, validateOnly: true)).Value;
            return (schedule, new SeriesTemplate(checkedDraft.Title,
                checkedDraft.Items.Select(i => new CampaignItemDraft(i.ProductId, i.PriceFen, i.LivePriceFen, i.Stock, i.MinGroupSize, i.PerMemberLimit, i.MemberPriceFen)).ToList(),
                template.FollowUpAfterHours, template.FollowUpWindowHours, template.Stream, checkedDraft.Intro));
        }
        catch (AppProblem p) when (p.Code == ProblemCodes.Validation && p.Errors is not null)
        {
            foreach (var (field, messages) in p.Errors)
            {
                var name = field switch
                {
                    "storeId" or "leaderId" => field,
                    "preheatAt" or "liveStartAt" or "liveEndAt" or "pickupUntil" => "schedule",
                    _ => "template." + field,
                };
                foreach (var message in messages)
                {
                    v.Add(name, message);
                }
            }

            return (schedule, null);
        }
    }

    private static SeriesTemplate FromCampaign(Campaign c) => new(c.Title,
        c.Items.Select(i => new CampaignItemDraft(i.ProductId, i.PriceFen, i.LivePriceFen, i.Stock, i.MinGroupSize, i.PerMemberLimit, i.MemberPriceFen)).ToList(),
        c.Schedule.FollowUpAfterHours, c.Schedule.FollowUpWindowHours, c.Stream is null ? null : new StreamDraft(c.Stream.PlaybackUrl, c.Stream.ChannelsUrl), c.Intro);

    private Task<string> RequireStoreStaffAsync(Caller caller, string storeId, CancellationToken ct) =>
        chains.RequireStoreStaffAsync(caller, storeId, "series", ct);

    public async Task<TimeZoneInfo> ZoneAsync(string chainId, CancellationToken ct) =>
        TimeZones.TryFind((await chains.GetChainAsync(chainId, ct)).TimeZone, out var zone) ? zone
            : TimeZones.TryFind(TimeZones.Default, out var shanghai) ? shanghai : TimeZoneInfo.Utc;

    // ----- rows -----

    public static string ProposalIdOf(DateTimeOffset liveStartAt) => liveStartAt.UtcDateTime.ToString(ProposalFormat, CultureInfo.InvariantCulture);

    private static bool IsProposalId(string id) =>
        DateTime.TryParseExact(id, ProposalFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _);

    private static TableEntity ToEntity(SeriesRecord s) => new(s.ChainId, SeriesPrefix + s.SeriesId)
    {
        ["Kind"] = "series",
        ["SeriesId"] = s.SeriesId,
        ["StoreId"] = s.StoreId,
        ["LeaderId"] = s.LeaderId,
        ["Name"] = s.Name,
        ["Active"] = s.Active,
        ["ProposeDaysAhead"] = s.ProposeDaysAhead,
        ["Template"] = JsonSerializer.Serialize(s.Template, JsonSerializerOptions.Web),
        ["Schedule"] = JsonSerializer.Serialize(s.Schedule, JsonSerializerOptions.Web),
        ["CreatedAt"] = s.CreatedAt,
        ["UpdatedAt"] = s.UpdatedAt,
    };

    private static SeriesRecord ToSeries(TableEntity e) => new(
        e.RequireString("SeriesId"), e.PartitionKey, e.RequireString("StoreId"), e.RequireString("LeaderId"), e.RequireString("Name"), e.GetBoolean("Active") ?? true,
        e.GetInt32("ProposeDaysAhead") ?? DefaultProposeDaysAhead,
        JsonSerializer.Deserialize<SeriesTemplate>(e.RequireString("Template"), JsonSerializerOptions.Web)!,
        JsonSerializer.Deserialize<SeriesSchedule>(e.RequireString("Schedule"), JsonSerializerOptions.Web)!,
        e.GetDateTimeOffset("CreatedAt") ?? default, e.GetDateTimeOffset("UpdatedAt") ?? default) { ETag = e.ETag };

    private static TableEntity ToEntity(string chainId, SeriesProposal p) => new(chainId, ProposalPrefix + p.SeriesId + "_" + p.ProposalId)
    {
        ["Kind"] = "proposal",
        ["ProposalId"] = p.ProposalId,
        ["SeriesId"] = p.SeriesId,
        ["Status"] = p.Status == Expired ? Proposed : p.Status,
        ["PreheatAt"] = p.PreheatAt,
        ["LiveStartAt"] = p.LiveStartAt,
        ["LiveEndAt"] = p.LiveEndAt,
        ["PickupUntil"] = p.PickupUntil,
        ["CampaignId"] = p.CampaignId,
        ["CreatedAt"] = p.CreatedAt,
        ["DecidedAt"] = p.DecidedAt,
        ["DecidedBy"] = p.DecidedBy,
    };

    private static SeriesProposal ToProposal(TableEntity e, DateTimeOffset now)
    {
        var start = e.GetDateTimeOffset("LiveStartAt") ?? default;
        var status = e.GetString("Status") ?? Proposed;
        return new SeriesProposal(e.RequireString("ProposalId"), e.RequireString("SeriesId"), status == Proposed && start <= now ? Expired : status,
            e.GetDateTimeOffset("PreheatAt") ?? default, start, e.GetDateTimeOffset("LiveEndAt") ?? default, e.GetDateTimeOffset("PickupUntil") ?? default,
            e.GetString("CampaignId"), e.GetDateTimeOffset("CreatedAt") ?? default, e.GetDateTimeOffset("DecidedAt"), e.GetString("DecidedBy")) { ETag = e.ETag };
    }
}
