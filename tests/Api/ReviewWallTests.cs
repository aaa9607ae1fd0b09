using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// 晒单 moderation and the 晒单墙: who may moderate, the moderation rules, what the public wall shows (approved reviews
/// with photos of the store, masked, never private data), and the 优质晒单 reward credited exactly once.
/// </summary>
public sealed class ReviewWallTests : ChainTest, IDisposable
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];

    private readonly HttpClient _blobs = new();

    public void Dispose() => _blobs.Dispose();

    private Task<(string CampaignId, List<ReviewTestData.Reviewed> Reviews)> ReviewedCampaignAsync(TestApp.ChainFixture f, params (string MemberId, string Token, string Text, int Photos)[] buyers) =>
        ReviewTestData.ReviewedCampaignAsync(App, f, Jpeg, "image/jpeg", buyers);

    private Task<HttpResponseMessage> ModerateAsync(string campaignId, string reviewId, string action, string secret, object? body = null) =>
        App.PostAsync($"/api/campaigns/{campaignId}/reviews/{reviewId}/{action}", body, secret);

    private async Task<JsonElement> WallAsync(string campaignId) => await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/review-wall"));

    private static List<string> WallIds(JsonElement wall) => wall.GetProperty("reviews").EnumerateArray().Select(r => r.GetProperty("reviewId").GetString()!).ToList();

    private async Task<(string StoreId, string LeaderKey, string LeaderId)> OtherStoreAsync()
    {
        var store = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "和平里店", address = "和平路 2 号" }, Chain.AdminKey), 201);
        var storeId = store.GetProperty("storeId").GetString()!;
        var leader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "赵团长", storeId }, Chain.AdminKey), 201);
        return (storeId, leader.GetProperty("leaderKey").GetString()!, leader.GetProperty("leaderId").GetString()!);
    }

    [Fact]
    public async Task OnlyTheLeaderOfTheCampaignsStoreOrTheAdminMayListAndModerateReviews()
    {
        var (campaignId, reviews) = await ReviewedCampaignAsync(Chain, (Chain.MemberId, Chain.MemberToken, "桃子很甜，孩子爱吃", 1));
        var reviewId = reviews[0].ReviewId;
        var other = await App.NewChainWithPeopleAsync();
        var (_, otherLeaderKey, _) = await OtherStoreAsync();

        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/reviews"), 401, "unauthorized");
        foreach (var secret in new[] { Chain.MemberToken, other.AdminKey, otherLeaderKey })
        {
            await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/reviews", secret), 403, "forbidden");
            foreach (var action in new[] { "approve", "feature" })
            {
                await TestApp.ProblemAsync(await ModerateAsync(campaignId, reviewId, action, secret), 403, "forbidden");
            }

            await TestApp.ProblemAsync(await ModerateAsync(campaignId, reviewId, "reject", secret, new { reason = "x" }), 403, "forbidden");
        }

        await TestApp.ProblemAsync(await ModerateAsync(campaignId, reviewId, "approve", null!), 401, "unauthorized");
        Assert.Empty(WallIds(await WallAsync(campaignId))); // nobody's refused call changed anything

        foreach (var secret in new[] { Chain.LeaderKey, Chain.AdminKey })
        {
            var response = await App.GetAsync($"/api/campaigns/{campaignId}/reviews", secret);
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
            var list = await TestApp.OkJsonAsync(response);
            var review = Assert.Single(list.EnumerateArray());
            Assert.Equal(reviewId, review.GetProperty("reviewId").GetString());
            Assert.Equal("pending", review.GetProperty("status").GetString());
            Assert.False(review.GetProperty("featured").GetBoolean());
            Assert.Equal("李**", review.GetProperty("maskedName").GetString());
            Assert.Equal("桃子很甜，孩子爱吃", review.GetProperty("text").GetString());
            Assert.Equal(50, review.GetProperty("featuredPoints").GetInt32());
            var photo = Assert.Single(review.GetProperty("photoUrls").EnumerateArray()).GetString()!;
            Assert.Equal(Jpeg, await _blobs.GetByteArrayAsync(photo));
        }

        await TestApp.ProblemAsync(await ModerateAsync(campaignId, Chain.ChainId + "-vnope0000000", "approve", Chain.LeaderKey), 404, "not-found");
    }

    [Fact]
    public async Task ModerationActionsFollowTheRulesAndRepeatIdempotently()
    {
        var (member2, token2) = await App.NewMemberAsync(Chain, "王小燕");
        var (campaignId, reviews) = await ReviewedCampaignAsync(Chain,
            (Chain.MemberId, Chain.MemberToken, "很新鲜", 1), (member2, token2, "没有照片的评价", 0));
        var withPhoto = reviews[0].ReviewId;
        var noPhoto = reviews[1].ReviewId;

        // A rejection needs a reason, ≤ 200 characters; nothing changes when it is refused.
        await TestApp.ProblemAsync(await ModerateAsync(campaignId, withPhoto, "reject", Chain.LeaderKey, new { reason = "  " }), 400, "validation");
        await TestApp.ProblemAsync(await ModerateAsync(campaignId, withPhoto, "reject", Chain.LeaderKey, new { reason = new string('差', 201) }), 400, "validation");

        var rejected = await TestApp.OkJsonAsync(await ModerateAsync(campaignId, withPhoto, "reject", Chain.LeaderKey, new { reason = "照片与商品无关" }));
        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        Assert.Equal("照片与商品无关", rejected.GetProperty("rejectReason").GetString());
        var again = await TestApp.OkJsonAsync(await ModerateAsync(campaignId, withPhoto, "reject", Chain.AdminKey, new { reason = "另一个理由" }));
        Assert.Equal("照片与商品无关", again.GetProperty("rejectReason").GetString()); // the first reason stands
        Assert.Equal(rejected.GetProperty("moderatedAt").GetDateTimeOffset(), again.GetProperty("moderatedAt").GetDateTimeOffset());

        // A rejected review is not featured; it can be approved after all, then featured.
        await TestApp.ProblemAsync(await ModerateAsync(campaignId, withPhoto, "feature", Chain.LeaderKey), 409, "invalid-transition");
        var approved = await TestApp.OkJsonAsync(await ModerateAsync(campaignId, withPhoto, "approve", Chain.LeaderKey));
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, approved.GetProperty("rejectReason").ValueKind);
        var approvedAgain = await TestApp.OkJsonAsync(await ModerateAsync(campaignId, withPhoto, "approve", Chain.LeaderKey));
        Assert.Equal(approved.GetProperty("moderatedAt").GetDateTimeOffset(), approvedAgain.GetProperty("moderatedAt").GetDateTimeOffset());

        var featured = await TestApp.OkJsonAsync(await ModerateAsync(campaignId, withPhoto, "feature", Chain.LeaderKey));
        Assert.True(featured.GetProperty("featured").GetBoolean());
        Assert.Equal("approved", featured.GetProperty("status").GetString());
        // A featured review earned its points: it cannot be rejected; approving it again keeps it featured.
        await TestApp.ProblemAsync(await ModerateAsync(campaignId, withPhoto, "reject", Chain.LeaderKey, new { reason = "改主意了" }), 409, "invalid-transition");
        Assert.True((await TestApp.OkJsonAsync(await ModerateAsync(campaignId, withPhoto, "approve", Chain.AdminKey))).GetProperty("featured").GetBoolean());

        // 优质晒单 shows photos: a review without one is approved but not featured.
        await TestApp.ProblemAsync(await ModerateAsync(campaignId, noPhoto, "feature", Chain.LeaderKey), 409, "invalid-transition");
        Assert.Equal("approved", (await TestApp.OkJsonAsync(await ModerateAsync(campaignId, noPhoto, "approve", Chain.LeaderKey))).GetProperty("status").GetString());

        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/reviews", Chain.LeaderKey));
        var states = list.EnumerateArray().ToDictionary(r => r.GetProperty("reviewId").GetString()!, r => (r.GetProperty("status").GetString(), r.GetProperty("featured").GetBoolean()));
        Assert.Equal(("approved", true), states[withPhoto]);
        Assert.Equal(("approved", false), states[noPhoto]);
        Assert.Equal([withPhoto], WallIds(await WallAsync(campaignId))); // the wall shows 晒单 with photos only
    }

    [Fact]
    public async Task TheWallShowsOnlyApprovedReviewsWithPhotosMaskedAndWithoutPrivateData()
    {
        var (m2, t2) = await App.NewMemberAsync(Chain, "张小花");
        var (m3, t3) = await App.NewMemberAsync(Chain, "赵大勇");
        var (campaignId, reviews) = await ReviewedCampaignAsync(Chain,
            (Chain.MemberId, Chain.MemberToken, "桃子又大又甜", 2), (m2, t2, "还没审核的晒单", 1), (m3, t3, "要被拒绝的晒单", 1));
        await TestApp.OkJsonAsync(await ModerateAsync(campaignId, reviews[0].ReviewId, "approve", Chain.LeaderKey));
        await TestApp.OkJsonAsync(await ModerateAsync(campaignId, reviews[2].ReviewId, "reject", Chain.LeaderKey, new { reason = "内容不当" }));

        var response = await App.GetAsync($"/api/campaigns/{campaignId}/review-wall");
        Assert.Equal("public, max-age=30", response.Headers.CacheControl?.ToString());
        var wall = await TestApp.OkJsonAsync(response);
        // Everything the wall says, names and values, unescaped (the wire may escape Chinese as \uXXXX).
        var raw = JsonSerializer.Serialize(wall, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.Contains("李**", raw, StringComparison.Ordinal);
        var shown = Assert.Single(wall.GetProperty("reviews").EnumerateArray());
        Assert.Equal(reviews[0].ReviewId, shown.GetProperty("reviewId").GetString());
        Assert.Equal("李**", shown.GetProperty("maskedName").GetString());
        Assert.Equal("桃子又大又甜", shown.GetProperty("text").GetString());
        Assert.Equal(5, shown.GetProperty("rating").GetInt32());
        var photos = shown.GetProperty("photoUrls").EnumerateArray().Select(u => u.GetString()!).ToList();
        Assert.Equal(2, photos.Count);
        foreach (var url in photos)
        {
            Assert.Equal(Jpeg, await _blobs.GetByteArrayAsync(url)); // a read link works without any key
            Assert.Contains("sp=r", url, StringComparison.Ordinal);
        }

        Assert.True(wall.GetProperty("photoUrlsExpireAt").GetDateTimeOffset() < DateTimeOffset.UtcNow.AddHours(2));
        // (The photo links' blob path names the order, as the upload links did; no field carries it.)
        foreach (var secret in new[] { Chain.Phone, Chain.Phone[3..], Chain.MemberId, "李阿姨", "还没审核", "要被拒绝", "\"memberId\"", "\"orderId\"", "phone" })
        {
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
        }

        // A rejection takes it off the wall (a fresh read, as after the 30 s cache).
        await TestApp.OkJsonAsync(await ModerateAsync(campaignId, reviews[0].ReviewId, "reject", Chain.AdminKey, new { reason = "顾客要求撤下" }));
        Assert.Empty(WallIds(await WallAsync(campaignId)));
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{Chain.ChainId}-knope00000000/review-wall"), 404, "not-found");
    }

    [Fact]
    public async Task ANewCampaignsPreheatWallShowsTheStoresEarlierApprovedReviewsFeaturedFirst()
    {
        var (m2, t2) = await App.NewMemberAsync(Chain, "孙晓梅");
        var (first, reviews) = await ReviewedCampaignAsync(Chain, (Chain.MemberId, Chain.MemberToken, "上次的桃子很好", 1), (m2, t2, "草莓也不错", 1));
        await TestApp.OkJsonAsync(await ModerateAsync(first, reviews[0].ReviewId, "approve", Chain.LeaderKey));
        await TestApp.OkJsonAsync(await ModerateAsync(first, reviews[1].ReviewId, "approve", Chain.LeaderKey));
        var (next, _) = await App.NewLiveCampaignAsync(Chain, goLive: false); // a campaign still to come, not live yet

        // Newest approval first…
        Assert.Equal([reviews[1].ReviewId, reviews[0].ReviewId], WallIds(await WallAsync(next)));
        // …and a 优质晒单 before all of them.
        await TestApp.OkJsonAsync(await ModerateAsync(first, reviews[0].ReviewId, "feature", Chain.LeaderKey));
        var wall = await WallAsync(next);
        Assert.Equal([reviews[0].ReviewId, reviews[1].ReviewId], WallIds(wall));
        Assert.True(wall.GetProperty("reviews")[0].GetProperty("featured").GetBoolean());
        Assert.Equal(first, wall.GetProperty("reviews")[0].GetProperty("campaignId").GetString());

        // Another store's wall does not show them.
        var (otherStore, otherLeaderKey, otherLeaderId) = await OtherStoreAsync();
        var other = Chain with { StoreId = otherStore, LeaderId = otherLeaderId, LeaderKey = otherLeaderKey };
        var (otherCampaign, _) = await App.NewLiveCampaignAsync(other, goLive: false);
        Assert.Empty(WallIds(await WallAsync(otherCampaign)));
    }

    [Fact]
    public async Task TheFeaturedRewardIsCreditedExactlyOnceUnderParallelCallsAndRetries()
    {
        // The chain's own amount, kept when a later settings body leaves it out.
        var settings = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/growth-settings", Chain.AdminKey));
        Assert.Equal(50, settings.GetProperty("featuredReviewPoints").GetInt32());
        var body = new
        {
            referrerRewardPoints = 100, refereeRewardPoints = 50, purchasePointsPerYuan = 1,
            levels = new[] { new { name = "普通邻居", minPoints = 0, privileges = Array.Empty<string>() } },
        };
        var tooMany = JsonSerializer.SerializeToElement(body, JsonSerializerOptions.Web).Deserialize<Dictionary<string, object>>()!;
        tooMany["featuredReviewPoints"] = 1001;
        var problem = await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/growth-settings", tooMany, Chain.AdminKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("featuredReviewPoints", out _));
        tooMany["featuredReviewPoints"] = 70;
        Assert.Equal(70, (await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/growth-settings", tooMany, Chain.AdminKey))).GetProperty("featuredReviewPoints").GetInt32());
        Assert.Equal(70, (await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/growth-settings", body, Chain.AdminKey))).GetProperty("featuredReviewPoints").GetInt32());

        var (campaignId, reviews) = await ReviewedCampaignAsync(Chain, (Chain.MemberId, Chain.MemberToken, "每一颗都很甜", 1));
        var reviewId = reviews[0].ReviewId;
        var before = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken))).GetProperty("balance").GetInt32();

        // Twelve calls at once from the leader and the admin, as double taps and two consoles would send them. Every
        // call must end in 200 (no 5xx, no conflict) — whenever it ends: no time limit is asserted.
        var calls = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            var response = await ModerateAsync(campaignId, reviewId, "feature", i % 2 == 0 ? Chain.LeaderKey : Chain.AdminKey);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        })).ToList();
        var answers = await Task.WhenAll(calls);
        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, $"{a.StatusCode}: {a.Item2}"));

        // Retries after everything settled: still 200, still once.
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await TestApp.OkJsonAsync(await ModerateAsync(campaignId, reviewId, "feature", Chain.LeaderKey))).GetProperty("featured").GetBoolean());
        }

        await AssertCreditedOnceAsync(reviewId, 70, before);
    }

    [Fact]
    public async Task TheFeaturedRewardIsCreditedOnceWhenSeveralInstancesFeatureAtOnce()
    {
        var (campaignId, reviews) = await ReviewedCampaignAsync(Chain, (Chain.MemberId, Chain.MemberToken, "两台收银机同时点了优质", 2));
        var reviewId = reviews[0].ReviewId;
        var before = (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken))).GetProperty("balance").GetInt32();

        // Two more instances on the same storage (and the same token signing key as the shared app), next to it.
        // Under a loaded machine an instance may miss AppProcess's 30 s start-up window: one more try before giving up.
        var clusterSettings = new Dictionary<string, string> { ["TokenSigningKey"] = "test-token-signing-key-0123456789abcdef" };
        AppCluster started;
        try
        {
            started = await AppCluster.StartAsync(2, App.Azurite, clusterSettings);
        }
        catch (TimeoutException)
        {
            started = await AppCluster.StartAsync(2, App.Azurite, clusterSettings);
        }

        await using var cluster = started;
        var clients = new[] { App.Client, cluster.Client(0), cluster.Client(1) };
        var calls = Enumerable.Range(0, 9).Select(i => Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/reviews/{reviewId}/feature");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", i % 3 == 1 ? Chain.AdminKey : Chain.LeaderKey);
            var client = clients[i % clients.Length];
            // Each instance's own client; a retry of a call that failed on the network is what a careful client sends.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Headers = { Authorization = request.Headers.Authorization } };
                    var response = await client.SendAsync(copy);
                    return (response.StatusCode, await response.Content.ReadAsStringAsync());
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && attempt < 3)
                {
                }
            }
        })).ToList();
        var answers = await Task.WhenAll(calls);
        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, $"{a.StatusCode}: {a.Item2}"));

        await AssertCreditedOnceAsync(reviewId, 50, before);
        Assert.Equal([reviewId], WallIds(await WallAsync(campaignId)));
    }

    /// <summary>The final ledger state, read after every call completed: one featured row of the amount, the balance raised once.</summary>
    private async Task AssertCreditedOnceAsync(string reviewId, int amount, int before)
    {
        var rows = await App.Services.GetRequiredService<ITableStore>().QueryAsync("Points", TableQuery.Partition(Chain.MemberId)).ToListAsync();
        var featuredRows = rows.Where(r => r.RowKey.StartsWith("featured:", StringComparison.Ordinal)).ToList();
        var row = Assert.Single(featuredRows);
        Assert.Equal("featured:" + reviewId, row.RowKey);
        Assert.Equal(amount, row.GetInt32("Amount"));

        var points = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken));
        Assert.Equal(before + amount, points.GetProperty("balance").GetInt32());
        Assert.Single(points.GetProperty("entries").EnumerateArray(), e => e.GetProperty("reason").GetString() == "featured");
    }
}

