using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Offline gatherings in Chromium: the member signs up from the live room's gathering card (报名, then 候补 when full) and
/// reads her check-in code; the leader creates a gathering in the console, sees who signed up and checks her in by code.
/// </summary>
public sealed class GatheringsPageTests : ChainTest
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 20_000 };

    private async Task<string> NewGatheringAsync(int capacity, string title)
    {
        var start = DateTimeOffset.UtcNow.AddHours(1);
        return (await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/gatherings", new
        {
            title, description = "现烤现吃，名额有限。", place = "幸福里店烘焙教室", startAt = start, endAt = start.AddHours(2), capacity,
        }, Chain.LeaderKey), 201)).GetProperty("gatheringId").GetString()!;
    }

    private static async Task<IPage> LiveRoomAsync(IBrowserContext context, string chainId, string token, string campaignId)
    {
        await Browser.SignInMemberAsync(context, chainId, token);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/live/{campaignId}");
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        return page;
    }

    [Fact]
    public async Task TheMemberSignsUpFromTheAnnouncedCardAndSeesHerCodeAndTheNextOneWaits()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var gatheringId = await NewGatheringAsync(1, "周六可颂烘焙课");
        var browser = await Browser.SharedAsync();
        await using var memberContext = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var live = await LiveRoomAsync(memberContext, Chain.ChainId, Chain.MemberToken, campaignId);
        var errors = Browser.CaptureErrors(live);
        await Browser.ExplainFailureAsync(async () =>
        {
            await Expect(live.Locator("#gatherings")).ToBeHiddenAsync();

            // The leader announces it: the card arrives through the live event gatheringAnnounced.
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/gatherings/{gatheringId}/announce", secret: Chain.LeaderKey));
            var card = live.Locator($"article.gathering[data-gathering-id='{gatheringId}']");
            await Expect(card).ToContainTextAsync("周六可颂烘焙课", Soon);
            await Expect(card).ToContainTextAsync("名额 1 · 剩余 1");
            await card.GetByRole(AriaRole.Button, new() { Name = "报名" }).ClickAsync();
            await Expect(card).ToHaveAttributeAsync("data-status", "confirmed", new() { Timeout = 20_000 });
            await Expect(card).ToContainTextAsync("已报名");
            var shown = await card.Locator(".gathering-code-value").InnerTextAsync();
            var mine = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/signup/mine", Chain.MemberToken));
            Assert.Equal(mine.GetProperty("checkInCode").GetString(), shown.Trim());
            await Browser.ScreenshotAsync(live, "live-gathering-signed-up");

            // A neighbour opening the room later: the seat is taken, so she joins the waitlist.
            var (_, token) = await App.NewMemberAsync(Chain, "周阿姨");
            await using var otherContext = await browser.NewContextAsync(App.BaseAddress, phone: true);
            var other = await LiveRoomAsync(otherContext, Chain.ChainId, token, campaignId);
            var otherCard = other.Locator($"article.gathering[data-gathering-id='{gatheringId}']");
            await Expect(otherCard).ToContainTextAsync("名额 1 · 剩余 0", Soon);
            Assert.Equal(0, await otherCard.Locator(".gathering-code-value").CountAsync()); // her code is not shown to anyone else
            await otherCard.GetByRole(AriaRole.Button, new() { Name = "候补" }).ClickAsync();
            await Expect(otherCard).ToContainTextAsync("候补中 · 第 1 位", Soon);
            await Browser.ScreenshotAsync(other, "live-gathering-waitlisted");
            Assert.Empty(errors);
        }, (live, "live-gathering"));
    }

    [Fact]
    public async Task TheLeaderCreatesAGatheringSeesTheSignUpsAndChecksAMemberInByCode()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var console = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(console);
        await Browser.ExplainFailureAsync(async () =>
        {
            await console.GotoAsync("/");
            await console.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
            await console.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
            await Expect(console.Locator("#whoami")).Not.ToBeEmptyAsync();
            await console.GetByRole(AriaRole.Link, new() { Name = "线下活动" }).ClickAsync();
            await Expect(console.Locator("#gatherings-table")).ToContainTextAsync("还没有活动", Soon);

            // The chain's time zone (Asia/Shanghai) wall time, an hour and a half ahead.
            var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
            var start = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddMinutes(90), zone);
            await console.GetByLabel("活动名称", new() { Exact = true }).FillAsync("咖啡手冲品鉴会");
            await console.GetByLabel("地点", new() { Exact = true }).FillAsync("幸福里店一楼");
            await console.GetByLabel("开始时间", new() { Exact = true }).FillAsync(start.ToString("yyyy-MM-dd'T'HH:mm"));
            await console.GetByLabel("结束时间", new() { Exact = true }).FillAsync(start.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm"));
            await console.GetByLabel("名额（1–500）").FillAsync("12");
            await console.GetByRole(AriaRole.Button, new() { Name = "创建活动" }).ClickAsync();
            var row = console.Locator("#gatherings-table tbody tr").Filter(new() { HasText = "咖啡手冲品鉴会" });
            await Expect(row).ToContainTextAsync("0 / 12", Soon);
            await Expect(console.Locator("#gathering-detail")).ToContainTextAsync("还没有人报名", Soon);
            var gatheringId = await row.GetAttributeAsync("data-gathering-id");
            Assert.False(string.IsNullOrEmpty(gatheringId));

            // A member signs up (from her live room, here through the API) and shows her code at the door.
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/signup", secret: Chain.MemberToken), 201);
            var code = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/signup/mine", Chain.MemberToken))).GetProperty("checkInCode").GetString()!;
            await row.GetByRole(AriaRole.Button, new() { Name = "报名名单" }).ClickAsync();
            var member = console.Locator($"#gathering-attendees tr[data-member-id='{Chain.MemberId}']");
            await Expect(member).ToContainTextAsync("李阿姨", Soon);
            await Expect(member).ToContainTextAsync("已报名");
            Assert.DoesNotContain(code, await console.Locator("#gathering-detail").InnerTextAsync(), StringComparison.Ordinal);

            var wrong = code == "12345678" ? "87654321" : "12345678";
            await console.GetByLabel("签到码（8 位数字）").FillAsync(wrong);
            await console.GetByRole(AriaRole.Button, new() { Name = "签到", Exact = true }).ClickAsync();
            await Expect(console.Locator("#gathering-checkin-error")).ToContainTextAsync("签到码不正确", Soon);
            await console.GetByLabel("签到码（8 位数字）").FillAsync(code);
            await console.GetByRole(AriaRole.Button, new() { Name = "签到", Exact = true }).ClickAsync();
            await Expect(console.Locator("#gathering-checkin-result")).ToContainTextAsync("李阿姨 签到成功", Soon);
            await Expect(member.Locator(".gathering-checked-in")).Not.ToHaveTextAsync("—", new() { Timeout = 20_000 });
            await Expect(console.Locator("#gathering-summary")).ToContainTextAsync("已签到 1");
            await Browser.ScreenshotAsync(console, "console-gatherings");

            // The same code again: already checked in.
            await console.GetByLabel("签到码（8 位数字）").FillAsync(code);
            await console.GetByRole(AriaRole.Button, new() { Name = "签到", Exact = true }).ClickAsync();
            await Expect(console.Locator("#gathering-checkin-error")).ToContainTextAsync("已经签到过了", Soon);
            // Refused check-ins (400/409) are expected console errors; nothing else.
            Assert.DoesNotContain(errors, e => !e.Contains("400", StringComparison.Ordinal) && !e.Contains("409", StringComparison.Ordinal));
        }, (console, "console-gatherings"));
    }
}
