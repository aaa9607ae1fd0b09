using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Accessibility basics on both pages as people use them: every visible form field has a label, every action is a
/// real button or link, and the main actions are reachable with the Tab key alone.
/// </summary>
public sealed class AccessibilityTests : ChainTest
{
    // Fields without a label (own <label for>, a wrapping <label>, aria-label or aria-labelledby), and clickable
    // things that are not buttons/links or are kept out of the tab order.
    private const string Audit = """
        () => {
          const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
          const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(visible)
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
            .map((el) => el.outerHTML.slice(0, 120));
          const unreachable = [...document.querySelectorAll('button, a[href], [onclick], [role=button]')]
            .filter(visible)
            .filter((el) => el.tabIndex < 0 || (el.matches('[onclick], [role=button]') && !el.matches('button, a[href]')))
            .map((el) => el.outerHTML.slice(0, 120));
          const nameless = [...document.querySelectorAll('button')].filter(visible)
            .filter((el) => !(el.textContent.trim() || el.getAttribute('aria-label') || el.getAttribute('title')))
            .map((el) => el.outerHTML.slice(0, 120));
          return { unlabelled, unreachable, nameless };
        }
        """;

    private static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var result = await page.EvaluateAsync<System.Text.Json.JsonElement>(Audit);
        foreach (var (key, problem) in new[] { ("unlabelled", "fields without a label"), ("unreachable", "actions out of keyboard reach"), ("nameless", "buttons without a name") })
        {
            var found = result.GetProperty(key).EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.True(found.Count == 0, $"{where}: {problem}: {string.Join(" | ", found)}");
        }
    }

    /// <summary>Presses Tab until the element matching <paramref name="selector"/> has the focus (at most 80 times).</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        var target = page.Locator(selector);
        for (var i = 0; i < 80; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("el => el === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}");
    }

    [Fact]
    public async Task TheLiveRoomIsLabelledAndAMemberCanJoinAndOrderWithTheKeyboardAlone()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/live/{campaignId}");
        await Expect(page.Locator("#phase")).ToHaveAttributeAsync("data-phase", "live");
        await AssertAccessibleAsync(page, "live room (visitor)");

        // Join with the keyboard: Tab to each field, type, Enter on the button.
        await TabToAsync(page, "#join-name");
        await page.Keyboard.TypeAsync("周大爷");
        await TabToAsync(page, "#join-phone");
        await page.Keyboard.TypeAsync(TestApp.NewPhone());
        await TabToAsync(page, "#join-submit");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#me")).ToContainTextAsync("周大爷");
        await AssertAccessibleAsync(page, "live room (member)");

        // Order with the keyboard.
        var card = $"[data-item-id='{itemId}']";
        await TabToAsync(page, $"{card} button.order-button");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok");
        await Expect(page.Locator($"{card} .remaining")).ToHaveTextAsync("9");
    }

    [Fact]
    public async Task TheConsoleIsLabelledAndALeaderCanSignInAndGoLiveWithTheKeyboardAlone()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await AssertAccessibleAsync(page, "console sign-in");

        await TabToAsync(page, "#signin-key");
        await page.Keyboard.TypeAsync(Chain.LeaderKey);
        await page.Keyboard.PressAsync("Enter"); // submits the form
        await Expect(page.Locator("#whoami")).ToContainTextAsync("王团长");
        await AssertAccessibleAsync(page, "console overview");

        await page.GotoAsync($"/#/campaigns/{campaignId}");
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "draft");
        await AssertAccessibleAsync(page, "console campaign (draft)");
        await TabToAsync(page, "button[data-action='go-live']");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#campaign-phase")).ToHaveAttributeAsync("data-phase", "live");
        await AssertAccessibleAsync(page, "console campaign (live)");
    }
}
