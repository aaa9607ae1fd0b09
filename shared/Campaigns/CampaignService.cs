using System.Globalization;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>What a leader or admin sends to open a group-buy.</summary>
public sealed record CampaignDraft(
    string? Title,
    string? StoreId,
    string? LeaderId,
    IReadOnlyList<CampaignItemDraft>? Items,
    DateTimeOffset? PreheatAt,
    DateTimeOffset? LiveStartAt,
    DateTimeOffset? LiveEndAt,
    DateTimeOffset? PickupUntil,
    double? FollowUpAfterHours,
    double? FollowUpWindowHours,
    StreamDraft? Stream = null,
    string? Intro = null,
    string? Kind = null);

/// <summary>What a leader sends as the live video (API.md <c>stream</c>).</summary>
public sealed record StreamDraft(string? PlaybackUrl, string? ChannelsUrl);

/// <summary>A <c>PATCH</c> of a campaign: only the fields present change (items: the whole new list).</summary>
public sealed record CampaignPatch(
    string? Title = null,
    string? StoreId = null,
    string? LeaderId = null,
    IReadOnlyList<CampaignItemDraft>? Items = null,
    DateTimeOffset? PreheatAt = null,
    DateTimeOffset? LiveStartAt = null,
    DateTimeOffset? LiveEndAt = null,
    DateTimeOffset? PickupUntil = null,
    double? FollowUpAfterHours = null,
    double? FollowUpWindowHours = null,
    StreamDraft? Stream = null,
    string? Intro = null);

public sealed record CampaignItemDraft(string? ProductId, long? PriceFen, long? LivePriceFen, int? Stock, int? MinGroupSize, int? PerMemberLimit, long? MemberPriceFen = null);

/// <summary>A line of the campaign list (the index row).</summary>
public sealed record CampaignSummary(string CampaignId, string Title, string StoreId, string LeaderId, string Phase, DateTimeOffset? LiveStartAt, DateTimeOffset? LiveEndAt, DateTimeOffset? CreatedAt);

/// <summary>One history entry: a phase change, when, and why.</summary>
public sealed record HistoryEntry(string From, string To, DateTimeOffset At, string Cause);

/// <summary>Campaigns: create, read, list, lifecycle actions, history, reservations.</summary>
public sealed class CampaignService(ITableStore tables, CampaignDesks desks, ChainService chains, ProductService products, LifecycleReplans lifecycle, TimeProvider clock, ILogger<CampaignService> logger)
{
    public const int MaxItems = 20;
    public const int MaxStock = 100_000;
    public const long MaxPriceFen = 100_000_000; // ¥1,000,000

    public async Task<CreateResult<Campaign>> CreateAsync(Caller caller, string chainId, CampaignDraft draft, string? idempotencyKey, CancellationToken ct, bool validateOnly = false)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        var title = v.Text("title", draft.Title, 80);
        var store = await chains.FindStoreAsync(chainId, draft.StoreId, ct);
        if (store is null)
        {
            v.Add("storeId", string.IsNullOrWhiteSpace(draft.StoreId) ? "storeId is required." : $"There is no store '{draft.StoreId}' in this chain.");
        }

        var leaderId = draft.LeaderId ?? caller.LeaderId;
        var leader = leaderId is not null && Ids.ChainOf(leaderId) == chainId
            ? await tables.GetAsync(ChainTables.Leaders, chainId, leaderId, cancellationToken: ct)
            : null;
        if (leader is null)
        {
            v.Add("leaderId", string.IsNullOrWhiteSpace(leaderId) ? "leaderId is required." : $"There is no leader '{leaderId}' in this chain.");
        }
        else if (store is not null && leader.GetString("StoreId") != store.StoreId)
        {
            v.Add("leaderId", "The leader must lead the campaign's store.");
        }

        if (caller.Role == Role.Leader && (store?.StoreId != caller.StoreId))
        {
            throw AppProblem.Forbidden("A leader opens campaigns for their own store only.");
        }

