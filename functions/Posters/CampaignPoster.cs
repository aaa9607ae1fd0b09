using System.Globalization;
using System.Text;
using QRCoder;
using SkiaSharp;

namespace ServerlessCommerce.Functions.Posters;

/// <summary>The product a poster shows: the pinned item, else the first.</summary>
public sealed record PosterItem(string Name, string? Unit, long PriceFen, long? LivePriceFen);

/// <summary>
/// Everything a poster shows, already in people's terms (the start time in the chain's zone). Two equal contents draw
/// the same picture, so the record is also the render cache's key.
/// </summary>
public sealed record PosterContent(string Title, string StoreName, string Phase, DateTimeOffset LiveStartLocal, PosterItem? Item, string LiveUrl);

/// <summary>
/// Draws the campaign poster: a 750×1334 PNG (a phone screen, the size WeChat shares well) with the store, the title,
/// the start time, the featured product and its price, and a QR code to the live room.
/// </summary>
public static class CampaignPoster
{
    public const int Width = 750;
    public const int Height = 1334;

    /// <summary>Where the QR code is drawn (tests look there for dark modules).</summary>
    public static readonly SKRectI QrArea = new(195, 850, 555, 1210);

    private static readonly SKColor Brand = SKColor.Parse("#d9480f");
    private static readonly SKColor BrandDark = SKColor.Parse("#b03a0b");
    private static readonly SKColor Ink = SKColor.Parse("#1f2328");
    private static readonly SKColor Muted = SKColor.Parse("#656d76");
    private static readonly SKColor Line = SKColor.Parse("#d8dee4");
    private static readonly SKColor Cream = SKColor.Parse("#fff4e6");
    private static readonly CultureInfo Chinese = CultureInfo.GetCultureInfo("zh-CN");

    public static byte[] Render(PosterContent content, PosterFonts fonts)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(Brand);
        using var paint = new SKPaint { IsAntialias = true };

