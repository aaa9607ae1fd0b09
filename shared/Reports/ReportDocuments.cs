using System.Globalization;
using System.Text;
using ServerlessCommerce.Campaigns;

namespace ServerlessCommerce.Reports;

/// <summary>
/// The report as files: an HTML page a person reads (one per language, <see cref="Languages"/>: every label in that
/// language only), a CSV for Excel/WPS (API.md "CSV", Chinese headers) and the metrics as JSON.
/// </summary>
public static class ReportDocuments
{
    /// <summary>The report page's languages; the first is the default when a reader's language is unclear.</summary>
    public static readonly IReadOnlyList<string> Languages = ["zh-CN", "en"];

    /// <summary>One line of the metric table: Chinese name, English name, value as shown to people (in the line's language).</summary>
    public sealed record MetricLine(string Chinese, string English, string Value);

    /// <summary>
    /// The language a request asks for: <paramref name="requested"/> (<c>?lang=</c>: zh…, en…) when given, else the first
    /// Chinese or English entry of Accept-Language by preference, else zh-CN. Null when <paramref name="requested"/> is
    /// neither (the caller answers 400).
    /// </summary>
    public static string? PickLanguage(string? requested, string? acceptLanguage)
    {
        if (!string.IsNullOrWhiteSpace(requested))
        {
            return Match(requested.Trim());
        }

        var preferred = (acceptLanguage ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Take(20)
            .Select((entry, index) =>
            {
                var parts = entry.Split(';', StringSplitOptions.TrimEntries);
                var q = 1.0;
                foreach (var part in parts.Skip(1))
                {
                    if (part.StartsWith("q=", StringComparison.OrdinalIgnoreCase) && double.TryParse(part[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                    {
                        q = parsed;
                    }
                }

                return (Tag: parts[0], Q: q, Index: index);
            })
            .Where(e => e.Q > 0)
            .OrderByDescending(e => e.Q).ThenBy(e => e.Index);
        return preferred.Select(e => Match(e.Tag)).FirstOrDefault(l => l is not null) ?? Languages[0];
    }

    private static string? Match(string tag) =>
        tag.Length > 35 ? null
        : tag.Equals("zh", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("zh-", StringComparison.OrdinalIgnoreCase) ? "zh-CN"
        : tag.Equals("en", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("en-", StringComparison.OrdinalIgnoreCase) ? "en"
        : null;

    public static IReadOnlyList<MetricLine> Lines(CampaignMetrics m, DateTimeOffset generatedAt, TimeZoneInfo zone, string lang = "zh-CN")
    {
        var en = lang == "en";
        var lines = new List<MetricLine>
        {
            new("活动", "Campaign", m.Title),
            new("活动编号", "Campaign id", m.CampaignId),
            new("阶段", "Phase", PhaseName(m.Phase, en)),
            new("开播时间", "Live start", Local(m.LiveStartAt, zone)),
            new("成交额(元)", "GMV (yuan)", OrderService.Yuan(m.GmvFen)),
            new("订单数", "Orders", Whole(m.Orders)),
            new("取消订单数", "Cancelled orders", Whole(m.CancelledOrders)),
            new("客单价(元)", "Average order value (yuan)", m.AverageOrderValueFen is { } aov ? OrderService.Yuan(aov) : string.Empty),
            new("购买人数", "Buyers", Whole(m.Buyers)),
            new("复购人数", "Repeat buyers", Whole(m.RepeatBuyers)),
            new("复购占比", "Repeat buyer share", Percent(m.RepeatBuyerRate)),
            new("预约人数", "Reservations", Whole(m.Reservations)),
            new("预约后购买人数", "Reserved members who bought", Whole(m.ReservedBuyers)),
            new("预约转化率", "Reservations → buyers", Percent(m.ReservationToBuyerRate)),
            new("成团商品数", "Items whose group formed", $"{m.ItemsGroupMet}/{m.Items.Count}"),
            new("成团率", "Group success rate", Percent(m.GroupSuccessRate)),
            new("最快售罄用时", "Fastest sell-out", Duration(m.SellOutSeconds, en)),
            new("履约订单数", "Fulfilled orders", Whole(m.FulfilledOrders)),
            new("评价数", "Reviews", Whole(m.Reviews)),
            new("晒图评价数", "Reviews with photos", Whole(m.ReviewsWithPhotos)),
            new("评价率", "Review rate", Percent(m.ReviewRate)),
            new("晒单率", "Photo rate", Percent(m.PhotoRate)),
            new("平均评分", "Average rating", Number(m.AverageRating)),
            new("问卷数", "Surveys", Whole(m.Surveys)),
            new("平均满意度", "Average satisfaction", Number(m.AverageSatisfaction)),
            new("净推荐值 NPS", "NPS", m.Nps?.ToString(CultureInfo.InvariantCulture) ?? string.Empty),
            new("售后退款笔数", "After-sale refunds", Whole(m.AfterSales)),
            new("售后退款金额(元)", "Refunded (yuan)", OrderService.Yuan(m.RefundedFen)),
            new("成团说明", "Group note", en ? CampaignMetrics.GroupNoteEnglish : CampaignMetrics.GroupNote),
        };
        foreach (var item in m.Items)
        {
            lines.Add(new($"{item.Name} 售出/库存", $"{item.Name} sold / stock", $"{item.Sold}/{item.Stock}"));
            if (item.Refunded > 0)
            {
                lines.Add(new($"{item.Name} 售后退款件数", $"{item.Name} refunded units", Whole(item.Refunded)));
            }

            lines.Add(new($"{item.Name} 下单量/成团数", $"{item.Name} ordered / group minimum", $"{item.Ordered}/{item.MinGroupSize}"));
            lines.Add(new($"{item.Name} 成团", $"{item.Name} group", item.GroupMet ? (en ? "formed" : "已成团") : (en ? "not formed" : "未成团")));
            lines.Add(new($"{item.Name} 售罄用时", $"{item.Name} sell-out time", Duration(item.SellOutSeconds, en)));
        }

        lines.Add(new("报告生成时间", "Generated at", Local(generatedAt, zone)));
        return lines;
    }

    /// <summary>A phase as people say it (never the wire name).</summary>
    private static string PhaseName(string phase, bool en) => phase switch
    {
        "draft" => en ? "Not yet announced" : "未发布",
        "preheat" => en ? "Coming soon" : "预热中",
        "live" => en ? "Live" : "直播中",
        "closed" => en ? "Orders closed" : "已截单",
        "fulfilling" => en ? "Pickup and delivery" : "提货中",
        "followUp" => en ? "Follow-up" : "回访中",
        "completed" => en ? "Ended" : "已结束",
        "cancelled" => en ? "Cancelled" : "已取消",
        _ => phase,
    };

    /// <summary>UTF-8 with BOM, a Chinese header, one metric a row; cells guarded against formula injection.</summary>
    public static byte[] ToCsv(CampaignMetrics m, DateTimeOffset generatedAt, TimeZoneInfo zone)
    {
        var sb = new StringBuilder();
        sb.Append(OrderService.Cell("指标")).Append(',').Append(OrderService.Cell("数值")).Append("\r\n");
        foreach (var line in Lines(m, generatedAt, zone))
        {
            sb.Append(OrderService.Cell(line.Chinese)).Append(',').Append(OrderService.Cell(line.Value)).Append("\r\n");
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
    }

    /// <summary>A self-contained page in one language (<see cref="Languages"/>): inline CSS and SVG, no scripts, no external assets.</summary>
    public static byte[] ToHtml(CampaignMetrics m, string? storeName, DateTimeOffset generatedAt, TimeZoneInfo zone, string lang = "zh-CN")
    {
        var en = lang == "en";
        string T(string zh, string english) => en ? english : zh;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"").Append(en ? "en" : "zh-CN").Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(m.Title)).Append(" · ").Append(T("复盘报告", "Post-campaign report")).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,-apple-system,\"PingFang SC\",\"Microsoft YaHei\",sans-serif;margin:2rem auto;max-width:860px;padding:0 1rem;color:#222}")
            .Append("h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}")
            .Append("table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.35rem .5rem;text-align:left}")
            .Append("td.v{text-align:right;font-variant-numeric:tabular-nums}</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(E(m.Title)).Append(" · ").Append(T("复盘报告", "Post-campaign report")).Append("</h1>\n")
            .Append("<p>").Append(storeName is null ? string.Empty : E(storeName) + " · ").Append(T("开播 ", "Live start ")).Append(E(Local(m.LiveStartAt, zone)))
            .Append(T(" · 生成于 ", " · generated ")).Append(E(Local(generatedAt, zone))).Append(" (").Append(E(zone.Id)).Append(")</p>\n");

        sb.Append("<h2>").Append(T("商品售出与库存", "Sold vs stock per item")).Append("</h2>\n").Append(Chart(m.Items, en));

        sb.Append("<h2>").Append(T("核心指标", "Key metrics")).Append("</h2>\n<table>\n<thead><tr><th>").Append(T("指标", "Metric")).Append("</th><th>")
            .Append(T("数值", "Value")).Append("</th></tr></thead>\n<tbody>\n");
        foreach (var line in Lines(m, generatedAt, zone, lang))
        {
            sb.Append("<tr><td>").Append(E(en ? line.English : line.Chinese)).Append("</td><td class=\"v\">").Append(E(line.Value)).Append("</td></tr>\n");
        }

        sb.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Horizontal bars per item: stock as the grey track, sold units in green (成团) or orange (missed).</summary>
    private static string Chart(IReadOnlyList<ItemMetrics> items, bool en)
    {
        const int barWidth = 480, rowHeight = 34, labelWidth = 200;
        var height = (items.Count * rowHeight) + 30;
        var max = Math.Max(1, items.Max(i => Math.Max(i.Stock, i.Sold)));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{labelWidth + barWidth + 90}\" height=\"{height}\" viewBox=\"0 0 {labelWidth + barWidth + 90} {height}\">\n")
            .Append(en ? "<title>Sold vs stock</title>\n" : "<title>售出与库存</title>\n");
        for (var n = 0; n < items.Count; n++)
        {
            var item = items[n];
            var y = n * rowHeight;
            var stockWidth = barWidth * item.Stock / max;
            var soldWidth = barWidth * item.Sold / max;
            var colour = item.GroupMet ? "#2e9d57" : "#e58a1f";
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 20}\" font-size=\"13\">{E(Shorten(item.Name))}</text>\n")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 6}\" width=\"{stockWidth}\" height=\"20\" fill=\"#e6e6e6\"/>\n")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 6}\" width=\"{soldWidth}\" height=\"20\" fill=\"{colour}\"/>\n")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + Math.Max(stockWidth, soldWidth) + 6}\" y=\"{y + 20}\" font-size=\"12\">{item.Sold}/{item.Stock}</text>\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth}\" y=\"{height - 6}\" font-size=\"11\" fill=\"#555\">{(en ? "green = group formed, orange = not formed, grey = stock" : "绿色 = 已成团，橙色 = 未成团，灰色 = 库存")}</text>\n</svg>\n");
        return sb.ToString();
    }

    private static string Shorten(string name) => name.Length > 14 ? name[..13] + "…" : name;

    /// <summary>Escapes markup characters only; Chinese text (and "·") stays readable in the page source.</summary>
    private static string E(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    private static string Local(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : string.Empty;

    private static string Number(double? value) => value?.ToString("0.00", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Duration(double? seconds, bool en)
    {
        if (seconds is not { } s)
        {
            return en ? "not sold out" : "未售罄";
        }

        var whole = (long)Math.Round(s, MidpointRounding.AwayFromZero);
        var (minutes, rest) = (whole / 60, whole % 60);
        return (whole >= 60, en) switch
        {
            (true, true) => string.Create(CultureInfo.InvariantCulture, $"{minutes} min {rest} s"),
            (true, false) => string.Create(CultureInfo.InvariantCulture, $"{minutes} 分 {rest} 秒"),
            (false, true) => string.Create(CultureInfo.InvariantCulture, $"{whole} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{whole} 秒"),
        };
    }
}
