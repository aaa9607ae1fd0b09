using System.Net;
using System.Text.Json;
using ServerlessCommerce.Functions.Posters;
using ServerlessCommerce.Tests.Infrastructure;
using SkiaSharp;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// The campaign poster (GET /api/campaigns/{id}/poster): a public, cacheable 750×1334 PNG with a QR code, drawn with
/// the embedded CJK font (no machine font), redrawn when what it shows changes.
/// </summary>
public sealed class PosterTests : ChainTest
{
    private const string Chinese = "长按识别二维码，进入直播间开播时间主推好物直播价正在直播本场已取消直播已结束周三厨房水蜜桃专场阳山（）·…¥29.90";

    private async Task<HttpResponseMessage> PosterAsync(string campaignId, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/campaigns/{campaignId}/poster");
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await App.Client.SendAsync(request);
    }

    private static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new Xunit.Sdk.XunitException("the poster is not a PNG Skia can decode");

    private static int DarkPixels(SKBitmap bitmap, SKRectI area)
    {
        var dark = 0;
        for (var y = area.Top; y < area.Bottom; y++)
        {
            for (var x = area.Left; x < area.Right; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 200)
                {
                    dark++;
                }
            }
        }

        return dark;
    }

    [Fact]
    public async Task ThePosterIsAPublicPhoneSizedPngWithAQrCodeThatBrowsersMayCacheForFiveMinutes()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);

        using var response = await PosterAsync(campaignId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: 300 }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.NotNull(response.Headers.ETag);
        using var bitmap = Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((CampaignPoster.Width, CampaignPoster.Height), (bitmap.Width, bitmap.Height));

        // The QR code: dark modules on white, roughly half and half, and nothing dark outside its quiet zone.
        var qr = CampaignPoster.QrArea;
        var dark = DarkPixels(bitmap, qr);
        Assert.InRange(dark, qr.Width * qr.Height / 4, qr.Width * qr.Height * 3 / 4);
        Assert.Equal(SKColors.White, bitmap.GetPixel(qr.Left + 2, qr.Top + 2));

        // The title is drawn in white on the orange head.
        var white = 0;
        for (var y = 130; y < 200; y++)
        {
            for (var x = 40; x < 710; x++)
            {
                var c = bitmap.GetPixel(x, y);
                white += c.Red > 240 && c.Green > 240 && c.Blue > 240 ? 1 : 0;
            }
        }

        Assert.True(white > 2_000, $"{white} white pixels where the title goes");

        // A client that has it gets 304 without the picture.
        using var again = await PosterAsync(campaignId, response.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Fact]
    public async Task PinningAnotherItemRedrawsThePosterAndTwoCampaignsGetTheirOwnQrCodes()
    {
        var first = await App.NewProductAsync(Chain, "阳山水蜜桃");
        var second = await App.NewProductAsync(Chain, "东山白玉枇杷");
        var now = DateTimeOffset.UtcNow;
        var created = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = "周末鲜果团",
            storeId = Chain.StoreId,
            leaderId = Chain.LeaderId,
            items = new[]
            {
                new { productId = first, priceFen = 3990L, livePriceFen = (long?)2990, stock = 50, minGroupSize = 1 },
                new { productId = second, priceFen = 5900L, livePriceFen = (long?)null, stock = 50, minGroupSize = 1 },
            },
            preheatAt = now.AddMinutes(-5), liveStartAt = now.AddMinutes(-1), liveEndAt = now.AddHours(5), pickupUntil = now.AddDays(2),
        }, Chain.LeaderKey), 201);
        var campaignId = created.GetProperty("campaignId").GetString()!;
        var secondItem = created.GetProperty("items")[1].GetProperty("itemId").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));

        using var before = await PosterAsync(campaignId);
        var beforeTag = before.Headers.ETag!.ToString();
        var beforePng = await before.Content.ReadAsByteArrayAsync();
        using (var same = await PosterAsync(campaignId))
        {
            Assert.Equal(beforeTag, same.Headers.ETag!.ToString()); // nothing shown changed: the same picture
        }

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pin", new { itemId = secondItem }, Chain.LeaderKey));
        using var after = await PosterAsync(campaignId);
        Assert.NotEqual(beforeTag, after.Headers.ETag!.ToString());
        Assert.NotEqual(beforePng, await after.Content.ReadAsByteArrayAsync());

        // Another campaign with the same title and item: only the link differs, and so does the QR code.
        var (otherId, _) = await App.NewLiveCampaignAsync(Chain);
        var (thirdId, _) = await App.NewLiveCampaignAsync(Chain);
        using var other = Decode(await (await PosterAsync(otherId)).Content.ReadAsByteArrayAsync());
        using var third = Decode(await (await PosterAsync(thirdId)).Content.ReadAsByteArrayAsync());
        var qr = CampaignPoster.QrArea;
        var differing = 0;
        for (var y = qr.Top; y < qr.Bottom; y += 2)
        {
            for (var x = qr.Left; x < qr.Right; x += 2)
            {
                differing += other.GetPixel(x, y) != third.GetPixel(x, y) ? 1 : 0;
            }
        }

        Assert.True(differing > 1_000, $"the QR codes of two campaigns differ in only {differing} sampled pixels");
    }

    [Theory]
    [InlineData("c-nosuchcampaign")]
    [InlineData("a%23b")]
    [InlineData("UPPER")]
    public async Task AnUnknownCampaignHasNoPoster(string campaignId)
    {
        using var response = await PosterAsync(campaignId);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not-found", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ACancelledCampaignStillHasAPoster()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/cancel", secret: Chain.LeaderKey));
        using var response = await PosterAsync(campaignId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bitmap = Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(CampaignPoster.Width, bitmap.Width);
    }

    /// <summary>
    /// The risk a screenshot hides: with no CJK font, Skia draws .notdef boxes (or nothing). The embedded face must hold
    /// a real glyph for every character the poster's own texts and a usual title use, with no machine font involved.
    /// </summary>
    [Fact]
    public void TheEmbeddedFontHasRealGlyphsForThePostersChineseText()
    {
        using var fonts = new PosterFonts();
        Assert.Contains("Noto Sans SC", fonts.Regular.FamilyName, StringComparison.Ordinal);
        Assert.Equal(700, fonts.Bold.FontWeight);
        Assert.True(fonts.CanDraw(Chinese), "the regular face lacks glyphs of the poster's text");
        using var bold = new SKFont(fonts.Bold);
        Assert.True(bold.ContainsGlyphs(Chinese), "the bold face lacks glyphs of the poster's text");
        Assert.DoesNotContain((ushort)0, bold.GetGlyphs("周三厨房 · 水蜜桃专场"));

        // Drawn, the text leaves ink.
        using var bitmap = new SKBitmap(400, 80);
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(fonts.Regular, 40))
        using (var paint = new SKPaint { Color = SKColors.Black })
        {
            canvas.Clear(SKColors.White);
            canvas.DrawText("水蜜桃", 10, 60, SKTextAlign.Left, font, paint);
        }

        Assert.True(DarkPixels(bitmap, new SKRectI(0, 0, 400, 80)) > 300);
    }

    [Fact]
    public void ALongTitleWrapsToThreeLinesEndingInAnEllipsisAndEmojiAreLeftOut()
    {
        using var fonts = new PosterFonts();
        var lines = CampaignPoster.Fit(string.Concat(Enumerable.Repeat("阳山水蜜桃🍑产地直发", 10)), fonts.Bold, 50, 650, 3);
        Assert.Equal(3, lines.Count);
        Assert.EndsWith("…", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("🍑", StringComparison.Ordinal));
        using var font = new SKFont(fonts.Bold, 50);
        Assert.All(lines, l => Assert.True(font.MeasureText(l) <= 650, l));

        Assert.Equal(["周三厨房 · 水蜜桃专场"], CampaignPoster.Fit("周三厨房 ·  水蜜桃专场", fonts.Bold, 50, 650, 3));
        Assert.Equal("¥29.90", CampaignPoster.Yuan(2990));
    }
}
