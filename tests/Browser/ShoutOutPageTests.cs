using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>The leader thanks the top referrers from the console's campaign page; the member's live room shows the banner.</summary>
public sealed class ShoutOutPageTests : ChainTest
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task TheLeadersButtonShowsTheTopReferrersBannerInTheMembersLiveRoom()
    {
        var code = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/referral", Chain.MemberToken))).GetProperty("referralCode").GetString()!;
        foreach (var name in new[] { "钱阿姨", "吴大姐" })
        {
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name, phone = TestApp.NewPhone(), storeId = Chain.StoreId, referralCode = code }), 201);
        }

        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();

        // The member watches the live room.
        await using var memberContext = await browser.NewContextAsync(App.BaseAddress, phone: true);
        await Browser.SignInMemberAsync(memberContext, Chain.ChainId, Chain.MemberToken);
        var live = await memberContext.NewPageAsync();
        var liveErrors = Browser.CaptureErrors(live);
        await live.GotoAsync($"/live/{campaignId}");
        await Expect(live.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(live.Locator("#shout-out")).ToBeHiddenAsync();

        // The leader presses the button on the campaign page.
        await using var leaderContext = await browser.NewContextAsync(App.BaseAddress);
        var console = await leaderContext.NewPageAsync();
        var consoleErrors = Browser.CaptureErrors(console);
        await console.GotoAsync("/");
        await console.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
        await console.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Expect(console.Locator("#whoami")).Not.ToBeEmptyAsync();
        await console.EvaluateAsync($"location.hash = '#/campaigns/{campaignId}'");
        await console.GetByRole(AriaRole.Button, new() { Name = "在直播间感谢老带新之星" }).ClickAsync();
        await Expect(console.Locator("#live-shout-result")).ToContainTextAsync("李** 邀请了 2 位邻居", Soon);

        var banner = live.GetByRole(AriaRole.Status).Filter(new() { HasText = "老带新之星" });
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(banner).ToContainTextAsync("🎉 老带新之星");
        await Expect(banner.Locator("li[data-rank='1']")).ToHaveTextAsync("第 1 名 李** 邀请了 2 位邻居");
        Assert.DoesNotContain("李阿姨", await banner.InnerTextAsync(), StringComparison.Ordinal);
        // In the page flow, above the sale: it never covers an order button.
        var box = await banner.BoundingBoxAsync();
        var items = await live.Locator("#items-card").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.NotNull(items);
        Assert.True(box.Y + box.Height <= items.Y, $"the banner ({box.Y}+{box.Height}) should end above the items ({items.Y})");
        await Browser.ScreenshotAsync(live, "live-shout-out");

        // Pressed again within 10 s: the console says so, and the room is not flooded.
        await console.GetByRole(AriaRole.Button, new() { Name = "在直播间感谢老带新之星" }).ClickAsync();
        await Expect(console.Locator("#live-shout-error")).ToContainTextAsync("操作太频繁", Soon);

        await live.Locator("#shout-out-close").ClickAsync();
        await Expect(live.Locator("#shout-out")).ToBeHiddenAsync();
        Assert.Empty(liveErrors);
        Assert.DoesNotContain(consoleErrors, e => !e.Contains("429", StringComparison.Ordinal)); // the refused second press is expected
    }
}
