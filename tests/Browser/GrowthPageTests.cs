using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Referrals, points and levels on the pages, in Chromium against the real app: the live room's 我的 panel and share
/// link, and the console's 会员成长 view (leaderboard, rules, manual adjustment).
/// </summary>
public sealed class GrowthPageTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 15_000 };

    private async Task AdjustAsync(string memberId, int amount, string reason)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{memberId}/points/adjustments") { Content = JsonContent.Create(new { amount, reason }) };
        request.Headers.Authorization = new("Bearer", Chain.AdminKey);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(request), 201);
    }

    private async Task<JsonElement> ReferralAsync(string token) => await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/referral", token));

    [Fact]
    public async Task TheLiveRoomShowsLevelPointsHistoryAndAShareLinkThatMakesTheNextJoinerAReferral()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        await AdjustAsync(Chain.MemberId, 600, "线下活动奖励");
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        await Browser.SignInMemberAsync(context, Chain.ChainId, Chain.MemberToken);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");

        var panel = page.Locator("#growth-card");
        await Expect(panel.Locator("#growth-level")).ToHaveTextAsync("银牌邻居 · 600 积分", Soon);
        await Expect(panel.Locator("#growth-next")).ToHaveTextAsync("再得 1400 积分升级为「金牌邻居」");
        await Expect(panel.Locator("#growth-privileges")).ToContainTextAsync("生日礼券");
        await Expect(panel.Locator("#growth-history li[data-reason=adjustment]")).ToContainTextAsync("积分调整 · 线下活动奖励");
        await Expect(panel.Locator("#growth-history li[data-reason=adjustment]")).ToContainTextAsync("+600");
        var code = (await ReferralAsync(Chain.MemberToken)).GetProperty("referralCode").GetString()!;
        await Expect(panel.Locator("#growth-code")).ToHaveTextAsync(code);
        var link = await panel.Locator("#growth-link").InputValueAsync();
        Assert.EndsWith($"/live/{campaignId}?ref={code}", link);
        await panel.Locator("#growth-copy").ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("已复制");
        await Browser.ScreenshotAsync(page, "live-growth-panel");
        Assert.Empty(errors);

        // A neighbour opens the shared link and joins through the form: they are linked to the referrer.
        await using var newcomer = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var second = await newcomer.NewPageAsync();
        var secondErrors = Browser.CaptureErrors(second);
        await second.GotoAsync(new Uri(link).PathAndQuery);
        await second.GetByLabel("称呼").FillAsync("钱阿姨");
        await second.GetByLabel("手机号").FillAsync(TestApp.NewPhone());
        await second.Locator("#join-submit").ClickAsync();
        await Expect(second.Locator("#growth-level")).ToHaveTextAsync("普通邻居 · 0 积分", Soon);
        await Expect(second.Locator("#growth-empty")).ToBeVisibleAsync();
        Assert.Equal(1, (await ReferralAsync(Chain.MemberToken)).GetProperty("referred").GetInt32());
        Assert.Empty(secondErrors);
    }

    [Fact]
    public async Task AStaleShareLinkStillLetsANeighbourJoinWithoutAReferral()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/live/{campaignId}?ref=nosuchcode");
        await page.GetByLabel("称呼").FillAsync("孙大爷");
        await page.GetByLabel("手机号").FillAsync(TestApp.NewPhone());
        await page.Locator("#join-submit").ClickAsync();
        await Expect(page.Locator("#growth-level")).ToHaveTextAsync("普通邻居 · 0 积分", Soon);
        Assert.Equal(0, (await ReferralAsync(Chain.MemberToken)).GetProperty("referred").GetInt32());
    }

    [Fact]
    public async Task TheAdminSeesTheLeaderboardChangesTheRulesAndAdjustsAMembersPointsInTheConsole()
    {
        var code = (await ReferralAsync(Chain.MemberToken)).GetProperty("referralCode").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "吴大姐", phone = TestApp.NewPhone(), storeId = Chain.StoreId, referralCode = code }), 201);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync("/");
        await page.GetByLabel("密钥").FillAsync(Chain.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "会员成长" }).ClickAsync();

        await Expect(page.Locator("#leaderboard tbody tr")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(page.Locator("#leaderboard tbody tr")).ToContainTextAsync("李**");
        await Expect(page.Locator("#growth-shout")).ToBeEnabledAsync();
        await page.Locator("#growth-shout").ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("已复制");

        await Expect(page.Locator("#growth-levels")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^普通邻居,0,"), new() { Timeout = 15_000 });
        await page.Locator("#growth-rate").FillAsync("2");
        await page.Locator("#growth-levels").FillAsync("新邻居,0,\n老邻居,300,生日礼券/优先试吃");
        await page.Locator("#growth-save").ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("已保存");
        var settings = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/growth-settings", Chain.AdminKey));
        Assert.Equal(2, settings.GetProperty("purchasePointsPerYuan").GetInt32());
        Assert.Equal("老邻居", settings.GetProperty("levels")[1].GetProperty("name").GetString());

        await page.Locator("#growth-levels").FillAsync("新邻居,很多");
        await page.Locator("#growth-save").ClickAsync();
        await Expect(page.Locator("#growth-settings-error")).ToContainTextAsync("等级格式");

        await page.Locator("#growth-q").FillAsync("李阿姨");
        await page.Locator("#growth-find").ClickAsync();
        await Expect(page.Locator("#growth-member option")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(page.Locator("#growth-member option")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^李阿姨 139\\*{4}[0-9]{4} · 新邻居 · 0 积分$"));
        await page.Locator("#growth-amount").FillAsync("50");
        await page.Locator("#growth-reason").FillAsync("社区活动志愿者");
        await page.Locator("#growth-adjust-submit").ClickAsync();
        await Expect(page.Locator("#growth-adjust-result")).ToHaveTextAsync("已调整，当前余额 50 积分", Soon);
        await page.Locator("#growth-adjust-submit").ClickAsync(); // the same intent again: one adjustment
        await Expect(page.Locator("#growth-adjust-result")).ToHaveTextAsync("已调整，当前余额 50 积分", Soon);
        Assert.Equal(50, (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken))).GetProperty("balance").GetInt32());

        await page.Locator("#growth-amount").FillAsync("-500");
        await page.Locator("#growth-adjust-submit").ClickAsync();
        await Expect(page.Locator("#growth-adjust-error")).ToContainTextAsync("积分不足");
        await Browser.ScreenshotAsync(page, "console-growth");
        Assert.DoesNotContain(errors, e => !e.Contains("409", StringComparison.Ordinal)); // the refused deduction's 409 is expected
    }

    [Fact]
    public async Task TheLeaderSeesTheirStoresLeaderboardButNotTheChainsRules()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync("/");
        await page.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "会员成长" }).ClickAsync();
        await Expect(page.Locator("#growth-board")).ToContainTextAsync("还没有邻居通过邀请码加入", new() { Timeout = 15_000 });
        await Expect(page.Locator("#growth-shout")).ToBeDisabledAsync();
        await Expect(page.Locator("#growth-settings")).ToHaveCountAsync(0);
        await Expect(page.Locator("#growth-adjust")).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }
}
