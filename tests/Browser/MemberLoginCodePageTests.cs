using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Issue 16: a member on a new phone signs herself in with a text code (换了手机？用验证码登录) instead of asking her
/// leader: phone → code from the local fake sender → her orders and 提货码 are there. Chromium at phone size against
/// the real app (MemberVerification off, the tests' default: a supplied, right code still signs a known phone in).
/// </summary>
public sealed class MemberLoginCodePageTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 15_000 };

    [Fact]
    public async Task AMemberWhoJoinedOnOnePhoneSignsInOnANewPhoneWithATextCodeAndSeesHerPickupCode()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10);
        var phone = TestApp.NewPhone();
        var browser = await Browser.SharedAsync();

        // Phone A: she joins through the form and orders.
        string code;
        await using (var phoneA = await browser.NewContextAsync(App.BaseAddress, phone: true))
        {
            var page = await phoneA.NewPageAsync();
            var errors = Browser.CaptureErrors(page);
            await page.GotoAsync($"/live/{campaignId}");
            await page.GetByLabel("称呼").FillAsync("孙阿姨");
            await page.GetByLabel("手机号").FillAsync(phone);
            await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();
            await Expect(page.Locator("#me-name")).ToContainTextAsync("孙阿姨", new() { Timeout = 15_000 });
            await page.Locator($"[data-item-id=\"{itemId}\"] button.order-button").ClickAsync();
            await Expect(page.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok", new() { Timeout = 15_000 });
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
            await Expect(page.Locator("#pickup-card .pickup-code")).ToHaveTextAsync(new Regex("^[0-9]{8}$"), Slow);
            code = (await page.Locator("#pickup-card .pickup-code").TextContentAsync())!;
            Assert.Empty(errors);
        }

        // Phone B: a fresh browser, nothing stored. She asks for a code herself and signs in with it.
        await using var phoneB = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var fresh = await phoneB.NewPageAsync();
        var freshErrors = Browser.CaptureErrors(fresh);
        await fresh.GotoAsync($"/live/{campaignId}");
        await fresh.GetByRole(AriaRole.Button, new() { Name = "换了手机？用验证码登录" }).ClickAsync();
        await Expect(fresh.Locator("#join-code-login-intro")).ToBeVisibleAsync();
        await fresh.GetByLabel("手机号").FillAsync(phone);
        await fresh.GetByRole(AriaRole.Button, new() { Name = "获取验证码" }).ClickAsync();
        await Expect(fresh.Locator("#toast")).ToContainTextAsync("验证码已发送");
        var messages = await TestApp.OkJsonAsync(await App.GetAsync($"/api/dev/messages?chainId={Chain.ChainId}&phone={phone}"));
        var sms = Assert.Single(messages.EnumerateArray()).GetProperty("code").GetString()!;

        // A wrong code first: a sentence she can act on, not the server's words.
        var wrong = ((int.Parse(sms, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        await fresh.GetByLabel("验证码").FillAsync(wrong);
        await fresh.GetByRole(AriaRole.Button, new() { Name = "用验证码登录" }).ClickAsync();
        await Expect(fresh.Locator("#join-error")).ToContainTextAsync("验证码不对");

        await fresh.GetByLabel("验证码").FillAsync(sms);
        await fresh.GetByRole(AriaRole.Button, new() { Name = "用验证码登录" }).ClickAsync();
        await Expect(fresh.Locator("#me-name")).ToContainTextAsync("孙阿姨", new() { Timeout = 15_000 });
        await Expect(fresh.Locator("#pickup-card .pickup-code")).ToHaveTextAsync(code, Slow);
        await Expect(fresh.Locator("#my-orders [data-order-id]")).ToHaveCountAsync(1);
        await Browser.ScreenshotAsync(fresh, "live-code-login");

        // The same member, not a second one: the store lists one 孙阿姨.
        var members = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members?q={phone[^4..]}", Chain.LeaderKey));
        Assert.Single(members.EnumerateArray(), m => m.GetProperty("phone").GetString() == phone);
        var token = await fresh.EvaluateAsync<string>($"localStorage.getItem({JsonSerializer.Serialize("sc.member." + Chain.ChainId)})");
        var me = await TestApp.OkJsonAsync(await App.GetAsync("/api/me", token));
        Assert.Equal("孙阿姨", me.GetProperty("name").GetString());
        Assert.Empty(freshErrors);
    }
}
