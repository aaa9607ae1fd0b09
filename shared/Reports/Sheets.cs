using System.Globalization;
using System.Text;
using MiniExcelLibs;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Reports;

/// <summary>A product's units in one store over the period: confirmed (成团) and still placed (待成团).</summary>
public sealed record PurchaseStoreUnits(string StoreId, string StoreName, int ConfirmedUnits, int PlacedUnits, int Campaigns);

/// <summary>One product on the supplier's purchase sheet (采购单): its units across the chain's stores and campaigns.</summary>
public sealed record PurchaseProduct(string ProductId, string Name, int ConfirmedUnits, int PlacedUnits, int Campaigns, IReadOnlyList<PurchaseStoreUnits> Stores);

/// <summary>The supplier purchase sheet: units per product across campaigns and stores whose live starts in [from, to).</summary>
public sealed record PurchaseSheet(DateTimeOffset From, DateTimeOffset To, string? StoreId, int CampaignCount, IReadOnlyList<PurchaseProduct> Products);

/// <summary>An item and how many of it in one bag.</summary>
public sealed record PickupSheetItem(string Name, int Quantity);

/// <summary>One neighbour's confirmed pickup in one campaign: what goes in her bag, and whether it was handed over.</summary>
public sealed record PickupSheetRow(
    string CampaignId, string CampaignTitle, string MemberName, string PhoneTail, string MaskedPhone, IReadOnlyList<PickupSheetItem> Items, int Units, long AmountFen,
    string Status, DateTimeOffset? PickedUpAt);

/// <summary>The per-store pickup sheet (自提单): every confirmed pickup of the store's campaigns whose live starts in [from, to).</summary>
public sealed record PickupSheet(string StoreId, string StoreName, DateTimeOffset From, DateTimeOffset To, int CampaignCount, int Waiting, int PickedUp,
    IReadOnlyList<PickupSheetItem> WaitingTotals, IReadOnlyList<PickupSheetRow> Rows);

/// <summary>
/// A table to hand to a person as CSV or <c>.xlsx</c>: a header and rows of cells (text, whole numbers or yuan as
/// decimals). The same cells go to both formats, so the spreadsheet and the CSV never disagree.
/// </summary>
public sealed record SheetTable(string Name, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<object>> Rows)
{
    /// <summary>UTF-8 with a BOM (Excel and WPS open it as Chinese), CRLF, formula-leading text neutralised.</summary>
    public byte[] ToCsv()
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Header.Select(OrderService.Cell))).Append("\r\n");
        foreach (var row in Rows)
        {
            sb.Append(string.Join(',', row.Select(c => OrderService.Cell(Text(c))))).Append("\r\n");
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
    }

    /// <summary>An Office Open XML workbook (MiniExcel, no System.Drawing): one worksheet per table, numbers as numbers.</summary>
    public static byte[] ToXlsx(params SheetTable[] tables)
    {
        var sheets = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            sheets[table.Name] = table.Rows.Select(row =>
            {
                var cells = new Dictionary<string, object>(StringComparer.Ordinal);
                for (var i = 0; i < table.Header.Count; i++)
                {
                    cells[table.Header[i]] = i < row.Count ? row[i] : string.Empty;
                }

                return cells;
            }).ToList();
        }

        using var stream = new MemoryStream();
        stream.SaveAs(sheets, printHeader: true, excelType: ExcelType.XLSX);
        return stream.ToArray();
    }

    private static string Text(object cell) => cell switch
    {
        decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? string.Empty,
    };
}

/// <summary>
/// Sheets for the people outside the app: the supplier's aggregated purchase sheet (采购汇总) and the store's pickup
/// sheet (自提单). Both read the campaign index for the period (at most <see cref="MaxCampaigns"/> campaigns) and each
/// campaign's orders; cancelled lines never count. A leader gets her own store's only; the chain admin any store or all.
/// </summary>
public sealed class SheetService(ITableStore tables, ChainService chains, CampaignFactsReader facts, TimeProvider clock)
{
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(92);
    public static readonly TimeSpan DefaultPurchasePeriod = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultPickupLookBack = TimeSpan.FromDays(14);
    public const int MaxCampaigns = 500;

