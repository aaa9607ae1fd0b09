using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>The console dashboard over time (Chromium): 每周趋势, HQ's 团长表现 and the n beside every rate.</summary>
public sealed class DashboardTrendsPageTests : ChainTest
{
    [Fact]
    public async Task HqSeesWeeklyTrendsAndEachLeadersFiguresWithTheSampleSizeBesideEveryRate()
    {
        var (_, zhang) = await App.NewMemberAsync(Chain, "张阿姨");
        await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (zhang, "pickup"));
        var dashboard = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.AdminKey));
        var week = dashboard.GetProperty("weeks").EnumerateArray().Single(w => w.GetProperty("campaigns").GetInt32() == 1).GetProperty("weekStart").GetString();

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.AdminKey);
        await Browser.ExplainFailureAsync(async () =>
        {
            // n beside the period's rates: 2 orders behind 客单价, 1 item behind 成团率.
            await Expect(page.Locator("#dash-metrics [data-metric='averageOrderValueFen'] .sample")).ToHaveTextAsync("n=2", new() { Timeout = 20_000 });
            await Expect(page.Locator("#dash-metrics [data-metric='groupSuccessRate'] .sample")).ToHaveTextAsync("n=1");
            await Expect(page.Locator("#dash-metrics [data-metric='nps'] .sample")).ToHaveTextAsync("n=0");

            // 每周趋势: the week of the campaign with its sales; the chart has one bar per week.
            var trends = page.Locator("#dash-trends");
            await Expect(trends.Locator("h4")).ToHaveTextAsync("每周趋势（周一起，按直播开始时间）");
            var row = trends.Locator($"tr[data-week='{week}']");
            await Expect(row).ToContainTextAsync("¥59.80");
            await Expect(row.Locator("[data-rate='groupSuccessRate']")).ToContainTextAsync("100.0%");
            await Expect(row.Locator("[data-rate='groupSuccessRate'] .sample")).ToHaveTextAsync("n=1");
            await Expect(trends.Locator("svg#dash-gmv-chart rect")).ToHaveCountAsync(dashboard.GetProperty("weeks").GetArrayLength());

            // 团长表现: HQ sees 王团长's line.
            var leader = page.Locator($"#dash-leaders tr[data-leader='{Chain.LeaderId}']");
            await Expect(leader).ToContainTextAsync("王团长");
            await Expect(leader).ToContainTextAsync("幸福里店");
            await Expect(leader.Locator("[data-rate='repurchaseRate'] .sample")).ToHaveTextAsync("n=2");
            await Browser.ScreenshotAsync(page, "console-dashboard-trends");
        }, (page, "dashboard-trends"));

        // A leader sees her own store's trends, not HQ's leader table.
        await using var leaderContext = await browser.NewContextAsync(App.BaseAddress);
        var (leaderPage, leaderErrors) = await ConsolePageTests.SignedInAsync(leaderContext, Chain.LeaderKey);
        await Expect(leaderPage.Locator($"#dash-trends tr[data-week='{week}']")).ToContainTextAsync("¥59.80", new() { Timeout = 20_000 });
        await Expect(leaderPage.Locator("#dash-leaders")).ToHaveCountAsync(0);
        Assert.Empty(errors);
        Assert.Empty(leaderErrors);
    }
}
