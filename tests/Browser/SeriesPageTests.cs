using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The console's 系列直播 view: a leader makes "每周三厨房" from an earlier campaign, sees next week's proposal, confirms
/// it into a draft (确认开团) and skips another series' (跳过). Chromium against the real app.
/// </summary>
public sealed class SeriesPageTests : ChainTest
{
    [Fact]
    public async Task TheLeaderCreatesWednesdayKitchenFromACampaignAndConfirmsItsProposal()
    {
        var (templateId, _) = await App.NewLiveCampaignAsync(Chain, stock: 40, goLive: false);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, "#/series");

        await Expect(page.Locator("#series-list")).ToContainTextAsync("还没有系列直播");
        await page.GetByLabel("系列名称").FillAsync("每周三厨房");
        await Expect(page.Locator($"#series-from option[value='{templateId}']")).ToHaveCountAsync(1);
        await page.Locator("#series-from").SelectOptionAsync(templateId);
        await page.Locator("input.series-day[value='3']").CheckAsync();
        await page.GetByLabel("开播时间").FillAsync("19:30");
        await page.GetByLabel("提前预热（小时）").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "创建系列" }).ClickAsync();

        // A weekly live is always within a week: its proposal is there at once, waiting for the leader.
        var card = page.Locator(".series-card").Filter(new() { HasText = "每周三厨房" });
        await Expect(card).ToContainTextAsync("每周三 19:30 开播");
        var proposal = card.Locator(".series-proposal[data-status='proposed']");
        await Expect(proposal).ToHaveCountAsync(1);
        await Expect(proposal).ToContainTextAsync("待确认");
        await Browser.ScreenshotAsync(page, "console-series-proposal");
        await proposal.GetByRole(AriaRole.Button, new() { Name = "确认开团" }).ClickAsync();
        await Expect(page.Locator("#series-notice")).ToContainTextAsync("已开团");
        var confirmed = card.Locator(".series-proposal[data-status='confirmed']");
        await Expect(confirmed).ToContainTextAsync("已开团");
        var href = await confirmed.Locator("a.series-open").GetAttributeAsync("href");
        var campaignId = Uri.UnescapeDataString(href!["#/campaigns/".Length..]);
        await Browser.ScreenshotAsync(page, "console-series-confirmed");

        // The draft: the template's title and stock, live on a Wednesday 19:30 in Shanghai.
        var draft = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        Assert.Contains(draft.GetProperty("phase").GetString(), new[] { "draft", "preheat" }); // preheat by its own timer when the live is within 2 h
        // Two hours before the live, or — on a Wednesday within those two hours — from when it was proposed.
        var lead = draft.GetProperty("liveStartAt").GetDateTimeOffset().AddHours(-2);
        var preheatAt = draft.GetProperty("preheatAt").GetDateTimeOffset();
        Assert.True(preheatAt == lead || (preheatAt > lead && preheatAt <= DateTimeOffset.UtcNow), $"preheat {preheatAt:O}, lead {lead:O}");
        Assert.Equal("周三厨房 · 水蜜桃专场", draft.GetProperty("title").GetString());
        Assert.Equal(40, draft.GetProperty("items")[0].GetProperty("stock").GetInt32());
        var local = TimeZoneInfo.ConvertTime(draft.GetProperty("liveStartAt").GetDateTimeOffset(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        Assert.Equal((DayOfWeek.Wednesday, 19, 30), (local.DayOfWeek, local.Hour, local.Minute));

        // A second series, 周五尝鲜夜: its proposal is skipped, and stays a skipped proposal with no campaign.
        await page.GetByLabel("系列名称").FillAsync("周五尝鲜夜");
        await page.Locator("#series-from").SelectOptionAsync(templateId);
        await page.Locator("input.series-day[value='5']").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "创建系列" }).ClickAsync();
        var friday = page.Locator(".series-card").Filter(new() { HasText = "周五尝鲜夜" });
        await friday.Locator(".series-proposal[data-status='proposed']").GetByRole(AriaRole.Button, new() { Name = "跳过" }).ClickAsync();
        await Expect(friday.Locator(".series-proposal[data-status='skipped']")).ToContainTextAsync("已跳过");
        await Expect(friday.Locator(".series-confirm")).ToHaveCountAsync(0);

        // Paused and resumed from the card.
        await friday.GetByRole(AriaRole.Button, new() { Name = "暂停" }).ClickAsync();
        await Expect(friday).ToContainTextAsync("已暂停");
        Assert.Equal(2, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey))).GetArrayLength());
        Assert.Empty(errors);
    }
}
