using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>会员价 in the live room, in Chromium against the real app: what each member sees is what she is charged.</summary>
public sealed class MemberPricePageTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 15_000 };

    private static readonly LocatorAssertionsToContainTextOptions SoonContains = new() { Timeout = 15_000 };

    private async Task<IPage> SignedInPageAsync(IBrowserContext context, string token)
    {
        await Browser.SignInMemberAsync(context, Chain.ChainId, token);
        return await context.NewPageAsync();
    }

    [Fact]
    public async Task ASilverMemberSeesAndPaysTheMemberPriceWhileANewNeighbourSeesTheLivePriceAndWhatTheMemberPriceWouldBe()
    {
        // The chain's default levels: 银牌邻居 (500 points) and above get member prices.
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, priceFen: 3990, livePriceFen: 2990, memberPriceFen: 2590);
        var adjust = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(new { amount = 600, reason = "老顾客回馈" }) };
        adjust.Headers.Authorization = new("Bearer", Chain.AdminKey);
        adjust.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(adjust), 201);

        var browser = await Browser.SharedAsync();
        await using var silver = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await SignedInPageAsync(silver, Chain.MemberToken);
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        var card = page.Locator($"article.item[data-item-id='{itemId}']");
        await Expect(card.Locator(".price")).ToContainTextAsync("会员价", SoonContains);
        await Expect(card.Locator(".live-price")).ToHaveTextAsync("¥25.90");
        await card.Locator("input[name=quantity]").FillAsync("2");
        await card.Locator(".order-button").ClickAsync();
        await Expect(page.Locator("#order-result")).ToContainTextAsync("合计 ¥51.80", SoonContains);
        await Browser.ScreenshotAsync(page, "live-member-price");
        Assert.Empty(errors);

        var mine = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", Chain.MemberToken));
        var line = mine.EnumerateArray().Single(o => o.GetProperty("campaignId").GetString() == campaignId).GetProperty("items")[0];
        Assert.Equal((2590L, true), (line.GetProperty("unitPriceFen").GetInt64(), line.GetProperty("memberPrice").GetBoolean()));

        // A neighbour without the level: the live price, with the member price named beside it.
        var (_, newcomerToken) = await App.NewMemberAsync(Chain, "钱阿姨");
        await using var newcomer = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var second = await SignedInPageAsync(newcomer, newcomerToken);
        var secondErrors = Browser.CaptureErrors(second);
        await second.GotoAsync($"/live/{campaignId}");
        var secondCard = second.Locator($"article.item[data-item-id='{itemId}']");
        await Expect(secondCard.Locator(".member-price-hint")).ToHaveTextAsync("会员价 ¥25.90（会员等级可享）", Soon);
        await Expect(secondCard.Locator(".live-price")).ToHaveTextAsync("¥29.90");
        await secondCard.Locator(".order-button").ClickAsync();
        await Expect(second.Locator("#order-result")).ToContainTextAsync("合计 ¥29.90", SoonContains);
        Assert.Empty(secondErrors);
    }
}
