using System.Net;
using ServerlessCommerce.Functions.Pages;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>The pages and their assets as HTTP resources: types, caching, security headers.</summary>
public sealed class PageServingTests
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/live/c_anything", "text/html")]
    [InlineData("/assets/common.js", "text/javascript")]
    [InlineData("/assets/app.css", "text/css")]
    [InlineData("/assets/signalr.min.js", "text/javascript")]
    public async Task PagesAndAssetsAreServedWithTheirTypes(string path, string mediaType)
    {
        var app = await TestApp.SharedAsync();
        var response = await app.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task PagesForbidFramingAndForeignScripts()
    {
        var app = await TestApp.SharedAsync();
        var csp = (await app.GetAsync("/")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnchangedAssetRevalidatesToA304()
    {
        var app = await TestApp.SharedAsync();
        var first = await app.GetAsync("/assets/common.js");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/assets/common.js");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var second = await app.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task PageFilesAreGzippedForBrowsersThatAskAndStayTheSameFiles()
    {
        var app = await TestApp.SharedAsync();
        var plain = await (await app.GetAsync("/assets/live.js")).Content.ReadAsByteArrayAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/assets/live.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        var response = await app.Client.SendAsync(request);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < plain.Length / 2, $"{compressed.Length} bytes gzipped vs {plain.Length}");
        await using var unzip = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        using var back = new MemoryStream();
        await unzip.CopyToAsync(back);
        Assert.Equal(plain, back.ToArray());
        Assert.NotEqual(response.Headers.ETag, (await app.GetAsync("/assets/live.js")).Headers.ETag); // one tag per encoding
    }

    [Fact]
    public async Task AnUnknownAssetIsANotFoundProblem()
    {
        var app = await TestApp.SharedAsync();
        await TestApp.ProblemAsync(await app.GetAsync("/assets/nope.js"), 404, "not-found");
    }

    [Fact]
    public void TheSignalRBrowserClientFromNpmIsEmbedded()
    {
        Assert.Contains("signalr.min.js", PageEndpoints.Names);
        Assert.Contains("console.js", PageEndpoints.Names);
        Assert.Contains("live.js", PageEndpoints.Names);
    }
}
