using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Editing a product (PATCH with optional If-Match on its etag) and its photos (raw JPEG/PNG/WebP bodies told by their
/// bytes, at most 5 MiB and 9 per product, public 2-hour URLs in lists and traceability), against the real app and Azurite.
/// </summary>
public sealed class ProductEditTests : IAsyncLifetime
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];

    // A real 1×1 lossless WebP: RIFF····WEBP then a VP8L chunk.
    private static readonly byte[] WebP = Convert.FromBase64String("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==");

    private TestApp _app = null!;
    private TestApp.ChainFixture _f = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.SharedAsync();
        _f = await _app.NewChainWithPeopleAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<JsonElement> NewProductAsync() =>
        await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products",
            new { name = "五常大米", category = "粮油", unit = "袋", origin = "黑龙江五常", batch = "2024-10-A", story = "稻花香 2 号。" }, _f.LeaderKey), 201);

    private Task<HttpResponseMessage> PatchAsync(string productId, object body, string? secret = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/products/{productId}")
        {
            Content = body is string raw ? new StringContent(raw, Encoding.UTF8, "application/json") : JsonContent.Create(body, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret ?? _f.LeaderKey);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return _app.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> UploadPhotoAsync(string productId, byte[] bytes, string? contentType = null, string? secret = null)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/products/{productId}/photos") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret ?? _f.LeaderKey);
        return _app.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> DeletePhotoAsync(string productId, string photoId, string? secret = null) =>
        _app.SendAsync(HttpMethod.Delete, $"/api/products/{productId}/photos/{photoId}", secret: secret ?? _f.LeaderKey);

    [Fact]
    public async Task PatchChangesOnlyTheFieldsSentAndAStaleIfMatchIs412()
    {
        var created = await NewProductAsync();
        var productId = created.GetProperty("productId").GetString()!;
        var etag = created.GetProperty("etag").GetString()!;

        var response = await PatchAsync(productId, new { story = "今年新米，现磨现发。" }, ifMatch: etag);
        var edited = await TestApp.OkJsonAsync(response);
        Assert.Equal("今年新米，现磨现发。", edited.GetProperty("story").GetString());
        Assert.Equal(("五常大米", "粮油", "袋", "黑龙江五常", "2024-10-A"), (edited.GetProperty("name").GetString(), edited.GetProperty("category").GetString(),
            edited.GetProperty("unit").GetString(), edited.GetProperty("origin").GetString(), edited.GetProperty("batch").GetString()));
        var newTag = edited.GetProperty("etag").GetString()!;
        Assert.NotEqual(etag, newTag);
        Assert.Equal(newTag, response.Headers.ETag?.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore, "a private answer carries Cache-Control: no-store");

        // Someone who read the product before that edit is refused, and the problem names the version that holds now.
        var stale = await TestApp.ProblemAsync(await PatchAsync(productId, new { name = "东北大米" }, ifMatch: etag), 412, "precondition-failed");
        Assert.Equal(newTag, stale.GetProperty("etag").GetString());

        // Without If-Match the edit applies; an empty text clears an optional field; a photo does not move the etag.
        await TestApp.OkJsonAsync(await UploadPhotoAsync(productId, Png), 201);
        var cleared = await TestApp.OkJsonAsync(await PatchAsync(productId, new { batch = "" }, ifMatch: newTag));
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("batch").ValueKind);
        Assert.Equal("今年新米，现磨现发。", cleared.GetProperty("story").GetString());
        await TestApp.OkJsonAsync(await PatchAsync(productId, new { unit = "5kg 袋" }));

        var listed = Assert.Single((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", _f.AdminKey))).EnumerateArray());
        Assert.Equal(("五常大米", "5kg 袋"), (listed.GetProperty("name").GetString(), listed.GetProperty("unit").GetString()));
        Assert.Equal(1, listed.GetProperty("photos").GetArrayLength());

        var trace = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Equal("今年新米，现磨现发。", trace.GetProperty("story").GetString());
    }

    [Fact]
    public async Task EditsFollowTheCreateLimitsAndBadJsonOrUnknownFieldsAre400()
    {
        var productId = (await NewProductAsync()).GetProperty("productId").GetString()!;

        var tooLong = await TestApp.ProblemAsync(await PatchAsync(productId, new { name = new string('米', 61) }), 400, "validation");
        Assert.True(tooLong.GetProperty("errors").TryGetProperty("name", out _));
        var blank = await TestApp.ProblemAsync(await PatchAsync(productId, new { unit = "  " }), 400, "validation");
        Assert.True(blank.GetProperty("errors").TryGetProperty("unit", out _));
        await TestApp.ProblemAsync(await PatchAsync(productId, new { }), 400, "validation");
        await TestApp.ProblemAsync(await PatchAsync(productId, "{\"story\": \"新米"), 400, "validation");
        await TestApp.ProblemAsync(await PatchAsync(productId, "{\"story\": 5}"), 400, "validation");

        var unknown = await TestApp.ProblemAsync(await PatchAsync(productId, new { title = "新名字" }), 400, "validation");
        Assert.Contains("title", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("EditProductRequest", unknown.GetRawText(), StringComparison.Ordinal);

        await TestApp.ProblemAsync(await PatchAsync($"{_f.ChainId}-pnosuchproduct", new { story = "x" }), 404, "not-found");
        var unchanged = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Equal("五常大米", unchanged.GetProperty("name").GetString());
    }

    [Fact]
    public async Task AnotherChainsLeaderAndAMemberCannotEditOrTouchPhotos()
    {
        var created = await NewProductAsync();
        var productId = created.GetProperty("productId").GetString()!;
        var photoId = (await TestApp.OkJsonAsync(await UploadPhotoAsync(productId, Png), 201)).GetProperty("photoId").GetString()!;
        var other = await _app.NewChainWithPeopleAsync();

        await TestApp.ProblemAsync(await PatchAsync(productId, new { story = "别人的故事" }, other.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await PatchAsync(productId, new { story = "会员改的" }, _f.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await UploadPhotoAsync(productId, Png, secret: other.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await DeletePhotoAsync(productId, photoId, other.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await _app.SendAsync(HttpMethod.Patch, $"/api/products/{productId}", new { story = "x" }), 401, "unauthorized");

        var trace = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Equal("稻花香 2 号。", trace.GetProperty("story").GetString());
        Assert.Equal(photoId, Assert.Single(trace.GetProperty("photos").EnumerateArray()).GetProperty("photoId").GetString());
    }

    [Fact]
    public async Task PngJpegAndWebpPhotosAreKeptAsTheirBytesSayAndTheirUrlsServeThem()
    {
        var productId = (await NewProductAsync()).GetProperty("productId").GetString()!;
        using var blobs = new HttpClient();
        var ids = new List<string>();
        foreach (var (bytes, declared, expected) in new[] { (Png, "image/png", "image/png"), (Jpeg, "image/jpg", "image/jpeg"), (WebP, (string?)null, "image/webp") })
        {
            var photo = await TestApp.OkJsonAsync(await UploadPhotoAsync(productId, bytes, declared), 201);
            Assert.StartsWith(_f.ChainId + "-i", photo.GetProperty("photoId").GetString(), StringComparison.Ordinal);
            Assert.Equal((expected, bytes.Length), (photo.GetProperty("contentType").GetString(), photo.GetProperty("size").GetInt32()));
            using var served = await blobs.GetAsync(photo.GetProperty("url").GetString());
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(expected, served.Content.Headers.ContentType?.MediaType);
            Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
            ids.Add(photo.GetProperty("photoId").GetString()!);
        }

        var trace = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));
        var photos = trace.GetProperty("photos").EnumerateArray().ToList();
        Assert.Equal(ids, photos.Select(p => p.GetProperty("photoId").GetString()));
        using (var again = await blobs.GetAsync(photos[2].GetProperty("url").GetString()))
        {
            Assert.Equal(WebP, await again.Content.ReadAsByteArrayAsync());
        }

        var listed = Assert.Single((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", _f.LeaderKey))).EnumerateArray());
        Assert.Equal(ids, listed.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()));
    }

    [Fact]
    public async Task ATextFileNamedPngAMismatchedTypeAndAnEmptyBodyAre400()
    {
        var productId = (await NewProductAsync()).GetProperty("productId").GetString()!;
        var text = await TestApp.ProblemAsync(await UploadPhotoAsync(productId, Encoding.UTF8.GetBytes("这不是图片，只是改了扩展名的 notes.png"), "image/png"), 400, "validation");
        Assert.Contains("WebP", text.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await TestApp.ProblemAsync(await UploadPhotoAsync(productId, Encoding.ASCII.GetBytes("%PDF-1.4 a report, not a photo")), 400, "validation");
        var claimed = await TestApp.ProblemAsync(await UploadPhotoAsync(productId, Png, "image/jpeg"), 400, "validation");
        Assert.True(claimed.GetProperty("errors").TryGetProperty("Content-Type", out _));
        await TestApp.ProblemAsync(await UploadPhotoAsync(productId, []), 400, "validation");

        var trace = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Empty(trace.GetProperty("photos").EnumerateArray());
    }

    [Fact]
    public async Task APhotoOneByteOver5MiBIs413TooLarge()
    {
        var productId = (await NewProductAsync()).GetProperty("productId").GetString()!;
        var big = new byte[PhotoFiles.MaxBytes + 1];
        Jpeg.AsSpan(0, 4).CopyTo(big);
        await TestApp.ProblemAsync(await UploadPhotoAsync(productId, big, "image/jpeg"), 413, "too-large");

        var fits = new byte[PhotoFiles.MaxBytes];
        Jpeg.AsSpan(0, 4).CopyTo(fits);
        await TestApp.OkJsonAsync(await UploadPhotoAsync(productId, fits, "image/jpeg"), 201);
    }

    [Fact]
    public async Task TheTenthPhotoIs409TooManyPhotosUntilOneIsDeletedAndDeletingTwiceIs204BothTimes()
    {
        var productId = (await NewProductAsync()).GetProperty("productId").GetString()!;
        var ids = new List<string>();
        for (var i = 0; i < Product.MaxPhotos; i++)
        {
            ids.Add((await TestApp.OkJsonAsync(await UploadPhotoAsync(productId, Png), 201)).GetProperty("photoId").GetString()!);
        }

        var tenth = await TestApp.ProblemAsync(await UploadPhotoAsync(productId, Png), 409, "too-many-photos");
        Assert.Contains("9", tenth.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var url = (await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"))).GetProperty("photos")[0].GetProperty("url").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await DeletePhotoAsync(productId, ids[0])).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await DeletePhotoAsync(productId, ids[0])).StatusCode);
        using (var blobs = new HttpClient())
        using (var gone = await blobs.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // the blob went with it
        }

        var trace = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));
        Assert.Equal(ids.Skip(1), trace.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()));
        await TestApp.OkJsonAsync(await UploadPhotoAsync(productId, WebP), 201);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheEditTheRawPhotoBodyAndTheirRefusals()
    {
        var doc = await TestApp.OkJsonAsync(await _app.GetAsync("/api/openapi.json"));
        var paths = doc.GetProperty("paths");
        var edit = paths.GetProperty("/api/products/{productId}").GetProperty("patch");
        Assert.True(edit.GetProperty("responses").TryGetProperty("412", out _));
        Assert.True(edit.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        var upload = paths.GetProperty("/api/products/{productId}/photos").GetProperty("post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").TryGetProperty("image/webp", out _));
        Assert.True(upload.GetProperty("responses").TryGetProperty("413", out _));
        Assert.Contains("too-many-photos", upload.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(paths.GetProperty("/api/products/{productId}/photos/{photoId}").TryGetProperty("delete", out _));
    }
}
