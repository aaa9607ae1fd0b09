using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>积分抵扣 in Chromium against the real app: the admin sets the rate and cap in the console, the member sees the exact amount to pay before ordering and pays it.</summary>
public sealed class PointsSpendingPageTests : ChainTest
{
    private static readonly LocatorAssertionsToContainTextOptions SoonContains = new() { Timeout = 15_000 };

    [Fact]
    public async Task TheAdminTurnsOnPointsAndTheMemberSeesAndPaysTheExactAmountLeftToPay()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, priceFen: 3990, livePriceFen: 2990);
        var adjust = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(new { amount = 450, reason = "老顾客回馈" }) };
        adjust.Headers.Authorization = new("Bearer", Chain.AdminKey);
        adjust.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(adjust), 201);

        var browser = await Browser.SharedAsync();

        // The console: 100 points make ¥1, points pay at most 20% of an order.
        await using (var admin = await browser.NewContextAsync(App.BaseAddress))
        {
            var console = await admin.NewPageAsync();
            var consoleErrors = Browser.CaptureErrors(console);
            await console.GotoAsync("/");
            await console.GetByLabel("密钥").FillAsync(Chain.AdminKey);
            await console.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
            await console.GetByRole(AriaRole.Link, new() { Name = "会员成长" }).ClickAsync();
            await Expect(console.Locator("#growth-spend-rate")).ToHaveValueAsync("0", new() { Timeout = 15_000 });
            await console.Locator("#growth-spend-rate").FillAsync("100");
            await console.Locator("#growth-spend-share").FillAsync("20");
            await console.Locator("#growth-save").ClickAsync();
            await Expect(console.Locator("#toast")).ToContainTextAsync("已保存", SoonContains);
            await Browser.ScreenshotAsync(console, "console-points-spending");
            Assert.Empty(consoleErrors);
        }

        var settings = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/growth-settings", Chain.AdminKey));
        Assert.Equal((100, 20), (settings.GetProperty("spendPointsPerYuan").GetInt32(), settings.GetProperty("maxPointsSharePercent").GetInt32()));

        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        await Browser.SignInMemberAsync(context, Chain.ChainId, Chain.MemberToken);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        var card = page.Locator($"article.item[data-item-id='{itemId}']");

        // One at ¥29.90: 20% is ¥5.98 = 598 points, but she has 450 → ¥4.50 off.
        await Expect(card.Locator(".points-label")).ToHaveTextAsync("用积分抵扣 ¥4.50（可用 450 积分）", new() { Timeout = 15_000 });
        await Expect(card.Locator(".points-payable")).ToBeHiddenAsync();
        await card.Locator("input[name=quantity]").FillAsync("1");
        await card.Locator(".points-toggle").CheckAsync();
        await Expect(card.Locator(".points-payable")).ToHaveTextAsync("积分抵扣 −¥4.50（450 积分）· 应付 ¥25.40");

        // Two: the balance still binds (the cap would allow ¥11.96); the amount to pay follows the quantity typed.
        await card.Locator("input[name=quantity]").FillAsync("2");
        await Expect(card.Locator(".points-payable")).ToHaveTextAsync("积分抵扣 −¥4.50（450 积分）· 应付 ¥55.30");
        await card.Locator("input[name=quantity]").FillAsync("1");
        await Expect(card.Locator(".points-payable")).ToHaveTextAsync("积分抵扣 −¥4.50（450 积分）· 应付 ¥25.40");
        await Browser.ScreenshotAsync(page, "live-points-toggle");

        await card.Locator(".order-button").ClickAsync();
        await Expect(page.Locator("#order-result")).ToContainTextAsync("积分抵扣 −¥4.50（450 积分）· 应付 ¥25.40", SoonContains);
        await Expect(page.Locator("#order-result")).ToContainTextAsync("¥29.90");
        await Browser.ScreenshotAsync(page, "live-points-ordered");

        var mine = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", Chain.MemberToken));
        var order = mine.EnumerateArray().Single(o => o.GetProperty("campaignId").GetString() == campaignId);
        Assert.Equal((450, 450L, 2990L, 2540L), (order.GetProperty("pointsUsed").GetInt32(), order.GetProperty("pointsDiscountFen").GetInt64(),
            order.GetProperty("totalFen").GetInt64(), order.GetProperty("payableFen").GetInt64()));

        // The balance is spent: the toggle goes (nothing left to pay with).
        await Expect(card.Locator(".points-pay")).ToBeHiddenAsync(new() { Timeout = 15_000 });
        Assert.Empty(errors);
    }
}
