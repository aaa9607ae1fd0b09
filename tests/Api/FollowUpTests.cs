using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Follow-up (回访): the survey, reviews with photos uploaded straight to Blob Storage, and points.</summary>
public sealed class FollowUpTests : ChainTest, IDisposable
{
    // Real files, as small as they come: a JPEG's start and end markers and a 1×1 PNG.
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==");

    private readonly HttpClient _blobs = new();
    public void Dispose() => _blobs.Dispose();

    /// <summary>
    /// An order made eligible through the public lifecycle (go-live → order → close → fulfil → follow-up); pickups are
    /// another feature, so the campaign's follow-up phase is what opens the door here.
    /// </summary>
    private static async Task<(string CampaignId, string OrderId)> OrderInFollowUpAsync(TestApp app, TestApp.ChainFixture f, string? memberToken = null, bool followUp = true)
    {
        var (campaignId, itemId) = await app.NewLiveCampaignAsync(f);
        var order = await TestApp.OkJsonAsync(await app.OrderAsync(campaignId, memberToken ?? f.MemberToken, itemId), 201);
        if (followUp)
        {
            foreach (var action in new[] { "close", "fulfil", "follow-up" })
            {
                await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{campaignId}/actions/{action}", secret: f.LeaderKey));
            }
        }

        return (campaignId, order.GetProperty("orderId").GetString()!);
    }

    private Task<HttpResponseMessage> SurveyAsync(string orderId, object body, string? token = null) =>
        App.PostAsync($"/api/orders/{orderId}/survey", body, token ?? Chain.MemberToken);

    private Task<HttpResponseMessage> ReviewAsync(string orderId, object body, string? token = null) =>
        App.PostAsync($"/api/orders/{orderId}/reviews", body, token ?? Chain.MemberToken);

    private Task<HttpResponseMessage> ConfirmAsync(string orderId, string? token = null) =>
        App.PostAsync($"/api/orders/{orderId}/reviews/photos/confirm", secret: token ?? Chain.MemberToken);

    private async Task<JsonElement> PointsAsync(string? token = null) =>
        await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", token ?? Chain.MemberToken));

    /// <summary>What a browser does with an upload URL: a plain PUT with the blob type header, no key.</summary>
    private async Task<HttpResponseMessage> PutPhotoAsync(string url, byte[] bytes, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return await _blobs.SendAsync(request);
    }

