using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using QRCoder;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The pickup counter in Chromium: the member's phone shows one 提货码 card with a QR code; the console reads that QR
/// code from a (fake) camera or a photo and hands her orders over, finds her by phone tail, and prints the sorting sheet.
/// </summary>
public sealed class PickupCounterPageTests : ChainTest
{
    private async Task<string> CodeOfAsync(string campaignId, string token) =>
        (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", token))).EnumerateArray()
        .Where(o => o.GetProperty("campaignId").GetString() == campaignId && o.GetProperty("pickupCode").ValueKind == JsonValueKind.String)
        .Select(o => o.GetProperty("pickupCode").GetString()!).Distinct().Single();

    [Fact]
    public async Task TheMembersPhoneShowsOneCodeCardWhoseQrCodeReadsAsHerCode()
    {
        var (campaignId, orderIds) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (Chain.MemberToken, "pickup"));
        var code = await CodeOfAsync(campaignId, Chain.MemberToken);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        // Once: the page renews an old token, so a reload must keep the one it holds.
        await context.AddInitScriptAsync(
            $"if (!sessionStorage.getItem('t')) {{ localStorage.setItem({JsonSerializer.Serialize("sc.member." + Chain.ChainId)}, {JsonSerializer.Serialize(Chain.MemberToken)}); sessionStorage.setItem('t', '1'); }}");
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");

        var card = page.Locator("#pickup-card");
        await Expect(card.Locator(".pickup-code")).ToHaveTextAsync(code);
        await Expect(page.Locator(".pickup-code")).ToHaveCountAsync(1); // one card, not one per order
        await Expect(page.Locator("#my-orders [data-order-id]")).ToHaveCountAsync(orderIds.Count);
        var qr = card.Locator("img.pickup-qr");
        await Expect(qr).ToBeVisibleAsync();
        await Expect(qr).ToHaveAttributeAsync("alt", "提货码二维码");
        var box = (await qr.BoundingBoxAsync())!;
        Assert.True(box.Width >= 150 && box.X >= 0 && box.X + box.Width <= 390, $"the QR code fits a phone and is big enough to scan: {box.Width}px at {box.X}");
        await card.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "live-pickup-qr");

