using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The leader's campaign page during a live, in Chromium against the real app: two columns on a laptop (orders and
/// stock beside questions and polls), one on a phone; a new order or question raises an alert (beep, vibration, a
/// flashing tab title) that the sound switch silences; 截单 and 取消开团 ask in a dialog first.
/// </summary>
public sealed class LeaderLiveScreenPageTests : ChainTest
{
    private const string LastAlert = "() => (window.SCConsoleAlerts || []).slice(-1)[0] || null";

    private static async Task<JsonElement> AlertsAsync(IPage page) => await page.EvaluateAsync<JsonElement>("() => window.SCConsoleAlerts || []");

    private static async Task WaitForAlertsAsync(IPage page, string kind, int count) =>
        await page.WaitForFunctionAsync($"() => (window.SCConsoleAlerts || []).filter((a) => a.kind === '{kind}').length >= {count}", null, new() { Timeout = 15_000 });

    private static async Task WaitForTitleAsync(IPage page, string prefix) =>
        await page.WaitForFunctionAsync("p => document.title.startsWith(p)", prefix, new() { Timeout = 15_000, PollingInterval = 100 });

    private async Task<(IPage Page, List<string> Errors)> OpenLiveScreenAsync(IBrowserContext context, string campaignId, bool laptop)
    {
        var page = await context.NewPageAsync();
        if (laptop)
        {
            await page.SetViewportSizeAsync(1366, 900);
        }

        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/#/campaigns/{campaignId}");
        await page.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "live");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected");
        return (page, errors);
    }

    [Fact]
    public async Task OnALaptopOrdersSitBesideQuestionsAndANewOrderOrQuestionAlertsTheLeaderUnlessMuted()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await OpenLiveScreenAsync(context, campaignId, laptop: true);

        await Browser.ExplainFailureAsync(async () =>
        {
            // Stock, orders and flash sales (with its end button's card) in one column; questions and polls in the other.
            var orders = page.Locator("#orders-column");
            var talk = page.Locator("#talk-column");
            foreach (var id in new[] { "#items", "#orders", "#flash-active" })
            {
                await Expect(orders.Locator(id)).ToHaveCountAsync(1);
            }

            foreach (var id in new[] { "#comments", "#poll-form" })
            {
                await Expect(talk.Locator(id)).ToHaveCountAsync(1);
            }

            var left = (await orders.BoundingBoxAsync())!;
            var right = (await talk.BoundingBoxAsync())!;
            Assert.True(Math.Abs(left.Y - right.Y) < 4, $"the columns start at one height: {left.Y} vs {right.Y}");
            Assert.True(right.X >= left.X + left.Width, $"questions sit right of orders: {right.X} vs {left.X}+{left.Width}");
            Assert.True(left.Width > 400 && right.Width > 300, $"both columns are usable: {left.Width}, {right.Width}");
            Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 1366 px");
            await Expect(page.Locator("#alert-sound")).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.Locator("#alert-sound")).ToHaveTextAsync("声音提醒：开");

            // A member's order: a beep and a flashing title.
            var first = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 2), 201);
            await WaitForAlertsAsync(page, "order", 1);
            await WaitForTitleAsync(page, "【新订单】");
            await Expect(page.Locator("#campaign")).ToHaveAttributeAsync("data-title-flash", "order");
            var alert = await page.EvaluateAsync<JsonElement>(LastAlert);
            Assert.Equal("order", alert.GetProperty("kind").GetString());
            Assert.False(alert.GetProperty("muted").GetBoolean());
            Assert.True(alert.GetProperty("sound").GetBoolean(), "an order beeps");
            await Expect(page.Locator($"#orders tbody tr[data-order-id='{first.GetProperty("orderId").GetString()}']")).ToContainTextAsync("李阿姨");

            // A member's question: its own alert.
            var (_, neighbour) = await App.NewMemberAsync(Chain, "张大爷");
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/comments", new { text = "桃子明天能到店吗？" }, Chain.MemberToken), 201);
            await WaitForAlertsAsync(page, "question", 1);
            await WaitForTitleAsync(page, "【新提问】");
            await Expect(page.Locator("#talk-column #comments")).ToContainTextAsync("桃子明天能到店吗？");
            Assert.Equal("question", (await page.EvaluateAsync<JsonElement>(LastAlert)).GetProperty("kind").GetString());

            // More orders and a poll, for the picture of a busy live.
            await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, neighbour, itemId, 1), 201);
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls", new { question = "下周想团什么？", options = new[] { "草莓", "车厘子", "砂糖橘" } }, Chain.LeaderKey), 201);
            await Expect(page.Locator("#talk-column [data-poll-id]")).ToContainTextAsync("下周想团什么？");
            await Expect(page.Locator("#orders tbody tr[data-order-id]")).ToHaveCountAsync(2);
            await WaitForAlertsAsync(page, "order", 2);
            await Browser.ScreenshotAsync(page, "leader-live-two-columns");

            // Interacting with the page ends the title flash.
            await page.Locator("#orders-heading").ClickAsync();
            await Expect(page.Locator("#campaign")).Not.ToHaveAttributeAsync("data-title-flash", new System.Text.RegularExpressions.Regex("."));
            Assert.DoesNotContain("【", await page.TitleAsync(), StringComparison.Ordinal);

            // Muted: the title still flashes, but nothing beeps or vibrates; the choice is remembered on this device.
            await page.Locator("#alert-sound").ClickAsync();
            await Expect(page.Locator("#alert-sound")).ToHaveAttributeAsync("aria-pressed", "false");
            await Expect(page.Locator("#alert-sound")).ToHaveTextAsync("声音提醒：关");
            Assert.Equal("off", await page.EvaluateAsync<string>("localStorage.getItem('sc.console.alertSound')"));
            var before = (await AlertsAsync(page)).GetArrayLength();
            await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, neighbour, itemId, 1), 201);
            await WaitForAlertsAsync(page, "order", 3);
            await WaitForTitleAsync(page, "【新订单】");
            var muted = (await AlertsAsync(page)).EnumerateArray().Skip(before).ToList();
            Assert.NotEmpty(muted);
            Assert.All(muted, a =>
            {
                Assert.True(a.GetProperty("muted").GetBoolean());
                Assert.False(a.GetProperty("sound").GetBoolean(), "muted: no sound");
                Assert.False(a.GetProperty("vibrate").GetBoolean(), "muted: no vibration");
                Assert.True(a.GetProperty("title").GetBoolean());
            });

            await page.ReloadAsync();
            await Expect(page.Locator("#alert-sound")).ToHaveAttributeAsync("aria-pressed", "false");
        }, (page, "leader-live-laptop"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task OnAPhoneTheColumnsStack()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var (page, errors) = await OpenLiveScreenAsync(context, campaignId, laptop: false);

        var top = (await page.Locator("#orders-column").BoundingBoxAsync())!;
        var below = (await page.Locator("#talk-column").BoundingBoxAsync())!;
        Assert.True(below.Y >= top.Y + top.Height - 1, $"questions come below orders on a phone: {below.Y} vs {top.Y}+{top.Height}");
        Assert.True(Math.Abs(below.X - top.X) < 2, "one column");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 390 px");
        await Browser.ScreenshotAsync(page, "leader-live-phone");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ClosingOrdersAsksFirstAndDismissingKeepsTheCampaignLive()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await OpenLiveScreenAsync(context, campaignId, laptop: true);
        var dialog = page.Locator("#confirm-dialog");

        await page.Locator("#actions button[data-action='close']").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("截单后邻居不能再下单");
        await Expect(dialog.Locator("#confirm-action")).ToHaveTextAsync("截单");
        await Browser.ScreenshotAsync(page, "leader-live-confirm-close");
        await dialog.Locator("#confirm-dismiss").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Task.Delay(500);
        Assert.Equal("live", await PhaseAsync(campaignId));
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "live");

        // Escape dismisses too.
        await page.Locator("#actions button[data-action='close']").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        Assert.Equal("live", await PhaseAsync(campaignId));

        await page.Locator("#actions button[data-action='close']").ClickAsync();
        await dialog.Locator("#confirm-action").ClickAsync();
        await Expect(page.Locator("#campaign-phase")).Not.ToHaveAttributeAsync("data-phase", "live");
        Assert.Contains(await PhaseAsync(campaignId), new[] { "closed", "fulfilling" });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task CancellingAsksFirstAndDismissingKeepsTheCampaignLive()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 3), 201);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await OpenLiveScreenAsync(context, campaignId, laptop: true);
        var dialog = page.Locator("#confirm-dialog");

        await page.Locator("#actions button[data-action='cancel']").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("取消开团会取消全部订单并退回库存");
        await Expect(dialog.Locator("#confirm-action")).ToHaveTextAsync("取消开团");
        await dialog.Locator("#confirm-dismiss").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Task.Delay(500);
        Assert.Equal("live", await PhaseAsync(campaignId));

        await page.Locator("#actions button[data-action='cancel']").ClickAsync();
        await dialog.Locator("#confirm-action").ClickAsync();
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "cancelled");
        Assert.Equal("cancelled", await PhaseAsync(campaignId));
        Assert.Empty(errors);
    }

    private async Task<string?> PhaseAsync(string campaignId) =>
        (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}", Chain.LeaderKey))).GetProperty("phase").GetString();
}
