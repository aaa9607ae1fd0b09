using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// A whole campaign driven from the two pages only, in two browser contexts at once: a leader at the console (desktop)
/// and a neighbour in the live room (phone), on the real app and Azurite.
/// </summary>
public sealed class CampaignFlowBrowserTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Slow = new() { Timeout = 20_000 };

    [Fact]
    public async Task LeaderGoesLiveMemberOrdersLeaderSeesItLiveClosesAndVerifiesThePickupCode()
    {
        const int stock = 20;
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: stock, perMemberLimit: 5, goLive: false);
        var browser = await Browser.SharedAsync();
        await using var leaderContext = await browser.NewContextAsync(App.BaseAddress);
        await using var memberContext = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var leader = await leaderContext.NewPageAsync();
        var member = await memberContext.NewPageAsync();
        var errors = Browser.CaptureErrors(leader);
        errors.AddRange(Browser.CaptureErrors(member));

        await Browser.ExplainFailureAsync(async () =>
        {
            // The leader signs in with the key HQ gave them and opens the campaign.
            await leader.GotoAsync("/");
            await leader.Locator("#signin-key").FillAsync(Chain.LeaderKey);
            await leader.Locator("#signin-submit").ClickAsync();
            await Expect(leader.Locator("#whoami")).ToContainTextAsync("王团长");
            await leader.GotoAsync($"/#/campaigns/{campaignId}");
            await Expect(leader.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "draft");
            await Expect(leader.Locator("#actions-hint")).ToContainTextAsync("自动开播"); // timers will do it; buttons are optional
            await Browser.ScreenshotAsync(leader, "flow-1-leader-draft");

            // A neighbour opens the shared link on a phone and joins.
            await member.GotoAsync($"/live/{campaignId}");
            await Expect(member.Locator("#phase")).ToHaveAttributeAsync("data-phase", "draft");
            await member.Locator("#join-name").FillAsync("张阿姨");
            await member.Locator("#join-phone").FillAsync(TestApp.NewPhone());
            await member.Locator("#join-submit").ClickAsync();
            await Expect(member.Locator("#me")).ToContainTextAsync("张阿姨");
            await Browser.ScreenshotAsync(member, "flow-2-member-joined");

            // Go live: the member's page follows without a reload.
            await leader.Locator("button[data-action='go-live']").ClickAsync();
            await Expect(leader.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "live");
            await Expect(member.Locator("#phase")).ToHaveAttributeAsync("data-phase", "live", Slow);

            // The member orders 2; the result shows at once and the stock moves on both pages.
            var card = member.Locator($"[data-item-id='{itemId}']");
            await card.Locator("input[name='quantity']").FillAsync("2");
            await card.Locator("button.order-button").ClickAsync();
            await Expect(member.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok");
            await Expect(card.Locator(".remaining")).ToHaveTextAsync((stock - 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Browser.ScreenshotAsync(member, "flow-3-member-ordered");

            await Expect(leader.Locator($"[data-stock-item='{itemId}']")).ToHaveTextAsync((stock - 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(leader.Locator("#orders tbody tr[data-order-id]")).ToHaveCountAsync(1);
            await Expect(leader.Locator("#orders tbody tr[data-order-id]")).ToContainTextAsync("张");
            await Browser.ScreenshotAsync(leader, "flow-4-leader-live");

            // Close: 成团 runs by itself and the member's pickup code appears.
            await leader.Locator("button[data-action='close']").ClickAsync();
            await leader.Locator("#confirm-dialog #confirm-action").ClickAsync(); // 截单 asks first

            await Expect(leader.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "fulfilling", Slow);
            var code = member.Locator("#pickup-card .pickup-code");
            await Expect(code).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{8}$"), new LocatorAssertionsToHaveTextOptions { Timeout = 20_000 });
            var pickupCode = await code.InnerTextAsync();
            await Browser.ScreenshotAsync(member, "flow-5-member-pickup-code");

            // At the counter the leader types the code the neighbour shows.
            await leader.Locator("#pickup-code").FillAsync(pickupCode);
            await leader.Locator("#pickup-verify").ClickAsync();
            await Expect(leader.Locator("#pickup-result")).ToHaveAttributeAsync("data-result", "ok");
            await Expect(leader.Locator("#pickup-result")).ToContainTextAsync("张");
            await Browser.ScreenshotAsync(leader, "flow-6-leader-picked-up");

            // The same code again is refused with the API's explanation.
            await leader.Locator("#pickup-code").FillAsync(pickupCode);
            await leader.Locator("#pickup-verify").ClickAsync();
            await Expect(leader.Locator("#pickup-result")).ToHaveAttributeAsync("data-result", "error");

            // The member's page shows the order picked up (after a reload at the latest).
            await member.ReloadAsync();
            await Expect(member.Locator("#my-orders .order-status").First).ToHaveAttributeAsync("data-status", "pickedUp");
        }, (leader, "flow-leader"), (member, "flow-member"));
        Assert.Empty(errors);
    }
}
