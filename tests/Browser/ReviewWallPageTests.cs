using Microsoft.Playwright;
using ServerlessCommerce.Tests.Api;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The 晒单墙 on the pages, in Chromium against the real app: the leader moderates reviews on the console's campaign
/// page (通过 / 优质 / 拒绝); the live room of the store's next campaign (not live yet: its preheat view) shows the
/// approved photo reviews, 优质晒单 first, with masked names and the photos themselves.
/// </summary>
public sealed class ReviewWallPageTests : ChainTest
{
    /// <summary>A real 24×24 PNG, so Chromium draws the photo.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAEMklEQVR42g3Mscp2AACA0f8Sn8sxGAwGSZIkSZIkSZIkSZIkSZK+DAaDwXX877mA8+8T+EQ+iU/mU/g0PoPP4nP4PL6AL+JL+DK+gq/ia/g6voFv4lv4Nr6D749/r8Ar8kq8Mq/Cq/EavBavw+vxBrwRb8Kb8Ra8FW/D2/EOvBPvwrvxHry/6BF4RB6JR+ZReDQeg8ficXg8noAn4kl4Mp6Cp+JpeDqegWfiWXg2noPnF90Ct8gtccvcCrfGbXBb3A63xx1wR9wJd8ZdcFfcDXfHPXBP3Av3xn1w/6JL4BK5JC6ZS+HSuAwui8vh8rgCrogr4cq4Cq6Kq+HquAauiWvh2rgOrl90Cpwip8QpcyqcGqfBaXE6nB5nwBlxJpwZZ8FZcTacHefAOXEunBvnwfmLdoFdZJfYZXaFXWM32C12h91jD9gj9oQ9Yy/YK/aGvWMf2Cf2hX1jP9h/0SqwiqwSq8yqsGqsBqvF6rB6rAFrxJqwZqwFa8XasHasA+vEurBurAfrL5oFZpFZYpaZFWaN2WC2mB1mjzlgjpgT5oy5YK6YG+aOeWCemBfmjflg/kWjwCgySowyo8KoMRqMFqPD6DEGjBFjwpgxFowVY8PYMQ6ME+PCuDEejL+oF+hFeoleplfoNXqD3qJ36D36gD6iT+gz+oK+om/oO/qBfqJf6Df6g/4XtQKtSCvRyrQKrUZr0Fq0Dq1HG9BGtAltRlvQVrQNbUc70E60C+1Ge9D+olqgFqklaplaodaoDWqL2qH2qAPqiDqhzqgL6oq6oe6oB+qJeqHeqA/qX1QKlCKlRClTKpQapUFpUTqUHmVAGVEmlBllQVlRNpQd5UA5US6UG+VB+YtygVwkl8hlcoVcIzfILXKH3CMPyCPyhDwjL8gr8oa8Ix/IJ/KFfCM/yH9RKpCKpBKpTKqQaqQGqUXqkHqkAWlEmpBmpAVpRdqQdqQD6US6kG6kB+kvigVikVgilokVYo3YILaIHWKPOCCOiBPijLggrogb4o54IJ6IF+KN+CD+RaFAKBJKhDKhQqgRGoQWoUPoEQaEEWFCmBEWhBVhQ9gRDoQT4UK4ER6Ev8gX8EV8CV/GV/A1fAPfwnfwPfwAP8JP8DP8Ar/Cb/A7/AF/wl/wN/wD/xe5Aq6IK+HKuAquhmvgWrgOrocb4Ea4CW6GW+BWuA1uhzvgTrgL7oZ74P4iW8AWsSVsGVvB1rANbAvbwfawA+wIO8HOsAvsCrvB7rAH7Al7wd6wD+xfZAqYIqaEKWMqmBqmgWlhOpgeZoAZYSaYGWaBWWE2mB3mgDlhLpgb5oH5i3QBXUSX0GV0BV1DN9AtdAfdQw/QI/QEPUMv0Cv0Br1DH9An9AV9Qz/Qf5EqoIqoEqqMqqBqqAaqheqgeqgBaoSaoGaoBWqF2qB2qAPqhLqgbqgH6h//AU9Sx66d5zJ7AAAAAElFTkSuQmCC");

