using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>The console's dashboard (Chromium): 复购率 by cohort and member activity as charts and numbers, in Chinese.</summary>
public sealed class DashboardPageTests : ChainTest
{
    [Fact]
    public async Task TheDashboardChartsRepurchaseByCohortAndBuyersPerWeek()
    {
        // 李阿姨 buys in two campaigns, 张阿姨 in one: one cohort (this month), 1 of 2 bought again.
        var (first, firstItem) = await App.NewLiveCampaignAsync(Chain);
        var (second, secondItem) = await App.NewLiveCampaignAsync(Chain);
        var (_, zhang) = await App.NewMemberAsync(Chain, "张阿姨");
        await TestApp.OkJsonAsync(await App.OrderAsync(first, Chain.MemberToken, firstItem), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(second, Chain.MemberToken, secondItem), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(second, zhang, secondItem), 201);
        var dashboard = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.AdminKey));
        var month = dashboard.GetProperty("cohorts")[0].GetProperty("month").GetString();

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.AdminKey);
        var cohorts = page.Locator("#dash-cohorts");
        await Expect(cohorts.Locator("h4")).ToHaveTextAsync("复购率（按首单月份）");
        await Expect(cohorts.Locator("svg#dash-cohort-chart rect")).ToHaveCountAsync(1);
        await Expect(cohorts.Locator("svg#dash-cohort-chart")).ToContainTextAsync("50.0%");
        await Expect(cohorts.Locator($"tr[data-cohort='{month}']")).ToContainTextAsync("50.0%");
        await Expect(page.Locator("#dash-activity [data-activity='buyers']")).ToHaveTextAsync("2");
        await Expect(page.Locator("#dash-activity [data-activity='new']")).ToHaveTextAsync("2");
        await Expect(page.Locator("#dash-activity")).ToContainTextAsync("新入会会员");
        await Expect(page.Locator("svg#dash-weekly-chart rect")).Not.ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "console-dashboard-cohorts");
        Assert.Empty(errors);
    }
}