    public async Task<PurchaseSheet> PurchaseAsync(Caller caller, string chainId, string? from, string? to, string? storeId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        storeId = caller.NarrowToStore(storeId, "purchase sheet");

        var chain = await chains.GetChainAsync(chainId, ct);
        var zone = Zone(chain.TimeZone);
        // By default the week ahead from the chain's midnight today: what the supplier must bring for the coming campaigns.
        var today = Midnight(clock.GetUtcNow(), zone);
        var (start, end) = Period(from, to, zone, today, today + DefaultPurchasePeriod);
        if (storeId is not null && await chains.FindStoreAsync(chainId, storeId, ct) is null)
        {
            throw AppProblem.NotFound("store", storeId);
        }

        var campaigns = await CampaignsAsync(chainId, storeId, start, end, ct);
        var lines = new List<(string StoreId, string CampaignId, OrderLine Line, DateTimeOffset At)>();
        foreach (var chunk in campaigns.Chunk(8))
        {
            var results = await Task.WhenAll(chunk.Select(async c => (Campaign: c, Orders: await facts.OrdersAsync(c.RowKey, ct))));
            foreach (var (campaign, orders) in results)
            {
                lines.AddRange(orders.SelectMany(o => o.Lines.Where(l => l.Status != OrderStatus.Cancelled).Select(l => (o.StoreId, campaign.RowKey, l, o.CreatedAt))));
            }
        }

        var storeNames = await StoreNamesAsync(chainId, lines.Select(l => l.StoreId), ct);
        var products = lines.GroupBy(l => l.Line.ProductId, StringComparer.Ordinal)
            .Select(p => new PurchaseProduct(
                p.Key,
                p.OrderByDescending(l => l.At).First().Line.Name, // the newest name a campaign gave it
                Units(p, OrderStatus.Confirmed),
                Units(p, OrderStatus.Placed),
                p.Select(l => l.CampaignId).Distinct(StringComparer.Ordinal).Count(),
                p.GroupBy(l => l.StoreId, StringComparer.Ordinal)
                    .Select(s => new PurchaseStoreUnits(s.Key, storeNames.GetValueOrDefault(s.Key, s.Key), Units(s, OrderStatus.Confirmed), Units(s, OrderStatus.Placed),
                        s.Select(l => l.CampaignId).Distinct(StringComparer.Ordinal).Count()))
                    .OrderBy(s => s.StoreName, StringComparer.Ordinal).ThenBy(s => s.StoreId, StringComparer.Ordinal).ToList()))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.ProductId, StringComparer.Ordinal)
            .ToList();
        return new PurchaseSheet(start, end, storeId, campaigns.Count, products);

