using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Clearance;

/// <summary>What a leader or admin sends as the store's 晚市特惠 settings.</summary>
public sealed record ClearanceSettingsDraft(bool? Enabled, string? EveningAt, string? ClosingAt, string? TimeZone, int? PickupHours);

/// <summary>A store's 晚市特惠 settings (times are the store's wall clock, HH:mm in <see cref="TimeZone"/>).</summary>
public sealed record ClearanceSettings(string StoreId, bool Enabled, string EveningAt, string ClosingAt, string TimeZone, int PickupHours, DateTimeOffset? UpdatedAt);

/// <summary>Today's clearance of a store: when it opens and closes, how many items are flagged, and its campaign once opened.</summary>
public sealed record ClearanceToday(string Date, DateTimeOffset OpensAt, DateTimeOffset ClosesAt, int FlaggedItems, string? CampaignId, string? CampaignUrl);

/// <summary>The settings with today's state (GET/PUT answer).</summary>
public sealed record ClearanceView(ClearanceSettings Settings, ClearanceToday Today);

/// <summary>A flagged item: what a leader sends (a clearance price in fen, or a discount percent of the usual price).</summary>
public sealed record ClearanceItemDraft(string? ProductId, long? PriceFen, long? ClearancePriceFen, int? DiscountPercent, int? Quantity, int? PerMemberLimit, string? Date);

/// <summary>A flagged near-expiry item for one day of one store.</summary>
public sealed record ClearanceItem(string StoreId, string Date, string ProductId, string Name, string? Unit, long PriceFen, long ClearancePriceFen, int? DiscountPercent, int Quantity, int? PerMemberLimit, DateTimeOffset FlaggedAt);

/// <summary>What one timer pass did: stores checked, campaigns opened now, stores that failed (and were skipped).</summary>
public sealed record ClearanceRunResult(int Stores, IReadOnlyList<string> Opened, int Failed);

/// <summary>
/// Evening clearance (晚市特惠 / 日清): a store flags near-expiry items at a clearance price for a day; a timer opens one
/// short campaign per store and day at the store's evening hour with that day's items (成团 minimum 1, so every order is
/// confirmed) and the campaign's own durable lifecycle takes it live at the evening hour and closes it at closing time.
/// Rows live in table <c>Clearance</c>, PartitionKey = storeId: <c>settings</c>; <c>item_{yyyyMMdd}_{productId}</c>;
/// <c>day_{yyyyMMdd}</c>, the natural key of the day's campaign, inserted once (insert-if-absent) with the frozen item
/// list and schedule, so every instance and every re-run creates the same campaign (an idempotency key derived from
/// store and day) and never a second one.
/// </summary>
public sealed class ClearanceService(ITableStore tables, ChainService chains, ProductService products, CampaignService campaigns, TimeProvider clock, ILogger<ClearanceService> logger)
{
    public const string Table = "Clearance";
    public const string SettingsRow = "settings";
    public const string ItemPrefix = "item_";
    public const string DayPrefix = "day_";
    public const string Kind = "clearance";

    /// <summary>Items per store and day (a campaign's own limit).</summary>
    public const int MaxItems = CampaignService.MaxItems;

    public const int MaxQuantity = 1000;

    /// <summary>Days ahead a leader may flag items for (today = 0).</summary>
    public const int MaxDaysAhead = 7;

    /// <summary>The campaign is opened up to this long before the evening hour (its preheat: 开团预告), so the timer's 5-minute beat never makes it late.</summary>
    public static readonly TimeSpan OpenAhead = TimeSpan.FromMinutes(30);

    /// <summary>Shortest and longest evening session.</summary>
    public static readonly TimeSpan MinSession = TimeSpan.FromMinutes(1), MaxSession = TimeSpan.FromHours(8);

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public static readonly ClearanceSettings Defaults = new(string.Empty, false, "19:30", "21:30", TimeZones.Default, 24, null);

    // ----- settings -----

    public async Task<ClearanceView> GetAsync(Caller caller, string storeId, CancellationToken ct)
    {
        await RequireStoreStaffAsync(caller, storeId, ct);
        var settings = await ReadSettingsAsync(storeId, ct);
        return new ClearanceView(settings, await TodayAsync(settings, clock.GetUtcNow(), ct));
    }

