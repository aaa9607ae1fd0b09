using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The console at <c>/</c> in Chromium against the real app: sign-in, HQ pages, the campaign form and the live campaign
/// page. Elements are found by their labels and roles where a person would find them, by the DOM contract otherwise.
/// </summary>
public sealed class ConsolePageTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task AWrongKeyIsRefusedAndALeaderKeySignsInAndShowsWhoItIs()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync("/");
        await Expect(page.GetByText("run.sh --demo", new() { Exact = false })).ToBeVisibleAsync(); // where keys come from
        await Browser.ScreenshotAsync(page, "console-signin");

        await page.GetByLabel("密钥").FillAsync("not-a-real-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Expect(page.Locator("#signin-error")).ToContainTextAsync("密钥不正确");
        await Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();

        await page.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        var whoami = page.Locator("#whoami");
        await Expect(whoami).ToContainTextAsync("团长");
        await Expect(whoami).ToContainTextAsync("王团长");
        await Expect(whoami).ToContainTextAsync("邻里鲜社区店");
        Assert.Equal(Chain.LeaderKey, await page.EvaluateAsync<string>("localStorage.getItem('sc.console.key')"));

        await page.ReloadAsync(); // the key is remembered
        await Expect(whoami).ToContainTextAsync("王团长");
        await page.Locator("#signout").ClickAsync();
        await Expect(page.GetByLabel("密钥")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("localStorage.getItem('sc.console.key')"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheAdminCreatesAStoreAndALeaderAndSeesTheLeaderKeyOnce()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.AdminKey, "#/stores");
        await Expect(page.Locator("#whoami")).ToContainTextAsync("总部管理员");

        await page.GetByLabel("门店名称").FillAsync("桂花园店");
        await page.GetByLabel("地址").FillAsync("桂花路 8 号");
        await page.GetByRole(AriaRole.Button, new() { Name = "添加门店" }).ClickAsync();
        await Expect(page.Locator("#stores tbody tr", new() { HasText = "桂花园店" })).ToContainTextAsync("桂花路 8 号");

        await page.GetByRole(AriaRole.Link, new() { Name = "团长", Exact = true }).ClickAsync();
        await page.GetByLabel("团长姓名").FillAsync("赵团长");
        await page.GetByLabel("所属门店").SelectOptionAsync(new SelectOptionValue { Label = "桂花园店" });
        await page.GetByRole(AriaRole.Button, new() { Name = "添加团长" }).ClickAsync();
        var secret = page.Locator("#new-leader-key .secret");
        await Expect(secret).ToBeVisibleAsync();
        await Expect(page.Locator("#new-leader-key")).ToContainTextAsync("只显示这一次");
        await Expect(page.Locator("#leaders tbody tr", new() { HasText = "赵团长" })).ToContainTextAsync("桂花园店");
        await Browser.ScreenshotAsync(page, "console-admin");

        var leaderKey = (await secret.TextContentAsync())!.Trim();
        var me = await TestApp.OkJsonAsync(await App.GetAsync("/api/me", leaderKey));
        Assert.Equal("leader", me.GetProperty("role").GetString());
        Assert.Equal("赵团长", me.GetProperty("name").GetString());

        // Once: leaving the page forgets it.
        await page.GetByRole(AriaRole.Link, new() { Name = "门店", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "团长", Exact = true }).ClickAsync();
        await Expect(page.Locator("#leaders tbody tr", new() { HasText = "赵团长" })).ToBeVisibleAsync();
        await Expect(page.Locator(".secret")).ToHaveCountAsync(0);

        // Rotating a key asks first, then shows the new key once; the old one stops working.
        await page.Locator("#leaders tbody tr", new() { HasText = "赵团长" }).GetByRole(AriaRole.Button, new() { Name = "更换密钥" }).ClickAsync();
        await page.Locator("#confirm-rotate").ClickAsync();
        var rotated = page.Locator("#rotated-leader-key .secret");
        await Expect(rotated).ToBeVisibleAsync();
        Assert.NotEqual(leaderKey, (await rotated.TextContentAsync())!.Trim());
        Assert.Equal(401, (int)(await App.GetAsync("/api/me", leaderKey)).StatusCode);

        // Opening a campaign, the admin picks the store and then one of that store's leaders.
        await page.GetByRole(AriaRole.Link, new() { Name = "新建开团", Exact = true }).First.ClickAsync();
        await page.GetByLabel("门店", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "桂花园店" });
        await Expect(page.GetByLabel("团长", new() { Exact = true })).ToContainTextAsync("赵团长");
        await page.GetByLabel("门店", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "幸福里店" });
        await Expect(page.GetByLabel("团长", new() { Exact = true })).ToContainTextAsync("王团长");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheAdminUploadsAnInspectionReportAndSeesWhyAWrongFileIsRefused()
    {
        var productId = await App.NewProductAsync(Chain, "赣南脐橙");
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.AdminKey, "#/products");

        var product = page.Locator($"[data-product-id='{productId}']");
        await Expect(product).ToContainTextAsync("还没有检测报告");
        var file = product.GetByLabel("上传检测报告");
        await file.SetInputFilesAsync(new FilePayload { Name = "农残检测报告.pdf", MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n") });
        await product.GetByRole(AriaRole.Button, new() { Name = "上传", Exact = true }).ClickAsync();
        await Expect(product.Locator(".report-status")).ToContainTextAsync("农残检测报告.pdf");
        await Expect(product.Locator(".report-names")).ToContainTextAsync("农残检测报告.pdf");
        var trace = await TestApp.OkJsonAsync(await App.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Equal("农残检测报告.pdf", trace.GetProperty("reports")[0].GetProperty("name").GetString());

        // A file that is not a PDF/PNG/JPEG: the API's validation problem is shown next to the upload.
        await file.SetInputFilesAsync(new FilePayload { Name = "notes.pdf", MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes("just some text") });
        await product.GetByRole(AriaRole.Button, new() { Name = "上传", Exact = true }).ClickAsync();
        await Expect(product.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        await Expect(product.GetByRole(AriaRole.Alert)).Not.ToBeEmptyAsync();
        await Browser.ScreenshotAsync(page, "console-products");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ALeaderCreatesACampaignThroughTheFormInTheChainsTimeZoneAndLandsOnItsDraftPage()
    {
        await App.NewProductAsync(Chain, "阳山水蜜桃");
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.LeaderKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "新建开团" }).First.ClickAsync();

        // The default schedule is wall time in the chain's zone (Asia/Shanghai), not the browser's (Europe/London).
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var defaultStart = DateTime.ParseExact(await page.GetByLabel("直播开始").InputValueAsync(), "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        var expectedStart = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddHours(1), shanghai).DateTime;
        Assert.InRange((defaultStart - expectedStart).TotalMinutes, -3, 3);

        await page.GetByLabel("开团标题").FillAsync("周五水果专场");
        await page.GetByLabel("选择商品").SelectOptionAsync(new SelectOptionValue { Label = "阳山水蜜桃（盒）" });
        await page.GetByLabel("团购价（元）").FillAsync("39.90");
        await page.GetByLabel("直播价（元，选填）").FillAsync("29.9");
        await page.GetByLabel("库存").FillAsync("0");
        await page.GetByLabel("成团数量").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "创建开团" }).ClickAsync();
        var stockError = page.Locator("[name='items[0].stock'] + .field-error");
        await Expect(stockError).ToContainTextAsync("库存需在 1 到 100000 之间"); // in the page's language, not the API's English
        await Expect(page.GetByLabel("库存")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#campaign-error")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "console-new-campaign-errors");

        // End before start: the API's message appears next to the end field.
        await page.GetByLabel("库存").FillAsync("30");
        var start = await page.GetByLabel("直播开始").InputValueAsync();
        await page.GetByLabel("直播结束（截单）").FillAsync(start);
        await page.GetByRole(AriaRole.Button, new() { Name = "创建开团" }).ClickAsync();
        await Expect(page.Locator("[name='liveEndAt'] + .field-error")).ToContainTextAsync("直播结束需晚于开始");
        await Expect(stockError).ToHaveCountAsync(0);

        var end = DateTime.ParseExact(start, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture).AddHours(2).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        await page.GetByLabel("直播结束（截单）").FillAsync(end);
        await page.GetByRole(AriaRole.Button, new() { Name = "创建开团" }).ClickAsync();

        var campaign = page.Locator("#campaign");
        await Expect(campaign).ToHaveAttributeAsync("data-campaign-id", new Regex(".+"));
        var campaignId = (await campaign.GetAttributeAsync("data-campaign-id"))!;
        Assert.EndsWith("#/campaigns/" + campaignId, page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "draft");
        await Expect(page.Locator("#campaign-phase")).ToHaveTextAsync("草稿");
        await Expect(page.Locator("#actions button[data-action]")).ToHaveCountAsync(3);
        foreach (var action in new[] { "preheat", "go-live", "cancel" })
        {
            await Expect(page.Locator($"#actions button[data-action='{action}']")).ToBeVisibleAsync();
        }

        // The API got what the form said: yuan → fen, the chain's wall time → UTC.
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        var item = view.GetProperty("items")[0];
        Assert.Equal(3990, item.GetProperty("priceFen").GetInt64());
        Assert.Equal(2990, item.GetProperty("livePriceFen").GetInt64());
        Assert.Equal(30, item.GetProperty("stock").GetInt32());
        var liveStart = view.GetProperty("liveStartAt").GetDateTimeOffset();
        Assert.Equal(start, TimeZoneInfo.ConvertTime(liveStart, shanghai).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await Expect(page.Locator("[data-time='liveStartAt']")).ToHaveTextAsync(start.Replace('T', ' '));
        await Expect(page.Locator($"[data-stock-item='{item.GetProperty("itemId").GetString()}']")).ToHaveTextAsync("30");
        await Expect(page.Locator("#live-link")).ToHaveAttributeAsync("href", $"/live/{campaignId}");
        await Browser.ScreenshotAsync(page, "console-campaign-draft");

        // Cancel asks in the page first; dismissing keeps the campaign.
        await page.Locator("#actions button[data-action='cancel']").ClickAsync();
        await Expect(page.Locator("#confirm-action")).ToBeVisibleAsync();
        await page.Locator("#confirm-dismiss").ClickAsync();
        await Expect(page.Locator("#confirm-action")).ToBeHiddenAsync();

        await page.Locator("#actions button[data-action='go-live']").ClickAsync();
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "live");
        await Expect(page.Locator("#history li")).ToContainTextAsync("草稿 → 直播中");
        await Expect(page.Locator("#actions button[data-action]")).ToHaveCountAsync(2);
        await page.Locator("#actions button[data-action='cancel']").ClickAsync();
        await page.Locator("#confirm-action").ClickAsync();
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "cancelled");
        await Expect(page.Locator("#actions button[data-action]")).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ALiveCampaignShowsVotesCommentsStockAndOrdersAsTheyHappen()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "live");

        await page.GetByLabel("投票问题").FillAsync("下次开团想要什么？");
        await page.GetByLabel("选项（每行一个，2–6 个）").FillAsync("草莓\n车厘子\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "发起投票" }).ClickAsync();
        var poll = page.Locator("[data-poll-id]", new() { HasText = "下次开团想要什么？" });
        await Expect(poll).ToBeVisibleAsync();
        var pollId = await poll.GetAttributeAsync("data-poll-id");
        Assert.Equal(200, (int)(await App.PostAsync($"/api/campaigns/{campaignId}/polls/{pollId}/votes", new { option = 1 }, Chain.MemberToken)).StatusCode);
        await Expect(poll.Locator(".poll-count[data-option='1']")).ToHaveTextAsync("1", Soon);
        await Expect(poll.Locator(".poll-count[data-option='0']")).ToHaveTextAsync("0");

        var comment = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/comments", new { text = "桃子甜不甜？" }, Chain.MemberToken), 201);
        var commentEl = page.Locator($"[data-comment-id='{comment.GetProperty("commentId").GetString()}']");
        await Expect(commentEl).ToContainTextAsync("桃子甜不甜？", new() { Timeout = 15_000 });
        await commentEl.GetByLabel(new Regex("^回复")).FillAsync("很甜，今早刚摘的");
        await commentEl.GetByRole(AriaRole.Button, new() { Name = "回复" }).ClickAsync();
        await Expect(commentEl.Locator(".answer-text")).ToHaveTextAsync("很甜，今早刚摘的");
        var comments = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/comments"));
        Assert.Contains(comments.EnumerateArray(), c => c.GetProperty("answer").GetString() == "很甜，今早刚摘的");

        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 2), 201);
        await Expect(page.Locator($"[data-stock-item='{itemId}']")).ToHaveTextAsync("98", Soon);
        var row = page.Locator($"#orders tbody tr[data-order-id='{order.GetProperty("orderId").GetString()}']");
        await Expect(row).ToContainTextAsync("李阿姨", new() { Timeout = 15_000 });
        await Expect(row).ToContainTextAsync("已下单");

        // A flash sale: its countdown ticks every second.
        await page.GetByLabel("秒杀数量").FillAsync("5");
        await page.GetByLabel("秒杀价（元）").FillAsync("19.9");
        await page.GetByLabel("前 N 单赠品（选填）").FillAsync("2");
        await page.GetByLabel("赠品名称（选填，默认“赠品”）").FillAsync("保温袋");
        await Expect(page.GetByLabel("持续时间（秒）")).ToHaveValueAsync("60");
        await page.Locator("#flash-start").ClickAsync();
        var countdown = page.Locator("#flash-countdown");
        await Expect(countdown).ToHaveTextAsync(new Regex("^0[01]:[0-5][0-9]$"));
        var first = await countdown.TextContentAsync();
        await Expect(countdown).Not.ToHaveTextAsync(first!);
        await Expect(page.Locator("#flash-active")).ToContainTextAsync("0/5");
        await Expect(page.Locator("#flash-active")).ToContainTextAsync("前 2 单送保温袋");

        await page.Locator($"button[data-pin-item='{itemId}']").ClickAsync();
        await Expect(page.Locator($"button[data-pin-item='{itemId}']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Browser.ScreenshotAsync(page, "console-campaign-live");

        // The leader ends the flash sale early: the campaign's sale carries its end, and the card no longer shows it.
        await page.Locator("button[data-end-flash]").ClickAsync();
        await Expect(page.Locator("#flash-active")).ToContainTextAsync("当前没有进行中的秒杀");
        var sale = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}", Chain.LeaderKey))).GetProperty("flashSales").EnumerateArray());
        Assert.Equal("保温袋", sale.GetProperty("giftName").GetString());
        Assert.False(sale.GetProperty("active").GetBoolean());

        await poll.Locator(".poll-close").ClickAsync();
        await Expect(poll).ToHaveAttributeAsync("data-open", "false");
        await Expect(poll.Locator(".poll-close")).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AfterCloseTheLeaderVerifiesPickupCodesAndGeneratesTheReport()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 1), 201);
        var orderId = order.GetProperty("orderId").GetString();
        var (_, neighbour) = await App.NewMemberAsync(Chain, "张大爷");
        var delivery = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, neighbour, itemId, 1, fulfilment: "delivery", address: "幸福里 3 栋 201"), 201);
        var deliveryRow = $"#orders tbody tr[data-order-id='{delivery.GetProperty("orderId").GetString()}']";
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected");

        await page.Locator("#actions button[data-action='close']").ClickAsync();
        await page.Locator("#confirm-dialog #confirm-action").ClickAsync(); // 截单 asks first
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "fulfilling", new() { Timeout = 15_000 });
        await Expect(page.Locator($"#pickup-list tbody tr[data-order-id='{orderId}']")).ToContainTextAsync("已成团", new() { Timeout = 15_000 });
        await Expect(page.Locator("#report-pending")).ToBeVisibleAsync();

        var mine = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        var code = mine.GetProperty("pickupCode").GetString()!;
        var codeInput = page.GetByLabel("会员出示的提货码");
        await Expect(codeInput).ToHaveAttributeAsync("inputmode", "numeric");
        await codeInput.FillAsync("00000000");
        await page.Locator("#pickup-verify").ClickAsync();
        await Expect(page.Locator("#pickup-result")).ToHaveAttributeAsync("data-result", "error");

        await codeInput.FillAsync(code);
        await page.Locator("#pickup-verify").ClickAsync();
        await Expect(page.Locator("#pickup-result")).ToHaveAttributeAsync("data-result", "ok");
        await Expect(page.Locator("#pickup-result")).ToContainTextAsync("核销成功：李阿姨 · 1 笔订单");
        await Expect(page.Locator($"#pickup-list tbody tr[data-order-id='{orderId}']")).ToContainTextAsync("已自提");

        await codeInput.FillAsync(code);
        await page.Locator("#pickup-verify").ClickAsync();
        await Expect(page.Locator("#pickup-result")).ToHaveAttributeAsync("data-result", "error");
        await Expect(page.Locator("#pickup-result")).Not.ToBeEmptyAsync();

        // A delivery order moves dispatched → delivered from the orders table.
        await page.Locator(deliveryRow).GetByRole(AriaRole.Button, new() { Name = "标记已发货" }).ClickAsync();
        await Expect(page.Locator(deliveryRow + " td.status")).ToHaveTextAsync("配送中");
        await page.Locator(deliveryRow).GetByRole(AriaRole.Button, new() { Name = "标记已送达" }).ClickAsync();
        await Expect(page.Locator(deliveryRow + " td.status")).ToHaveTextAsync("已送达");

        await page.Locator("#report-generate").ClickAsync();
        await Expect(page.Locator("#report-link")).ToHaveAttributeAsync("href", new Regex("^https?://"));
        await Expect(page.Locator("#report-metrics [data-metric='orders'] dd")).ToHaveTextAsync("2");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#orders-csv").ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("李阿姨", csv, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "console-campaign-fulfilling");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheConsoleFitsAPhoneAndSwitchesToEnglish()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var (page, errors) = await SignedInAsync(context, Chain.LeaderKey);
        await Expect(page.Locator($"#campaigns [data-campaign-id='{campaignId}'] [data-phase='live']")).ToHaveTextAsync("直播中");
        await Expect(page.Locator("#dashboard [data-metric='orders']")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "console-phone-home");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 390 px");

        await page.Locator($"#campaigns [data-campaign-id='{campaignId}'] a").ClickAsync();
        await Expect(page.Locator("#campaign-phase")).ToHaveTextAsync("直播中");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 390 px");
        await Browser.ScreenshotAsync(page, "console-phone-campaign");

        await page.Locator("#lang-toggle").ClickAsync();
        await Expect(page.Locator("header h1")).ToHaveTextAsync("Leader console");
        await Expect(page.Locator("#campaign-phase")).ToHaveTextAsync("Live");
        await Expect(page.Locator("#actions button[data-action='close']")).ToHaveTextAsync("Close orders");
        await Expect(page.GetByLabel("Question")).ToBeVisibleAsync();
        await Expect(page.Locator("#whoami")).ToContainTextAsync("Leader");
        await Browser.ScreenshotAsync(page, "console-english");
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview", Exact = true }).ClickAsync();
        await Expect(page.Locator($"#campaigns [data-campaign-id='{campaignId}'] [data-phase='live']")).ToHaveTextAsync("Live");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ThePlatformKeyCreatesAChainAndShowsItsAdminKeyOnce()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, TestApp.PlatformKey);
        await Expect(page.GetByLabel("时区（IANA）")).ToHaveValueAsync("Asia/Shanghai");
        await page.GetByLabel("连锁名称").FillAsync("幸福里生鲜");
        await page.GetByRole(AriaRole.Button, new() { Name = "创建连锁" }).ClickAsync();
        var secret = page.Locator("#new-admin-key .secret");
        await Expect(secret).ToBeVisibleAsync();
        var me = await TestApp.OkJsonAsync(await App.GetAsync("/api/me", (await secret.TextContentAsync())!.Trim()));
        Assert.Equal("admin", me.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.String, me.GetProperty("chainId").ValueKind);
        await Browser.ScreenshotAsync(page, "console-platform");
        Assert.Empty(errors);
    }

    internal static async Task<(IPage Page, List<string> Errors)> SignedInAsync(IBrowserContext context, string key, string hash = "")
    {
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync("/" + hash);
        await page.GetByLabel("密钥").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Expect(page.Locator("#whoami")).Not.ToBeEmptyAsync();
        return (page, errors);
    }
}