        static int Units(IEnumerable<(string, string, OrderLine Line, DateTimeOffset)> lines, OrderStatus status) =>
            lines.Where(l => l.Line.Status == status).Sum(l => l.Line.Quantity);
    }

    public async Task<PickupSheet> PickupAsync(Caller caller, string storeId, string? from, string? to, CancellationToken ct)
    {
        var store = await chains.RequireStoreOfStaffAsync(caller, storeId, "pickup sheet", ct);
        var chainId = store.ChainId;
        var chain = await chains.GetChainAsync(chainId, ct);
        var zone = Zone(chain.TimeZone);
        // By default the last two weeks' campaigns up to tomorrow's: everything a neighbour may still come for.
        var tomorrow = Midnight(clock.GetUtcNow(), zone).AddDays(1);
        var (start, end) = Period(from, to, zone, tomorrow - DefaultPickupLookBack - TimeSpan.FromDays(1), tomorrow);

        var campaigns = await CampaignsAsync(chainId, storeId, start, end, ct);
        var rows = new List<PickupSheetRow>();
        foreach (var chunk in campaigns.Chunk(8))
        {
            var results = await Task.WhenAll(chunk.Select(async c => (Campaign: c, Orders: await facts.OrdersAsync(c.RowKey, ct))));
            foreach (var (campaign, orders) in results)
            {
                var title = campaign.GetString("Title") ?? string.Empty;
                rows.AddRange(orders
                    .Where(o => o.Fulfilment == Fulfilment.Pickup && o.Status is OrderStatus.Confirmed or OrderStatus.PickedUp)
                    .GroupBy(o => o.MemberId, StringComparer.Ordinal)
                    .Select(member =>
                    {
                        var first = member.OrderBy(o => o.CreatedAt).First();
                        var confirmed = member.SelectMany(o => o.Lines).Where(l => l.Status == OrderStatus.Confirmed).ToList();
                        var items = confirmed.GroupBy(l => l.ProductId, StringComparer.Ordinal)
                            .Select(g => new PickupSheetItem(g.First().Name, g.Sum(l => l.Quantity))).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
                        var done = member.All(o => o.Status == OrderStatus.PickedUp);
                        var bag = new SortingBag(member.Key, first.MemberName, first.MaskedPhone, []);
                        return new PickupSheetRow(campaign.RowKey, title, first.MemberName, bag.PhoneTail, first.MaskedPhone, items, confirmed.Sum(l => l.Quantity),
                            confirmed.Sum(l => l.TotalFen), done ? "pickedUp" : "waiting", done ? member.Max(o => o.FulfilledAt) : null);
                    })
                    .Where(r => r.Units > 0));
            }
        }

        rows = rows.OrderBy(r => r.Status == "pickedUp").ThenBy(r => r.PhoneTail, StringComparer.Ordinal).ThenBy(r => r.MemberName, StringComparer.Ordinal)
            .ThenBy(r => r.CampaignTitle, StringComparer.Ordinal).ToList();
        var waiting = rows.Where(r => r.Status == "waiting").ToList();
        var totals = waiting.SelectMany(r => r.Items).GroupBy(i => i.Name, StringComparer.Ordinal)
            .Select(g => new PickupSheetItem(g.Key, g.Sum(i => i.Quantity))).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        return new PickupSheet(storeId, store.Name, start, end, campaigns.Count, waiting.Count, rows.Count - waiting.Count, totals, rows);
    }

    /// <summary>The purchase sheet as a table: a 合计 row per product, then one row per store (Chinese or English headings).</summary>
    public static SheetTable PurchaseTable(PurchaseSheet sheet, bool english = false)
    {
        var rows = new List<IReadOnlyList<object>>();
        foreach (var p in sheet.Products)
        {
            rows.Add([p.ProductId, p.Name, english ? "All stores" : "全部门店", p.ConfirmedUnits, p.PlacedUnits, p.ConfirmedUnits + p.PlacedUnits, p.Campaigns]);
            rows.AddRange(p.Stores.Select(s => (IReadOnlyList<object>)[p.ProductId, p.Name, s.StoreName, s.ConfirmedUnits, s.PlacedUnits, s.ConfirmedUnits + s.PlacedUnits, s.Campaigns]));
        }

        return new SheetTable(english ? "Purchase" : "采购汇总",
            english
                ? ["Product ID", "Product", "Store", "Confirmed units", "Placed units (not yet 成团)", "Units", "Campaigns"]
                : ["商品编号", "商品", "门店", "已成团(件)", "待成团(件)", "合计(件)", "团数"],
            rows);
    }

    /// <summary>The pickup sheet as a table: one row per neighbour per campaign, waiting bags first, by phone tail.</summary>
    public static SheetTable PickupTable(PickupSheet sheet, TimeZoneInfo zone, bool english = false)
    {
        var rows = sheet.Rows.Select(r => (IReadOnlyList<object>)
        [
            r.PhoneTail, r.MemberName, r.MaskedPhone, r.CampaignTitle,
            string.Join(english ? "; " : "；", r.Items.Select(i => $"{i.Name}×{i.Quantity}")), r.Units, r.AmountFen / 100m,
            r.Status == "pickedUp" ? (english ? "Picked up" : "已提货") : (english ? "Waiting" : "待提货"),
            r.PickedUpAt is { } at ? TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : string.Empty,
        ]).ToList();
        return new SheetTable(english ? "Pickup" : "自提单",
            english
                ? ["Phone tail", "Member", "Phone", "Campaign", "Items", "Units", "Amount (yuan)", "Status", "Picked up at"]
                : ["尾号", "会员", "手机", "团购", "商品", "件数", "金额(元)", "状态", "提货时间"],
            rows);
    }

    private async Task<List<TableEntity>> CampaignsAsync(string chainId, string? storeId, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var filters = new List<string> { TableFilter.Compare("LiveStartAt", "ge", start), TableFilter.Compare("LiveStartAt", "lt", end) };
        if (storeId is not null)
        {
            filters.Add(TableFilter.Equal("StoreId", storeId));
        }

        var index = await tables.QueryAsync(CampaignTables.CampaignIndex, TableQuery.Partition(chainId, TableFilter.And([.. filters])) with { Select = ["Title", "StoreId", "LiveStartAt"] }, ct)
            .ToListAsync(ct);
        return index.Count <= MaxCampaigns
            ? index
            : throw AppProblem.Validation("from", $"This sheet would read {index.Count} campaigns; at most {MaxCampaigns}. Narrow from/to or choose one store.");
    }

    private async Task<Dictionary<string, string>> StoreNamesAsync(string chainId, IEnumerable<string> storeIds, CancellationToken ct)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in storeIds.Distinct(StringComparer.Ordinal))
        {
            names[id] = (await chains.FindStoreAsync(chainId, id, ct))?.Name ?? id;
        }

        return names;
    }

    private static TimeZoneInfo Zone(string timeZone) => TimeZones.TryFind(timeZone, out var zone) && zone is not null ? zone : TimeZoneInfo.Utc;

    private static DateTimeOffset Midnight(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).Date;
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static (DateTimeOffset From, DateTimeOffset To) Period(string? from, string? to, TimeZoneInfo zone, DateTimeOffset defaultFrom, DateTimeOffset defaultTo)
    {
        var v = new Validator();
        var start = DashboardService.Parse(v, "from", from, zone);
        var end = DashboardService.Parse(v, "to", to, zone);
        v.ThrowIfInvalid();
        (start, end) = (start, end) switch
        {
            (null, null) => (defaultFrom, defaultTo),
            (null, { } e) => (e - (defaultTo - defaultFrom), e),
            ({ } s, null) => (s, s + (defaultTo - defaultFrom)),
            _ => (start, end),
        };
        if (start >= end)
        {
            throw AppProblem.Validation("from", "from must be before to.");
        }

        return end - start > MaxPeriod
            ? throw AppProblem.Validation("to", $"A sheet covers at most {MaxPeriod.TotalDays:0} days; narrow from/to.")
            : (start!.Value, end!.Value);
    }
}
