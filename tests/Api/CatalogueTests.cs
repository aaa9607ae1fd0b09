using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Events;
using ServerlessCommerce.Functions;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The product catalogue and 一键溯源: products, report uploads told apart by their bytes, public traceability links.</summary>
public sealed class CatalogueTests : IAsyncLifetime
{
    private const string ChineseName = "检测报告.pdf";

    // Real files, as small as they come: a PDF with one empty page, a 1×1 PNG, and a JPEG's start and end markers.
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];

    private TestApp _app = null!;
    private TestApp.ChainFixture _f = null!;
    private HttpClient _utf8 = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.SharedAsync();
        _f = await _app.NewChainWithPeopleAsync();

        // curl sends a Chinese x-file-name as raw UTF-8; HttpClient only does when told to.
        _utf8 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = _app.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Task DisposeAsync()
    {
        _utf8.Dispose();
        return Task.CompletedTask;
    }

    private async Task<string> NewProductAsync(string? secret = null, string name = "五常大米")
    {
        var body = new { name, category = "粮油", unit = "袋", origin = "黑龙江五常", batch = "2024-10-A", story = "稻花香 2 号，当季新米。" };
        var product = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", body, secret ?? _f.AdminKey), 201);
        return product.GetProperty("productId").GetString()!;
    }

    private async Task<HttpResponseMessage> UploadAsync(string productId, HttpContent content, string? fileName, string? secret, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/products/{productId}/reports") { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        if (fileName is not null)
        {
            request.Headers.Add("x-file-name", fileName);
        }

        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        return await _utf8.SendAsync(request);
    }

    private Task<HttpResponseMessage> UploadAsync(string productId, byte[] bytes, string? fileName = ChineseName, string? secret = null, string? contentType = null)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return UploadAsync(productId, content, fileName, secret ?? _f.AdminKey);
    }

    private async Task<JsonElement> TraceabilityAsync(string productId) =>
        await TestApp.OkJsonAsync(await _app.GetAsync($"/api/products/{productId}/traceability"));

    private async Task<List<BlobItem>> BlobsOfAsync(string productId) =>
        await _app.Services.GetRequiredService<IBlobStore>().ListAsync(CatalogueTables.Media, CatalogueTables.ReportBlobPrefix(productId)).ToListAsync();

    private static DateTimeOffset SasExpiry(string url)
    {
        var se = new Uri(url).Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Single(p => p[0] == "se")[1];
        return DateTimeOffset.Parse(Uri.UnescapeDataString(se), System.Globalization.CultureInfo.InvariantCulture);
    }

    // ----- products -----

    [Fact]
    public async Task AnAdminAndALeaderAddProductsAndBothSeeTheListOldestFirst()
    {
        var created = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products",
            new { name = "赣南脐橙", category = "水果", unit = "斤", origin = "江西赣州", batch = "GN-1101", story = "树上熟透才摘。" }, _f.AdminKey), 201);
        var productId = created.GetProperty("productId").GetString()!;
        Assert.StartsWith(_f.ChainId + "-p", productId, StringComparison.Ordinal);
        Assert.Equal("赣南脐橙", created.GetProperty("name").GetString());
        Assert.Equal("水果", created.GetProperty("category").GetString());
        Assert.Equal("斤", created.GetProperty("unit").GetString());
        Assert.Equal("江西赣州", created.GetProperty("origin").GetString());
        Assert.Equal("GN-1101", created.GetProperty("batch").GetString());
        Assert.Empty(created.GetProperty("reports").EnumerateArray());

        var byLeader = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", new { name = "土鸡蛋", category = "禽蛋", unit = "盒" }, _f.LeaderKey), 201);
        Assert.Equal(JsonValueKind.Null, byLeader.GetProperty("origin").ValueKind);

        foreach (var secret in new[] { _f.AdminKey, _f.LeaderKey })
        {
            var list = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", secret));
            Assert.Equal(["赣南脐橙", "土鸡蛋"], list.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        }
    }

    [Fact]
    public async Task TheProductRowKeepsTheLayoutOtherFeaturesReadAndFindAsyncReturnsIt()
    {
        var productId = await NewProductAsync();
        await TestApp.OkJsonAsync(await UploadAsync(productId, Png, "产地照片.png"), 201);

        var row = await _app.Services.GetRequiredService<ITableStore>().GetAsync("Products", _f.ChainId, productId);
        Assert.NotNull(row);
        Assert.Equal(("五常大米", "粮油", "袋", "黑龙江五常", "2024-10-A"), (row.GetString("Name"), row.GetString("Category"), row.GetString("Unit"), row.GetString("Origin"), row.GetString("Batch")));
        Assert.Equal("稻花香 2 号，当季新米。", row.GetString("Story"));
        var report = Assert.Single(JsonDocument.Parse(row.GetString("Reports")!).RootElement.EnumerateArray());
        var reportId = report.GetProperty("reportId").GetString();
        Assert.Equal($"products/{productId}/{reportId}.png", report.GetProperty("blob").GetString());
        Assert.Equal(("产地照片.png", "image/png", Png.Length), (report.GetProperty("name").GetString(), report.GetProperty("contentType").GetString(), report.GetProperty("size").GetInt32()));
        Assert.True(report.TryGetProperty("uploadedAt", out _));

        var products = _app.Services.GetRequiredService<ProductService>();
        Assert.Equal("五常大米", (await products.FindAsync(_f.ChainId, productId, default))?.Name);
        Assert.Null(await products.FindAsync(_f.ChainId, _f.ChainId + "-pnothere00000", default));
        Assert.Null(await products.FindAsync("cnotachain00", productId, default));
    }

    [Fact]
    public async Task MissingAndOversizeProductFieldsAreListedTogetherAndNothingIsAdded()
    {
        var body = new { name = new string('米', 61), unit = "一箱十二瓶装礼盒款", origin = new string('地', 101), batch = new string('b', 61), story = new string('故', 2001) };
        var problem = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", body, _f.AdminKey), 400, "validation");
        var errors = problem.GetProperty("errors");
        Assert.Equal(["batch", "category", "name", "origin", "story"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Contains("required", errors.GetProperty("category")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("2000", errors.GetProperty("story")[0].GetString(), StringComparison.Ordinal);

        var tooLongUnit = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", new { name = "米", category = "粮油", unit = "一箱十二瓶装礼盒款式" + "x" }, _f.AdminKey), 400, "validation");
        Assert.Contains("10", tooLongUnit.GetProperty("errors").GetProperty("unit")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", _f.AdminKey))).EnumerateArray());
    }

    [Fact]
    public async Task RetryingAProductCreateWithTheSameKeyMakesOneProductAndAnotherBodyConflicts()
    {
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> PostAsync(object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chains/{_f.ChainId}/products") { Content = System.Net.Http.Json.JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _f.LeaderKey);
            return await _app.Client.SendAsync(request);
        }

        var body = new { name = "阳山水蜜桃", category = "水果", unit = "盒" };
        var first = await TestApp.OkJsonAsync(await PostAsync(body), 201);
        var again = await TestApp.OkJsonAsync(await PostAsync(body), 200);
        Assert.Equal(first.GetProperty("productId").GetString(), again.GetProperty("productId").GetString());
        await TestApp.ProblemAsync(await PostAsync(new { name = "别的桃", category = "水果", unit = "盒" }), 409, "idempotency-conflict");
        Assert.Single((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", _f.AdminKey))).EnumerateArray());
    }

    // ----- reports and traceability -----

    [Fact]
    public async Task UploadedPdfPngAndJpegDownloadByteForByteFromPublicLinksValidForHours()
    {
        var productId = await NewProductAsync();
        var files = new (byte[] Bytes, string Name, string Type, string? Declared, string Secret)[]
        {
            (Pdf, ChineseName, "application/pdf", null, _f.AdminKey),
            (Png, "产地照片.png", "image/png", "image/png", _f.LeaderKey),
            (Jpeg, "采摘现场.jpg", "image/jpeg", "application/octet-stream", _f.AdminKey),
        };
        foreach (var file in files)
        {
            var uploaded = await TestApp.OkJsonAsync(await UploadAsync(productId, file.Bytes, file.Name, file.Secret, file.Declared), 201);
            Assert.Equal(file.Name, uploaded.GetProperty("name").GetString());
            Assert.Equal(file.Type, uploaded.GetProperty("contentType").GetString());
            Assert.False(string.IsNullOrEmpty(uploaded.GetProperty("url").GetString()));
        }

        // No secret: members reach this from the live room.
        var trace = await TraceabilityAsync(productId);
        Assert.Equal((productId, "五常大米", "黑龙江五常", "2024-10-A"),
            (trace.GetProperty("productId").GetString(), trace.GetProperty("name").GetString(), trace.GetProperty("origin").GetString(), trace.GetProperty("batch").GetString()));
        Assert.Equal("稻花香 2 号，当季新米。", trace.GetProperty("story").GetString());
        var reports = trace.GetProperty("reports").EnumerateArray().ToList();
        Assert.Equal(files.Select(f => (f.Name, f.Type)), reports.Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("contentType").GetString()!)));

        using var plain = new HttpClient();
        foreach (var (file, report) in files.Zip(reports))
        {
            var url = report.GetProperty("url").GetString()!;
            Assert.True(SasExpiry(url) >= DateTimeOffset.UtcNow.AddHours(1), $"{url} expires too soon");
            using var download = await plain.GetAsync(new Uri(url));
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(file.Type, download.Content.Headers.ContentType?.MediaType);
            Assert.Equal(file.Bytes, await download.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal([".jpg", ".pdf", ".png"], (await BlobsOfAsync(productId)).Select(b => Path.GetExtension(b.Name)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AReportLinkIsReadOnly()
    {
        var productId = await NewProductAsync();
        var url = (await TestApp.OkJsonAsync(await UploadAsync(productId, Pdf), 201)).GetProperty("url").GetString()!;
        using var plain = new HttpClient();
        using var overwrite = new ByteArrayContent(Png);
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(url)) { Content = overwrite };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await plain.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(Pdf, await plain.GetByteArrayAsync(new Uri(url)));
    }

    [Theory]
    [InlineData("../../etc/检测\u0007报告.pdf", "检测报告.pdf")]
    [InlineData("C:\\Users\\王\\Desktop\\农残检测.pdf", "农残检测.pdf")]
    [InlineData("%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf", "检测报告.pdf")]
    [InlineData("report\u202Efdp.exe", "reportfdp.exe")]
    public async Task TheDisplayNameKeepsChineseAndLosesPathPartsAndControlCharacters(string sent, string kept)
    {
        var productId = await NewProductAsync();
        var uploaded = await TestApp.OkJsonAsync(await UploadAsync(productId, Pdf, sent), 201);
        Assert.Equal(kept, uploaded.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ALongDisplayNameIsShortenedToAHundredCharactersKeepingItsExtension()
    {
        var productId = await NewProductAsync();
        var uploaded = await TestApp.OkJsonAsync(await UploadAsync(productId, Pdf, new string('检', 150) + ".pdf"), 201);
        var name = uploaded.GetProperty("name").GetString()!;
        Assert.True(name.Length <= 100, name);
        Assert.EndsWith(".pdf", name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATextFileRenamedPdfIsRefusedNamingTheAcceptedTypes()
    {
        var productId = await NewProductAsync();
        var problem = await TestApp.ProblemAsync(await UploadAsync(productId, Encoding.UTF8.GetBytes("这不是 PDF，只是文字。"), "报告.pdf", contentType: "application/pdf"), 400, "validation");
        var detail = problem.GetProperty("detail").GetString()!;
        foreach (var accepted in new[] { "PDF", "PNG", "JPEG" })
        {
            Assert.Contains(accepted, detail, StringComparison.Ordinal);
        }

        Assert.Empty((await TraceabilityAsync(productId)).GetProperty("reports").EnumerateArray());
        Assert.Empty(await BlobsOfAsync(productId));
    }

    [Fact]
    public async Task APngSentAsApplicationPdfIsRefused()
    {
        var productId = await NewProductAsync();
        var problem = await TestApp.ProblemAsync(await UploadAsync(productId, Png, "照片.png", contentType: "application/pdf"), 400, "validation");
        Assert.Contains("image/png", problem.GetProperty("errors").GetProperty("Content-Type")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await BlobsOfAsync(productId));
    }

    [Fact]
    public async Task AnEmptyBodyIsRefused()
    {
        var productId = await NewProductAsync();
        var problem = await TestApp.ProblemAsync(await UploadAsync(productId, []), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task AMissingFileNameIsRefused()
    {
        var productId = await NewProductAsync();
        var problem = await TestApp.ProblemAsync(await UploadAsync(productId, Pdf, fileName: null), 400, "validation");
        Assert.Contains("x-file-name", problem.GetProperty("errors").GetProperty("x-file-name")[0].GetString(), StringComparison.Ordinal);
        await TestApp.ProblemAsync(await UploadAsync(productId, Pdf, fileName: "../.."), 400, "validation");
        Assert.Empty(await BlobsOfAsync(productId));
    }

    [Fact]
    public async Task ABodyOverTenMiBIsTooLargeAndNothingIsStored()
    {
        var productId = await NewProductAsync();
        var huge = new byte[11 * 1024 * 1024];
        Pdf.CopyTo(huge, 0);

        var declared = await TestApp.ProblemAsync(await UploadAsync(productId, huge), 413, "too-large");
        Assert.Contains("10 MiB", declared.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A chunked body declares no length: it is cut off while being read.
        await TestApp.ProblemAsync(await UploadAsync(productId, new ChunkedContent(huge), ChineseName, _f.AdminKey), 413, "too-large");

        // Far beyond the limit, a client that waits for 100-continue (as curl does for big bodies) is refused before it sends.
        using var enormous = new ByteArrayContent(new byte[25 * 1024 * 1024]);
        await TestApp.ProblemAsync(await UploadAsync(productId, enormous, ChineseName, _f.AdminKey, expectContinue: true), 413, "too-large");

        Assert.Empty((await TraceabilityAsync(productId)).GetProperty("reports").EnumerateArray());
        Assert.Empty(await BlobsOfAsync(productId));
    }

    [Fact]
    public async Task AChunkedBodyWithinTheLimitIsAccepted()
    {
        var productId = await NewProductAsync();
        var big = new byte[3 * 1024 * 1024];
        Png.CopyTo(big, 0);
        var uploaded = await TestApp.OkJsonAsync(await UploadAsync(productId, new ChunkedContent(big), "大图.png", _f.LeaderKey), 201);
        Assert.Equal(big.Length, uploaded.GetProperty("size").GetInt32());
        using var plain = new HttpClient();
        Assert.Equal(big, await plain.GetByteArrayAsync(new Uri(uploaded.GetProperty("url").GetString()!)));
    }

    [Fact]
    public async Task TheEleventhReportIsRefusedAndTheTenStay()
    {
        var productId = await NewProductAsync();
        for (var i = 1; i <= Product.MaxReports; i++)
        {
            await TestApp.OkJsonAsync(await UploadAsync(productId, Png, $"第{i}批.png"), 201);
        }

        var problem = await TestApp.ProblemAsync(await UploadAsync(productId, Png, "第11批.png"), 409, "too-many-reports");
        Assert.Contains("10", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(10, (await TraceabilityAsync(productId)).GetProperty("reports").GetArrayLength());
        Assert.Equal(10, (await BlobsOfAsync(productId)).Count);
    }

    [Fact]
    public async Task ConcurrentUploadsToOneProductAreAllKept()
    {
        var productId = await NewProductAsync();
        var uploads = Enumerable.Range(1, 6).Select(i => UploadAsync(productId, Jpeg, $"现场{i}.jpg", i % 2 == 0 ? _f.LeaderKey : _f.AdminKey)).ToList();
        foreach (var response in await Task.WhenAll(uploads))
        {
            await TestApp.OkJsonAsync(response, 201);
        }

        var names = (await TraceabilityAsync(productId)).GetProperty("reports").EnumerateArray().Select(r => r.GetProperty("name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"现场{i}.jpg").Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task AReportUploadRaisesProductReportAdded()
    {
        var productId = await NewProductAsync();
        var reportId = (await TestApp.OkJsonAsync(await UploadAsync(productId, Pdf), 201)).GetProperty("reportId").GetString();
        var log = _app.Services.GetRequiredService<EventLog>();
        DomainEvent? added = null;
        for (var i = 0; i < 100 && added is null; i++)
        {
            await Task.Delay(100);
            added = (await log.ListAsync(_f.ChainId)).FirstOrDefault(e => e.Type == "product.reportAdded");
        }

        Assert.NotNull(added);
        Assert.Equal(productId, added.Data.GetProperty("productId").GetString());
        Assert.Equal(reportId, added.Data.GetProperty("reportId").GetString());
    }

    // ----- who may do what -----

    [Fact]
    public async Task CatalogueRoutesRefuseCallersWithoutASecret()
    {
        var productId = await NewProductAsync();
        await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", new { name = "x", category = "y", unit = "斤" }), 401, "unauthorized");
        await TestApp.ProblemAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products"), 401, "unauthorized");
        await TestApp.ProblemAsync(await UploadAsync(productId, new ByteArrayContent(Pdf), ChineseName, secret: null), 401, "unauthorized");
    }

    [Fact]
    public async Task AnotherChainsAdminOrLeaderIsForbiddenAndChangesNothing()
    {
        var other = await _app.NewChainWithPeopleAsync();
        var productId = await NewProductAsync();
        foreach (var secret in new[] { other.AdminKey, other.LeaderKey })
        {
            await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", new { name = "x", category = "y", unit = "斤" }, secret), 403, "forbidden");
            await TestApp.ProblemAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", secret), 403, "forbidden");
            await TestApp.ProblemAsync(await UploadAsync(productId, Pdf, secret: secret), 403, "forbidden");
        }

        Assert.Single((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", _f.AdminKey))).EnumerateArray());
        Assert.Empty(await BlobsOfAsync(productId));
    }

    [Fact]
    public async Task AMemberOrThePlatformCannotManageTheCatalogue()
    {
        var productId = await NewProductAsync();
        foreach (var secret in new[] { _f.MemberToken, TestApp.PlatformKey })
        {
            await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/products", new { name = "x", category = "y", unit = "斤" }, secret), 403, "forbidden");
            await TestApp.ProblemAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/products", secret), 403, "forbidden");
            await TestApp.ProblemAsync(await UploadAsync(productId, Pdf, secret: secret), 403, "forbidden");
        }

        Assert.Empty(await BlobsOfAsync(productId));
    }

    [Fact]
    public async Task UnknownProductsAreNotFound()
    {
        await TestApp.ProblemAsync(await _app.GetAsync($"/api/products/{_f.ChainId}-pnothere00000/traceability"), 404, "not-found");
        await TestApp.ProblemAsync(await _app.GetAsync("/api/products/garbage/traceability"), 404, "not-found");
        await TestApp.ProblemAsync(await _app.GetAsync($"/api/products/{_f.StoreId}/traceability"), 404, "not-found");
        await TestApp.ProblemAsync(await UploadAsync($"{_f.ChainId}-pnothere00000", Pdf), 404, "not-found");
        await TestApp.ProblemAsync(await UploadAsync("garbage", Pdf), 404, "not-found");
    }

    [Fact]
    public async Task TraceabilityNeedsNoSecretButRefusesAnUnknownOne()
    {
        var productId = await NewProductAsync();
        await TestApp.OkJsonAsync(await UploadAsync(productId, Pdf), 201);
        Assert.Single((await TraceabilityAsync(productId)).GetProperty("reports").EnumerateArray());
        // API.md: an unknown secret is a 401 on every /api/ route, public ones included.
        await TestApp.ProblemAsync(await _app.GetAsync($"/api/products/{productId}/traceability", "scm_e30.stale"), 401, "unauthorized");
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheRawReportBody()
    {
        var doc = await TestApp.OkJsonAsync(await _app.GetAsync("/api/openapi.json"));
        var upload = doc.GetProperty("paths").GetProperty("/api/products/{productId}/reports").GetProperty("post");
        var content = upload.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/pdf", out _));
        Assert.True(content.TryGetProperty("image/jpeg", out _));
        Assert.True(upload.GetProperty("responses").TryGetProperty("413", out _));
        Assert.Contains("too-many-reports", upload.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/products/{productId}/traceability", out _));
    }

    [Fact]
    public void CatalogueRoutesAreFunctionsOfTheFunctionsApp()
    {
        var routes = ServerlessCommerce.Functions.Hosting.Local.FunctionCatalog.App.Http
            .SelectMany(h => ServerlessCommerce.Functions.Hosting.Local.FunctionCatalog.Methods(h.Http).Select(m => $"{m.ToLowerInvariant()} {h.Http.Route}"))
            .ToHashSet();
        foreach (var expected in new[]
                 {
                     "post api/chains/{chainId}/products", "get api/chains/{chainId}/products",
                     "post api/products/{productId}/reports", "get api/products/{productId}/traceability",
                 })
        {
            Assert.Contains(expected, routes);
        }
    }

    /// <summary>A body sent with <c>Transfer-Encoding: chunked</c>: its length is not known up front.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 64 * 1024)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(64 * 1024, bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