    [Fact]
    public async Task ASurveyIsTakenOnceAndStoredForTheReport()
    {
        var (campaignId, orderId) = await OrderInFollowUpAsync(App, Chain);

        var survey = await TestApp.OkJsonAsync(await SurveyAsync(orderId, new { satisfaction = 5, nps = 9, comment = "  桃子很甜，下次还买  " }), 201);
        Assert.Equal(5, survey.GetProperty("satisfaction").GetInt32());
        Assert.Equal(9, survey.GetProperty("nps").GetInt32());
        Assert.Equal("桃子很甜，下次还买", survey.GetProperty("comment").GetString());
        await TestApp.ProblemAsync(await SurveyAsync(orderId, new { satisfaction = 1, nps = 0 }), 409, "already-submitted");

        var row = await App.Services.GetRequiredService<ITableStore>().GetAsync("FollowUp", campaignId, "s_" + orderId);
        Assert.NotNull(row);
        Assert.Equal(Chain.MemberId, row.GetString("MemberId"));
        Assert.Equal(orderId, row.GetString("OrderId"));
        Assert.Equal(5, row.GetInt32("Satisfaction"));
        Assert.Equal(9, row.GetInt32("Nps"));
        Assert.Equal("桃子很甜，下次还买", row.GetString("Comment"));
        Assert.True(row.GetDateTimeOffset("At") > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task SurveyAndReviewAnswersOutOfRangeAreRefusedWithNothingStored()
    {
        var (_, orderId) = await OrderInFollowUpAsync(App, Chain);

        foreach (var (body, field) in new (object, string)[]
        {
            (new { satisfaction = 0, nps = 5 }, "satisfaction"),
            (new { satisfaction = 6, nps = 5 }, "satisfaction"),
            (new { satisfaction = 3, nps = 11 }, "nps"),
            (new { satisfaction = 3, nps = -1 }, "nps"),
            (new { nps = 5 }, "satisfaction"),
            (new { satisfaction = 3, nps = 5, comment = new string('好', 501) }, "comment"),
        })
        {
            var problem = await TestApp.ProblemAsync(await SurveyAsync(orderId, body), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} should be named: {problem}");
        }

        foreach (var (body, field) in new (object, string)[]
        {
            (new { rating = 0, text = "好" }, "rating"),
            (new { rating = 6, text = "好" }, "rating"),
            (new { rating = 5, text = "  " }, "text"),
            (new { rating = 5, text = new string('甜', 501) }, "text"),
            (new { rating = 5, text = "好", photoCount = 10 }, "photoCount"),
        })
        {
            var problem = await TestApp.ProblemAsync(await ReviewAsync(orderId, body), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} should be named: {problem}");
        }

        await TestApp.OkJsonAsync(await SurveyAsync(orderId, new { satisfaction = 3, nps = 5 }), 201);
        await TestApp.OkJsonAsync(await ReviewAsync(orderId, new { rating = 4, text = "不错" }), 201);
        Assert.Equal(10, (await PointsAsync()).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task BeforePickupOrFollowUpTheSurveyAndReviewAreAnInvalidTransition()
    {
        var (_, orderId) = await OrderInFollowUpAsync(App, Chain, followUp: false);

        var survey = await TestApp.ProblemAsync(await SurveyAsync(orderId, new { satisfaction = 4, nps = 8 }), 409, "invalid-transition");
        Assert.Contains("after pickup", survey.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("live", survey.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await TestApp.ProblemAsync(await ReviewAsync(orderId, new { rating = 5, text = "好", photoCount = 1 }), 409, "invalid-transition");
        Assert.Equal(0, (await PointsAsync()).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task ACancelledOrderGetsNoSurveyEvenInFollowUp()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/cancel", secret: Chain.MemberToken));
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId), 201);
        foreach (var action in new[] { "close", "fulfil", "follow-up" })
        {
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/{action}", secret: Chain.LeaderKey));
        }

        await TestApp.ProblemAsync(await SurveyAsync(orderId, new { satisfaction = 4, nps = 8 }), 409, "invalid-transition");
    }

    [Fact]
    public async Task AnotherMembersOrderIsNotFoundAndAnotherChainIsForbidden()
    {
        var (_, orderId) = await OrderInFollowUpAsync(App, Chain);
        var (_, neighbour) = await App.NewMemberAsync(Chain);
        var otherChain = await App.NewChainWithPeopleAsync();

        await TestApp.ProblemAsync(await SurveyAsync(orderId, new { satisfaction = 4, nps = 8 }, neighbour), 404, "not-found");
        await TestApp.ProblemAsync(await ReviewAsync(orderId, new { rating = 5, text = "好" }, neighbour), 404, "not-found");
        await TestApp.ProblemAsync(await ConfirmAsync(orderId, neighbour), 404, "not-found");
        await TestApp.ProblemAsync(await SurveyAsync(orderId, new { satisfaction = 4, nps = 8 }, otherChain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await ReviewAsync(orderId, new { rating = 5, text = "好" }, otherChain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await SurveyAsync(orderId, new { satisfaction = 4, nps = 8 }, Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync("/api/members/me/points", Chain.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/orders/{orderId}/survey", new { satisfaction = 4, nps = 8 }), 401, "unauthorized");

        // The order's own member was never blocked by any of that.
        await TestApp.OkJsonAsync(await SurveyAsync(orderId, new { satisfaction = 4, nps = 8 }), 201);
    }

    [Fact]
    public async Task ReviewPhotosAreStoredWithTheTypeTheirBytesShowNeverTheTypeTheClientClaimed()
    {
        var (campaignId, orderId) = await OrderInFollowUpAsync(App, Chain);
        var review = await TestApp.OkJsonAsync(await ReviewAsync(orderId, new { rating = 4, text = "很新鲜", photoCount = 4 }), 201);
        var urls = review.GetProperty("photoUploadUrls").EnumerateArray().Select(u => u.GetString()!).ToList();
        byte[] gif = [.. "GIF89a"u8, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x3B];
        byte[] webp = [.. "RIFF"u8, 0x1A, 0x00, 0x00, 0x00, .. "WEBPVP8L"u8, 0x0D, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0x00];
        foreach (var (url, bytes, claimed) in new[] { (urls[0], Png, "text/html"), (urls[1], gif, "image/jpeg"), (urls[2], webp, "text/html; charset=utf-8"), (urls[3], Jpeg, "application/octet-stream") })
        {
            using var put = await PutPhotoAsync(url, bytes, claimed);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.Equal(4, (await TestApp.OkJsonAsync(await ConfirmAsync(orderId))).GetProperty("photosUploaded").GetInt32());
        var stored = await App.Services.GetRequiredService<IBlobStore>().ListAsync("media", $"reviews/{campaignId}/{orderId}/").ToDictionaryAsync(b => b.Name[(b.Name.LastIndexOf('/') + 1)..], b => b.ContentType);
        Assert.Equal(new Dictionary<string, string?> { ["1.jpg"] = "image/png", ["2.jpg"] = "image/gif", ["3.jpg"] = "image/webp", ["4.jpg"] = "image/jpeg" }, stored);
    }

    [Fact]
    public async Task AnUploadThatIsNoImageIsRefusedOnConfirmAndDeletedWhateverTypeItClaims()
    {
        var (campaignId, orderId) = await OrderInFollowUpAsync(App, Chain);
        var review = await TestApp.OkJsonAsync(await ReviewAsync(orderId, new { rating = 4, text = "很新鲜", photoCount = 1 }), 201);
        using (var put = await PutPhotoAsync(review.GetProperty("photoUploadUrls")[0].GetString()!, "<html><script>alert(1)</script></html>"u8.ToArray(), "image/png"))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        await TestApp.ProblemAsync(await ConfirmAsync(orderId), 400, "validation");
        Assert.Empty(await App.Services.GetRequiredService<IBlobStore>().ListAsync("media", $"reviews/{campaignId}/{orderId}/").ToListAsync());
        Assert.Equal(0, (await TestApp.OkJsonAsync(await ConfirmAsync(orderId))).GetProperty("photosUploaded").GetInt32());
    }

    [Fact]
    public async Task ConfirmingPhotosBeforeReviewingIsNotFound()
    {
        var (_, orderId) = await OrderInFollowUpAsync(App, Chain);
        var problem = await TestApp.ProblemAsync(await ConfirmAsync(orderId), 404, "not-found");
        Assert.Contains("/reviews", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReviewWithPhotosEarnsTenPointsAndFivePerRealPhotoNeverTwice()
    {
        var (campaignId, orderId) = await OrderInFollowUpAsync(App, Chain);

        var review = await TestApp.OkJsonAsync(await ReviewAsync(orderId, new { rating = 5, text = "水蜜桃汁水很多，孩子很爱吃", photoCount = 2 }), 201);
        Assert.False(string.IsNullOrEmpty(review.GetProperty("reviewId").GetString()));
        var urls = review.GetProperty("photoUploadUrls").EnumerateArray().Select(u => u.GetString()!).ToList();
        Assert.Equal(2, urls.Count);
        Assert.Contains($"/media/reviews/{campaignId}/{orderId}/1.jpg?", urls[0], StringComparison.Ordinal);
        Assert.Contains($"/media/reviews/{campaignId}/{orderId}/2.jpg?", urls[1], StringComparison.Ordinal);
        Assert.All(urls, u => Assert.Contains("sp=c&", u + "&", StringComparison.Ordinal));
        var expiresAt = review.GetProperty("photoUploadUrlsExpireAt").GetDateTimeOffset();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(13), TimeSpan.FromMinutes(16));
        Assert.Equal(10, (await PointsAsync()).GetProperty("balance").GetInt32());

        // The browser's uploads: a real JPEG and a text file passed off as a photo.
        using (var jpeg = await PutPhotoAsync(urls[0], Jpeg, "image/jpeg"))
        {
            Assert.Equal(HttpStatusCode.Created, jpeg.StatusCode);
        }

        using (var text = await PutPhotoAsync(urls[1], "not a photo at all"u8.ToArray(), "image/jpeg"))
        {
            Assert.Equal(HttpStatusCode.Created, text.StatusCode);
        }

        // Create-only: the upload URL can neither read nor replace what was uploaded.
        using (var read = await _blobs.GetAsync(urls[0]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        }

        using (var overwrite = await PutPhotoAsync(urls[0], Png, "image/png"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, overwrite.StatusCode);
        }

        // The text file is refused by name (and deleted); the real photo is kept and credited.
        var refused = await TestApp.ProblemAsync(await ConfirmAsync(orderId), 400, "validation");
        Assert.True(refused.GetProperty("errors").TryGetProperty("photos[2]", out _), refused.GetRawText());
        var confirmed = await TestApp.OkJsonAsync(await ConfirmAsync(orderId));
        Assert.Equal(1, confirmed.GetProperty("photosUploaded").GetInt32());
        Assert.Equal(10 + 5, confirmed.GetProperty("points").GetInt32());
        Assert.Equal(10 + 5, confirmed.GetProperty("balance").GetInt32());
        var blobs = App.Services.GetRequiredService<IBlobStore>();
        var stored = await blobs.ListAsync("media", $"reviews/{campaignId}/{orderId}/").Select(b => b.Name).ToListAsync();
        Assert.Equal(new[] { $"reviews/{campaignId}/{orderId}/1.jpg" }, stored);

        var again = await TestApp.OkJsonAsync(await ConfirmAsync(orderId));
        Assert.Equal(1, again.GetProperty("photosUploaded").GetInt32());
        Assert.Equal(15, again.GetProperty("balance").GetInt32());

        // The refused file is gone, so its URL can create the photo again; confirming tops the credit up, once.
        using (var png = await PutPhotoAsync(urls[1], Png, "image/png"))
        {
            Assert.Equal(HttpStatusCode.Created, png.StatusCode);
        }

        var topped = await TestApp.OkJsonAsync(await ConfirmAsync(orderId));
        Assert.Equal(2, topped.GetProperty("photosUploaded").GetInt32());
        Assert.Equal(10 + 2 * 5, topped.GetProperty("points").GetInt32());
        await TestApp.OkJsonAsync(await ConfirmAsync(orderId));

        var points = await PointsAsync();
        Assert.Equal(20, points.GetProperty("balance").GetInt32());
        var entries = points.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("reason").GetString()!, e => e);
        Assert.Equal(2, entries.Count);
        Assert.Equal(10, entries["review"].GetProperty("amount").GetInt32());
        Assert.Equal(10, entries["photos"].GetProperty("amount").GetInt32());
        Assert.All(entries.Values, e => Assert.Equal(orderId, e.GetProperty("orderId").GetString()));
        Assert.All(entries.Values, e => Assert.Equal(campaignId, e.GetProperty("campaignId").GetString()));

        await TestApp.ProblemAsync(await ReviewAsync(orderId, new { rating = 1, text = "再来一次", photoCount = 9 }), 409, "already-submitted");
        Assert.Equal(20, (await PointsAsync()).GetProperty("balance").GetInt32());

        var tables = App.Services.GetRequiredService<ITableStore>();
        var row = await tables.GetAsync("FollowUp", campaignId, "rv_" + orderId);
        Assert.NotNull(row);
        Assert.Equal(review.GetProperty("reviewId").GetString(), row.GetString("ReviewId"));
        Assert.Equal(Chain.MemberId, row.GetString("MemberId"));
        Assert.Equal(orderId, row.GetString("OrderId"));
        Assert.Equal(5, row.GetInt32("Rating"));
        Assert.Equal("水蜜桃汁水很多，孩子很爱吃", row.GetString("Text"));
        Assert.Equal(2, row.GetInt32("PhotoCount"));
        Assert.Equal(2, row.GetInt32("PhotosUploaded"));
        Assert.NotNull(row.GetDateTimeOffset("At"));
        var ledger = await tables.GetAsync("Points", Chain.MemberId, "photos:" + orderId);
        Assert.Equal(10, ledger!.GetInt32("Amount"));
        Assert.Equal(campaignId, ledger.GetString("CampaignId"));
        Assert.Equal(10, (await tables.GetAsync("Points", Chain.MemberId, "review:" + orderId))!.GetInt32("Amount"));
    }

    [Fact]
    public async Task TheBlobServiceLetsAPageUploadAPhotoFromAnyLocalOriginAndOnlyThePublicOriginInAzure()
    {
        // Its own Azurite: CORS rules belong to the whole Blob service, and other tests set them on the shared one.
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PublicBaseUrl"] = "https://shop.example.com/console" }, storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        var (_, orderId) = await OrderInFollowUpAsync(app, f);
        var review = await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{orderId}/reviews", new { rating = 5, text = "好", photoCount = 1 }, f.MemberToken), 201);
        var url = review.GetProperty("photoUploadUrls")[0].GetString()!;

        // Development storage: any origin, so apps sharing one Azurite never overwrite each other's origin.
        using var allowed = await PreflightAsync(url, "https://shop.example.com");
        using var alsoAllowed = await PreflightAsync(url, "http://127.0.0.1:49152");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.True(allowed.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Contains("PUT", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, alsoAllowed.StatusCode);

        // An Azure account: exactly the public origin (scheme://host[:port] of PublicBaseUrl).
        var azure = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountName=prodshop;AccountKey=" + new string('A', 86) + "==;EndpointSuffix=core.windows.net",
            ["PublicBaseUrl"] = "https://shop.example.com/console",
        }).Build());
        Assert.False(azure.IsLocalDevelopment);
        Assert.Equal(["https://shop.example.com"], StorageInitializer.CorsOrigins(azure));
        Assert.Equal(["*"], StorageInitializer.CorsOrigins(app.Services.GetRequiredService<AppSettings>()));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string url, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "PUT");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-ms-blob-type");
        return await _blobs.SendAsync(request);
    }
}