        // The orange head: store, then the title in large white type (up to three lines).
        using (var shade = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, Height), [Brand, BrandDark], SKShaderTileMode.Clamp))
        {
            paint.Shader = shade;
            canvas.DrawRect(0, 0, Width, Height, paint);
            paint.Shader = null;
        }

        paint.Color = new SKColor(255, 255, 255, 220);
        DrawLines(canvas, Fit(content.StoreName, fonts.Regular, 30, 640, 1), fonts.Regular, 30, 48, Width / 2f, 96, paint);
        paint.Color = SKColors.White;
        DrawLines(canvas, Fit(content.Title, fonts.Bold, 50, 650, 3), fonts.Bold, 50, 68, Width / 2f, 176, paint);

        // The white card, at the same place whatever the title's length: when, what, the QR code.
        const float cardTop = 362;
        paint.Color = SKColors.White;
        canvas.DrawRoundRect(new SKRect(40, cardTop, Width - 40, Height - 40), 28, 28, paint);

        var (label, when, whenColour) = Schedule(content);
        paint.Color = Muted;
        DrawLines(canvas, [label], fonts.Regular, 28, 40, Width / 2f, cardTop + 64, paint);
        paint.Color = whenColour;
        DrawLines(canvas, [when], fonts.Bold, 42, 56, Width / 2f, cardTop + 122, paint);

        paint.Color = Line;
        canvas.DrawRect(90, cardTop + 162, Width - 180, 2, paint);

        if (content.Item is { } item)
        {
            DrawItem(canvas, paint, fonts, item, cardTop + 180);
        }

        DrawQr(canvas, content.LiveUrl);
        paint.Color = Muted;
        DrawLines(canvas, ["长按识别二维码，进入直播间"], fonts.Regular, 28, 40, Width / 2f, QrArea.Bottom + 48, paint);

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>¥ with two decimals, as the pages show money: 2990 → ¥29.90.</summary>
    public static string Yuan(long fen) => string.Create(CultureInfo.InvariantCulture, $"¥{fen / 100m:0.00}");

    private static (string Label, string When, SKColor Colour) Schedule(PosterContent content)
    {
        var at = content.LiveStartLocal.ToString("M月d日 dddd HH:mm", Chinese);
        return content.Phase switch
        {
            "live" => ("正在直播", "快来直播间抢购", Brand),
            "cancelled" => ("本场已取消", at, Muted),
            "draft" or "preheat" => ("开播时间", at, Ink),
            _ => ("直播已结束", at, Muted),
        };
    }

    private static void DrawItem(SKCanvas canvas, SKPaint paint, PosterFonts fonts, PosterItem item, float top)
    {
        // A small tag, the name (two lines at most), then the price the live charges and the usual one struck through.
        const string tag = "主推好物";
        using (var tagFont = new SKFont(fonts.Bold, 24))
        {
            var w = tagFont.MeasureText(tag) + 32;
            paint.Color = Cream;
            canvas.DrawRoundRect(new SKRect(Width / 2f - w / 2, top + 14, Width / 2f + w / 2, top + 54), 20, 20, paint);
            paint.Color = Brand;
            canvas.DrawText(tag, Width / 2f, top + 43, SKTextAlign.Center, tagFont, paint);
        }

        var name = string.IsNullOrWhiteSpace(item.Unit) ? item.Name : $"{item.Name}（{item.Unit}）";
        paint.Color = Ink;
        var y = DrawLines(canvas, Fit(name, fonts.Bold, 38, 600, 2), fonts.Bold, 38, 52, Width / 2f, top + 110, paint);

        var charged = item.LivePriceFen ?? item.PriceFen;
        var price = (item.LivePriceFen is null ? "" : "直播价 ") + Yuan(charged);
        using var big = new SKFont(fonts.Bold, 60);
        using var small = new SKFont(fonts.Regular, 30);
        var usual = item.LivePriceFen is { } live && live < item.PriceFen ? Yuan(item.PriceFen) : null;
        var bigWidth = big.MeasureText(price);
        var smallWidth = usual is null ? 0 : small.MeasureText(usual) + 18;
        var x = Width / 2f - (bigWidth + smallWidth) / 2;
        var baseline = Math.Min(y + 84, QrArea.Top - 30);
        paint.Color = Brand;
        canvas.DrawText(price, x, baseline, SKTextAlign.Left, big, paint);
        if (usual is not null)
        {
            paint.Color = Muted;
            var ux = x + bigWidth + 18;
            canvas.DrawText(usual, ux, baseline, SKTextAlign.Left, small, paint);
            canvas.DrawRect(ux, baseline - 10, smallWidth - 18, 2, paint);
        }
    }

    private static void DrawQr(SKCanvas canvas, string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix; // includes the 4-module quiet zone on every side
        var count = matrix.Count;
        var module = Math.Max(1, QrArea.Width / count);
        var size = module * count;
        var left = QrArea.Left + (QrArea.Width - size) / 2;
        var top = QrArea.Top + (QrArea.Height - size) / 2;
        using var paint = new SKPaint { IsAntialias = false, Color = SKColors.White };
        canvas.DrawRect(QrArea.Left, QrArea.Top, QrArea.Width, QrArea.Height, paint);
        paint.Color = Ink;
        for (var row = 0; row < count; row++)
        {
            for (var col = 0; col < count; col++)
            {
                if (matrix[row][col])
                {
                    canvas.DrawRect(left + col * module, top + row * module, module, module, paint);
                }
            }
        }
    }

    /// <summary>Draws centred lines from the first baseline down; returns the last baseline.</summary>
    private static float DrawLines(SKCanvas canvas, IReadOnlyList<string> lines, SKTypeface face, float size, float lineHeight, float centreX, float firstBaseline, SKPaint paint)
    {
        using var font = new SKFont(face, size) { Edging = SKFontEdging.Antialias, Subpixel = true };
        var y = firstBaseline;
        for (var i = 0; i < lines.Count; i++)
        {
            y = firstBaseline + i * lineHeight;
            canvas.DrawText(lines[i], centreX, y, SKTextAlign.Center, font, paint);
        }

        return y;
    }

    /// <summary>
    /// Breaks text into at most <paramref name="maxLines"/> lines of at most <paramref name="maxWidth"/> pixels, an
    /// ellipsis ending the last when it does not fit. Chinese breaks between any two characters, so this breaks per
    /// character (a Latin word may split). Characters the font lacks (emoji, rare ideographs) are left out: on a
    /// shared picture an empty box looks broken, a missing emoji does not.
    /// </summary>
    public static IReadOnlyList<string> Fit(string text, SKTypeface face, float size, float maxWidth, int maxLines)
    {
        using var font = new SKFont(face, size);
        var elements = new List<string>();
        var enumerator = StringInfo.GetTextElementEnumerator(string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        while (enumerator.MoveNext())
        {
            var element = (string)enumerator.Current;
            if (element == " " || font.ContainsGlyphs(element))
            {
                elements.Add(element);
            }
        }

        var lines = new List<string>();
        var line = new StringBuilder();
        for (var i = 0; i < elements.Count; i++)
        {
            if (line.Length > 0 && font.MeasureText(line + elements[i]) > maxWidth)
            {
                if (lines.Count == maxLines - 1)
                {
                    lines.Add(Ellipsis(line.ToString(), font, maxWidth));
                    return lines;
                }

                lines.Add(line.ToString().TrimEnd());
                line.Clear();
                if (elements[i] == " ")
                {
                    continue;
                }
            }

            line.Append(elements[i]);
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString().TrimEnd());
        }

        return lines;
    }

    private static string Ellipsis(string line, SKFont font, float maxWidth)
    {
        var info = new StringInfo(line.TrimEnd());
        for (var n = info.LengthInTextElements; n > 0; n--)
        {
            var candidate = info.SubstringByTextElements(0, n).TrimEnd() + "…";
            if (font.MeasureText(candidate) <= maxWidth)
            {
                return candidate;
            }
        }

        return "…";
    }
}
