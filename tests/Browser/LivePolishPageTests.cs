using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Issue 16, the member side's polish, in Chromium at phone size (390×844) against the real app: toasts never cover
/// the order button, the pinned card shows the price the order is charged (the flash price while a flash sale runs),
/// no internal word reaches a member in any phase, and no emoji stands alone without text.
/// </summary>
public sealed partial class LivePolishPageTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 15_000 };

    /// <summary>Words of the code and the console that members must never read.</summary>
    [GeneratedRegex(@"\b(draft|preheat|live|closed|fulfilling|followUp|completed|cancelled|result|preview|sold-out|not-live|member-limit|price-changed|validation|invalid-transition|member-exists)\b|草稿|履约中")]
    private static partial Regex InternalWords();

    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> OpenAsync(string campaignId, string? memberToken)
    {
        var browser = await Browser.SharedAsync();
        var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        if (memberToken is not null)
        {
            await context.AddInitScriptAsync(
                $"if (!sessionStorage.getItem('t')) {{ localStorage.setItem({JsonSerializer.Serialize("sc.member." + Chain.ChainId)}, {JsonSerializer.Serialize(memberToken)}); sessionStorage.setItem('t', '1'); }}");
        }

        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        await Expect(page.Locator("#phase")).Not.ToHaveAttributeAsync("data-phase", "");
        return (context, page, errors);
    }

    private static async Task<LocatorBoundingBoxResult> BoxAsync(ILocator locator) =>
        await locator.BoundingBoxAsync() ?? throw new Xunit.Sdk.XunitException("not laid out: " + locator);

    private static bool Intersect(LocatorBoundingBoxResult a, LocatorBoundingBoxResult b) =>
        a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;

    [Fact]
    public async Task AToastNeverCoversTheOrderButtonAtPhoneSize()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var (context, page, errors) = await OpenAsync(campaignId, Chain.MemberToken);
        await using var _ = context;
        Assert.Equal(390, page.ViewportSize!.Width);
        var button = page.Locator($"[data-item-id=\"{itemId}\"] button.order-button");
        await Expect(button).ToBeEnabledAsync(new() { Timeout = 15_000 });

        // Wherever her thumb finds the button (middle or bottom of the screen), a toast shown then stays clear of it.
        foreach (var block in new[] { "center", "end" })
        {
            await button.EvaluateAsync($"b => b.scrollIntoView({{ block: '{block}' }})");
            await page.EvaluateAsync("SC.toast('验证码已发送，请查收短信。这是一条比较长的提示，看看会不会换行挡住按钮。')");
            var toast = page.Locator("#toast");
            await Expect(toast).ToBeVisibleAsync();
            var (toastBox, buttonBox) = (await BoxAsync(toast), await BoxAsync(button));
            Assert.True(buttonBox.Y + buttonBox.Height <= 844 && buttonBox.Y >= 0, $"the button is on screen ({block})");
            Assert.False(Intersect(toastBox, buttonBox), $"toast {toastBox.Y}+{toastBox.Height} covers the order button {buttonBox.Y}+{buttonBox.Height} ({block})");
        }

        // A real one: ordering shows its result bar and the button stays usable beneath any toast.
        await button.ClickAsync();
        await Expect(page.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok", new() { Timeout = 15_000 });
        Assert.Equal("none", await page.Locator("#toast").EvaluateAsync<string>("t => getComputedStyle(t).pointerEvents"));
        await Browser.ScreenshotAsync(page, "live-toast-clear");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ThePinnedCardShowsTheFlashPriceWhileAFlashSaleRunsThenTheLivePriceAgain()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 50);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pin", new { itemId }, Chain.LeaderKey));
        var (context, page, errors) = await OpenAsync(campaignId, Chain.MemberToken);
        await using var _ = context;
        var pinned = page.Locator("#pinned");
        await Expect(pinned.Locator(".live-price")).ToHaveTextAsync("¥29.90", Slow);
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected");

        var sale = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/flash-sales",
            new { itemId, quantity = 10, priceFen = 1990, durationSeconds = 120 }, Chain.LeaderKey), 201);
        await Expect(pinned.Locator(".live-price")).ToHaveTextAsync("¥19.90", Slow);
        await Expect(pinned.Locator(".price")).ToContainTextAsync("秒杀价");
        // The same price as the item's card and as the order is charged.
        await Expect(page.Locator($"[data-item-id=\"{itemId}\"] .live-price")).ToHaveTextAsync("¥19.90");
        await Browser.ScreenshotAsync(page, "live-pinned-flash");
        await page.Locator($"[data-item-id=\"{itemId}\"] button.order-button").ClickAsync();
        await Expect(page.Locator("#order-result")).ToContainTextAsync("¥19.90", new() { Timeout = 15_000 });

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/flash-sales/{sale.GetProperty("flashSaleId").GetString()}/end", secret: Chain.LeaderKey));
        await Expect(pinned.Locator(".live-price")).ToHaveTextAsync("¥29.90", Slow);
        await Expect(pinned.Locator(".price")).Not.ToContainTextAsync("秒杀价");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task NoInternalWordReachesAMemberInAnyPhaseAndNoEmojiStandsAloneWithoutText()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var (context, page, errors) = await OpenAsync(campaignId, Chain.MemberToken);
        await using var _ = context;

        async Task CheckAsync(string phase, string badge)
        {
            await Expect(page.Locator("#phase")).ToHaveAttributeAsync("data-phase", phase, new() { Timeout = 15_000 });
            await Expect(page.Locator("#phase")).ToHaveTextAsync(badge);
            await page.WaitForTimeoutAsync(300); // the coalesced render after the phase
            var text = await page.EvaluateAsync<string>("document.body.innerText");
            var hit = InternalWords().Match(text);
            Assert.False(hit.Success, $"{phase}: the member reads \"{hit.Value}\" in: …{(hit.Success ? text.Substring(Math.Max(0, hit.Index - 40), Math.Min(80, text.Length - Math.Max(0, hit.Index - 40))) : string.Empty)}…");

            // Every element whose visible text is only emoji is hidden from screen readers beside a text, or labelled.
            var lonely = await page.EvaluateAsync<string[]>("""
                () => {
                  const emoji = /\p{Extended_Pictographic}/u;
                  const onlyEmoji = (s) => emoji.test(s) && s.replace(/[\p{Extended_Pictographic}\uFE0F\u200D\s]/gu, "") === "";
                  const out = [];
                  for (const el of document.querySelectorAll("body *")) {
                    if (!el.getClientRects().length) continue;
                    const own = el.textContent.trim();
                    if (!onlyEmoji(own)) continue;
                    const labelled = el.getAttribute("aria-label") || el.getAttribute("title");
                    const besideText = el.getAttribute("aria-hidden") === "true" && el.parentElement && el.parentElement.textContent.replace(own, "").trim() !== "";
                    if (!labelled && !besideText) out.push(el.outerHTML.slice(0, 120));
                  }
                  return out;
                }
                """);
            Assert.True(lonely.Length == 0, $"{phase}: emoji without text: {string.Join(" | ", lonely)}");
        }

        await CheckAsync("draft", "开团预告");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/preheat", secret: Chain.LeaderKey));
        await CheckAsync("preheat", "预热中");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pin", new { itemId }, Chain.LeaderKey));
        await Expect(page.Locator("#pinned")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await CheckAsync("preheat", "预热中");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await CheckAsync("live", "直播中");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/flash-sales",
            new { itemId, quantity = 5, priceFen = 1990, durationSeconds = 120, firstNGift = 2 }, Chain.LeaderKey), 201);
        await Expect(page.Locator("#flash")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator($"[data-item-id=\"{itemId}\"] .price .tag")).ToHaveTextAsync("⚡ 秒杀价");
        await CheckAsync("live", "直播中");
        await page.Locator($"[data-item-id=\"{itemId}\"] button.order-button").ClickAsync();
        await Expect(page.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok", new() { Timeout = 15_000 });
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        await CheckAsync("fulfilling", "提货中"); // closing confirms the groups and moves on to fulfilling
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/follow-up", secret: Chain.LeaderKey));
        await CheckAsync("followUp", "回访中");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/complete", secret: Chain.LeaderKey));
        await CheckAsync("completed", "已结束");
        await Browser.ScreenshotAsync(page, "live-completed-words");
        Assert.Empty(errors);
    }
}
