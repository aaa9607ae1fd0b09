using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// In Chromium against the real app: the console's 回访任务 card (who to call, why, her phone, 已回访 with a note) and
/// the live room's message toggle in 我的, which turns her outreach off for real.
/// </summary>
public sealed class FollowUpTasksPageTests : ChainTest
{
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 20_000 };

    [Fact]
    public async Task TheLeaderSeesTheCallListWithReasonsAndPhonesAndMarksACallDone()
    {
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"));
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");

        var card = page.Locator("#followup-card");
        var task = card.Locator($"li[data-member='{Chain.MemberId}']");
        await Expect(task).ToBeVisibleAsync(Visible);
        await Expect(card.Locator("#followup-heading")).ToHaveTextAsync("回访任务（1）");
        await Expect(task.Locator("[data-reason=not-picked-up]")).ToHaveTextAsync("还没提货");
        await Expect(task.Locator("[data-reason=first-order]")).ToHaveTextAsync("首次下单");
        await Expect(task.Locator("a.followup-phone")).ToHaveAttributeAsync("href", "tel:" + Chain.Phone);
        await task.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "console-followup-tasks");

        await task.Locator("input.followup-note").FillAsync("已提醒周六前来取");
        await task.GetByRole(AriaRole.Button, new() { Name = "已回访" }).ClickAsync();
        await Expect(task).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("done"));
        await Expect(task.Locator(".followup-done")).ToContainTextAsync("已提醒周六前来取");
        await Expect(card.Locator("#followup-heading")).ToHaveTextAsync("回访任务（0）");
        await Browser.ScreenshotAsync(page, "console-followup-done");

        var tasks = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/follow-up-tasks", Chain.LeaderKey));
        var saved = tasks.EnumerateArray().Single(t => t.GetProperty("memberId").GetString() == Chain.MemberId);
        Assert.True(saved.GetProperty("done").GetBoolean());
        Assert.Equal("已提醒周六前来取", saved.GetProperty("note").GetString());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheCampaignPageShowsWhatItsMessagesDidByKindInTheLeadersWords()
    {
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/outreach-settings", new { quietHoursStart = "00:00", quietHoursEnd = "00:00" }, Chain.AdminKey));
        var (_, neighbour) = await App.NewMemberAsync(Chain, "张阿姨");
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, "/api/members/me/preferences", new { outreach = false }, neighbour));
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (neighbour, "pickup"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement result;
        do
        {
            var summary = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/outreach", Chain.LeaderKey));
            result = summary.GetProperty("kinds").EnumerateArray().FirstOrDefault(k => k.GetProperty("kind").GetString() == "result");
            if (result.ValueKind == JsonValueKind.Object && result.GetProperty("sent").GetInt32() + result.GetProperty("optedOut").GetInt32() == 2)
            {
                break;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");
        var details = page.Locator("details#notifications");
        await details.Locator("summary").ClickAsync();
        var line = details.Locator("#campaign-outreach [data-outreach-kind='result']");
        await Expect(line).ToContainTextAsync("成团结果");
        await Expect(line.Locator("[data-count='sent']")).ToHaveTextAsync("已发送 1");
        await Expect(line.Locator("[data-count='optedOut']")).ToHaveTextAsync("会员已关闭通知 1");
        await Expect(details.Locator("li[data-kind='result'] .badge").First).ToHaveTextAsync("成团结果");
        await details.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "console-outreach-summary");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheMemberTurnsHerMessagesOffInTheLiveRoomsMinePanelWhichShowsTheChainsQuietHours()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/outreach-settings", new { quietHoursStart = "22:00", quietHoursEnd = "07:30" }, Chain.AdminKey));
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        await Browser.SignInMemberAsync(context, Chain.ChainId, Chain.MemberToken);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");

        var prefs = page.Locator("#growth-card #outreach-prefs");
        await Expect(prefs).ToBeVisibleAsync(Visible);
        var toggle = prefs.GetByLabel("接收开团预告、直播提醒、成团结果和提货提醒（短信或微信）");
        await Expect(toggle).ToBeCheckedAsync();
        await Expect(prefs.Locator("#outreach-status")).ToHaveTextAsync("已开启消息通知");
        await Expect(prefs.Locator("#outreach-hint")).ToHaveTextAsync("22:00 到 07:30 不打扰，期间的消息会在 07:30 之后发出。登录验证码不受影响。");

        await toggle.UncheckAsync();
        await Expect(prefs.Locator("#outreach-status")).ToHaveTextAsync("已关闭消息通知，不会再收到团购消息");
        await prefs.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "live-outreach-off");
        var saved = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/preferences", Chain.MemberToken));
        Assert.False(saved.GetProperty("outreach").GetBoolean());

        // A reload shows her choice as stored.
        await page.ReloadAsync();
        await Expect(page.Locator("#outreach-toggle")).Not.ToBeCheckedAsync(new() { Timeout = 20_000 });
        Assert.Empty(errors);
    }
}
