using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The product catalogue and its traceability (一键溯源) (API.md "Routes").</summary>
public sealed class ProductsApi(ProductService productService, CallerContext callerContext)
{
    public sealed record CreateProductRequest(string? Name, string? Category, string? Unit, string? Origin, string? Batch, string? Story);

    /// <summary>PATCH: the fields to change; the others are left out. An empty text clears origin, batch or story.</summary>
    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    public sealed record EditProductRequest(string? Name, string? Category, string? Unit, string? Origin, string? Batch, string? Story);

    public sealed record PhotoView(string PhotoId, string Url, string ContentType, long Size, DateTimeOffset UploadedAt, DateTimeOffset UrlExpiresAt)
    {
        public static PhotoView From(PhotoLink l) => new(l.Photo.PhotoId, l.Url.AbsoluteUri, l.Photo.ContentType, l.Photo.Size, l.Photo.UploadedAt, l.UrlExpiresAt);
    }

    public sealed record ReportSummary(string ReportId, string Name, string ContentType, long Size, DateTimeOffset UploadedAt);

    public sealed record ProductResponse(
        string ProductId, string ChainId, string Name, string Category, string Unit, string? Origin, string? Batch, string? Story,
        IReadOnlyList<ReportSummary> Reports, DateTimeOffset CreatedAt, IReadOnlyList<PhotoView> Photos, string Etag)
    {
        public static ProductResponse From(Product p, IReadOnlyList<PhotoLink>? photos = null) => new(p.ProductId, p.ChainId, p.Name, p.Category, p.Unit, p.Origin, p.Batch, p.Story,
            [.. p.Reports.Select(r => new ReportSummary(r.ReportId, r.Name, r.ContentType, r.Size, r.UploadedAt))], p.CreatedAt,
            [.. (photos ?? []).Select(PhotoView.From)], p.ETag);
    }

    public sealed record ReportUploaded(string ReportId, string Name, string Url, string ContentType, long Size, DateTimeOffset UploadedAt, DateTimeOffset UrlExpiresAt);

    public sealed record TraceabilityReport(string Name, string Url, string ContentType, long Size, DateTimeOffset UploadedAt, DateTimeOffset UrlExpiresAt);

    public sealed record TraceabilityResponse(
        string ProductId, string Name, string Category, string Unit, string? Origin, string? Batch, string? Story, IReadOnlyList<TraceabilityReport> Reports,
        IReadOnlyList<TraceabilityPhoto> Photos);

    public sealed record TraceabilityPhoto(string PhotoId, string Url, string ContentType, DateTimeOffset UrlExpiresAt);

