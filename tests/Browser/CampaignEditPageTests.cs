using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>编辑开团 and 复制为新开团 on the console's campaign page, in Chromium against the real app.</summary>
public sealed class CampaignEditPageTests : ChainTest
{
    [Fact]
    public async Task TheLeaderEditsADraftsPriceAndStockThenDuplicatesItIntoANewDraft()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 50, goLive: false);
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, $"#/campaigns/{campaignId}");

        var edit = page.Locator("#campaign-edit");
        await Expect(edit).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await edit.GetByLabel("标题").FillAsync("周三厨房 · 加量不加价");
        var row = edit.Locator($"tr[data-item-id='{itemId}']");
        await row.Locator("[name=livePriceFen]").FillAsync("25.90");
        await row.Locator("[name=stock]").FillAsync("120");
        await Browser.ScreenshotAsync(page, "console-campaign-edit");
        await edit.GetByRole(AriaRole.Button, new() { Name = "保存修改" }).ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("已保存");

        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        Assert.Equal("周三厨房 · 加量不加价", view.GetProperty("title").GetString());
        var item = view.GetProperty("items")[0];
        Assert.Equal((2590L, 120, 120), (item.GetProperty("livePriceFen").GetInt64(), item.GetProperty("stock").GetInt32(), item.GetProperty("remaining").GetInt32()));

        // A live end before its start is refused by the API with the field named, and nothing changes.
        await row.Locator("[name=stock]").FillAsync("60");
        await edit.GetByLabel("结束时间").FillAsync(await edit.GetByLabel("开播时间").InputValueAsync());
        await edit.GetByRole(AriaRole.Button, new() { Name = "保存修改" }).ClickAsync();
        await Expect(page.Locator("#edit-error")).Not.ToBeEmptyAsync();
        Assert.Equal(120, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("stock").GetInt32());

        await page.Locator("#campaign-duplicate").GetByRole(AriaRole.Button, new() { Name = "复制为新开团" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("#/campaigns/") && !url.Contains(campaignId), new() { Timeout = 15_000 });
        var copyId = Uri.UnescapeDataString(page.Url[(page.Url.IndexOf("#/campaigns/", StringComparison.Ordinal) + "#/campaigns/".Length)..]);
        var copy = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{copyId}"));
        Assert.Equal(("draft", "周三厨房 · 加量不加价", 120), (copy.GetProperty("phase").GetString(), copy.GetProperty("title").GetString(), copy.GetProperty("items")[0].GetProperty("stock").GetInt32()));
        Assert.True(copy.GetProperty("liveStartAt").GetDateTimeOffset() > view.GetProperty("liveStartAt").GetDateTimeOffset().AddDays(6));
        Assert.Empty(errors);
    }
}