    public async Task<ClearanceView> PutAsync(Caller caller, string storeId, ClearanceSettingsDraft? draft, CancellationToken ct)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        if (draft is null)
        {
            throw AppProblem.Validation("body", "Send {enabled, eveningAt, closingAt, timeZone?, pickupHours?}.");
        }

        var current = await ReadSettingsAsync(storeId, ct);
        var v = new Validator();
        var evening = draft.EveningAt is null ? current.EveningAt : WallTime(v, "eveningAt", draft.EveningAt);
        var closing = draft.ClosingAt is null ? current.ClosingAt : WallTime(v, "closingAt", draft.ClosingAt);
        var zone = string.IsNullOrWhiteSpace(draft.TimeZone) ? current.TimeZone : draft.TimeZone.Trim();
        if (!TimeZones.TryFind(zone, out _))
        {
            v.Add("timeZone", "timeZone must be an IANA time zone such as Asia/Shanghai.");
        }

        var pickupHours = draft.PickupHours ?? current.PickupHours;
        if (pickupHours is < 1 or > 72)
        {
            v.Add("pickupHours", "pickupHours (how long after closing orders may be picked up) must be between 1 and 72.");
        }

        if (v.IsValid)
        {
            var session = Parse(closing) - Parse(evening);
            if (session < MinSession)
            {
                v.Add("closingAt", "closingAt must be after eveningAt on the same day (e.g. eveningAt 19:30, closingAt 21:30).");
            }
            else if (session > MaxSession)
            {
                v.Add("closingAt", $"The evening clearance lasts at most {MaxSession.TotalHours:0} hours.");
            }
        }

        v.ThrowIfInvalid();
        var row = new TableEntity(storeId, SettingsRow)
        {
            ["ChainId"] = chainId,
            ["Enabled"] = draft.Enabled ?? current.Enabled,
            ["EveningAt"] = evening,
            ["ClosingAt"] = closing,
            ["TimeZone"] = zone,
            ["PickupHours"] = pickupHours,
            ["UpdatedAt"] = clock.GetUtcNow(),
        };
        if (caller.Role == Role.Leader)
        {
            row["LeaderId"] = caller.LeaderId; // the campaigns are opened in this leader's name
        }