        var items = await ValidateItemsAsync(v, chainId, draft.Items, ct);
        var schedule = ValidateSchedule(v, draft, clock.GetUtcNow());
        var stream = ValidateStream(v, draft.Stream);
        var intro = v.OptionalText("intro", draft.Intro, MaxIntroLength);
        v.ThrowIfInvalid();

        var campaignId = key is null ? Ids.New(chainId, 'k') : Ids.For(chainId, 'k', key);
        var campaign = new Campaign
        {
            CampaignId = campaignId, ChainId = chainId, StoreId = store!.StoreId, LeaderId = leaderId!, Title = title,
            Schedule = schedule!, Items = items, CreatedAt = clock.GetUtcNow(), Stream = stream, Intro = intro,
            Kind = draft.Kind,
        };
        if (validateOnly)
        {
            return new CreateResult<Campaign>(campaign, null, false); // every check of create ran; nothing is written (series templates)
        }

        var fingerprint = Idempotency.Fingerprint(new { title, store.StoreId, leaderId, items = items.Select(i => new { i.ProductId, i.PriceFen, i.LivePriceFen, i.Stock, i.MinGroupSize, i.PerMemberLimit, i.MemberPriceFen }), schedule, stream, intro });
        campaign.FillPool();
        campaign.Version = 1;
        var seq = campaign.NextEventSeq();
        var row = CampaignTables.ToEntity(campaign);
        row["RequestHash"] = fingerprint;
        var created = DomainEvent.Create("campaign.created", chainId, $"campaigns/{campaignId}", new { campaignId, title, store.StoreId, leaderId, schedule!.LiveStartAt }, campaign.CreatedAt);
        var replayed = false;
        try
        {
            await tables.SubmitTransactionAsync(CampaignTables.Campaigns,
            [
                TableOperation.Insert(row),
                .. CampaignTables.PackEvents(campaignId, CampaignTables.CampaignStream, [CampaignTables.Pack(seq, created)]).Select(TableOperation.Insert),
            ], ct);
            logger.LogInformation("Campaign {CampaignId} created for store {StoreId}", campaignId, store.StoreId);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409 && key is not null)
        {
            var existing = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, cancellationToken: ct);
            if (existing is null || existing.GetString("RequestHash") != fingerprint)
            {
                throw Idempotency.Conflict();
            }

