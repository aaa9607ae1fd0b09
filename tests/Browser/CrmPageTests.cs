using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Crm;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// CRM and KOC on the pages, in Chromium against the real app: the console's tags page and rules editor, tag targeting
/// in the campaign form, trials on the campaign page; the live room's 体验官说 block and the invited member's form.
/// </summary>
public sealed class CrmPageTests : ChainTest
{
    [Fact]
    public async Task TheAdminSeesTagCountsOpensATagsMembersAndSavesTheRules()
    {
        var referrer = await CrmTestData.JoinAsync(App, Chain, "蒋阿姨");
        await CrmTestData.JoinAsync(App, Chain, "蒋阿姨的邻居", referrer.ReferralCode);
        await CrmTestData.RecomputeAsync(App, Chain);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "会员标签", Exact = true }).ClickAsync();
        var row = page.Locator("#tag-counts tbody tr", new() { HasText = "KOC候选" });
        await Expect(row).ToContainTextAsync("1");
        await row.GetByRole(AriaRole.Button, new() { Name = "KOC候选" }).ClickAsync();
        var member = page.Locator($"#tag-member-list tr[data-member-id='{referrer.MemberId}']");
        await Expect(member).ToContainTextAsync("蒋阿姨");
        await Expect(member).ToContainTextAsync(referrer.Phone);

        await page.GetByLabel("多少天未下单").FillAsync("45");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存规则" }).ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("规则已保存");
        var rules = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/tag-rules", Chain.AdminKey));
        Assert.Equal(45, rules.GetProperty("lapsed").GetProperty("days").GetInt32());

        await page.GetByLabel("多少天未下单").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存规则" }).ClickAsync();
        await Expect(page.Locator("#tag-rules-error")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "console-crm-tags");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ALeaderTargetsATagInTheCampaignFormThenInvitesAndApprovesAnExperienceOfficer()
    {
        await CrmTestData.ProductAsync(App, Chain, "奶油蛋糕", "烘焙");
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await SignedInAsync(context, Chain.LeaderKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "新建开团" }).First.ClickAsync();
        await page.GetByLabel("开团标题").FillAsync("周六烘焙专场");
        await page.GetByLabel("选择商品").SelectOptionAsync(new SelectOptionValue { Label = "奶油蛋糕（份）" });
        await page.GetByLabel("团购价（元）").FillAsync("39.90");
        await page.GetByLabel("库存").FillAsync("30");
        await page.Locator("#targeting").GetByLabel("KOC候选").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "创建开团" }).ClickAsync();
        var campaign = page.Locator("#campaign");
        await Expect(campaign).ToHaveAttributeAsync("data-campaign-id", new Regex(".+"));
        var campaignId = (await campaign.GetAttributeAsync("data-campaign-id"))!;
        await Expect(page.Locator("#campaign-target-tags")).ToContainTextAsync("KOC候选");
        var targets = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/target-tags", Chain.LeaderKey));
        Assert.Equal(["KOC候选"], targets.GetProperty("targetTags").EnumerateArray().Select(t => t.GetString()));

        // Invite the store's member, who answers through the API; the leader approves the quote on the page.
        await page.GetByLabel("邀请会员").SelectOptionAsync(Chain.MemberId);
        await page.GetByRole(AriaRole.Button, new() { Name = "邀请试用" }).ClickAsync();
        var trial = page.Locator("#trial-list li.trial");
        await Expect(trial).ToContainTextAsync("待反馈");
        var trialId = (await trial.GetAttributeAsync("data-trial-id"))!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/feedback", new { text = "蛋糕不腻，奶油很香" }, Chain.MemberToken), 201);
        await page.ReloadAsync();
        await Expect(trial).ToContainTextAsync("蛋糕不腻，奶油很香");
        await trial.GetByRole(AriaRole.Button, new() { Name = "采用为「体验官说」" }).ClickAsync();
        await Expect(trial).ToContainTextAsync("已采用");
        await Browser.ScreenshotAsync(page, "console-crm-trials");
        var quotes = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trial-quotes"));
        Assert.Equal("蛋糕不腻，奶油很香", Assert.Single(quotes.EnumerateArray()).GetProperty("text").GetString());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheInvitedMemberSendsTrialFeedbackInTheLiveRoomAndTheApprovedQuoteShowsAsTiYanGuanShuo()
    {
        var product = await CrmTestData.ProductAsync(App, Chain, "碱水面包", "烘焙");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, product);
        var invited = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials", new { memberId = Chain.MemberId, itemId }, Chain.LeaderKey), 201);
        var trialId = invited.GetProperty("trialId").GetString()!;

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        await Browser.SignInMemberAsync(context, Chain.ChainId, Chain.MemberToken, onlyOnce: true);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        Assert.False(await page.Locator("#koc-quotes").IsVisibleAsync());

        var form = page.Locator($"form.koc-form[data-trial-id='{trialId}']");
        await Expect(form).ToContainTextAsync("碱水面包");
        await form.GetByLabel("试用感受").FillAsync("外皮有嚼劲，里面很软，配咖啡正好");
        // Text only here; PhotoUploadPageTests uploads a trial photo through this form.
        await Expect(form.GetByLabel("照片（最多 9 张）")).ToBeVisibleAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "提交试用反馈" }).ClickAsync();
        await Expect(page.Locator("#koc-trial-body")).ToContainTextAsync("您已提交「碱水面包」的试用反馈");
        var mine = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trials/mine", Chain.MemberToken))).EnumerateArray());
        Assert.Equal("submitted", mine.GetProperty("status").GetString());
        Assert.Equal("外皮有嚼劲，里面很软，配咖啡正好", mine.GetProperty("text").GetString());

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/approve", new { }, Chain.LeaderKey));
        await page.ReloadAsync();
        var quotes = page.Locator("#koc-quotes");
        await Expect(quotes).ToBeVisibleAsync();
        await Expect(quotes.GetByRole(AriaRole.Heading, new() { Name = "体验官说" })).ToBeVisibleAsync();
        await Expect(quotes).ToContainTextAsync("外皮有嚼劲，里面很软，配咖啡正好");
        await Expect(quotes).ToContainTextAsync("李**");
        Assert.DoesNotContain(Chain.Phone[^4..], await quotes.InnerTextAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "live-koc-quotes");
        Assert.Empty(errors);
    }

    private static async Task<(IPage Page, List<string> Errors)> SignedInAsync(IBrowserContext context, string key, string hash = "")
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
