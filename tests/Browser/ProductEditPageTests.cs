using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>编辑 and the photo strip on the console's product cards (console-products.js), in Chromium against the real app.</summary>
public sealed class ProductEditPageTests : ChainTest
{
    // A real 1×1 PNG, offered under a JPEG name: the API keeps what the bytes are.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==");

    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task TheLeaderEditsAProductsStoryAndUploadsAPhotoThatTraceabilityShows()
    {
        var productId = await App.NewProductAsync(Chain, "阳山水蜜桃");
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, "#/products");

        var card = page.Locator($"li[data-product-id='{productId}']");
        await Expect(card).ToContainTextAsync("还没有商品照片", Soon);
        await card.Locator("summary", new() { HasText = "编辑" }).ClickAsync();
        await Expect(card.GetByLabel("商品名称")).ToHaveValueAsync("阳山水蜜桃");
        await card.GetByLabel("溯源故事").FillAsync("阳山脚下的老桃园，清晨采摘，当天发车。");
        await card.GetByRole(AriaRole.Button, new() { Name = "保存修改" }).ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("商品已保存：阳山水蜜桃", Soon);
        // The view is drawn again from the saved product.
        await Expect(card).ToContainTextAsync("阳山脚下的老桃园，清晨采摘，当天发车。", Soon);

        await card.GetByLabel("上传商品照片").SetInputFilesAsync(new FilePayload { Name = "桃园.jpg", MimeType = "image/jpeg", Buffer = Png });
        await card.GetByRole(AriaRole.Button, new() { Name = "上传照片" }).ClickAsync();
        var image = card.Locator(".product-photos img");
        await Expect(image).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(card.Locator(".photo-status")).ToContainTextAsync("照片已上传");
        Assert.True(await image.EvaluateAsync<bool>("img => img.decode().then(() => img.naturalWidth === 1, () => false)"), "the photo loads in the console");

        var trace = await TestApp.OkJsonAsync(await App.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Equal("阳山脚下的老桃园，清晨采摘，当天发车。", trace.GetProperty("story").GetString());
        Assert.Equal(("阳山水蜜桃", "无锡阳山"), (trace.GetProperty("name").GetString(), trace.GetProperty("origin").GetString()));
        var photo = Assert.Single(trace.GetProperty("photos").EnumerateArray());
        Assert.Equal("image/png", photo.GetProperty("contentType").GetString());
        using (var blobs = new HttpClient())
        {
            Assert.Equal(Png, await blobs.GetByteArrayAsync(photo.GetProperty("url").GetString()));
        }

        await card.Locator("summary", new() { HasText = "编辑" }).ClickAsync();
        await Browser.ScreenshotAsync(page, "console-product-edit");

        // A name left empty is refused by the API, with the message next to the field; nothing changes.
        await card.GetByLabel("商品名称").FillAsync("");
        await card.GetByRole(AriaRole.Button, new() { Name = "保存修改" }).ClickAsync();
        await Expect(card.Locator(".product-edit .field-error")).ToBeVisibleAsync();
        Assert.Equal("阳山水蜜桃", (await TestApp.OkJsonAsync(await App.GetAsync($"/api/products/{productId}/traceability"))).GetProperty("name").GetString());

        await card.GetByRole(AriaRole.Button, new() { Name = "删除第 1 张照片" }).ClickAsync();
        await Expect(card.Locator(".product-photos")).ToContainTextAsync("还没有商品照片", Soon);
        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync($"/api/products/{productId}/traceability"))).GetProperty("photos").EnumerateArray());
        Assert.Empty(errors);
    }
}