            campaign = CampaignTables.ToCampaign(existing);
            replayed = true;
        }

        // The index is what lists read; upserting it again on a retry repairs a first attempt that stopped here.
        await tables.UpsertAsync(CampaignTables.CampaignIndex, CampaignTables.ToIndexEntity(campaign), TableUpdateMode.Merge, ct);
        // "Created draft with its timers armed": the replan message starts the campaign's orchestration (again on a retry: idempotent).
        await lifecycle.RequestAsync(campaign.CampaignId, ct);
        return new CreateResult<Campaign>(campaign, null, replayed);
    }

    private async Task<List<CampaignItem>> ValidateItemsAsync(Validator v, string chainId, IReadOnlyList<CampaignItemDraft>? drafts, CancellationToken ct)
    {
        var items = new List<CampaignItem>();
        if (drafts is null || drafts.Count == 0)
        {
            v.Add("items", "A campaign needs at least one item.");
            return items;
        }

        if (drafts.Count > MaxItems)
        {
            v.Add("items", $"A campaign has at most {MaxItems} items.");
            return items;
        }

        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i];
            var field = $"items[{i}]";
            var product = await products.FindAsync(chainId, d.ProductId, ct);
            if (product is null)
            {
                v.Add($"{field}.productId", string.IsNullOrWhiteSpace(d.ProductId) ? "productId is required." : $"There is no product '{d.ProductId}' in this chain's catalogue.");
            }

            if (d.PriceFen is not (> 0 and <= MaxPriceFen))
            {
                v.Add($"{field}.priceFen", $"priceFen must be a whole number of fen between 1 and {MaxPriceFen}.");
            }

            if (d.LivePriceFen is { } live && (live <= 0 || (d.PriceFen is { } list && live > list)))
            {
                v.Add($"{field}.livePriceFen", "livePriceFen must be positive and not above priceFen.");
            }

            if (d.MemberPriceFen is { } member && (member <= 0 || (d.PriceFen is { } full && member >= full)))
            {
                v.Add($"{field}.memberPriceFen", "memberPriceFen (会员价) must be positive and below priceFen.");
            }

            if (d.Stock is not (> 0 and <= MaxStock))
            {
                v.Add($"{field}.stock", $"stock must be between 1 and {MaxStock}.");
            }

            var minimum = d.MinGroupSize ?? 1;
            if (minimum < 1 || (d.Stock is { } stock && minimum > stock))
            {
                v.Add($"{field}.minGroupSize", "minGroupSize (成团 minimum) must be at least 1 and at most the stock.");
            }

            if (d.PerMemberLimit is { } limit && (limit < 1 || (d.Stock is { } s && limit > s)))
            {
                v.Add($"{field}.perMemberLimit", "perMemberLimit must be at least 1 and at most the stock.");
            }

            if (drafts.Take(i).Any(other => other.ProductId == d.ProductId))
            {
                v.Add($"{field}.productId", "Each product appears once per campaign.");
            }

            if (product is not null && v.IsValid)
            {
                items.Add(new CampaignItem
                {
                    ItemId = "i" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ProductId = product.ProductId, Name = product.Name, Unit = product.Unit,
                    PriceFen = d.PriceFen!.Value, LivePriceFen = d.LivePriceFen, MemberPriceFen = d.MemberPriceFen, Stock = d.Stock!.Value, MinGroupSize = minimum, PerMemberLimit = d.PerMemberLimit,
                });
            }
        }

        return items;
    }

    public const int MaxIntroLength = 2000;
    public const int MaxUrlLength = 500;

    /// <summary>The live video: absolute http(s) URLs of at most <see cref="MaxUrlLength"/> characters; neither given = none.</summary>
    private static LiveStream? ValidateStream(Validator v, StreamDraft? draft)
    {
        string? Url(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            var text = value.Trim();
            if (text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                v.Add(field, $"{field} must be an http(s) URL of at most {MaxUrlLength} characters.");
                return null;
            }

            return uri.AbsoluteUri;
        }

        var playback = Url("stream.playbackUrl", draft?.PlaybackUrl);
        var channels = Url("stream.channelsUrl", draft?.ChannelsUrl);
        return playback is null && channels is null ? null : new LiveStream(playback, channels);
    }

    /// <summary>How far from now a campaign's instants may lie (API.md): a little in the past, at most a year ahead.</summary>
    public static readonly TimeSpan EarliestBeforeNow = TimeSpan.FromDays(1), LatestAfterNow = TimeSpan.FromDays(366);

    /// <summary>Pickup ends at most this long after the live session.</summary>
    public static readonly TimeSpan MaxPickupAfterLive = TimeSpan.FromDays(30);

    private static CampaignSchedule? ValidateSchedule(Validator v, CampaignDraft d, DateTimeOffset now)
    {
        if (d.LiveStartAt is null || d.LiveEndAt is null)
        {
            foreach (var (name, value) in new[] { ("liveStartAt", d.LiveStartAt), ("liveEndAt", d.LiveEndAt) })
            {
                if (value is null)
                {
                    v.Add(name, $"{name} is required (ISO-8601, e.g. 2026-11-22T12:00:00Z).");
                }
            }

            return null;
        }

        // Every instant is checked against the calendar window before any arithmetic: a year-9999 date must be a 400
        // here, not an overflow in a timer of the lifecycle later.
        var earliest = now - EarliestBeforeNow;
        var latest = now + LatestAfterNow;
        var inWindow = true;
        foreach (var (name, value) in new[] { ("preheatAt", d.PreheatAt), ("liveStartAt", d.LiveStartAt), ("liveEndAt", d.LiveEndAt), ("pickupUntil", d.PickupUntil) })
        {
            if (value is { } at && (at < earliest || at > latest))
            {
                v.Add(name, $"{name} must lie between {earliest:yyyy-MM-dd'T'HH:mm'Z'} and {latest:yyyy-MM-dd'T'HH:mm'Z'} (from 1 day ago to 366 days ahead).");
                inWindow = false;
            }
        }

        if (!inWindow)
        {
            return null;
        }

        var start = d.LiveStartAt.Value.ToUniversalTime();
        var end = d.LiveEndAt.Value.ToUniversalTime();
        var preheat = d.PreheatAt?.ToUniversalTime() ?? Max(start - TimeSpan.FromHours(48), Min(now, start));
        var pickup = (d.PickupUntil ?? end.AddHours(48)).ToUniversalTime();
        if (pickup - end > MaxPickupAfterLive)
        {
            v.Add("pickupUntil", "pickupUntil must be at most 30 days after liveEndAt.");
        }

        if (preheat > start)
        {
            v.Add("preheatAt", "preheatAt must not be after liveStartAt.");
        }

        if (end <= start)
        {
            v.Add("liveEndAt", "liveEndAt must be after liveStartAt.");
        }
        else if (end - start > TimeSpan.FromHours(24))
        {
            v.Add("liveEndAt", "A live session lasts at most 24 hours.");
        }

        if (pickup <= end)
        {
            v.Add("pickupUntil", "pickupUntil must be after liveEndAt.");
        }

        var after = d.FollowUpAfterHours ?? 24;
        var window = d.FollowUpWindowHours ?? 72;
        if (after is < 0 or > 720 || double.IsNaN(after))
        {
            v.Add("followUpAfterHours", "followUpAfterHours must be between 0 and 720 (decimals allowed).");
        }

        if (window is <= 0 or > 720 || double.IsNaN(window))
        {
            v.Add("followUpWindowHours", "followUpWindowHours must be above 0 and at most 720 (decimals allowed).");
        }

        return new CampaignSchedule(preheat, start, end, pickup, after, window);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The campaign as stored, with its totals over every lane (public view data); 404 when there is none.</summary>
    public async Task<Campaign> GetAsync(string campaignId, CancellationToken ct) =>
        (Ids.ChainOf(campaignId) is not null ? await CampaignTables.ReadAsync(tables, campaignId, ct) : null)
        ?? throw AppProblem.NotFound("campaign", campaignId);

    /// <summary>The campaign, for a caller who must be its chain's admin or its store's leader.</summary>
    public async Task<Campaign> GetForStaffAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(campaignId, "campaign");
        var campaign = await GetAsync(campaignId, ct);
        if (caller.Role == Role.Leader && caller.StoreId != campaign.StoreId)
        {
            throw AppProblem.Forbidden("This campaign belongs to another store.");
        }

        return campaign;
    }

    public async Task<IReadOnlyList<CampaignSummary>> ListAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        var filter = caller.Role == Role.Leader ? TableFilter.Equal("StoreId", caller.StoreId!) : null;
        var rows = await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(chainId, filter), ct).ToListAsync(ct);
        return rows.Select(CampaignTables.ToSummary).OrderByDescending(c => c.LiveStartAt).ToList();
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await GetForStaffAsync(caller, campaignId, ct);
        var rows = await tables.QueryAsync(CampaignTables.Campaigns,
            TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.HistoryPrefix)), ct).ToListAsync(ct);
        return rows.OrderBy(r => r.RowKey, StringComparer.Ordinal)
            .Select(CampaignTables.ToHistoryEntry)
            .ToList();
    }

    /// <summary>
    /// 编辑 before the live (API.md <c>PATCH</c>): fields present replace the campaign's; items are the whole new list
    /// (an item keeps its id by product). One transaction over the campaign row and every lane (If-Match), so an
    /// instance's desk with an older copy fails its next write and reads the edit; retried when another write came first.
    /// The timers are re-planned and the outbox woken for the <c>campaign.edited</c> event.
    /// </summary>
    public async Task<Campaign> EditAsync(Caller caller, string campaignId, CampaignPatch patch, CancellationToken ct)
    {
        var current = await GetForStaffAsync(caller, campaignId, ct);
        var v = new Validator();
        var title = patch.Title is null ? current.Title : v.Text("title", patch.Title, 80);
        if (patch.StoreId is not null && patch.StoreId != current.StoreId)
        {
            v.Add("storeId", "A campaign stays in its store; duplicate it for another store.");
        }

        var leaderId = current.LeaderId;
        if (patch.LeaderId is not null && patch.LeaderId != current.LeaderId)
        {
            var leader = Ids.ChainOf(patch.LeaderId) == current.ChainId ? await tables.GetAsync(ChainTables.Leaders, current.ChainId, patch.LeaderId, cancellationToken: ct) : null;
            if (leader is null || leader.GetString("StoreId") != current.StoreId)
            {
                v.Add("leaderId", "The leader must lead the campaign's store.");
            }
            else
            {
                leaderId = patch.LeaderId;
            }
        }

        var items = patch.Items is null ? current.Items.Select(i => i.Clone()).ToList() : await ValidateItemsAsync(v, current.ChainId, patch.Items, ct);
        if (patch.Items is not null)
        {
            // An item keeps its id (pins, trials, orders refer to it) when its product stays; new products get new ids.
            var next = current.Items.Select(i => int.TryParse(i.ItemId.AsSpan(1), out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
            items = items.Select(i => i.Clone(current.Items.FirstOrDefault(o => o.ProductId == i.ProductId)?.ItemId ?? "i" + (next++).ToString(CultureInfo.InvariantCulture))).ToList();
        }

        var now = clock.GetUtcNow();
        var s = current.Schedule;
        var earliest = now - EarliestBeforeNow + TimeSpan.FromMinutes(1);
        var schedule = ValidateSchedule(v, new CampaignDraft(title, current.StoreId, leaderId, null,
            patch.PreheatAt ?? Max(s.PreheatAt, earliest), patch.LiveStartAt ?? s.LiveStartAt, patch.LiveEndAt ?? s.LiveEndAt, patch.PickupUntil ?? s.PickupUntil,
            patch.FollowUpAfterHours ?? s.FollowUpAfterHours, patch.FollowUpWindowHours ?? s.FollowUpWindowHours), now);
        if (schedule is not null && patch.PreheatAt is null && s.PreheatAt <= schedule.LiveStartAt)
        {
            schedule = schedule with { PreheatAt = s.PreheatAt }; // an unchanged preheat stays as it was (even long past)
        }

        var stream = patch.Stream is null ? current.Stream : ValidateStream(v, patch.Stream);
        var intro = patch.Intro is null ? current.Intro : v.OptionalText("intro", patch.Intro, MaxIntroLength);
        v.ThrowIfInvalid();
        var cause = CauseOf(caller);
        for (var attempt = 0; ; attempt++)
        {
            var (edited, lanes) = current.EditBeforeLive(title, leaderId, schedule!, items, stream, intro, cause, now);
            edited.Version++;
            var packed = edited.Events.Select(e => CampaignTables.Pack(edited.NextEventSeq(), DomainEvent.Create(e.Type, edited.ChainId, e.Subject, e.Data, now, edited.Version.ToString(CultureInfo.InvariantCulture)))).ToList();
            edited.Events.Clear();
            List<TableOperation> ops =
            [
                TableOperation.Replace(CampaignTables.ToEntity(edited), current.ETag!),
                .. lanes.Select(l => TableOperation.Replace(CampaignTables.ToEntity(campaignId, l), current.Lanes.First(o => o.LaneId == l.LaneId).ETag!)),
                .. CampaignTables.PackEvents(campaignId, CampaignTables.CampaignStream, packed).Select(TableOperation.Insert),
            ];
            try
            {
                await tables.SubmitTransactionAsync(CampaignTables.Campaigns, ops, ct);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < 5)
            {
                current = await GetAsync(campaignId, ct); // another write came first (an order desk, a timer): edit what is there now
                continue;
            }

            await tables.UpsertAsync(CampaignTables.CampaignIndex, CampaignTables.ToIndexEntity(edited), TableUpdateMode.Merge, ct);
            await lifecycle.RequestAsync(campaignId, ct);
            await lifecycle.WakeOutboxAsync(campaignId, ct);
            logger.LogInformation("Campaign {CampaignId} edited by {Cause}", campaignId, cause);
            return await GetAsync(campaignId, ct);
        }
    }

    /// <summary>
    /// 复制: a new draft with the source's title, store, leader, items (products, prices, stock, limits), follow-up hours
    /// and the given schedule; the source may be in any phase.
    /// </summary>
    public async Task<CreateResult<Campaign>> DuplicateAsync(Caller caller, string campaignId, CampaignPatch schedule, string? idempotencyKey, CancellationToken ct)
    {
        var source = await GetForStaffAsync(caller, campaignId, ct);
        var draft = new CampaignDraft(source.Title, source.StoreId, source.LeaderId,
            source.Items.Select(i => new CampaignItemDraft(i.ProductId, i.PriceFen, i.LivePriceFen, i.Stock, i.MinGroupSize, i.PerMemberLimit, i.MemberPriceFen)).ToList(),
            schedule.PreheatAt, schedule.LiveStartAt, schedule.LiveEndAt, schedule.PickupUntil,
            source.Schedule.FollowUpAfterHours, source.Schedule.FollowUpWindowHours,
            source.Stream is null ? null : new StreamDraft(source.Stream.PlaybackUrl, source.Stream.ChannelsUrl), source.Intro);
        var created = await CreateAsync(caller, source.ChainId, draft, idempotencyKey, ct);
        logger.LogInformation("Campaign {CampaignId} duplicated into {Copy}", campaignId, created.Value.CampaignId);
        return created;
    }

    /// <summary>A leader's or admin's lifecycle action; the same code the timers run.</summary>
    public async Task<Campaign> ActAsync(Caller caller, string campaignId, string action, CancellationToken ct)
    {
        await GetForStaffAsync(caller, campaignId, ct);
        if (!Campaign.Actions.ContainsKey(action))
        {
            throw AppProblem.Validation("action", $"Unknown action '{action}'. Use one of: {string.Join(", ", Campaign.Actions.Keys)}.");
        }

        return (await ApplyAsync(campaignId, action, CauseOf(caller))).Campaign;
    }

    /// <summary>Who a person's lifecycle action is recorded as (history and the phaseChanged event).</summary>
    public static string CauseOf(Caller caller) => caller.Role == Role.Leader ? $"leader:{caller.LeaderId}" : $"admin:{caller.ChainId}";

    /// <summary>Runs a lifecycle action for any cause (a person, a timer, the sweeper).</summary>
    public Task<(Campaign Campaign, Transition Transition)> ApplyAsync(string campaignId, string action, string cause) =>
        desks.SubmitAsync(campaignId, new TransitionCommand { Action = action, Cause = cause });

    /// <summary>预约: true when this created the reservation, false when the member had already reserved.</summary>
    public async Task<bool> ReserveAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        await GetAsync(campaignId, ct);
        if (await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.ReservationRow(caller.MemberId!), ["MemberId"], ct) is not null)
        {
            return false;
        }

        return await desks.SubmitAsync(campaignId, new ReserveCommand { MemberId = caller.MemberId! });
    }
}
