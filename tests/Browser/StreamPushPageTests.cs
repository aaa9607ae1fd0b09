using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// 直播推流 in the console: HQ sets the chain's live service (Tencent Cloud CSS domains and keys) in its own view, and
/// the leader's campaign page then shows OBS's 推流地址 and 推流密钥 with copy buttons. Chromium against the real app.
/// </summary>
public sealed class StreamPushPageTests : ChainTest
{
    [Fact]
    public async Task HqSetsTheLiveServiceAndTheLeaderCopiesThePushServerAndStreamKey()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var browser = await Browser.SharedAsync();

        // Before HQ sets it up, the leader gets a short hint instead.
        await using var leaderContext = await browser.NewContextAsync(App.BaseAddress);
        await leaderContext.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var (leader, leaderErrors) = await ConsolePageTests.SignedInAsync(leaderContext, Chain.LeaderKey, $"#/campaigns/{campaignId}");
        await Expect(leader.Locator("#stream-none")).ToContainTextAsync("总部还没有设置直播服务", new() { Timeout = 15_000 });

        // HQ: the 直播服务 view.
        await using var adminContext = await browser.NewContextAsync(App.BaseAddress);
        var (admin, adminErrors) = await ConsolePageTests.SignedInAsync(adminContext, Chain.AdminKey);
        await admin.GetByRole(AriaRole.Link, new() { Name = "直播服务", Exact = true }).ClickAsync();
        await Expect(admin.Locator("#stream-status")).ToContainTextAsync("还没有设置");
        // A URL where a host name belongs is refused next to the field.
        await admin.GetByLabel("推流域名").FillAsync("rtmp://push.example.com/live");
        await admin.GetByRole(AriaRole.Button, new() { Name = "保存直播服务" }).ClickAsync();
        await Expect(admin.Locator("#stream-provider-error")).ToContainTextAsync("推流域名只填主机名");
        await admin.GetByLabel("推流域名").FillAsync("push.example.com");
        await admin.GetByLabel("播放域名").FillAsync("play.example.com");
        await admin.GetByLabel("推流鉴权 Key").FillAsync("pushkey-browser-8c1d");
        await admin.GetByLabel("播放鉴权 Key").FillAsync("playkey-browser-2e9f");
        Assert.Equal("password", await admin.GetByLabel("推流鉴权 Key").GetAttributeAsync("type"));
        await admin.GetByRole(AriaRole.Button, new() { Name = "保存直播服务" }).ClickAsync();
        await Expect(admin.Locator("#stream-status")).ToContainTextAsync("腾讯云直播（CSS）");
        // Keys are never shown back: the fields are empty and say a key is set.
        await Expect(admin.GetByLabel("推流鉴权 Key")).ToHaveValueAsync(string.Empty);
        await Expect(admin.GetByLabel("推流鉴权 Key")).ToHaveAttributeAsync("placeholder", "已设置（留空则保持不变）");
        Assert.DoesNotContain("pushkey-browser-8c1d", await admin.ContentAsync());
        var provider = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/stream-provider", Chain.AdminKey));
        Assert.Equal("push.example.com", provider.GetProperty("pushDomain").GetString());
        Assert.True(provider.GetProperty("hasPushKey").GetBoolean());
        Assert.Empty(adminErrors);

        // The leader opens the campaign again: 推流地址 and 推流密钥 with copy buttons.
        await leader.ReloadAsync();
        var card = leader.Locator("#stream-push");
        await Expect(card.Locator("#stream-server code")).ToHaveTextAsync("rtmp://push.example.com/live/", new() { Timeout = 15_000 });
        await Expect(card.Locator("#stream-server")).ToContainTextAsync("推流地址");
        await Expect(card.Locator("#stream-key")).ToContainTextAsync("推流密钥");
        var streamKey = (await card.Locator("#stream-key code").TextContentAsync())!;
        Assert.StartsWith($"sc_{campaignId}?txSecret=", streamKey, StringComparison.Ordinal);
        await Expect(card.Locator("#stream-expires")).ToContainTextAsync("有效期至");
        await Expect(card).ToContainTextAsync("OBS");
        await card.Locator("#stream-key").GetByRole(AriaRole.Button, new() { Name = "复制" }).ClickAsync();
        Assert.Equal(streamKey, await leader.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await card.Locator("#stream-server").GetByRole(AriaRole.Button, new() { Name = "复制" }).ClickAsync();
        Assert.Equal("rtmp://push.example.com/live/", await leader.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await card.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(leader, "console-stream-push");
        Assert.Empty(leaderErrors);
    }
}
