using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Reports;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Sheets for suppliers and the counter: the purchase sheet (采购汇总) and the per-store pickup sheet (自提单), as JSON, CSV or .xlsx.</summary>
public sealed class SheetsApi(SheetService sheets, ChainService chainService, CallerContext callerContext)
{
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    [Function("PurchaseSheet")]
    [OpenApiOperation("Sheets", "The supplier purchase sheet (chain admin; a leader gets her own store's): units per product across the chain's campaigns and stores whose live starts in [from, to) (dates are the chain's midnight; default the 7 days from today; at most 92 days, 500 campaigns), split into 已成团 (confirmed) and 待成团 (placed, not yet decided) and per store; cancelled lines never count. ?storeId= narrows to one store. ?format=json (default) | csv | xlsx; ?lang=en for English headings in csv/xlsx.")]
    public async Task<IResult> Purchase([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/sheets/purchase")] HttpRequest req, string chainId)
    {
        var format = Format(req);
        var sheet = await sheets.PurchaseAsync(await callerContext.GetAsync(req), chainId, req.QueryString("from"), req.QueryString("to"), req.QueryString("storeId"), req.HttpContext.RequestAborted);
        var english = English(req);
        var name = $"purchase-{Day(sheet.From)}-{Day(sheet.To)}";
        return format switch
        {
            "csv" => TypedResults.File(SheetService.PurchaseTable(sheet, english).ToCsv(), "text/csv; charset=utf-8", name + ".csv"),
            "xlsx" => TypedResults.File(SheetTable.ToXlsx(SheetService.PurchaseTable(sheet, english)), XlsxType, name + ".xlsx"),
            _ => TypedResults.Ok(sheet),
        };
    }

    [Function("PickupSheet")]
    [OpenApiOperation("Sheets", "The store's pickup sheet (leader of that store, chain admin): one row per neighbour per campaign with a confirmed pickup (items, units, amount, 待提货/已提货), waiting bags first by phone tail, and the waiting totals per item; never a pickup code. Campaigns whose live starts in [from, to) (default the last 14 days to tomorrow; at most 92 days). ?format=json (default) | csv | xlsx; ?lang=en.")]
    public async Task<IResult> Pickup([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/sheets/pickup")] HttpRequest req, string storeId)
    {
        var format = Format(req);
        var caller = await callerContext.GetAsync(req);
        var sheet = await sheets.PickupAsync(caller, storeId, req.QueryString("from"), req.QueryString("to"), req.HttpContext.RequestAborted);
        if (format == "json")
        {
            return TypedResults.Ok(sheet);
        }

        TimeZones.TryFind((await chainService.GetChainAsync(caller.ChainId!, req.HttpContext.RequestAborted)).TimeZone, out var zone);
        var table = SheetService.PickupTable(sheet, zone ?? TimeZoneInfo.Utc, English(req));
        var name = $"pickup-{storeId}-{Day(sheet.From)}-{Day(sheet.To)}";
        return format == "csv"
            ? TypedResults.File(table.ToCsv(), "text/csv; charset=utf-8", name + ".csv")
            : TypedResults.File(SheetTable.ToXlsx(table), XlsxType, name + ".xlsx");
    }

    /// <summary>json (default), csv (also from Accept: text/csv) or xlsx; anything else is a 400 naming format.</summary>
    private static string Format(HttpRequest req)
    {
        var format = req.QueryString("format")?.Trim().ToLowerInvariant();
        return format switch
        {
            null or "" => req.WantsCsv() ? "csv" : "json",
            "json" or "csv" or "xlsx" => format,
            _ => throw AppProblem.Validation("format", "format must be json, csv or xlsx."),
        };
    }

    private static bool English(HttpRequest req) =>
        req.QueryString("lang")?.Trim().ToLowerInvariant() switch
        {
            null or "" or "zh" or "zh-cn" => false,
            "en" => true,
            _ => throw AppProblem.Validation("lang", "lang must be zh-CN or en."),
        };

    private static string Day(DateTimeOffset at) => at.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
}
