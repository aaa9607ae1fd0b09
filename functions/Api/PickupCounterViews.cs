using System.Globalization;
using System.Net;
using System.Text;
using QRCoder;
using ServerlessCommerce.Campaigns;

namespace ServerlessCommerce.Functions.Api;

/// <summary>What the pickup counter's routes draw: the 提货码 QR code (SVG) and the printable sorting sheet (HTML).</summary>
public static class PickupCounterViews
{
    /// <summary>The sheet is static print matter: its own inline styles, nothing else (no script, no image, no frame).</summary>
    public const string SheetContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The code alone as the QR payload, so any phone scanner (and a plain keyboard-wedge scanner) reads the 8 digits.</summary>
    public static string QrSvg(string code)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(code, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(8, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    public static string SortingSheetHtml(SortingSheet sheet, TimeZoneInfo zone, DateTimeOffset now)
    {
        string E(string text) => WebUtility.HtmlEncode(text);
        string Time(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);

        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>分拣单 · ").Append(E(sheet.Title)).Append("</title><style>").Append(Css).Append("</style></head><body>")
            .Append("<header class=\"sheet-head\"><h1>分拣/配货单 · ").Append(E(sheet.Title)).Append("</h1><p class=\"meta\">自提截止 ").Append(Time(sheet.PickupUntil))
            .Append(" · 打印于 ").Append(Time(now)).Append(" · 待自提邻居 <strong id=\"bag-count\">").Append(N(sheet.BagCount)).Append("</strong> 位 · 货架 ")
            .Append(N(sheet.Shelves.Count)).Append(" 个</p>")
            .Append("<p class=\"meta\">只含已成团、尚未核销的自提订单（同一位邻居的多笔订单已合并）。按手机尾号排序，每 ").Append(N(SortingSheet.ShelfSize))
            .Append(" 位邻居一个货架（A、B、C…），每个货架单独一页：邻居报尾号即可找到货架和袋子。核销仍以提货码为准。</p></header>");

        html.Append("<section id=\"totals\"><h2>备货汇总</h2>");
        if (sheet.Totals.Count == 0)
        {
            html.Append("<p class=\"empty\">没有待分拣的自提订单。</p>");
        }
        else
        {
            html.Append("<table><thead><tr><th>商品</th><th class=\"num\">合计数量</th></tr></thead><tbody>");
            foreach (var line in sheet.Totals)
            {
                html.Append("<tr data-item-id=\"").Append(E(line.ItemId)).Append("\"><td>").Append(E(line.Name)).Append("</td><td class=\"num\">").Append(N(line.Quantity)).Append("</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        html.Append("</section>");

        var index = 0;
        foreach (var shelf in sheet.Shelves)
        {
            var tails = shelf.Bags.Select(b => b.PhoneTail).Where(t => t.Length > 0).ToList();
            html.Append("<section class=\"shelf\" data-shelf=\"").Append(E(shelf.Label)).Append("\"><h2>货架 ").Append(E(shelf.Label));
            if (tails.Count > 0)
            {
                html.Append(" · 尾号 ").Append(tails[0]).Append(tails[^1] != tails[0] ? "–" + tails[^1] : string.Empty);
            }

            html.Append(" · ").Append(N(shelf.Bags.Count)).Append(" 位</h2><table><thead><tr><th class=\"check\">已配</th><th class=\"num\">序号</th><th>手机</th><th>邻居</th><th>商品与数量</th><th class=\"num\">件数</th></tr></thead><tbody>");
            foreach (var bag in shelf.Bags)
            {
                html.Append("<tr class=\"bag\" data-member-id=\"").Append(E(bag.MemberId)).Append("\"><td class=\"check\"><span class=\"box\"></span></td><td class=\"num\">")
                    .Append(E(shelf.Label)).Append('-').Append(N(++index)).Append("</td><td class=\"phone\">").Append(E(bag.MaskedPhone)).Append("</td><td class=\"name\">")
                    .Append(E(bag.MemberName)).Append("</td><td class=\"items\">")
                    .Append(string.Join("、", bag.Lines.Select(l => E(l.Name) + " ×" + N(l.Quantity))))
                    .Append("</td><td class=\"num\">").Append(N(bag.Lines.Sum(l => l.Quantity))).Append("</td></tr>");
            }

            html.Append("</tbody></table></section>");
        }

        return html.Append("</body></html>").ToString();
    }

    private const string Css =
        "@page{size:A4;margin:12mm}" +
        "body{font-family:\"PingFang SC\",\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",sans-serif;color:#000;margin:1rem;font-size:14px}" +
        "h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1rem 0 .5rem}.meta{margin:.2rem 0;color:#333}" +
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #555;padding:.35rem .45rem;text-align:left;vertical-align:top}" +
        "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}.num{text-align:right;white-space:nowrap}" +
        ".check{width:2.5rem;text-align:center}.box{display:inline-block;width:1rem;height:1rem;border:1.5px solid #000}" +
        ".phone{white-space:nowrap;font-family:ui-monospace,monospace}.shelf{break-before:page;page-break-before:always}" +
        "@media screen{.shelf{border-top:3px dashed #999;padding-top:.5rem;margin-top:1.5rem}}" +
        "@media print{body{margin:0}.meta{color:#000}}";
}
