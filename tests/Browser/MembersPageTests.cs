using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The console's 会员 view and the login link: a leader finds a neighbour by phone tail, sees her full phone, re-issues
/// her login code in one tap, and the link signs her in on a new phone. Chromium against the real app.
/// </summary>
public sealed class MembersPageTests : ChainTest
{
    [Fact]
    public async Task TheLeaderFindsANeighbourByPhoneTailAndHerLoginLinkSignsHerInOnANewPhone()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        await App.NewMemberAsync(Chain, "周师傅");
        var browser = await Browser.SharedAsync();
        await using var console = await browser.NewContextAsync(App.BaseAddress);
        await console.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var (page, errors) = await ConsolePageTests.SignedInAsync(console, Chain.LeaderKey, "#/members");

        await page.GetByLabel("搜索称呼或手机尾号").FillAsync(Chain.Phone[^4..]);
        await page.GetByRole(AriaRole.Button, new() { Name = "搜索", Exact = true }).ClickAsync();
        var row = page.Locator($"#members-table tr[data-member-id='{Chain.MemberId}']");
        await Expect(row).ToContainTextAsync(Chain.Phone); // the store's own leader sees the full number, to call a no-show
        await Expect(page.Locator("#members-table tbody tr")).ToHaveCountAsync(1);
        await row.GetByRole(AriaRole.Button, new() { Name = "重发登录码" }).ClickAsync();
        await Expect(page.Locator("#members-issued")).ToContainTextAsync("李阿姨");
        var link = await page.Locator("#members-link").InputValueAsync();
        Assert.Contains($"/live/{campaignId}#login=", link);
        await Browser.ScreenshotAsync(page, "console-members");
        Assert.Empty(errors);

        // The token she had stops working; the link signs her in on another phone, and leaves the address bar clean.
        await TestApp.ProblemAsync(await App.GetAsync("/api/me", Chain.MemberToken), 401, "unauthorized");
        await using var phone = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var live = await phone.NewPageAsync();
        var liveErrors = Browser.CaptureErrors(live);
        await live.GotoAsync(new Uri(link).PathAndQuery + new Uri(link).Fragment);
        await Expect(live.Locator("#me-name")).ToContainTextAsync("李阿姨", new() { Timeout = 15_000 });
        Assert.DoesNotContain("login=", live.Url);
        Assert.Empty(liveErrors);

        // Another store's leader may not list these members (phones in full are for the store's own staff).
        var otherStore = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "阳光店", address = "阳光路 2 号" }, Chain.AdminKey), 201);
        var otherLeader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "陈团长", storeId = otherStore.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members", otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");
    }
}