        // What the counter's camera would read from her screen: the decoder the console uses, on the image she shows.
        await page.AddScriptTagAsync(new() { Url = "/assets/jsqr.js" });
        var read = await page.EvaluateAsync<string?>(@"async () => {
            const img = document.querySelector('#pickup-card img.pickup-qr');
            await img.decode();
            const c = document.createElement('canvas'); c.width = 300; c.height = 300;
            const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 300, 300); g.drawImage(img, 0, 0, 300, 300);
            const r = jsQR(g.getImageData(0, 0, 300, 300).data, 300, 300);
            return r ? r.data : null;
        }");
        Assert.Equal(code, read);

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = code }, Chain.LeaderKey));
        await page.ReloadAsync();
        await Expect(page.Locator("#my-orders .order-status").First).ToHaveAttributeAsync("data-status", "pickedUp");
        await Expect(card).ToBeHiddenAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheCounterScansTheQrCodeWithTheCameraAndHandsHerOrdersOver()
    {
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (Chain.MemberToken, "pickup"));
        var code = await CodeOfAsync(campaignId, Chain.MemberToken);
        var video = Path.Combine(Path.GetTempPath(), $"sc-qr-{Guid.NewGuid():N}.y4m");
        await File.WriteAllBytesAsync(video, QrVideo(code));
        try
        {
            // Chromium's fake camera plays the file: a phone's QR code held up to the counter's camera.
            using var playwright = await Playwright.CreateAsync();
            await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Browser.ExecutablePath,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--use-file-for-fake-video-capture=" + video],
            });
            await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = App.BaseAddress.ToString(), Locale = "zh-CN", ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, Permissions = ["camera"],
            });
            context.SetDefaultTimeout(15_000);
            var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");
            await Browser.ExplainFailureAsync(async () =>
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "扫码核销" }).ClickAsync();
                var result = page.Locator("#pickup-result");
                await Expect(result).ToHaveAttributeAsync("data-result", "ok", new() { Timeout = 20_000 });
                await Expect(result).ToContainTextAsync("李阿姨");
                await Expect(result).ToContainTextAsync("2 笔订单");
                await Expect(page.Locator("#scan-video")).ToBeHiddenAsync(); // the camera is off again
                await Expect(page.GetByRole(AriaRole.Button, new() { Name = "扫码核销" })).ToBeVisibleAsync();
                await Expect(page.Locator("#pickup-list tbody tr[data-order-id] .status[data-status='pickedUp']")).ToHaveCountAsync(2);
                await Browser.ScreenshotAsync(page, "console-pickup-scanned");
            }, (page, "console-pickup-scan"));
            Assert.Empty(errors);
        }
        finally
        {
            File.Delete(video);
        }
    }

    [Fact]
    public async Task ThePhoneTailFindsTheNeighbourAndAPhotoOfHerQrCodeHandsHerOrdersOver()
    {
        var (_, otherToken) = await App.NewMemberAsync(Chain, "周师傅");
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (otherToken, "pickup"));
        var code = await CodeOfAsync(campaignId, Chain.MemberToken);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");
        await Browser.ExplainFailureAsync(async () =>
        {
            await page.GetByLabel("按手机尾号查找（后 4 位）").FillAsync(Chain.Phone[^4..]);
            var match = page.Locator("#pickup-matches .pickup-match");
            await Expect(match).ToHaveCountAsync(1);
            await Expect(match).ToContainTextAsync("李阿姨");
            await Expect(match).ToContainTextAsync("阳山水蜜桃 ×1");
            await Expect(match).Not.ToContainTextAsync(code); // staff never see codes
            await match.GetByRole(AriaRole.Button, new() { Name = "请她出示提货码" }).ClickAsync();
            await Expect(page.Locator("#pickup-code")).ToBeFocusedAsync();
            await Expect(page.Locator("#pickup-result")).ToContainTextAsync("请 李阿姨 出示提货码");
            await Browser.ScreenshotAsync(page, "console-pickup-phone-tail");

            await page.GetByLabel("从图片识别").SetInputFilesAsync(new FilePayload { Name = "qr.png", MimeType = "image/png", Buffer = PngByteQRCodeHelper.GetQRCode(code, QRCodeGenerator.ECCLevel.M, 10) });
            await Expect(page.Locator("#pickup-result")).ToHaveAttributeAsync("data-result", "ok");
            await Expect(page.Locator("#pickup-result")).ToContainTextAsync("李阿姨");

            // A QR code that is not a pickup code is refused without a request.
            await page.GetByLabel("从图片识别").SetInputFilesAsync(new FilePayload { Name = "link.png", MimeType = "image/png", Buffer = PngByteQRCodeHelper.GetQRCode("https://example.com/", QRCodeGenerator.ECCLevel.M, 10) });
            await Expect(page.Locator("#scan-status")).ToContainTextAsync("不是提货码");
        }, (page, "console-pickup-photo"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheSortingSheetOpensFromTheConsoleAndPrintsOneShelfPerPage()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 200);
        var tokens = new List<string> { Chain.MemberToken };
        tokens.Add((await App.NewMemberAsync(Chain, "<b>王</b>")).Token);
        for (var i = 0; i < 20; i++)
        {
            tokens.Add((await App.NewMemberAsync(Chain, $"邻居{i + 1:D2}")).Token);
        }

        foreach (var token in tokens)
        {
            await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token, itemId, 2), 201);
        }

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/fulfil", secret: Chain.LeaderKey));

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");
        var sheet = await page.RunAndWaitForPopupAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "打印分拣单" }).ClickAsync());
        await sheet.WaitForURLAsync(new Regex("^blob:"));
        await Browser.ExplainFailureAsync(async () =>
        {
            await Expect(sheet.Locator("h1")).ToContainTextAsync("分拣/配货单");
            await Expect(sheet.Locator("#totals")).ToContainTextAsync("阳山水蜜桃");
            await Expect(sheet.Locator("#totals td.num")).ToHaveTextAsync("44"); // 22 neighbours × 2
            await Expect(sheet.Locator("tr.bag")).ToHaveCountAsync(22);
            await Expect(sheet.Locator("tr.bag", new() { HasText = "王" }).Locator("td.name")).ToHaveTextAsync("<b>王</b>"); // shown as text, not markup
            await Expect(sheet.Locator("td.name b")).ToHaveCountAsync(0);
            await Expect(sheet.Locator("section.shelf")).ToHaveCountAsync(2);
            await Expect(sheet.Locator("section.shelf").First.Locator("h2")).ToContainTextAsync("货架 A");

            await sheet.EmulateMediaAsync(new() { Media = Media.Print });
            var breaks = await sheet.EvaluateAsync<int>("() => [...document.querySelectorAll('section.shelf')].filter((s) => getComputedStyle(s).breakBefore === 'page').length");
            Assert.Equal(2, breaks);
            var pdf = Encoding.Latin1.GetString(await sheet.PdfAsync(new() { Format = "A4" }));
            Assert.Equal(3, Regex.Matches(pdf, @"/Type\s*/Page[^s]").Count); // the totals, then one page per shelf
            await sheet.EmulateMediaAsync(new() { Media = Media.Screen });
            await Browser.ScreenshotAsync(sheet, "sorting-sheet");
        }, (sheet, "sorting-sheet"));
        Assert.Empty(errors);
    }

    /// <summary>A Y4M clip (what Chromium's fake camera plays): a QR code of <paramref name="text"/>, black on white, in 640×480 grey frames.</summary>
    private static byte[] QrVideo(string text)
    {
        const int width = 640, height = 480, scale = 10;
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var modules = data.ModuleMatrix;
        var size = modules.Count * scale;
        var (left, top) = ((width - size) / 2, (height - size) / 2);
        var luma = new byte[width * height];
        Array.Fill(luma, (byte)235);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (modules[y / scale][x / scale])
                {
                    luma[((top + y) * width) + left + x] = 16;
                }
            }
        }

        var chroma = new byte[width / 2 * (height / 2)];
        Array.Fill(chroma, (byte)128);
        using var clip = new MemoryStream();
        clip.Write(Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n"));
        for (var frame = 0; frame < 10; frame++)
        {
            clip.Write("FRAME\n"u8);
            clip.Write(luma);
            clip.Write(chroma);
            clip.Write(chroma);
        }

        return clip.ToArray();
    }
}