/// <summary>Reviewed orders for the review wall's tests (API and pages).</summary>
public static class ReviewTestData
{
    public sealed record Reviewed(string MemberId, string Token, string OrderId, string ReviewId, string Text);

    /// <summary>
    /// A live campaign of the chain's store where each buyer orders, then follow-up (close → fulfil → follow-up), then
    /// each buyer reviews with that many photos, uploaded and confirmed as a browser does.
    /// </summary>
    public static async Task<(string CampaignId, List<Reviewed> Reviews)> ReviewedCampaignAsync(
        TestApp app, TestApp.ChainFixture f, byte[] photo, string photoType, params (string MemberId, string Token, string Text, int Photos)[] buyers)
    {
        using var blobs = new HttpClient();
        var (campaignId, itemId) = await app.NewLiveCampaignAsync(f);
        var orders = new List<string>();
        foreach (var b in buyers)
        {
            orders.Add((await TestApp.OkJsonAsync(await app.OrderAsync(campaignId, b.Token, itemId), 201)).GetProperty("orderId").GetString()!);
        }

        foreach (var action in new[] { "close", "fulfil", "follow-up" })
        {
            await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{campaignId}/actions/{action}", secret: f.LeaderKey));
        }

        var reviews = new List<Reviewed>();
        for (var i = 0; i < buyers.Length; i++)
        {
            var b = buyers[i];
            var review = await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{orders[i]}/reviews", new { rating = 5, text = b.Text, photoCount = b.Photos }, b.Token), 201);
            foreach (var url in review.GetProperty("photoUploadUrls").EnumerateArray())
            {
                using var put = new HttpRequestMessage(HttpMethod.Put, url.GetString()) { Content = new ByteArrayContent(photo) };
                put.Content.Headers.ContentType = new MediaTypeHeaderValue(photoType);
                put.Headers.Add("x-ms-blob-type", "BlockBlob");
                Assert.Equal(HttpStatusCode.Created, (await blobs.SendAsync(put)).StatusCode);
            }

            if (b.Photos > 0)
            {
                await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{orders[i]}/reviews/photos/confirm", secret: b.Token));
            }

            reviews.Add(new Reviewed(b.MemberId, b.Token, orders[i], review.GetProperty("reviewId").GetString()!, b.Text));
        }

        return (campaignId, reviews);
    }
}