    [Function("CreateProduct")]
    [OpenApiOperation("Catalogue", "Add a product (admin or leader of the chain). Idempotency-Key: a retry answers 200 with the same product.")]
    [OpenApiRequest(typeof(CreateProductRequest))]
    public async Task<Results<Created<ProductResponse>, Ok<ProductResponse>>> CreateProduct([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/products")] HttpRequest req, string chainId)
    {
        var body = await req.ReadJsonAsync<CreateProductRequest>();
        var fields = new ProductFields(body.Name, body.Category, body.Unit, body.Origin, body.Batch, body.Story);
        var created = await productService.CreateAsync(await callerContext.GetAsync(req), chainId, fields, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        return ChainsApi.CreatedOrReplayed(created, $"/api/products/{created.Value.ProductId}/traceability", ProductResponse.From(created.Value));
    }

    [Function("ListProducts")]
    [OpenApiOperation("Catalogue", "The chain's products, oldest first (admin or leader).")]
    public async Task<Ok<List<ProductResponse>>> ListProducts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/products")] HttpRequest req, string chainId)
    {
        var ct = req.HttpContext.RequestAborted;
        var list = new List<ProductResponse>();
        foreach (var p in await productService.ListAsync(await callerContext.GetAsync(req), chainId, ct))
        {
            list.Add(ProductResponse.From(p, await productService.PhotoLinksAsync(p, ct)));
        }

        return TypedResults.Ok(list);
    }

    [Function("EditProduct")]
    [OpenApiOperation("Catalogue", "Edit a product (admin or leader of its chain): any of name, category, unit, origin, batch, story; only those sent change (an empty text clears origin, batch or story), with the limits of create. Unknown fields → 400.",
        Description = "Every product answer carries 'etag' (also the ETag header here). Send it as If-Match (optional) to edit only the version you read: when someone saved in between → 412 precondition-failed. Photos and reports added meanwhile do not change it.")]
    [OpenApiRequest(typeof(EditProductRequest))]
    [OpenApiResponse(412, "application/problem+json", "precondition-failed: the If-Match is not the product's current etag; reload and edit again")]
    public async Task<Ok<ProductResponse>> EditProduct([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/products/{productId}")] HttpRequest req, string productId)
    {
        var caller = await callerContext.GetAsync(req);
        var body = await req.ReadJsonAsync<EditProductRequest>();
        var ct = req.HttpContext.RequestAborted;
        var ifMatch = req.Headers.IfMatch.ToString() is { Length: > 0 } tag ? tag : null;
        var edited = await productService.EditAsync(caller, productId, new ProductFields(body.Name, body.Category, body.Unit, body.Origin, body.Batch, body.Story), ifMatch, ct);
        req.HttpContext.Response.Headers.ETag = edited.ETag;
        return TypedResults.Ok(ProductResponse.From(edited, await productService.PhotoLinksAsync(edited, ct)));
    }

    [Function("UploadProductPhoto")]
    [OpenApiOperation("Catalogue", "Add a product photo (admin or leader): the raw picture as the body, at most 5 MiB (413 too-large), at most 9 per product (then 409 too-many-photos).",
        Description = "The type is read from the file's first bytes: JPEG, PNG or WebP; anything else, an empty body or a Content-Type naming another type is a 400 validation. " +
                      "The url is readable for 2 hours; product lists and traceability hand out fresh ones.")]
    [OpenApiRequest(typeof(byte[]), "image/jpeg", "image/png", "image/webp")]
    [Microsoft.AspNetCore.Mvc.RequestSizeLimit(PhotoFiles.RequestSizeLimit)]
    public async Task<Created<PhotoView>> UploadPhoto([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/products/{productId}/photos")] HttpRequest req, string productId)
    {
        var link = await productService.AddPhotoAsync(await callerContext.GetAsync(req), productId, new PhotoUpload(req.ContentType, req.ContentLength, req.Body), req.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/products/{productId}/traceability", PhotoView.From(link));
    }

    [Function("DeleteProductPhoto")]
    [OpenApiOperation("Catalogue", "Remove a product photo (admin or leader): 204, also when it is already gone.")]
    public async Task<NoContent> DeletePhoto([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/products/{productId}/photos/{photoId}")] HttpRequest req, string productId, string photoId)
    {
        await productService.DeletePhotoAsync(await callerContext.GetAsync(req), productId, photoId, req.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    [Function("UploadProductReport")]
    [OpenApiOperation("Catalogue", "Attach an inspection report (admin or leader): the raw file as the body, at most 10 MiB (413 too-large), at most 10 per product (then 409 too-many-reports).",
        Description = "The type is read from the file's first bytes: PDF, PNG or JPEG; anything else, an empty body or a Content-Type naming another type is a 400 validation. " +
                      "The 'x-file-name' header (required) is the name shown to members, as raw UTF-8 or percent-encoded; path parts and control characters are dropped.")]
    [OpenApiRequest(typeof(byte[]), "application/pdf", "image/png", "image/jpeg")]
    [Microsoft.AspNetCore.Mvc.RequestSizeLimit(ReportFiles.RequestSizeLimit)]
    public async Task<Created<ReportUploaded>> UploadReport([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/products/{productId}/reports")] HttpRequest req, string productId)
    {
        var upload = new ReportUpload(req.Headers[ReportFiles.FileNameHeader].ToString() is { Length: > 0 } fileName ? fileName : null, req.ContentType, req.ContentLength, req.Body);
        var link = await productService.AddReportAsync(await callerContext.GetAsync(req), productId, upload, req.HttpContext.RequestAborted);
        var r = link.Report;
        return TypedResults.Created($"/api/products/{productId}/traceability",
            new ReportUploaded(r.ReportId, r.Name, link.Url.AbsoluteUri, r.ContentType, r.Size, r.UploadedAt, link.UrlExpiresAt));
    }

    [Function("GetProductTraceability")]
    [OpenApiOperation("Catalogue", "What one-tap traceability shows (public): origin, batch, story, report links and product photos (in the order added), readable for 2 hours.")]
    public async Task<Ok<TraceabilityResponse>> GetTraceability([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/products/{productId}/traceability")] HttpRequest req, string productId)
    {
        var t = await productService.GetTraceabilityAsync(productId, req.HttpContext.RequestAborted);
        var p = t.Product;
        return TypedResults.Ok(new TraceabilityResponse(p.ProductId, p.Name, p.Category, p.Unit, p.Origin, p.Batch, p.Story,
            [.. t.Reports.Select(l => new TraceabilityReport(l.Report.Name, l.Url.AbsoluteUri, l.Report.ContentType, l.Report.Size, l.Report.UploadedAt, l.UrlExpiresAt))],
            [.. t.Photos.Select(l => new TraceabilityPhoto(l.Photo.PhotoId, l.Url.AbsoluteUri, l.Photo.ContentType, l.UrlExpiresAt))]));
    }
}
