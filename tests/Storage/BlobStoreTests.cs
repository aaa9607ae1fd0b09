using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Storage;

public sealed class BlobStoreTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private AzureBlobStore _store = null!;
    private string _container = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _store = new AzureBlobStore(azurite.Account, NullLogger<AzureBlobStore>.Instance);
        _container = Names.Lower("c");
        await _store.CreateContainerIfNotExistsAsync(_container);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _http.Dispose();

    private static BinaryData Bytes(string text) => BinaryData.FromString(text);

    [Fact]
    public async Task CreatingAnExistingContainerIsHarmless()
    {
        await _store.UploadAsync(_container, "keep.txt", Bytes("kept"), "text/plain");
        await _store.CreateContainerIfNotExistsAsync(_container);
        Assert.Equal("kept", (await _store.DownloadAsync(_container, "keep.txt"))!.Data.ToString());
    }

    [Fact]
    public async Task UploadedBlobDownloadsWithItsBytesContentTypeAndETag()
    {
        var bytes = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray();
        var etag = await _store.UploadAsync(_container, "reports/r1.pdf", BinaryData.FromBytes(bytes), "application/pdf");

        var blob = await _store.DownloadAsync(_container, "reports/r1.pdf");

        Assert.NotNull(blob);
        Assert.Equal(bytes, blob.Data.ToArray());
        Assert.Equal("application/pdf", blob.ContentType);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(etag, blob.ETag);
    }

    [Fact]
    public async Task AnEmptyBlobRoundTrips()
    {
        await _store.UploadAsync(_container, "empty.bin", BinaryData.Empty, "application/octet-stream");
        var blob = await _store.DownloadAsync(_container, "empty.bin");
        Assert.Empty(blob!.Data.ToArray());
    }

    [Fact]
    public async Task UploadOverwritesWithNewBytesTypeAndETag()
    {
        var first = await _store.UploadAsync(_container, "photo", Bytes("old"), "image/png");
        var second = await _store.UploadAsync(_container, "photo", Bytes("new!"), "image/jpeg");

        var blob = await _store.DownloadAsync(_container, "photo");

        Assert.NotEqual(first, second);
        Assert.Equal("new!", blob!.Data.ToString());
        Assert.Equal("image/jpeg", blob.ContentType);
        Assert.Equal(second, blob.ETag);
    }

    [Fact]
    public async Task DownloadOfAMissingBlobOrContainerIsNull()
    {
        Assert.Null(await _store.DownloadAsync(_container, "nope"));
        Assert.Null(await _store.DownloadAsync(Names.Lower("missing"), "nope"));
    }

    [Fact]
    public async Task UploadToAMissingContainerIsNotFound()
    {
        var ex = await Assert.ThrowsAsync<StorageNotFoundException>(() =>
            _store.UploadAsync(Names.Lower("missing"), "a.txt", Bytes("x"), "text/plain"));
        Assert.Equal(404, ex.Status);
        Assert.Equal("ContainerNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task ListFiltersByPrefixAndReportsProperties()
    {
        var etag = await _store.UploadAsync(_container, "media/p1/a.jpg", Bytes("aaa"), "image/jpeg");
        await _store.UploadAsync(_container, "media/p1/b.jpg", Bytes("bb"), "image/jpeg");
        await _store.UploadAsync(_container, "media/p2/c.jpg", Bytes("c"), "image/jpeg");
        await _store.UploadAsync(_container, "reports/x.csv", Bytes("x"), "text/csv");

        var p1 = await _store.ListAsync(_container, "media/p1/").ToListAsync();
        var all = await _store.ListAsync(_container).ToListAsync();

        Assert.Equal(["media/p1/a.jpg", "media/p1/b.jpg"], p1.Select(b => b.Name));
        var a = p1[0];
        Assert.Equal(3, a.Length);
        Assert.Equal("image/jpeg", a.ContentType);
        Assert.Equal(etag, a.ETag);
        Assert.NotNull(a.LastModified);
        Assert.Equal(4, all.Count);
    }

    [Fact]
    public async Task ListFollowsContinuationMarkersAcrossPages()
    {
        var azurite = await Azurite.SharedAsync();
        var paged = new AzureBlobStore(azurite.Account, NullLogger<AzureBlobStore>.Instance) { ListPageSize = 2 };
        var names = Enumerable.Range(0, 7).Select(i => $"page/{i:D2}.txt").ToList();
        foreach (var name in names)
        {
            await paged.UploadAsync(_container, name, Bytes(name), "text/plain");
        }

        await paged.UploadAsync(_container, "other.txt", Bytes("o"), "text/plain");

        var (firstPage, marker) = await paged.ListPageAsync(_container, "page/", null, CancellationToken.None);
        var listed = await paged.ListAsync(_container, "page/").ToListAsync();

        Assert.Equal(names[..2], firstPage.Select(b => b.Name));
        Assert.NotNull(marker);
        Assert.Equal(names, listed.Select(b => b.Name));
    }

    [Fact]
    public async Task ListOfAMissingContainerIsEmpty() =>
        Assert.Empty(await _store.ListAsync(Names.Lower("missing")).ToListAsync());

    [Fact]
    public async Task DeleteRemovesAnExistingBlobAndReportsAMissingOne()
    {
        await _store.UploadAsync(_container, "gone.txt", Bytes("bye"), "text/plain");

        Assert.True(await _store.DeleteAsync(_container, "gone.txt"));
        Assert.Null(await _store.DownloadAsync(_container, "gone.txt"));
        Assert.False(await _store.DeleteAsync(_container, "gone.txt"));
        Assert.False(await _store.DeleteAsync(Names.Lower("missing"), "gone.txt"));
    }

    [Theory]
    [InlineData("評論/照片 1.jpg")]
    [InlineData("a b/c+d%e&f=g#h?i'j/k.txt")]
    [InlineData("deep/er/folder/ü😀.png")]
    public async Task UnicodeAndSlashNamesRoundTripThroughUploadListDownloadAndDelete(string name)
    {
        await _store.UploadAsync(_container, name, Bytes(name), "text/plain; charset=utf-8");

        Assert.Equal(name, (await _store.DownloadAsync(_container, name))!.Data.ToString());
        Assert.Equal(name, Assert.Single(await _store.ListAsync(_container, name.Split('/')[0] + "/").ToListAsync()).Name);
        Assert.True(await _store.DeleteAsync(_container, name));
    }

    [Fact]
    public void BlobUriEscapesEachSegmentButKeepsFolders()
    {
        var uri = _store.GetBlobUri(_container, "評論/a b.jpg");
        Assert.EndsWith($"/{_container}/%E8%A9%95%E8%AB%96/a%20b.jpg", uri.AbsoluteUri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("double--dash")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("under_score")]
    public async Task InvalidContainerNamesAreRefusedBeforeSending(string container)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateContainerIfNotExistsAsync(container));
        Assert.Contains("container name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongContainerNameIsRefused() =>
        Assert.Throws<ArgumentException>(() => _store.GetBlobUri(new string('a', 64), "x"));

    [Theory]
    [InlineData("")]
    [InlineData("a//b")]
    [InlineData("folder/")]
    [InlineData("a/../b")]
    [InlineData("ends.")]
    [InlineData("back\\slash")]
    public void InvalidBlobNamesAreRefused(string name) =>
        Assert.Throws<ArgumentException>(() => _store.GetBlobUri(_container, name));

    [Fact]
    public async Task ReadSasDownloadsWithAPlainHttpClient()
    {
        await _store.UploadAsync(_container, "sas/評論 1+%#?&=.txt", Bytes("secret"), "text/plain");
        var sas = await _store.GetSasUriAsync(_container, "sas/評論 1+%#?&=.txt", BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));

        using var response = await _http.GetAsync(sas);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("secret", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("sp=r&", sas.Query, StringComparison.Ordinal);
        Assert.Contains("sr=b", sas.Query, StringComparison.Ordinal);
        Assert.Contains("spr=https,http", Uri.UnescapeDataString(sas.Query), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsignedBlobUrlIsRefused()
    {
        await _store.UploadAsync(_container, "private.txt", Bytes("p"), "text/plain");
        using var response = await _http.GetAsync(_store.GetBlobUri(_container, "private.txt"));
        Assert.False(response.IsSuccessStatusCode);
    }

    [Fact]
    public async Task WriteSasUploadsABlockBlobLikeABrowserWould()
    {
        var sas = await _store.GetSasUriAsync(_container, "uploads/ü photo.jpg", BlobSasPermissions.Create | BlobSasPermissions.Write, DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.Contains("sp=cw&", sas.Query, StringComparison.Ordinal);

        using var response = await PutWithSasAsync(sas, "jpeg bytes", "image/jpeg");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var blob = await _store.DownloadAsync(_container, "uploads/ü photo.jpg");
        Assert.Equal("jpeg bytes", blob!.Data.ToString());
        Assert.Equal("image/jpeg", blob.ContentType);
    }

    [Fact]
    public async Task CreateOnlySasMayCreateButNotOverwrite()
    {
        var sas = await _store.GetSasUriAsync(_container, "once.txt", BlobSasPermissions.Create, DateTimeOffset.UtcNow.AddMinutes(10));

        using var created = await PutWithSasAsync(sas, "first", "text/plain");
        using var overwritten = await PutWithSasAsync(sas, "second", "text/plain");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, overwritten.StatusCode);
        Assert.Equal("first", (await _store.DownloadAsync(_container, "once.txt"))!.Data.ToString());
    }

    [Fact]
    public async Task ReadOnlySasCannotWrite()
    {
        var sas = await _store.GetSasUriAsync(_container, "ro.txt", BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));

        using var response = await PutWithSasAsync(sas, "sneaky", "text/plain");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(await _store.DownloadAsync(_container, "ro.txt"));
    }

    [Fact]
    public async Task SasIsRefusedOnceItHasExpired()
    {
        await _store.UploadAsync(_container, "short.txt", Bytes("brief"), "text/plain");
        var expires = DateTimeOffset.UtcNow.AddSeconds(3);
        var sas = await _store.GetSasUriAsync(_container, "short.txt", BlobSasPermissions.Read, expires);
        using (var fresh = await _http.GetAsync(sas))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        var wait = expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        using var expired = await _http.GetAsync(sas);

        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }

    [Fact]
    public async Task SasForAnotherBlobOrWithATamperedSignatureIsRefused()
    {
        await _store.UploadAsync(_container, "mine.txt", Bytes("m"), "text/plain");
        await _store.UploadAsync(_container, "theirs.txt", Bytes("t"), "text/plain");
        var sas = await _store.GetSasUriAsync(_container, "mine.txt", BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));

        using var other = await _http.GetAsync(new Uri(_store.GetBlobUri(_container, "theirs.txt").AbsoluteUri + sas.Query));
        using var widened = await _http.GetAsync(new Uri(sas.AbsoluteUri.Replace("sp=r&", "sp=rw&", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, widened.StatusCode);
    }

    [Fact]
    public async Task SasForAnHttpsEndpointIsHttpsOnlyAndValidFromAFewMinutesAgo()
    {
        var account = StorageConnection.Parse("DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=" + StorageConnection.DevelopmentAccountKey);
        var store = new AzureBlobStore(account, NullLogger<AzureBlobStore>.Instance);
        var expires = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var sas = await store.GetSasUriAsync("media", "a/b c.jpg", BlobSasPermissions.Write | BlobSasPermissions.Read, expires);
        var query = sas.Query.TrimStart('?').Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));

        Assert.Equal("https://shop.blob.core.windows.net/media/a/b%20c.jpg", sas.GetLeftPart(UriPartial.Path));
        Assert.Equal("https", query["spr"]);
        Assert.Equal("rw", query["sp"]);
        Assert.Equal("2030-01-02T03:04:05Z", query["se"]);
        Assert.False(string.IsNullOrEmpty(query["sv"]));
        var start = DateTimeOffset.Parse(query["st"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(start, DateTimeOffset.UtcNow.AddMinutes(-6), DateTimeOffset.UtcNow.AddMinutes(-4));
    }

    [Fact]
    public async Task SasWithNoPermissionsIsRefused() =>
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _store.GetSasUriAsync(_container, "x", 0, DateTimeOffset.UtcNow.AddMinutes(1)));

    [Fact]
    public async Task CorsRulesLetTheAllowedOriginPreflightAndRefuseOthers()
    {
        // Its own Azurite: CORS rules belong to the whole Blob service, and every app started on the shared one sets them.
        await using var azurite = await Azurite.StartAsync();
        var store = new AzureBlobStore(azurite.Account, NullLogger<AzureBlobStore>.Instance);
        await store.SetCorsAsync(["http://127.0.0.1:5555", "https://shop.example.com/"]);
        var blobUri = store.GetBlobUri(_container, "uploads/new.jpg");

        using var allowed = await PreflightAsync(blobUri, "http://127.0.0.1:5555");
        using var alsoAllowed = await PreflightAsync(blobUri, "https://shop.example.com");
        using var refused = await PreflightAsync(blobUri, "http://evil.example.com");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("http://127.0.0.1:5555", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("PUT", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal("3600", allowed.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.True(alsoAllowed.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        await store.SetCorsAsync([]);
        using var cleared = await PreflightAsync(blobUri, "http://127.0.0.1:5555");
        Assert.Equal(HttpStatusCode.Forbidden, cleared.StatusCode);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://files.example.com")]
    [InlineData("https://shop.example.com/path")]
    [InlineData("https://*.example.com")]
    public async Task InvalidCorsOriginsAreRefusedBeforeSending(string origin) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SetCorsAsync([origin]));

    private async Task<HttpResponseMessage> PutWithSasAsync(Uri sas, string text, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, sas) { Content = new StringContent(text) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PreflightAsync(Uri blobUri, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, blobUri);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "PUT");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-ms-blob-type");
        return await _http.SendAsync(request);
    }
}
