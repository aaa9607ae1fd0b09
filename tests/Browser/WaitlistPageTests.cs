using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Api;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>候补 in the live room, in Chromium against the real app: join a sold-out item, see her place, get the claim banner when a unit comes back (a cancellation, the leader's 补货), order with it.</summary>
public sealed class WaitlistPageTests : ChainTest
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 30_000 };

    private async Task<IPage> SignedInPageAsync(IBrowserContext context, string token)
    {
        await Browser.SignInMemberAsync(context, Chain.ChainId, token);
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

    [Fact]
    public async Task TheLeadersRestockInTheConsoleGivesTheWaitingNeighbourHerClaimWithoutAReload()
    {
        var (campaignId, scarce, _) = await WaitlistTests.NewTwoItemCampaignAsync(App, Chain, scarce: 1);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, scarce), 201);
        var (_, token) = await App.NewMemberAsync(Chain, "张小红");
        await TestApp.OkJsonAsync(await WaitlistTests.JoinAsync(App, campaignId, scarce, token), 201);

        var browser = await Browser.SharedAsync();
        await using var memberContext = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var room = await SignedInPageAsync(memberContext, token);
        var roomErrors = Browser.CaptureErrors(room);
        await using var leaderContext = await browser.NewContextAsync(App.BaseAddress);
        var console = await leaderContext.NewPageAsync();
        var consoleErrors = Browser.CaptureErrors(console);
        await Browser.ExplainFailureAsync(async () =>
        {
            await room.GotoAsync($"/live/{campaignId}");
            var card = room.Locator($"article.item[data-item-id='{scarce}']");
            await Expect(card.Locator(".waitlist-position")).ToContainTextAsync("排队中（第1位）", Soon);

            await console.GotoAsync($"/#/campaigns/{campaignId}");
            await console.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
            await console.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
            var form = console.Locator("#restock-form");
            await Expect(form).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await form.GetByLabel("补货商品").SelectOptionAsync(scarce);
            await form.GetByLabel("补货数量（件）").FillAsync("3");
            await form.GetByRole(AriaRole.Button, new() { Name = "补货", Exact = true }).ClickAsync();
            await Expect(console.Locator($"#items tr[data-item-id='{scarce}'] [data-stock-item]")).ToHaveTextAsync("2", new() { Timeout = 30_000 });
            await Expect(console.Locator($"#items tr[data-item-id='{scarce}']")).ToContainTextAsync("/ 4");
            await Browser.ScreenshotAsync(console, "console-restock");

            // Her claim arrives in the room as it is: one unit held for her, the other two for anyone.
            await Expect(card.Locator(".waitlist-claim")).ToContainTextAsync("轮到你了", Soon);
            await Browser.ScreenshotAsync(room, "live-waitlist-restocked");
        }, (console, "restock-console"), (room, "restock-room"));

        Assert.Empty(roomErrors);
        Assert.Empty(consoleErrors);
        Assert.Equal("claimed", Assert.Single(await WaitlistTests.MineAsync(App, campaignId, token)).GetProperty("status").GetString());
        var item = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items").EnumerateArray().First(i => i.GetProperty("itemId").GetString() == scarce);
        Assert.Equal((4, 2), (item.GetProperty("stock").GetInt32(), item.GetProperty("remaining").GetInt32()));
    }
}
