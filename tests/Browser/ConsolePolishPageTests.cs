using System.Globalization;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Console details in Chromium: a date field's value is repeated in the page's language beside it (the browser draws
/// the field itself in its own locale), and the HQ header names the chain once.
/// </summary>
public sealed class ConsolePolishPageTests : ChainTest
{
    private static readonly string[] ZhWeekdays = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

    [Fact]
    public async Task ADateFieldShowsItsValueInThePagesLanguageAndFollowsALanguageSwitch()
    {
        var browser = await Browser.SharedAsync();
        // An English browser: the datetime field draws itself in English; the hint follows the page (Chinese first).
        await using var context = await browser.NewContextAsync(App.BaseAddress, locale: "en-GB");
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, "#/campaigns/new");
        await Expect(page.GetByLabel("直播开始")).ToBeVisibleAsync();
        var start = page.Locator("#new-start");
        var hint = page.Locator("#new-start-hint");

        // The default value already has its hint, tied to the field for screen readers.
        await Expect(hint).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{1,2}月\d{1,2}日 周[日一二三四五六] \d{2}:\d{2}$"));
        Assert.Contains("new-start-hint", await start.GetAttributeAsync("aria-describedby"), StringComparison.Ordinal);

        var year = DateTime.Now.Year;
        var date = new DateTime(year, 12, 3, 19, 0, 0, DateTimeKind.Unspecified);
        await start.FillAsync(date.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await Expect(hint).ToHaveTextAsync($"12月3日 {ZhWeekdays[(int)date.DayOfWeek]} 19:00");

        // Another year carries its year.
        await start.FillAsync("2031-01-05T08:30");
        await Expect(hint).ToHaveTextAsync("2031年1月5日 周日 08:30");
        await Expect(page.Locator("#new-pickup-hint")).ToBeHiddenAsync(); // empty field, no hint

        await page.Locator("#lang-toggle").ClickAsync();
        await Expect(page.GetByLabel("Live starts")).ToBeVisibleAsync();
        await Expect(hint).ToHaveTextAsync("Sun 5 Jan 2031 08:30");
        await start.FillAsync(date.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await Expect(hint).ToHaveTextAsync($"{date.ToString("ddd", CultureInfo.InvariantCulture)} 3 Dec 19:00");
        await Browser.ScreenshotAsync(page, "console-date-hints-english");

        await page.Locator("#lang-toggle").ClickAsync();
        await Expect(hint).ToHaveTextAsync($"12月3日 {ZhWeekdays[(int)date.DayOfWeek]} 19:00");

        // Add-ons' date fields get one too (the campaign page's duplicate form).
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        await page.GotoAsync($"/#/campaigns/{campaignId}");
        await Expect(page.Locator("#dup-start-hint")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"月\d{1,2}日 周"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheHqHeaderNamesTheChainOnce()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.AdminKey);
        var whoami = page.Locator("#whoami");
        await Expect(whoami).ToHaveTextAsync("总部管理员 · 邻里鲜社区店");
        var text = (await whoami.TextContentAsync())!;
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "邻里鲜社区店"));

        // A leader's header still names the person and the chain.
        await using var leaderContext = await browser.NewContextAsync(App.BaseAddress);
        var (leader, leaderErrors) = await ConsolePageTests.SignedInAsync(leaderContext, Chain.LeaderKey);
        await Expect(leader.Locator("#whoami")).ToHaveTextAsync("团长 · 王团长 · 邻里鲜社区店");
        Assert.Empty(errors);
        Assert.Empty(leaderErrors);
    }
}
