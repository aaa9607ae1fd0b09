using System.Text.Json;
using Microsoft.Playwright;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Crm;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Photos members upload from the live room, in Chromium against the real app: the page PUTs each file straight to its
/// Blob SAS URL (cross-origin, allowed by the Blob service's CORS rule), then confirms; the app keeps what the bytes
/// show. A KOC trial's feedback photo ends up on the approved 体验官说 quote; a review's photo earns its points.
/// </summary>
public sealed class PhotoUploadPageTests : ChainTest
{
    // A real 1×1 PNG, offered under a JPEG name and type: what is stored follows the bytes.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==");

    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 15_000 };

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

    private static FilePayload Photo(string name) => new() { Name = name, MimeType = "image/jpeg", Buffer = Png };

    [Fact]
    public async Task AnInvitedMembersTrialFeedbackPhotoUploadsFromTheLiveRoomAndShowsOnTheApprovedQuote()
    {
        var product = await CrmTestData.ProductAsync(App, Chain, "核桃吐司", "烘焙");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, product);
        var invited = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials", new { memberId = Chain.MemberId, itemId }, Chain.LeaderKey), 201);
        var trialId = invited.GetProperty("trialId").GetString()!;

        var (context, page, errors) = await MemberPageAsync(campaignId);
        await using var _ = context;
        var form = page.Locator($"form.koc-form[data-trial-id='{trialId}']");
        await Expect(form).ToContainTextAsync("核桃吐司", Soon);
        await form.GetByLabel("试用感受").FillAsync("核桃很香，切片烤一下更好吃");
        await form.GetByLabel("照片（最多 9 张）").SetInputFilesAsync(Photo("IMG_0001.jpg"));
        await form.GetByRole(AriaRole.Button, new() { Name = "提交试用反馈" }).ClickAsync();
        await Expect(page.Locator("#koc-trial-body")).ToContainTextAsync("您已提交「核桃吐司」的试用反馈", Soon);

        var mine = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trials/mine", Chain.MemberToken))).EnumerateArray());
        Assert.Equal("submitted", mine.GetProperty("status").GetString());
        Assert.Equal(1, mine.GetProperty("photoUrls").GetArrayLength());

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/approve", new { }, Chain.LeaderKey));
        var quote = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trial-quotes"))).EnumerateArray());
        using var blobs = new HttpClient();
        using (var photo = await blobs.GetAsync(Assert.Single(quote.GetProperty("photoUrls").EnumerateArray()).GetString()))
        {
            Assert.True(photo.IsSuccessStatusCode, $"the quote's photo answers {(int)photo.StatusCode}");
            Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType); // sniffed, not the page's image/jpeg
            Assert.Equal(Png, await photo.Content.ReadAsByteArrayAsync());
        }

        await page.ReloadAsync();
        var image = page.Locator("#koc-quotes .koc-photos img");
        await Expect(image).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(page.Locator("#koc-quotes")).ToContainTextAsync("核桃很香，切片烤一下更好吃");
        await image.ScrollIntoViewIfNeededAsync();
        Assert.True(await image.EvaluateAsync<bool>("img => img.decode().then(() => img.naturalWidth === 1, () => false)"), "the quote's photo loads in the page");
        await Browser.ScreenshotAsync(page, "live-koc-photo");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AMembersReviewPhotoUploadsFromTheLiveRoomIsStoredAsItsBytesShowAndEarnsPhotoPoints()
    {
        // Confirmed at close and handed over: the page offers the survey and the review.
        var (campaignId, orders) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"));
        var orderId = Assert.Single(orders);
        await App.PickUpAsync(Chain, orderId, Chain.MemberToken);

        var (context, page, errors) = await MemberPageAsync(campaignId);
        await using var _ = context;
        var card = page.Locator($"article.order[data-order-id='{orderId}']");
        var form = card.Locator("form.review-form");
        await Expect(form).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var before = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken))).GetProperty("balance").GetInt32();
        await Expect(page.Locator("#growth-level")).ToContainTextAsync($" · {before} 积分", Soon);
        await form.GetByLabel("评分（1–5 星）").SelectOptionAsync("5");
        await form.GetByLabel("评价内容").FillAsync("水蜜桃很甜，汁水多");
        await form.GetByLabel("照片（最多 9 张）").SetInputFilesAsync(Photo("peach.jpg"));
        await form.GetByRole(AriaRole.Button, new() { Name = "发布晒单" }).ClickAsync();
        await Expect(card.Locator(".review-done")).ToContainTextAsync("晒单已发布，上传了 1 张照片。", Soon);
        await Browser.ScreenshotAsync(page, "live-review-photo");

        // The photo was confirmed: 10 points for the review and 5 for the kept photo.
        var points = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken));
        var entries = points.GetProperty("entries").EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("reason").GetString() == "review" && e.GetProperty("amount").GetInt32() == 10);
        Assert.Contains(entries, e => e.GetProperty("reason").GetString() == "photos" && e.GetProperty("amount").GetInt32() == 5);
        // The 我的 panel shows the new balance at once, without a reload of the page.
        Assert.Equal(before + 15, points.GetProperty("balance").GetInt32());
        await Expect(page.Locator("#growth-level")).ToContainTextAsync($" · {before + 15} 积分", Soon);

        // Reviews have no read route: the stored blob is checked in storage, with the type its bytes show.
        var stored = await App.Services.GetRequiredService<IBlobStore>().ListAsync("media", $"reviews/{campaignId}/{orderId}/").ToListAsync();
        Assert.Equal("image/png", Assert.Single(stored).ContentType);
        Assert.Empty(errors);
    }
}
