using Microsoft.Playwright;
using ServerlessCommerce.Tests.Api;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The console's 晚市特惠 view: a leader turns the evening clearance on with the store's hours, flags today's
/// near-expiry item at a discount, and once the timer has opened the day's campaign the view links to it. Chromium
/// against the real app.
/// </summary>
public sealed class ClearancePageTests : ChainTest
{
    [Fact]
    public async Task TheLeaderSetsTheEveningHourFlagsTodaysItemAndSeesTheClearanceCampaignTheTimerOpened()
    {
        var productId = await App.NewProductAsync(Chain, "临期吐司");
        var (zone, local) = ClearanceTests.ZoneForToday(TimeSpan.FromMinutes(45));
        var evening = local.AddMinutes(20);
        var browser = await Browser.SharedAsync();
        await using var console = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(console, Chain.LeaderKey, "#/clearance");

        await Expect(page.Locator("#clearance-evening")).ToHaveValueAsync("19:30"); // the defaults
        await Expect(page.Locator("#clearance-items")).ToContainTextAsync("今天还没有特惠商品");
        await page.GetByLabel("开启晚市特惠").CheckAsync();
        await page.GetByLabel("晚市开始").FillAsync(ClearanceTests.HhMm(evening));
        await page.GetByLabel("打烊截单").FillAsync(ClearanceTests.HhMm(evening.AddMinutes(20)));
        await page.GetByLabel("时区").FillAsync(zone);
        await page.GetByRole(AriaRole.Button, new() { Name = "保存设置" }).ClickAsync();
        await Expect(page.Locator("#clearance-status")).ToContainTextAsync("已保存晚市特惠设置");

        // A closing time before the evening hour is refused with the API's words, and nothing is saved.
        await page.GetByLabel("打烊截单").FillAsync("00:01");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存设置" }).ClickAsync();
        await Expect(page.Locator("#clearance-error")).ToBeVisibleAsync();
        var saved = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/clearance", Chain.LeaderKey));
        Assert.Equal(ClearanceTests.HhMm(evening.AddMinutes(20)), saved.GetProperty("settings").GetProperty("closingAt").GetString());
        Assert.True(saved.GetProperty("settings").GetProperty("enabled").GetBoolean());

        await page.GetByLabel("商品").SelectOptionAsync(productId);
        await page.GetByLabel("原价（元）").FillAsync("5.98");
        await page.GetByLabel("或折扣（%，50 = 五折）").FillAsync("50");
        await page.GetByLabel("数量").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "加入今日特惠" }).ClickAsync();
        var row = page.Locator($"#clearance-items tr[data-product-id='{productId}']");
        await Expect(row).ToContainTextAsync("临期吐司");
        await Expect(row).ToContainTextAsync("2.99");
        await Expect(page.Locator("#clearance-campaign")).ToContainTextAsync("尚未开团");

        // The timer's pass (as it runs every 5 minutes) opens today's campaign; the view links to it.
        await ClearanceTests.Timer(App).RunAtAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        await page.ReloadAsync();
        var link = page.Locator("#clearance-campaign-link");
        await Expect(link).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator("#clearance-item-form")).ToBeHiddenAsync(); // the day's items are frozen once it opened
        await Browser.ScreenshotAsync(page, "console-clearance");
        await link.ClickAsync();
        await Expect(page.Locator("#app")).ToContainTextAsync("晚市特惠", new() { Timeout = 15_000 });
        Assert.Empty(errors);
    }
}
