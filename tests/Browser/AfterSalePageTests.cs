using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// After-sale (售后) in Chromium against the real app: the member asks for a partial refund with a photo under her
/// picked-up order in the live room; the leader approves or refuses it on the campaign page; the admin sets the policy.
/// </summary>
public sealed class AfterSalePageTests : ChainTest
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==");
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 20_000 };

    /// <summary>The member's order of <paramref name="quantity"/> units, closed (成团) and picked up.</summary>
    private async Task<(string CampaignId, string ItemId, string OrderId)> PickedUpAsync(int quantity)
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, quantity), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while ((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString() != "fulfilling")
        {
            Assert.True(DateTime.UtcNow < until, "the campaign did not reach fulfilling after close");
            await Task.Delay(200);
        }

        await App.PickUpAsync(Chain, orderId, Chain.MemberToken);
        return (campaignId, itemId, orderId);
    }

    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> MemberPageAsync(string campaignId)
    {
        var browser = await Browser.SharedAsync();
        var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        await Browser.SignInMemberAsync(context, Chain.ChainId, Chain.MemberToken, onlyOnce: true);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        return (context, page, errors);
    }

    [Fact]
    public async Task AMemberAsksForAPartialRefundWithAPhotoInTheLiveRoomAndSeesTheLeadersApproval()
    {
        var (campaignId, _, orderId) = await PickedUpAsync(quantity: 3);
        var (context, page, errors) = await MemberPageAsync(campaignId);
        await using var _ = context;

        var block = page.Locator($"article.order[data-order-id='{orderId}'] .order-aftersale");
        await Expect(block).ToContainTextAsync("7天无理由，未拆封", Soon);
        await block.GetByRole(AriaRole.Button, new() { Name = "申请售后" }).ClickAsync();
        var form = block.Locator("form.as-form");
        await form.GetByLabel("数量").FillAsync("1");
        await form.GetByLabel("售后类型").SelectOptionAsync("return");
        await form.GetByLabel("售后原因").FillAsync("有一盒桃子压坏了");
        await form.GetByLabel("照片（选填，最多 9 张）").SetInputFilesAsync(new FilePayload { Name = "IMG_0002.jpg", MimeType = "image/jpeg", Buffer = Png });
        await form.GetByRole(AriaRole.Button, new() { Name = "提交申请" }).ClickAsync();
        await Expect(block.Locator("li.as-request")).ToContainTextAsync("待处理", Soon);
        await Expect(block.Locator("li.as-request")).ToContainTextAsync("退货退款");
        await Browser.ScreenshotAsync(page, "live-aftersale-pending");

        var request = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}/after-sales", Chain.MemberToken))).GetProperty("requests").EnumerateArray());
        Assert.Equal(1, request.GetProperty("quantity").GetInt32());
        Assert.Equal(1, request.GetProperty("photosUploaded").GetInt32());
        Assert.Equal("有一盒桃子压坏了", request.GetProperty("reason").GetString());

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{request.GetProperty("requestId").GetString()}/approve", new { reason = "已退款，抱歉" }, Chain.LeaderKey));
        await page.ReloadAsync();
        await Expect(block.Locator("li.as-request")).ToContainTextAsync("已同意退款", Soon);
        await Expect(block).ToContainTextAsync("团长回复：已退款，抱歉");
        await Expect(block).ToContainTextAsync("已退 1 件");
        await Browser.ScreenshotAsync(page, "live-aftersale-approved");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheLeaderApprovesOneRequestAndRefusesAnotherWithAReasonOnTheCampaignPage()
    {
        var (campaignId, itemId, orderId) = await PickedUpAsync(quantity: 3);
        var first = await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/after-sales", new { itemId, quantity = 2, kind = "refund", reason = "坏了两盒" }, Chain.MemberToken), 201);
        var firstId = first.GetProperty("request").GetProperty("requestId").GetString()!;

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{Uri.EscapeDataString(campaignId)}");
        var item = page.Locator($"#aftersale-list li.aftersale[data-request-id='{firstId}']");
        await Expect(item).ToContainTextAsync("坏了两盒", Soon);
        await Expect(item).ToContainTextAsync("李**");
        await Browser.ScreenshotAsync(page, "console-aftersale-pending");

        // Refusing needs a reason: without one the page shows the field error and nothing is decided.
        await item.GetByRole(AriaRole.Button, new() { Name = "拒绝" }).ClickAsync();
        await Expect(item.Locator(".error")).ToBeVisibleAsync();
        await item.GetByRole(AriaRole.Button, new() { Name = "同意退款" }).ClickAsync();
        await Expect(item).ToContainTextAsync("已同意退款", Soon);
        await Expect(item).ToContainTextAsync("退回积分", Soon);
        var order = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.LeaderKey));
        Assert.Equal(2, order.GetProperty("items")[0].GetProperty("refundedQuantity").GetInt32());

        var second = await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/after-sales", new { itemId, quantity = 1, kind = "refund", reason = "再退一盒" }, Chain.MemberToken), 201);
        var secondId = second.GetProperty("request").GetProperty("requestId").GetString()!;
        await page.ReloadAsync();
        var other = page.Locator($"#aftersale-list li.aftersale[data-request-id='{secondId}']");
        await Expect(other).ToContainTextAsync("再退一盒", Soon);
        await other.GetByLabel("拒绝原因（必填）").FillAsync("已拆封食用，不符合售后政策");
        await other.GetByRole(AriaRole.Button, new() { Name = "拒绝" }).ClickAsync();
        await Expect(other).ToContainTextAsync("已拒绝", Soon);
        await Expect(other).ToContainTextAsync("处理说明：已拆封食用，不符合售后政策");
        await Browser.ScreenshotAsync(page, "console-aftersale-decided");
        order = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.LeaderKey));
        Assert.Equal(2, order.GetProperty("items")[0].GetProperty("refundedQuantity").GetInt32());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheAdminSetsTheChainsAfterSalePolicyOnTheAfterSalePage()
    {
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.AdminKey, "#/aftersale");
        await Expect(page.GetByLabel("提货/送达后可申请的天数（0–30，0 为不受理）")).ToHaveValueAsync("7", new() { Timeout = 20_000 });
        await page.GetByLabel("提货/送达后可申请的天数（0–30，0 为不受理）").FillAsync("3");
        await page.GetByLabel("政策说明（会员可见）").FillAsync("3天内可退，生鲜需未拆封");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存政策" }).ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("已保存", Soon);
        var policy = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/after-sale-policy", Chain.MemberToken));
        Assert.Equal(3, policy.GetProperty("windowDays").GetInt32());
        Assert.Equal("3天内可退，生鲜需未拆封", policy.GetProperty("text").GetString());

        await page.GetByLabel("提货/送达后可申请的天数（0–30，0 为不受理）").FillAsync("31");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存政策" }).ClickAsync();
        await Expect(page.Locator("#as-policy-error")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "console-aftersale-policy");
        Assert.Equal(3, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/after-sale-policy", Chain.AdminKey))).GetProperty("windowDays").GetInt32());
        Assert.Empty(errors);
    }
}
