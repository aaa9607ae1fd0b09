using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Api;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>候补 in the live room, in Chromium against the real app: join a sold-out item, see her place, get the claim banner when a unit comes back, order with it.</summary>
public sealed class WaitlistPageTests : ChainTest
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 30_000 };

    private async Task<IPage> SignedInPageAsync(IBrowserContext context, string token)
    {
        var key = JsonSerializer.Serialize("sc.member." + Chain.ChainId);
        await context.AddInitScriptAsync($"localStorage.setItem({key}, {JsonSerializer.Serialize(token)}); localStorage.setItem({key} + '.issuedAt', new Date().toISOString());");
        return await context.NewPageAsync();
    }

    [Fact]
    public async Task ASoldOutItemOffersTheWaitlistShowsHerPlaceAndAReturnedUnitBringsAClaimBannerSheOrdersWith()
    {
        var (campaignId, scarce, _) = await WaitlistTests.NewTwoItemCampaignAsync(App, Chain, scarce: 1);
        var first = (await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, scarce), 201)).GetProperty("orderId").GetString()!;
        var (_, token) = await App.NewMemberAsync(Chain, "张小红");

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await SignedInPageAsync(context, token);
        var errors = Browser.CaptureErrors(page);
        await Browser.ExplainFailureAsync(async () =>
        {
            await page.GotoAsync($"/live/{campaignId}");
            var card = page.Locator($"article.item[data-item-id='{scarce}']");
            await Expect(card.Locator(".waitlist-join")).ToContainTextAsync("候补", Soon);

            await card.Locator(".waitlist-join").ClickAsync();
            await Expect(card.Locator(".waitlist-position")).ToContainTextAsync("排队中（第1位）", Soon);
            await Browser.ScreenshotAsync(page, "live-waitlist-waiting");

            // The buyer cancels: the unit is held for her, and the room tells her (notification, or the page's next look).
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{first}/cancel", null, Chain.MemberToken));
            await Expect(card.Locator(".waitlist-claim")).ToContainTextAsync("轮到你了", Soon);
            await Expect(card.Locator(".waitlist-claim")).ToContainTextAsync("分钟内下单", Soon);
            await Browser.ScreenshotAsync(page, "live-waitlist-claim");

            await card.Locator(".waitlist-order").ClickAsync();
            await Expect(page.Locator("#order-result")).ToContainTextAsync("合计", Soon);
            await Expect(card.Locator(".waitlist-claim")).ToHaveCountAsync(0, new() { Timeout = 30_000 }); // the claim is used up by her order
        }, (page, "waitlist"));

        Assert.Empty(errors);
        var mine = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", token));
        Assert.Contains(mine.EnumerateArray(), o => o.GetProperty("campaignId").GetString() == campaignId && o.GetProperty("status").GetString() == "placed");
    }
}
