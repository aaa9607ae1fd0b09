using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>The campaign poster from the console, in Chromium on a phone-sized screen: the leader opens it from the campaign page.</summary>
public sealed class PosterPageTests : ChainTest
{
    [Fact]
    public async Task TheLeaderOpensTheCampaignPosterFromTheConsoleOnAPhone()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync("/");
        await page.GetByLabel("密钥").FillAsync(Chain.LeaderKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Expect(page.Locator("#whoami")).ToContainTextAsync("王团长", new() { Timeout = 15_000 });
        await page.GotoAsync($"/#/campaigns/{campaignId}");

        var link = page.GetByRole(AriaRole.Link, new() { Name = "分享海报" });
        await Expect(link).ToHaveAttributeAsync("href", $"/api/campaigns/{campaignId}/poster", new() { Timeout = 15_000 });
        await Expect(page.Locator("#poster-download")).ToHaveTextAsync("下载海报");
        var popupTask = page.WaitForPopupAsync();
        await link.ClickAsync();
        var poster = await popupTask;
        await poster.WaitForLoadStateAsync(LoadState.Load);
        Assert.EndsWith($"/api/campaigns/{campaignId}/poster", poster.Url, StringComparison.Ordinal);
        var size = await poster.EvaluateAsync<int[]>("() => { const img = document.querySelector('img'); return [img.naturalWidth, img.naturalHeight]; }");
        Assert.Equal([750, 1334], size);
        await Browser.ScreenshotAsync(poster, "poster");
        Assert.Empty(errors);
    }
}
