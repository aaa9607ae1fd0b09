using System.Text.Json;
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

    /// <summary>
    /// A seeded chain with everything issue 15 adds: a referral rewarded on the newcomer's first pickup, CRM tags, a
    /// repeat buyer. The dashboard's API numbers, then the page (screenshot <c>console-dashboard-seeded</c>).
    /// </summary>
    [Fact]
    public async Task TheDashboardOfASeededChainShowsReferralsTagsCohortsAndActivity()
    {
        var code = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/referral", Chain.MemberToken))).GetProperty("referralCode").GetString();
        var joined = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "张阿姨", phone = TestApp.NewPhone(), storeId = Chain.StoreId, referralCode = code }), 201);
        var newcomer = joined.GetProperty("memberToken").GetString()!;
        var (_, first) = await App.ConfirmedOrdersAsync(Chain, (newcomer, "pickup"), (Chain.MemberToken, "pickup"));
        await App.PickUpAsync(Chain, first[0], newcomer);
        await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/tags/recompute", secret: Chain.AdminKey));

        // The reward is credited by the outbox after the pickup: wait for it on the dashboard itself.
        JsonElement dashboard = default;
        for (var i = 0; i < 150; i++)
        {
            dashboard = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.AdminKey));
            if (dashboard.GetProperty("referrals").GetProperty("rewardedReferrals").GetInt32() > 0)
            {
                break;
            }

            await Task.Delay(200);
        }

        var referrals = dashboard.GetProperty("referrals");
        Assert.Equal((2, 1, 0.5, 1, 150L), (referrals.GetProperty("newMembers").GetInt32(), referrals.GetProperty("referredMembers").GetInt32(),
            referrals.GetProperty("referredShare").GetDouble(), referrals.GetProperty("rewardedReferrals").GetInt32(), referrals.GetProperty("rewardPoints").GetInt64())); // 100 + 50, the defaults
        var tags = dashboard.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("tag").GetString()!, t => t.GetProperty("members").GetInt32());
        Assert.Equal(1, tags["KOC候选"]); // the referrer
        var cohort = Assert.Single(dashboard.GetProperty("cohorts").EnumerateArray());
        Assert.Equal((2, 1), (cohort.GetProperty("buyers").GetInt32(), cohort.GetProperty("repeatBuyers").GetInt32()));

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.AdminKey);
        await Expect(page.Locator("#dash-referrals h4")).ToHaveTextAsync("老带新");
        await Expect(page.Locator("#dash-referrals [data-referral='referred']")).ToHaveTextAsync("1");
        await Expect(page.Locator("#dash-referrals [data-referral='points']")).ToHaveTextAsync("150");
        await Expect(page.Locator("#dash-tags svg#dash-tag-chart")).ToContainTextAsync("KOC候选");
        await Expect(page.Locator("#dash-cohorts svg#dash-cohort-chart rect")).ToHaveCountAsync(1);
        await Expect(page.Locator("svg#dash-weekly-chart rect")).Not.ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "console-dashboard-seeded");
        Assert.Empty(errors);
    }
}