    [Fact]
    public async Task TheLeaderApprovesFeaturesAndRejectsReviewsOnTheCampaignPage()
    {
        var (m2, t2) = await App.NewMemberAsync(Chain, "周小芳");
        var (m3, t3) = await App.NewMemberAsync(Chain, "吴大伟");
        var (campaignId, reviews) = await ReviewTestData.ReviewedCampaignAsync(App, Chain, Png, "image/png",
            (Chain.MemberId, Chain.MemberToken, "水蜜桃汁水很多，一口爆汁", 2), (m2, t2, "包装很用心，一个都没压坏", 1), (m3, t3, "和商品无关的照片", 1));

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, "#/campaigns/" + campaignId);
        await Browser.ExplainFailureAsync(async () =>
        {
            var card = page.Locator("#reviews");
            await Expect(card.GetByRole(AriaRole.Heading, new() { Name = "晒单审核" })).ToBeVisibleAsync();
            await Expect(page.Locator("#reviews-hint")).ToContainTextAsync("50 积分");
            ILocator Row(int i) => page.Locator($"#review-list li.review[data-review-id='{reviews[i].ReviewId}']");
            await Expect(page.Locator("#review-list li.review")).ToHaveCountAsync(3);
            await Expect(Row(0)).ToContainTextAsync("待审核");
            await Expect(Row(0)).ToContainTextAsync("李**");
            await Expect(Row(0).Locator(".review-photos img")).ToHaveCountAsync(2);

            // 通过, then 优质 for the first; 通过 for the second; 拒绝 with a reason for the third.
            await Row(0).GetByRole(AriaRole.Button, new() { Name = "通过", Exact = true }).ClickAsync();
            await Expect(Row(0)).ToHaveAttributeAsync("data-status", "approved");
            await Row(0).GetByRole(AriaRole.Button, new() { Name = "优质", Exact = true }).ClickAsync();
            await Expect(Row(0)).ToHaveAttributeAsync("data-featured", "true");
            await Expect(Row(0)).ToContainTextAsync("优质晒单");
            await Row(1).GetByRole(AriaRole.Button, new() { Name = "通过", Exact = true }).ClickAsync();
            await Expect(Row(1)).ToHaveAttributeAsync("data-status", "approved");
            await Row(2).GetByRole(AriaRole.Button, new() { Name = "拒绝", Exact = true }).ClickAsync();
            await Row(2).GetByRole(AriaRole.Button, new() { Name = "确认拒绝" }).ClickAsync();
            await Expect(page.Locator("#reviews-error")).ToBeVisibleAsync(); // a reason is required
            await Row(2).GetByLabel("请输入拒绝理由").FillAsync("照片与商品无关");
            await Row(2).GetByRole(AriaRole.Button, new() { Name = "确认拒绝" }).ClickAsync();
            await Expect(Row(2)).ToHaveAttributeAsync("data-status", "rejected");
            await Expect(Row(2)).ToContainTextAsync("照片与商品无关");
            await Row(2).ScrollIntoViewIfNeededAsync();
            await Browser.ScreenshotAsync(page, "console-review-moderation");
        }, (page, "console-review-moderation"));

        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/reviews", Chain.LeaderKey));
        var states = list.EnumerateArray().ToDictionary(r => r.GetProperty("reviewId").GetString()!, r => (r.GetProperty("status").GetString(), r.GetProperty("featured").GetBoolean()));
        Assert.Equal(("approved", true), states[reviews[0].ReviewId]);
        Assert.Equal(("approved", false), states[reviews[1].ReviewId]);
        Assert.Equal(("rejected", false), states[reviews[2].ReviewId]);
        var points = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken));
        Assert.Single(points.GetProperty("entries").EnumerateArray(), e => e.GetProperty("reason").GetString() == "featured" && e.GetProperty("amount").GetInt32() == 50);
        Assert.Empty(errors); // the refused empty reason is shown on the page, not a script error
    }

    [Fact]
    public async Task TheNextCampaignsLiveRoomShowsTheApprovedPhotoReviewsOnTheWallFeaturedFirst()
    {
        var (m2, t2) = await App.NewMemberAsync(Chain, "郑晓雯");
        var (m3, t3) = await App.NewMemberAsync(Chain, "钱多多");
        var (campaignId, reviews) = await ReviewTestData.ReviewedCampaignAsync(App, Chain, Png, "image/png",
            (Chain.MemberId, Chain.MemberToken, "桃子很甜，孩子一口气吃了两个", 2), (m2, t2, "个头大，送邻居也有面子", 1), (m3, t3, "还没审核的晒单", 1));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reviews/{reviews[1].ReviewId}/approve", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/reviews/{reviews[0].ReviewId}/feature", secret: Chain.LeaderKey));
        var (next, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await Browser.ExplainFailureAsync(async () =>
        {
            await page.GotoAsync($"/live/{next}");
            var wall = page.Locator("#review-wall");
            await Expect(wall).ToBeVisibleAsync();
            await Expect(wall.GetByRole(AriaRole.Heading, new() { Name = "晒单墙" })).ToBeVisibleAsync();
            var cards = wall.Locator("li.wall-card");
            await Expect(cards).ToHaveCountAsync(2);
            await Expect(cards.Nth(0)).ToHaveAttributeAsync("data-review-id", reviews[0].ReviewId);
            await Expect(cards.Nth(0)).ToContainTextAsync("优质晒单");
            await Expect(cards.Nth(0)).ToContainTextAsync("李**");
            await Expect(cards.Nth(0)).ToContainTextAsync("桃子很甜，孩子一口气吃了两个");
            await Expect(cards.Nth(1)).ToContainTextAsync("郑**");
            await Expect(cards.Nth(0).Locator("img")).ToHaveCountAsync(2);
            // The photos really load (a broken link has no natural width).
            await Expect(cards.Nth(0).Locator("img").First).ToHaveJSPropertyAsync("naturalWidth", 24);
            var text = await wall.InnerTextAsync();
            Assert.DoesNotContain("还没审核", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Chain.Phone[^4..], text, StringComparison.Ordinal);
            Assert.DoesNotContain("李阿姨", text, StringComparison.Ordinal);

            // A photo opens large.
            await cards.Nth(0).GetByRole(AriaRole.Button, new() { Name = "李** 的晒单照片 1" }).ClickAsync();
            await Expect(page.Locator("#review-wall-viewer img")).ToBeVisibleAsync();
            await page.Locator("#review-wall-viewer").GetByRole(AriaRole.Button, new() { Name = "关闭" }).ClickAsync();
            await wall.ScrollIntoViewIfNeededAsync();
            await Browser.ScreenshotAsync(page, "live-review-wall");
        }, (page, "live-review-wall"));
        Assert.Empty(errors);
    }
}
