using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>群发文案 on the console's campaign page: copy-ready group texts written from the campaign as it is now.</summary>
public sealed class GroupTextsPageTests : ChainTest
{
    [Fact]
    public async Task TheCampaignPageWritesThePreheatGoLiveAndLastCallTextsWithMaskedNamesAndTheLiveRoomLink()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 30);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 2), 201);
        var (_, other) = await App.NewMemberAsync(Chain, "周师傅");
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, other, itemId, 1), 201);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");

        var preheat = page.Locator("#text-preheat");
        await Expect(preheat).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("周三厨房 · 水蜜桃专场"), new() { Timeout = 15_000 });
        var link = $"/live/{campaignId}";
        Assert.Contains("直播价 ¥29.90（原价 ¥39.90），限量 30 份", await preheat.InputValueAsync());
        Assert.Contains(link, await preheat.InputValueAsync());
        Assert.Contains("剩 27 份", await page.Locator("#text-live").InputValueAsync());
        var last = await page.Locator("#text-last").InputValueAsync();
        Assert.Contains("1. 李** 阳山水蜜桃×2", last);
        Assert.Contains("2. 周** 阳山水蜜桃×1", last);
        Assert.DoesNotContain("李阿姨", last);
        Assert.DoesNotContain(Chain.Phone, last);
        await page.Locator("#group-texts").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "console-group-texts");
        Assert.Empty(errors);
    }
}
