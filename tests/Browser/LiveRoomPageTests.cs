using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// The member live room (/live/{campaignId}) in Chromium at phone size against the real app: anonymous watching, joining,
/// ordering against live stock, comments, polls, flash sales, and the pickup code and follow-up after close. The leader's
/// side is driven through the API; every change must reach the open page without a reload.
/// </summary>
public sealed class LiveRoomPageTests : ChainTest
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 15_000 };

    [Fact]
    public async Task AnAnonymousViewerSeesTitlePhaseAndStockAndAnotherMembersOrderMovesTheStockWithoutReload()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 20);
        await using var room = await OpenAsync(campaignId);
        var (page, errors) = (room.Page, room.Errors);

        await Expect(page.Locator("#room-title")).ToHaveTextAsync("周三厨房 · 水蜜桃专场");
        await Expect(page.Locator("#phase")).ToHaveAttributeAsync("data-phase", "live");
        await Expect(page.Locator("#phase")).ToHaveTextAsync("直播中");
        var card = page.Locator($"[data-item-id=\"{itemId}\"]");
        await Expect(card.Locator(".remaining")).ToHaveTextAsync("20");
        await Expect(card).ToContainTextAsync("阳山水蜜桃");
        await Expect(card).ToContainTextAsync("¥29.90");
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#viewer-count")).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"));
        await Expect(page.GetByText("幸福里店", new() { Exact = true })).ToBeVisibleAsync();
        // Live but not joined: the order button is not usable, and a tap leads to the join form.
        await Expect(card.Locator("button.order-button")).ToBeDisabledAsync();
        await card.Locator("button.order-button").DispatchEventAsync("click");
        await Expect(page.GetByLabel("称呼")).ToBeFocusedAsync();
        await Browser.ScreenshotAsync(page, "live-anonymous");

        var (_, other) = await App.NewMemberAsync(Chain, "张三丰");
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, other, itemId, 3), 201);

        await Expect(card.Locator(".remaining")).ToHaveTextAsync("17", Slow);
        await Expect(page.Locator("#ticker")).ToContainTextAsync("买了 3 份");
        await Expect(card).ToContainTextAsync("已售 3");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ABurstOfOrdersEndsOnTheTrueStockAndTheTickerKeepsTheLastTwentyLines()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 100);
        await using var room = await OpenAsync(campaignId);
        var (page, errors) = (room.Page, room.Errors);
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected");

        var members = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => App.NewMemberAsync(Chain, "邻居" + i)));
        var orders = members.SelectMany(m => Enumerable.Range(0, 6).Select(_ => App.OrderAsync(campaignId, m.Token, itemId, 1)));
        foreach (var response in await Task.WhenAll(orders))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        }

        await Expect(page.Locator($"[data-item-id=\"{itemId}\"] .remaining")).ToHaveTextAsync("70", Slow);
        await Expect(page.Locator("#ticker li")).ToHaveCountAsync(20, new() { Timeout = 15_000 });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AMemberJoinsThroughTheFormStaysSignedInAfterReloadReservesAndCanOrderOnceTheLeaderGoesLive()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/preheat", secret: Chain.LeaderKey));
        await using var room = await OpenAsync(campaignId);
        var (page, errors) = (room.Page, room.Errors);
        await Expect(page.Locator("#phase")).ToHaveAttributeAsync("data-phase", "preheat");

        await page.GetByLabel("称呼").FillAsync("王阿姨");
        await page.GetByLabel("手机号").FillAsync(TestApp.NewPhone());
        await Expect(page.GetByLabel("自提门店")).ToHaveValueAsync(Chain.StoreId);
        await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();

        await Expect(page.Locator("#me")).ToContainTextAsync("王阿姨");
        await Expect(page.Locator("#join-form")).ToBeHiddenAsync();
        var token = await page.EvaluateAsync<string>($"localStorage.getItem('sc.member.{Chain.ChainId}')");
        Assert.False(string.IsNullOrEmpty(token));

        await page.ReloadAsync();
        await Expect(page.Locator("#me")).ToContainTextAsync("王阿姨");
        await Expect(page.Locator("#join-form")).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "预约直播" }).ClickAsync();
        await Expect(page.Locator("#reserve")).ToHaveTextAsync("已预约");
        Assert.Equal(1, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("reservationCount").GetInt32());

        var button = page.Locator($"[data-item-id=\"{itemId}\"] button.order-button");
        await Expect(button).ToBeDisabledAsync();
        await Browser.ScreenshotAsync(page, "live-joined");

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await Expect(page.Locator("#phase")).ToHaveAttributeAsync("data-phase", "live", new() { Timeout = 15_000 });
        await Expect(page.Locator("#phase")).ToHaveTextAsync("直播中");
        await Expect(button).ToBeEnabledAsync();
        await Expect(page.Locator("#reserve")).ToBeHiddenAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task OrderingShowsTheResultAtOnceAndTheStockDrops()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 20);
        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var (page, errors) = (room.Page, room.Errors);
        var card = page.Locator($"[data-item-id=\"{itemId}\"]");
        await Expect(card.Locator(".remaining")).ToHaveTextAsync("20");

        await card.GetByLabel("数量").FillAsync("2");
        await card.GetByRole(AriaRole.Button, new() { Name = "下单" }).ClickAsync();

        await Expect(page.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok");
        await Expect(page.Locator("#order-result")).ToContainTextAsync("下单成功");
        await Expect(page.Locator("#order-result")).ToContainTextAsync("¥59.80");
        await Expect(card.Locator(".remaining")).ToHaveTextAsync("18");
        var order = page.Locator("#my-orders [data-order-id]");
        await Expect(order).ToHaveCountAsync(1);
        await Expect(order.Locator(".order-status")).ToHaveAttributeAsync("data-status", "placed");
        await Expect(order.Locator(".order-status")).ToHaveTextAsync("已下单");
        await Expect(order).ToContainTextAsync("阳山水蜜桃 × 2");
        await Browser.ScreenshotAsync(page, "live-ordered");

        // Cancelling while live gives the stock back.
        await order.GetByRole(AriaRole.Button, new() { Name = "取消订单" }).ClickAsync();
        await Expect(order.Locator(".order-status")).ToHaveAttributeAsync("data-status", "cancelled");
        await Expect(card.Locator(".remaining")).ToHaveTextAsync("20");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ExceedingThePerMemberLimitShowsTheMemberLimitMessage()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 20, perMemberLimit: 2);
        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var page = room.Page;
        var card = page.Locator($"[data-item-id=\"{itemId}\"]");
        await Expect(card).ToContainTextAsync("每人限购 2");
        await Expect(card.GetByLabel("数量")).ToHaveAttributeAsync("max", "2");

        await card.GetByLabel("数量").FillAsync("3");
        await card.GetByRole(AriaRole.Button, new() { Name = "下单" }).ClickAsync();

        var result = page.Locator("#order-result");
        await Expect(result).ToHaveAttributeAsync("data-result", "error");
        await Expect(result).ToHaveAttributeAsync("role", "alert");
        await Expect(result).ToContainTextAsync("超出每人限购数量");
        await Expect(card.Locator(".remaining")).ToHaveTextAsync("20");
        await Browser.ScreenshotAsync(page, "live-member-limit");
    }

    [Fact]
    public async Task ACommentPostsAppearsAndShowsTheLeadersAnswer()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var (page, errors) = (room.Page, room.Errors);

        await page.GetByLabel("提个问题或说点什么").FillAsync("桃子甜不甜？");
        await page.GetByRole(AriaRole.Button, new() { Name = "发送" }).ClickAsync();

        var comment = page.Locator("#comment-list li", new() { HasText = "桃子甜不甜？" });
        await Expect(comment).ToHaveCountAsync(1);
        await Expect(comment).ToContainTextAsync("李*");
        await Expect(page.GetByLabel("提个问题或说点什么")).ToHaveValueAsync("");

        var commentId = await comment.GetAttributeAsync("data-comment-id");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/comments/{commentId}/answer", new { text = "很甜，包甜！" }, Chain.LeaderKey));
        await Expect(comment.Locator(".answer")).ToContainTextAsync("很甜，包甜！", new() { Timeout = 15_000 });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task VotingOnAPollTheLeaderOpensCountsOnceAndThePollCloses()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var (page, errors) = (room.Page, room.Errors);
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected");

        var created = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls",
            new { question = "下次想吃什么？", options = new[] { "草莓", "车厘子" } }, Chain.LeaderKey), 201);
        var pollId = created.GetProperty("pollId").GetString();
        var poll = page.Locator($"[data-poll-id=\"{pollId}\"]");
        await Expect(poll).ToContainTextAsync("下次想吃什么？", new() { Timeout = 15_000 });

        await poll.Locator("button.vote[data-option=\"1\"]").ClickAsync();
        await Expect(poll.Locator(".poll-status")).ToHaveTextAsync("您已投票，谢谢！");
        await Expect(poll.Locator("button.vote[data-option=\"1\"]")).ToContainTextAsync("1 票 · 100%");
        await Expect(poll.Locator("button.vote[data-option=\"0\"]")).ToBeDisabledAsync();

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls/{pollId}/close", secret: Chain.LeaderKey));
        await Expect(poll.Locator(".poll-closed")).ToBeVisibleAsync(new() { Timeout = 15_000 });

        // Another browser of the same member (no local memory of the vote) is told it already voted.
        await using var secondRoom = await OpenAsync(campaignId, Chain.MemberToken);
        var second = secondRoom.Page;
        var again = second.Locator($"[data-poll-id=\"{pollId}\"]");
        await Expect(again.Locator(".poll-closed")).ToBeVisibleAsync();
        await Expect(again.Locator("button.vote[data-option=\"1\"]")).ToContainTextAsync("1 票");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AnAlreadyVotedAnswerSaysSo()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var created = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls",
            new { question = "团购时间？", options = new[] { "周三", "周六" } }, Chain.LeaderKey), 201);
        var pollId = created.GetProperty("pollId").GetString();
        var voted = await App.PostAsync($"/api/campaigns/{campaignId}/polls/{pollId}/votes", new { option = 0 }, Chain.MemberToken);
        Assert.True(voted.IsSuccessStatusCode);

        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var page = room.Page;
        var poll = page.Locator($"[data-poll-id=\"{pollId}\"]");
        await poll.Locator("button.vote[data-option=\"1\"]").ClickAsync();
        await Expect(poll.Locator(".poll-status")).ToHaveTextAsync("您已经投过票了。");
    }

    [Fact]
    public async Task AFlashSaleStartedByTheLeaderShowsACountdownAndItsPrice()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 50);
        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var (page, errors) = (room.Page, room.Errors);
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#flash")).ToBeHiddenAsync();

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/flash-sales",
            new { itemId, quantity = 10, priceFen = 1990, durationSeconds = 120, firstNGift = 3 }, Chain.LeaderKey), 201);

        var flash = page.Locator("#flash");
        await Expect(flash).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(flash).ToContainTextAsync("¥19.90");
        await Expect(flash.Locator(".countdown")).ToHaveTextAsync(new Regex("^0[12]:[0-5][0-9]$"));
        var first = await flash.Locator(".countdown").TextContentAsync();
        await Expect(flash.Locator(".countdown")).Not.ToHaveTextAsync(first!, new() { Timeout = 5_000 });
        await Expect(flash.Locator(".flash-left")).ToHaveTextAsync("10");
        await Expect(page.Locator($"[data-item-id=\"{itemId}\"] .price")).ToContainTextAsync("¥19.90");
        await Browser.ScreenshotAsync(page, "live-flash-sale");

        await page.Locator($"[data-item-id=\"{itemId}\"] button.order-button").ClickAsync();
        await Expect(page.Locator("#order-result")).ToContainTextAsync("¥19.90");
        await Expect(flash.Locator(".flash-left")).ToHaveTextAsync("9", Slow);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task RejoiningWithAKnownPhoneExplainsAndAcceptsALoginCodeFromTheLeader()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        await using var room = await OpenAsync(campaignId);
        var (page, errors) = (room.Page, room.Errors);

        await page.GetByLabel("称呼").FillAsync("李阿姨");
        await page.GetByLabel("手机号").FillAsync(Chain.Phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();

        await Expect(page.Locator("#member-exists")).ToBeVisibleAsync();
        await Expect(page.Locator("#member-exists")).ToContainTextAsync("已经加入过");
        await Expect(page.GetByLabel("登录码")).ToBeFocusedAsync();
        await Browser.ScreenshotAsync(page, "live-member-exists");

        await page.GetByLabel("登录码").FillAsync("not-a-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "用登录码进入" }).ClickAsync();
        await Expect(page.Locator("#token-error")).ToContainTextAsync("登录码无效");

        var issued = await TestApp.OkJsonAsync(await App.PostAsync($"/api/members/{Chain.MemberId}/token", secret: Chain.LeaderKey));
        await page.GetByLabel("登录码").FillAsync(issued.GetProperty("memberToken").GetString()!);
        await page.GetByRole(AriaRole.Button, new() { Name = "用登录码进入" }).ClickAsync();
        await Expect(page.Locator("#me")).ToContainTextAsync("李阿姨");
        await Expect(page.Locator("#token-form")).ToBeHiddenAsync();

        // Leaving forgets the token.
        await page.GetByRole(AriaRole.Button, new() { Name = "退出 / 切换" }).ClickAsync();
        await Expect(page.Locator("#join-form")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>($"localStorage.getItem('sc.member.{Chain.ChainId}')"));
        Assert.DoesNotContain(errors, e => !e.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterCloseThePickupCodeAppearsAndAfterPickupTheSurveySubmits()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10, minGroupSize: 1);
        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var (page, errors) = (room.Page, room.Errors);
        var card = page.Locator($"[data-item-id=\"{itemId}\"]");
        await card.GetByRole(AriaRole.Button, new() { Name = "下单" }).ClickAsync();
        await Expect(page.Locator("#order-result")).ToHaveAttributeAsync("data-result", "ok");

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        var order = page.Locator("#my-orders [data-order-id]");
        await Expect(order.Locator(".order-status")).ToHaveAttributeAsync("data-status", "confirmed", new() { Timeout = 15_000 });
        // One 提货码 card above her orders (one code per member per campaign); the order points to it.
        var pickupCard = page.Locator("#pickup-card");
        await Expect(pickupCard.Locator(".pickup-code")).ToHaveTextAsync(new Regex("^[0-9]{8}$"));
        await Expect(pickupCard).ToContainTextAsync("到店时请在柜台出示此提货码");
        await Expect(order.Locator(".pickup-note")).ToContainTextAsync("上方的提货码");
        await Expect(page.Locator("#phase")).ToHaveAttributeAsync("data-phase", "fulfilling", new() { Timeout = 15_000 });
        await Expect(card.Locator("button.order-button")).ToBeDisabledAsync();
        await page.Locator("#order-result-close").ClickAsync();
        await Browser.ScreenshotAsync(page, "live-pickup-code");

        var code = (await pickupCard.Locator(".pickup-code").TextContentAsync())!;
        var picked = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = code }, Chain.LeaderKey));
        Assert.Equal("pickedUp", Assert.Single(picked.GetProperty("orders").EnumerateArray()).GetProperty("status").GetString());

        await Expect(order.Locator(".order-status")).ToHaveAttributeAsync("data-status", "pickedUp", new() { Timeout = 15_000 });
        await Expect(order.Locator(".survey-form")).ToBeVisibleAsync();
        await Expect(order.Locator(".review-form")).ToBeVisibleAsync();
        await Expect(order.GetByLabel("照片（最多 9 张）")).ToHaveAttributeAsync("accept", "image/*");

        await order.GetByLabel("满意度（1–5 分）").SelectOptionAsync("5");
        await order.GetByLabel("您有多大可能把我们推荐给邻居？（0–10 分）").SelectOptionAsync("9");
        await order.GetByLabel("其他建议（选填）").FillAsync("桃子很甜，下次还来");
        await Browser.ScreenshotAsync(page, "live-survey");
        await order.GetByRole(AriaRole.Button, new() { Name = "提交回访" }).ClickAsync();
        await Expect(order.Locator(".survey-done")).ToHaveTextAsync("感谢您的反馈！");

        await order.GetByLabel("评分（1–5 星）").SelectOptionAsync("5");
        await order.GetByLabel("评价内容").FillAsync("新鲜，个头大。");
        await order.GetByRole(AriaRole.Button, new() { Name = "发布晒单" }).ClickAsync();
        await Expect(order.Locator(".review-done")).ToHaveTextAsync("晒单已发布，感谢分享！");
        await Expect(page.Locator("#points")).ToContainTextAsync("当前积分");
        await Browser.ScreenshotAsync(page, "live-reviewed");

        // The survey again (another browser, no local memory) → already submitted. The first page refreshed the member's
        // token on opening, which revoked the one it started with: the second browser signs in with the current one.
        var current = await page.EvaluateAsync<string>($"localStorage.getItem({JsonSerializer.Serialize("sc.member." + Chain.ChainId)})");
        Assert.NotEqual(Chain.MemberToken, current);
        await using var secondRoom = await OpenAsync(campaignId, current);
        var second = secondRoom.Page;
        var again = second.Locator("#my-orders [data-order-id]");
        await again.GetByLabel("满意度（1–5 分）").SelectOptionAsync("4");
        await again.GetByLabel("您有多大可能把我们推荐给邻居？（0–10 分）").SelectOptionAsync("8");
        await again.GetByRole(AriaRole.Button, new() { Name = "提交回访" }).ClickAsync();
        await Expect(again.Locator(".survey-done")).ToHaveTextAsync("谢谢，我们已经收到您的回访了。");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ThePinnedProductShowsItsTraceabilityAndTheRoomSwitchesToEnglish()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var campaign = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        var productId = campaign.GetProperty("items")[0].GetProperty("productId").GetString();
        using (var report = new HttpRequestMessage(HttpMethod.Post, $"/api/products/{productId}/reports") { Content = new ByteArrayContent("%PDF-1.4 test"u8.ToArray()) })
        {
            report.Content.Headers.ContentType = new("application/pdf");
            report.Headers.Add("x-file-name", "peach-inspection.pdf");
            report.Headers.Authorization = new("Bearer", Chain.AdminKey);
            using var uploaded = await App.Client.SendAsync(report);
            Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        }

        await using var room = await OpenAsync(campaignId, Chain.MemberToken);
        var (page, errors) = (room.Page, room.Errors);
        await Expect(page.Locator("#conn-status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#pinned")).ToBeHiddenAsync();
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pin", new { itemId }, Chain.LeaderKey));

        var pinned = page.Locator("#pinned");
        await Expect(pinned).ToContainTextAsync("阳山水蜜桃", new() { Timeout = 15_000 });
        await Expect(pinned).ToContainTextAsync("无锡阳山");
        await Expect(pinned).ToContainTextAsync("2026-11-A");
        await Expect(pinned).ToContainTextAsync("果园直发");
        await Expect(pinned.Locator("a.report")).ToHaveAttributeAsync("target", "_blank");
        await Expect(pinned.Locator("a.report")).ToContainTextAsync("peach-inspection.pdf");
        await Browser.ScreenshotAsync(page, "live-pinned");

        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.Locator("#phase")).ToHaveTextAsync("Live");
        await Expect(page.Locator($"[data-item-id=\"{itemId}\"] button.order-button")).ToHaveTextAsync("Order");
        await Expect(page.GetByLabel("Quantity")).ToBeVisibleAsync();
        await Expect(pinned).ToContainTextAsync("Origin");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task WithVerificationOnTheFormAsksForTheSmsCodeAndAKnownPhoneSignsInWithIt()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["MemberVerification"] = "on" },
            s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(s, clock));
        var (chainId, adminKey) = await app.NewChainAsync();
        var storeId = (await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, adminKey), 201)).GetProperty("storeId").GetString()!;
        var leader = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{chainId}/leaders", new { name = "王团长", storeId }, adminKey), 201);
        var fixture = new TestApp.ChainFixture(chainId, adminKey, storeId, leader.GetProperty("leaderId").GetString()!, leader.GetProperty("leaderKey").GetString()!, "", "", "");
        var (campaignId, _) = await app.NewLiveCampaignAsync(fixture);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(app.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        await Expect(page.Locator("#phase")).Not.ToHaveAttributeAsync("data-phase", "");

        async Task<string> LatestCodeAsync(string phone)
        {
            var messages = await TestApp.OkJsonAsync(await app.GetAsync($"/api/dev/messages?chainId={chainId}&phone={phone}"));
            return messages[0].GetProperty("code").GetString()!;
        }

        var phone = TestApp.NewPhone();
        await page.GetByLabel("称呼").FillAsync("王阿姨");
        await page.GetByLabel("手机号").FillAsync(phone);
        await Expect(page.GetByLabel("自提门店")).ToHaveValueAsync(storeId);
        await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();

        // The chain asks for a code: the field appears, a code is sent and the resend button counts down.
        await Expect(page.GetByLabel("验证码")).ToBeVisibleAsync();
        await Expect(page.Locator("#join-send-code")).ToContainTextAsync("秒后可重新获取");
        await Expect(page.Locator("#join-dev-messages")).ToBeVisibleAsync();
        await Expect(page.Locator("#join-dev-messages")).ToHaveTextAsync("本地测试：查看模拟短信");
        await Browser.ScreenshotAsync(page, "live-join-code");
        await page.GetByLabel("验证码").FillAsync(await LatestCodeAsync(phone));
        await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();
        await Expect(page.Locator("#me")).ToContainTextAsync("王阿姨");

        // Leave, and sign in again with the same phone: a new code signs the member in.
        var memberId = (await TestApp.OkJsonAsync(await app.GetAsync("/api/me", await page.EvaluateAsync<string>($"localStorage.getItem('sc.member.{chainId}')")))).GetProperty("memberId").GetString();
        await page.GetByRole(AriaRole.Button, new() { Name = "退出 / 切换" }).ClickAsync();
        await page.ReloadAsync();
        clock.Advance(TimeSpan.FromSeconds(61));
        await page.GetByLabel("称呼").FillAsync("王阿姨");
        await page.GetByLabel("手机号").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();
        await Expect(page.GetByLabel("验证码")).ToBeVisibleAsync();
        await Expect(page.Locator("#join-send-code")).ToContainTextAsync("秒后可重新获取");
        await page.GetByLabel("验证码").FillAsync(await LatestCodeAsync(phone));
        await page.GetByRole(AriaRole.Button, new() { Name = "加入社群" }).ClickAsync();
        await Expect(page.Locator("#me")).ToContainTextAsync("王阿姨");
        var again = await TestApp.OkJsonAsync(await app.GetAsync("/api/me", await page.EvaluateAsync<string>($"localStorage.getItem('sc.member.{chainId}')")));
        Assert.Equal(memberId, again.GetProperty("memberId").GetString());
        Assert.Empty(errors);
    }

    /// <summary>A fresh phone-sized browser on the live room, signed in as the member when a token is given.</summary>
    private async Task<Room> OpenAsync(string campaignId, string? memberToken = null)
    {
        var browser = await Browser.SharedAsync();
        var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        if (memberToken is not null)
        {
            // What the join form stores: the member token, keyed by chain (once per tab, so leaving sticks across reloads).
            await context.AddInitScriptAsync(
                $"if (!sessionStorage.getItem('t')) {{ localStorage.setItem({JsonSerializer.Serialize("sc.member." + Chain.ChainId)}, {JsonSerializer.Serialize(memberToken)}); sessionStorage.setItem('t', '1'); }}");
        }

        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");
        await Expect(page.Locator("#phase")).Not.ToHaveAttributeAsync("data-phase", "");
        return new Room(context, page, errors);
    }

    private sealed record Room(IBrowserContext Context, IPage Page, List<string> Errors) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Context.DisposeAsync();
    }
}
