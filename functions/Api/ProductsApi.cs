using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;

namespace ServerlessCommerce.Functions.Api;

/// <summary>The product catalogue and its traceability (一键溯源) (API.md "Routes").</summary>
public static class ProductsApi
{
    public static void MapProductsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Catalogue");
        api.MapPost("/chains/{chainId}/products", CreateProduct).AsFunction("CreateProduct")
            .WithSummary("Add a product (admin or leader of the chain). Idempotency-Key: a retry answers 200 with the same product.");
        api.MapGet("/chains/{chainId}/products", ListProducts).AsFunction("ListProducts").WithSummary("The chain's products, oldest first (admin or leader).");
        api.MapPost("/products/{productId}/reports", UploadReport).AsFunction("UploadProductReport")
            .WithSummary($"Attach an inspection report (admin or leader): the raw file as the body, at most {ReportFiles.MaxBytes / (1024 * 1024)} MiB (413 too-large), " +
                         $"at most {Product.MaxReports} per product (then 409 {CatalogueProblems.TooManyReports}).")
            .WithDescription($"The type is read from the file's first bytes: {ReportFiles.Accepted}; anything else, an empty body or a Content-Type naming another " +
                             $"type is a 400 validation. The '{ReportFiles.FileNameHeader}' header (required) is the name shown to members, as raw UTF-8 or " +
                             $"percent-encoded; path parts and control characters are dropped and it is shortened to {ReportFiles.MaxNameLength} characters.")
            .WithMetadata(new RequestSizeLimitAttribute(ReportFiles.RequestSizeLimit))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .AddOpenApiOperationTransformer(DescribeRawFileBody);
        api.MapGet("/products/{productId}/traceability", GetTraceability).AsFunction("GetProductTraceability")
            .WithSummary("What one-tap traceability shows (public): origin, batch, story and report links readable for 2 hours.");
    }

    public sealed record CreateProductRequest(string? Name, string? Category, string? Unit, string? Origin, string? Batch, string? Story);

    public sealed record ReportSummary(string ReportId, string Name, string ContentType, long Size, DateTimeOffset UploadedAt);

    public sealed record ProductResponse(
        string ProductId, string ChainId, string Name, string Category, string Unit, string? Origin, string? Batch, string? Story,
        IReadOnlyList<ReportSummary> Reports, DateTimeOffset CreatedAt)
    {
        public static ProductResponse From(Product p) => new(p.ProductId, p.ChainId, p.Name, p.Category, p.Unit, p.Origin, p.Batch, p.Story,
            [.. p.Reports.Select(r => new ReportSummary(r.ReportId, r.Name, r.ContentType, r.Size, r.UploadedAt))], p.CreatedAt);
    }

    public sealed record ReportUploaded(string ReportId, string Name, string Url, string ContentType, long Size, DateTimeOffset UploadedAt, DateTimeOffset UrlExpiresAt);

    public sealed record TraceabilityReport(string Name, string Url, string ContentType, long Size, DateTimeOffset UploadedAt, DateTimeOffset UrlExpiresAt);

    public sealed record TraceabilityResponse(
        string ProductId, string Name, string Category, string Unit, string? Origin, string? Batch, string? Story, IReadOnlyList<TraceabilityReport> Reports);

    public sealed record Services(
        ProductService Products,
        CallerContext Caller,
        [property: FromHeader(Name = Idempotency.HeaderName)] string? IdempotencyKey,
        CancellationToken Cancellation);

    private static async Task<Results<Created<ProductResponse>, Ok<ProductResponse>>> CreateProduct(string chainId, CreateProductRequest body, [AsParameters] Services s)
    {
        var fields = new ProductFields(body.Name, body.Category, body.Unit, body.Origin, body.Batch, body.Story);
        var created = await s.Products.CreateAsync(await s.Caller.GetAsync(), chainId, fields, s.IdempotencyKey, s.Cancellation);
        return ChainsApi.CreatedOrReplayed(created, $"/api/products/{created.Value.ProductId}/traceability", ProductResponse.From(created.Value));
    }

    private static async Task<Ok<List<ProductResponse>>> ListProducts(string chainId, [AsParameters] Services s) =>
        TypedResults.Ok((await s.Products.ListAsync(await s.Caller.GetAsync(), chainId, s.Cancellation)).Select(ProductResponse.From).ToList());

    private static async Task<Created<ReportUploaded>> UploadReport(
        string productId, HttpRequest request, [FromHeader(Name = ReportFiles.FileNameHeader)] string? fileName, [AsParameters] Services s)
    {
        var upload = new ReportUpload(fileName, request.ContentType, request.ContentLength, request.Body);
        var link = await s.Products.AddReportAsync(await s.Caller.GetAsync(), productId, upload, s.Cancellation);
        var r = link.Report;
        return TypedResults.Created($"/api/products/{productId}/traceability",
            new ReportUploaded(r.ReportId, r.Name, link.Url.AbsoluteUri, r.ContentType, r.Size, r.UploadedAt, link.UrlExpiresAt));
    }

    private static async Task<Ok<TraceabilityResponse>> GetTraceability(string productId, [AsParameters] Services s)
    {
        var t = await s.Products.GetTraceabilityAsync(productId, s.Cancellation);
        var p = t.Product;
        return TypedResults.Ok(new TraceabilityResponse(p.ProductId, p.Name, p.Category, p.Unit, p.Origin, p.Batch, p.Story,
            [.. t.Reports.Select(l => new TraceabilityReport(l.Report.Name, l.Url.AbsoluteUri, l.Report.ContentType, l.Report.Size, l.Report.UploadedAt, l.UrlExpiresAt))]));
    }

    /// <summary>
    /// Documents the raw body without <c>Accepts</c> metadata, which would make routing answer 415 to content types it
    /// does not list: here the bytes decide the type, and a wrong header gets a 400 that says what is wrong.
    /// </summary>
    private static Task DescribeRawFileBody(OpenApiOperation operation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var file = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = $"The report file itself: {ReportFiles.Accepted}.",
            Content = ReportFiles.Types.Select(t => t.ContentType).Append("application/octet-stream")
                .ToDictionary(type => type, _ => file, StringComparer.Ordinal),
        };
        return Task.CompletedTask;
    }
}