        await tables.UpsertAsync(Table, row, TableUpdateMode.Merge, ct);
        logger.LogInformation("Clearance settings of store {StoreId} saved (enabled {Enabled}, {Evening}–{Closing} {Zone})", storeId, row.GetBoolean("Enabled"), evening, closing, zone);
        return await GetAsync(caller, storeId, ct);
    }

    // ----- flagged items -----

    public async Task<CreateResult<ClearanceItem>> FlagAsync(Caller caller, string storeId, ClearanceItemDraft? draft, CancellationToken ct)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        if (draft is null)
        {
            throw AppProblem.Validation("body", "Send {productId, priceFen, clearancePriceFen or discountPercent, quantity, perMemberLimit?, date?}.");
        }

        var settings = await ReadSettingsAsync(storeId, ct);
        var v = new Validator();
        var date = Day(v, draft.Date, settings);
        var product = await products.FindAsync(chainId, draft.ProductId, ct);
        if (product is null)
        {
            v.Add("productId", string.IsNullOrWhiteSpace(draft.ProductId) ? "productId is required." : $"There is no product '{draft.ProductId}' in this chain's catalogue.");
        }

        if (draft.PriceFen is not (> 1 and <= CampaignService.MaxPriceFen))
        {
            v.Add("priceFen", $"priceFen (the usual price) must be a whole number of fen between 2 and {CampaignService.MaxPriceFen}.");
        }

        long clearancePrice = 0;
        if (draft.ClearancePriceFen is null == draft.DiscountPercent is null)
        {
            v.Add("clearancePriceFen", "Send either clearancePriceFen (fen) or discountPercent (1–99, the share of the usual price charged: 50 = 五折).");
        }
        else if (draft.ClearancePriceFen is { } fen)
        {
            if (fen < 1 || (draft.PriceFen is { } usual && fen >= usual))
            {
                v.Add("clearancePriceFen", "clearancePriceFen must be at least 1 and below priceFen.");
            }

            clearancePrice = fen;
        }
        else if (draft.DiscountPercent is { } percent)
        {
            if (percent is < 1 or > 99)
            {
                v.Add("discountPercent", "discountPercent must be between 1 and 99 (the share of the usual price charged: 50 = 五折).");
            }
            else if (draft.PriceFen is { } usual and > 1 and <= CampaignService.MaxPriceFen)
            {
                clearancePrice = Math.Max(1, usual * percent / 100);
                if (clearancePrice >= usual)
                {
                    v.Add("discountPercent", "This discount leaves no lower price; send clearancePriceFen.");
                }
            }
        }

        if (draft.Quantity is not (> 0 and <= MaxQuantity))
        {
            v.Add("quantity", $"quantity must be between 1 and {MaxQuantity}.");
        }

        if (draft.PerMemberLimit is { } limit && (limit < 1 || (draft.Quantity is { } q && limit > q)))
        {
            v.Add("perMemberLimit", "perMemberLimit must be at least 1 and at most the quantity.");
        }

        v.ThrowIfInvalid();
        await RequireNotOpenedAsync(storeId, date!, ct);
        var rowKey = ItemRow(date!, product!.ProductId);
        var existing = await tables.GetAsync(Table, storeId, rowKey, ["PartitionKey"], ct);
        if (existing is null)
        {
            var count = await tables.QueryAsync(Table, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", storeId), TableFilter.RowKeyStartsWith(ItemPrefix + Compact(date!) + "_")), ["PartitionKey"]), ct).CountAsync(ct);
            if (count >= MaxItems)
            {
                throw AppProblem.Validation("productId", $"A store flags at most {MaxItems} items a day; remove one first.");
            }
        }

        var item = new ClearanceItem(storeId, date!, product.ProductId, product.Name, product.Unit, draft.PriceFen!.Value, clearancePrice, draft.DiscountPercent, draft.Quantity!.Value, draft.PerMemberLimit, clock.GetUtcNow());
        await tables.UpsertAsync(Table, ToEntity(item, caller), TableUpdateMode.Replace, ct);
        // The day's campaign may have opened between the check and the write: then this item is not in it, so take it back.
        if (await tables.GetAsync(Table, storeId, DayRow(date!), ["PartitionKey"], ct) is not null)
        {
            await tables.DeleteAsync(Table, storeId, rowKey, cancellationToken: ct);
            await RequireNotOpenedAsync(storeId, date!, ct);
        }

        logger.LogInformation("Store {StoreId} flagged {ProductId} for clearance on {Date}", storeId, product.ProductId, date);
        return new CreateResult<ClearanceItem>(item, null, existing is not null);
    }

    public async Task<IReadOnlyList<ClearanceItem>> ListAsync(Caller caller, string storeId, string? date, CancellationToken ct)
    {
        await RequireStoreStaffAsync(caller, storeId, ct);
        var settings = await ReadSettingsAsync(storeId, ct);
        var v = new Validator();
        var day = date is null ? LocalToday(settings, clock.GetUtcNow()) : Day(v, date, settings, allowPast: true);
        v.ThrowIfInvalid();
        return await ItemsAsync(storeId, day!, ct);
    }

    public async Task UnflagAsync(Caller caller, string storeId, string productId, string? date, CancellationToken ct)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        if (!Ids.IsKind(productId, 'p') || Ids.ChainOf(productId) != chainId)
        {
            throw AppProblem.NotFound("clearance item", productId);
        }

        var settings = await ReadSettingsAsync(storeId, ct);
        var v = new Validator();
        var day = Day(v, date, settings);
        v.ThrowIfInvalid();
        await RequireNotOpenedAsync(storeId, day!, ct);
        if (await tables.GetAsync(Table, storeId, ItemRow(day!, productId), ["PartitionKey"], ct) is null)
        {
            throw AppProblem.NotFound("clearance item", productId);
        }

        await tables.DeleteAsync(Table, storeId, ItemRow(day!, productId), cancellationToken: ct);
    }

    // ----- the timer's work -----

    /// <summary>
    /// One pass of the timer at <paramref name="now"/>: every enabled store whose evening hour is near (within
    /// <see cref="OpenAhead"/>) or has come, and whose closing time has not, gets its day's campaign if it flagged items.
    /// A store that fails is logged and skipped; the others proceed.
    /// </summary>
    public async Task<ClearanceRunResult> RunDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var opened = new List<string>();
        var stores = 0;
        var failed = 0;
        var query = new TableQuery(TableFilter.And(TableFilter.Equal("RowKey", SettingsRow), TableFilter.Equal("Enabled", true)));
        await foreach (var row in tables.QueryAsync(Table, query, ct))
        {
            stores++;
            try
            {
                if (await OpenIfDueAsync(ToSettings(row), row.GetString("LeaderId"), now, ct) is { } campaignId)
                {
                    opened.Add(campaignId);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                failed++;
                logger.LogError(ex, "Clearance: store {StoreId} failed and was skipped; the other stores proceed", row.PartitionKey);
            }
        }

        return new ClearanceRunResult(stores, opened, failed);
    }

    /// <summary>Opens (or finishes opening) the store's campaign of the day when it is due; its id, or null when nothing is due.</summary>
    public async Task<string?> OpenIfDueAsync(ClearanceSettings settings, string? leaderId, DateTimeOffset now, CancellationToken ct)
    {
        var storeId = settings.StoreId;
        var chainId = Ids.ChainOf(storeId) ?? throw new InvalidDataException($"Clearance settings of '{storeId}' name no store of a chain.");
        var date = LocalToday(settings, now);
        var (opensAt, closesAt) = Window(settings, date);
        if (now < opensAt - OpenAhead || now >= closesAt - MinSession)
        {
            return null;
        }

        var day = await tables.GetAsync(Table, storeId, DayRow(date), cancellationToken: ct);
        if (day?.GetBoolean("Opened") == true)
        {
            return null;
        }

        if (day is null)
        {
            var items = (await ItemsAsync(storeId, date, ct)).OrderBy(i => i.FlaggedAt).Take(MaxItems).ToList();
            if (items.Count == 0)
            {
                return null; // nothing flagged: no campaign (items flagged later, before closing, still open one)
            }

            var leader = await LeaderAsync(chainId, storeId, leaderId, ct) ?? throw new InvalidOperationException($"Store {storeId} has no leader to open its clearance campaign.");
            var local = DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var candidate = new TableEntity(storeId, DayRow(date))
            {
                ["Date"] = date,
                ["CampaignId"] = Ids.For(chainId, 'k', IdempotencyKey(storeId, date)),
                ["LeaderId"] = leader,
                ["Title"] = $"晚市特惠 {local.Month}月{local.Day}日",
                ["Items"] = JsonSerializer.Serialize(items, Json),
                ["PreheatAt"] = now < opensAt ? now : opensAt,
                ["LiveStartAt"] = opensAt,
                ["LiveEndAt"] = closesAt,
                ["PickupUntil"] = closesAt.AddHours(settings.PickupHours),
                ["Opened"] = false,
                ["CreatedAt"] = now,
            };
            try
            {
                await tables.InsertAsync(Table, candidate, ct);
                day = candidate;
            }
            catch (StorageConflictException)
            {
                day = await tables.GetAsync(Table, storeId, DayRow(date), cancellationToken: ct) ?? throw new InvalidOperationException("The day's clearance row vanished.");
            }
        }

        // Every instance and re-run creates the campaign from the same frozen row with the same idempotency key: one campaign.
        var frozen = JsonSerializer.Deserialize<List<ClearanceItem>>(day.RequireString("Items"), Json) ?? [];
        var draft = new CampaignDraft(
            day.RequireString("Title"), storeId, day.RequireString("LeaderId"),
            frozen.Select(i => new CampaignItemDraft(i.ProductId, i.PriceFen, i.ClearancePriceFen, i.Quantity, 1, i.PerMemberLimit)).ToList(),
            day.GetDateTimeOffset("PreheatAt"), day.GetDateTimeOffset("LiveStartAt"), day.GetDateTimeOffset("LiveEndAt"), day.GetDateTimeOffset("PickupUntil"),
            null, null, null, "今日鲜品日清：临近最佳赏味期、品质完好的商品，晚市特惠价，售完即止。", Kind);
        var caller = new Caller(Role.Leader, chainId, day.RequireString("LeaderId"), storeId);
        var created = await campaigns.CreateAsync(caller, chainId, draft, IdempotencyKey(storeId, date), ct);
        await tables.UpsertAsync(Table, new TableEntity(storeId, DayRow(date)) { ["Opened"] = true, ["CampaignId"] = created.Value.CampaignId }, TableUpdateMode.Merge, ct);
        if (!created.Replayed)
        {
            logger.LogInformation("Clearance campaign {CampaignId} opened for store {StoreId} on {Date} with {Count} items", created.Value.CampaignId, storeId, date, frozen.Count);
        }

        return created.Value.CampaignId;
    }

    /// <summary>The idempotency key of a store's campaign of a day (the campaign id is derived from it).</summary>
    public static string IdempotencyKey(string storeId, string date) => $"clearance/{storeId}/{date}";

    // ----- helpers -----

    private Task<string> RequireStoreStaffAsync(Caller caller, string storeId, CancellationToken ct) =>
        chains.RequireStoreStaffAsync(caller, storeId, "evening clearance", ct);

    private async Task<string?> LeaderAsync(string chainId, string storeId, string? preferred, CancellationToken ct)
    {
        if (preferred is not null && await tables.GetAsync(ChainTables.Leaders, chainId, preferred, ["StoreId"], ct) is { } row && row.GetString("StoreId") == storeId)
        {
            return preferred;
        }

        await foreach (var leader in tables.QueryAsync(ChainTables.Leaders, TableQuery.Partition(chainId, TableFilter.Equal("StoreId", storeId)), ct))
        {
            return leader.RowKey;
        }

        return null;
    }

    private async Task RequireNotOpenedAsync(string storeId, string date, CancellationToken ct)
    {
        if (await tables.GetAsync(Table, storeId, DayRow(date), ["CampaignId"], ct) is { } day)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Clearance already opened",
                $"The evening clearance of {date} has opened (campaign {day.GetString("CampaignId")}); its items can no longer change.");
        }
    }

    private async Task<List<ClearanceItem>> ItemsAsync(string storeId, string date, CancellationToken ct) =>
        await tables.QueryAsync(Table, TableQuery.Partition(storeId, TableFilter.RowKeyStartsWith(ItemPrefix + Compact(date) + "_")), ct)
            .Select(ToItem).OrderBy(i => i.FlaggedAt).ToListAsync(ct);

    private async Task<ClearanceSettings> ReadSettingsAsync(string storeId, CancellationToken ct) =>
        await tables.GetAsync(Table, storeId, SettingsRow, cancellationToken: ct) is { } row ? ToSettings(row) : Defaults with { StoreId = storeId };

    private async Task<ClearanceToday> TodayAsync(ClearanceSettings settings, DateTimeOffset now, CancellationToken ct)
    {
        var date = LocalToday(settings, now);
        var (opensAt, closesAt) = Window(settings, date);
        var items = await ItemsAsync(settings.StoreId, date, ct);
        var day = await tables.GetAsync(Table, settings.StoreId, DayRow(date), ["CampaignId", "Opened"], ct);
        var campaignId = day?.GetBoolean("Opened") == true ? day.GetString("CampaignId") : null;
        return new ClearanceToday(date, opensAt, closesAt, items.Count, campaignId, campaignId is null ? null : $"/live/{campaignId}");
    }

    /// <summary>The store's date now, yyyy-MM-dd in its zone.</summary>
    public static string LocalToday(ClearanceSettings settings, DateTimeOffset now)
    {
        TimeZones.TryFind(settings.TimeZone, out var zone);
        return TimeZoneInfo.ConvertTime(now, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>The evening hour and closing time of a day, as instants.</summary>
    public static (DateTimeOffset OpensAt, DateTimeOffset ClosesAt) Window(ClearanceSettings settings, string date)
    {
        TimeZones.TryFind(settings.TimeZone, out var zone);
        var day = DateTime.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        DateTimeOffset At(string hhmm)
        {
            var local = DateTime.SpecifyKind(day + Parse(hhmm), DateTimeKind.Unspecified);
            if (zone.IsInvalidTime(local))
            {
                local = local.AddHours(1); // a wall time skipped by a daylight-saving change: the hour after it
            }

            return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
        }

        return (At(settings.EveningAt), At(settings.ClosingAt));
    }

    private string? Day(Validator v, string? date, ClearanceSettings settings, bool allowPast = false)
    {
        var today = LocalToday(settings, clock.GetUtcNow());
        if (string.IsNullOrWhiteSpace(date))
        {
            return today;
        }

        if (!DateOnly.TryParseExact(date.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            v.Add("date", "date must be a day as yyyy-MM-dd (the store's calendar).");
            return null;
        }

        var first = DateOnly.ParseExact(today, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        if ((!allowPast && day < first) || day > first.AddDays(MaxDaysAhead) || day < first.AddDays(-366))
        {
            v.Add("date", allowPast ? $"date must lie within the past year and at most {MaxDaysAhead} days ahead." : $"date must be today ({today}) or at most {MaxDaysAhead} days ahead.");
            return null;
        }

        return day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static string WallTime(Validator v, string field, string value)
    {
        var text = value.Trim();
        if (text.Length != 5 || !TimeSpan.TryParseExact(text, "hh\\:mm", CultureInfo.InvariantCulture, out var t) || t >= TimeSpan.FromDays(1))
        {
            v.Add(field, $"{field} must be a time of day as HH:mm (00:00–23:59), e.g. 19:30.");
            return text;
        }

        return text;
    }

    private static TimeSpan Parse(string hhmm) => TimeSpan.ParseExact(hhmm, "hh\\:mm", CultureInfo.InvariantCulture);

    private static string Compact(string date) => date.Replace("-", string.Empty, StringComparison.Ordinal);

    public static string ItemRow(string date, string productId) => $"{ItemPrefix}{Compact(date)}_{productId}";

    public static string DayRow(string date) => DayPrefix + Compact(date);

    private static ClearanceSettings ToSettings(TableEntity e) => new(
        e.PartitionKey, e.GetBoolean("Enabled") ?? false, e.GetString("EveningAt") ?? Defaults.EveningAt, e.GetString("ClosingAt") ?? Defaults.ClosingAt,
        e.GetString("TimeZone") ?? Defaults.TimeZone, e.GetInt32("PickupHours") ?? Defaults.PickupHours, e.GetDateTimeOffset("UpdatedAt"));

    private static TableEntity ToEntity(ClearanceItem i, Caller by) => new(i.StoreId, ItemRow(i.Date, i.ProductId))
    {
        ["Date"] = i.Date,
        ["ProductId"] = i.ProductId,
        ["Name"] = i.Name,
        ["Unit"] = i.Unit,
        ["PriceFen"] = i.PriceFen,
        ["ClearancePriceFen"] = i.ClearancePriceFen,
        ["DiscountPercent"] = i.DiscountPercent,
        ["Quantity"] = i.Quantity,
        ["PerMemberLimit"] = i.PerMemberLimit,
        ["FlaggedAt"] = i.FlaggedAt,
        ["FlaggedBy"] = by.Role == Role.Leader ? by.LeaderId : $"admin:{by.ChainId}",
    };

    private static ClearanceItem ToItem(TableEntity e) => new(
        e.PartitionKey, e.RequireString("Date"), e.RequireString("ProductId"), e.RequireString("Name"), e.GetString("Unit"),
        e.GetInt64("PriceFen") ?? 0, e.GetInt64("ClearancePriceFen") ?? 0, e.GetInt32("DiscountPercent"), e.GetInt32("Quantity") ?? 0, e.GetInt32("PerMemberLimit"),
        e.GetDateTimeOffset("FlaggedAt") ?? default);
}
