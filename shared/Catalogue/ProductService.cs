using Microsoft.Extensions.Logging;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Catalogue;

/// <summary>What a product is created from, as sent (validated by <see cref="ProductService.CreateAsync"/>).</summary>
public sealed record ProductFields(string? Name, string? Category, string? Unit, string? Origin, string? Batch, string? Story);

/// <summary>A report with a read-only URL that works until <see cref="UrlExpiresAt"/>.</summary>
public sealed record ReportLink(ProductReport Report, Uri Url, DateTimeOffset UrlExpiresAt);

/// <summary>What 一键溯源 shows: the product and links to its reports.</summary>
public sealed record Traceability(Product Product, IReadOnlyList<ReportLink> Reports);

/// <summary>The product catalogue of a chain, and the reports (检测报告) that make a product traceable.</summary>
public sealed class ProductService(ITableStore tables, IBlobStore blobs, IDomainEvents events, TimeProvider clock, ILogger<ProductService> logger)
{
    /// <summary>How long report URLs handed out stay readable: long enough to read a report met in a live room.</summary>
    public static readonly TimeSpan ReportUrlLifetime = TimeSpan.FromHours(2);

    /// <summary>Adds a product (admin or leader of the chain). A retry with the same idempotency key returns the same product.</summary>
    public async Task<CreateResult<Product>> CreateAsync(Caller caller, string chainId, ProductFields fields, string? idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fields);
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        var name = v.Text("name", fields.Name, 60);
        var category = v.Text("category", fields.Category, 30);
        var unit = v.Text("unit", fields.Unit, 10);
        var origin = v.OptionalText("origin", fields.Origin, 100);
        var batch = v.OptionalText("batch", fields.Batch, 60);
        var story = v.OptionalText("story", fields.Story, 2000);
        v.ThrowIfInvalid();

        var fingerprint = Idempotency.Fingerprint(new { name, category, unit, origin, batch, story });
        var product = new Product(key is null ? Ids.New(chainId, 'p') : Ids.For(chainId, 'p', key), chainId, name, category, unit, origin, batch, story, [], clock.GetUtcNow());
        var row = CatalogueTables.ToEntity(product);
        row[CatalogueTables.RequestHash] = fingerprint;
        var replayed = false;
        try
        {
            await tables.InsertAsync(CatalogueTables.Products, row, ct);
            logger.LogInformation("Product {ProductId} created in chain {ChainId}", product.ProductId, chainId);
        }
        catch (StorageConflictException) when (key is not null)
        {
            var existing = await tables.GetAsync(CatalogueTables.Products, chainId, product.ProductId, cancellationToken: ct)
                           ?? throw new InvalidOperationException($"Product {product.ProductId} conflicted on insert but cannot be read.");
            product = existing.GetString(CatalogueTables.RequestHash) == fingerprint ? CatalogueTables.ToProduct(existing) : throw Idempotency.Conflict();
            replayed = true;
        }

        await events.RaiseAsync(DomainEvent.Create("product.created", chainId, $"products/{product.ProductId}", new { product.ProductId, product.Name, product.Category }, product.CreatedAt), ct);
        return new CreateResult<Product>(product, null, replayed);
    }

    /// <summary>The chain's products, oldest first (admin or leader of the chain).</summary>
    public async Task<IReadOnlyList<Product>> ListAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChain(chainId);
        var products = new List<Product>();
        await foreach (var row in tables.QueryAsync(CatalogueTables.Products, TableQuery.Partition(chainId), ct))
        {
            products.Add(CatalogueTables.ToProduct(row));
        }

        return [.. products.OrderBy(p => p.CreatedAt).ThenBy(p => p.ProductId, StringComparer.Ordinal)];
    }

    /// <summary>The product, or null when <paramref name="productId"/> is no product of <paramref name="chainId"/>.</summary>
    public async Task<Product?> FindAsync(string chainId, string? productId, CancellationToken ct)
    {
        if (!Ids.IsKind(productId, 'p') || Ids.ChainOf(productId) != chainId)
        {
            return null;
        }

        var row = await tables.GetAsync(CatalogueTables.Products, chainId, productId!, cancellationToken: ct);
        return row is null ? null : CatalogueTables.ToProduct(row);
    }

    /// <summary>
    /// Stores a report file (PDF, PNG or JPEG, told by its bytes; at most <see cref="ReportFiles.MaxBytes"/>) and
    /// records it on the product (admin or leader of the product's chain). At most <see cref="Product.MaxReports"/>.
    /// </summary>
    public async Task<ReportLink> AddReportAsync(Caller caller, string productId, ReportUpload upload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(upload);
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(productId, "product");
        var chainId = caller.ChainId!;
        var product = await FindAsync(chainId, productId, ct) ?? throw AppProblem.NotFound("product", productId);
        product.EnsureRoomForReport(); // before reading up to 10 MiB that could not be kept

        var v = new Validator();
        var name = ReportFiles.DisplayName(upload.FileName);
        if (name is null)
        {
            v.Add(ReportFiles.FileNameHeader, string.IsNullOrWhiteSpace(upload.FileName)
                ? $"Send the file's name in the '{ReportFiles.FileNameHeader}' header, e.g. 检测报告.pdf."
                : $"The '{ReportFiles.FileNameHeader}' header has no characters that can be shown; send the file's name, e.g. 检测报告.pdf.");
        }

        var content = await ReportFiles.ReadAsync(upload.Content, upload.Length, ct);
        var type = ReportFiles.Detect(content.Span);
        if (content.IsEmpty)
        {
            v.Add("body", "The body is empty: send the file's bytes as the body (curl --data-binary @report.pdf).");
        }
        else if (type is null)
        {
            v.Add("body", $"This file is not one we accept. Accepted: {ReportFiles.Accepted}, recognised by the file's first bytes, not its name.");
        }
        else if (ReportFiles.Contradiction(upload.ContentType, type) is { } claimed)
        {
            v.Add("Content-Type", $"The Content-Type header says '{claimed}' but the file is a {type.Label} ({type.ContentType}). Send the matching type, or application/octet-stream.");
        }

        v.ThrowIfInvalid();
        var reportId = Ids.New(chainId, 'r');
        var report = new ProductReport(reportId, name!, CatalogueTables.ReportBlob(productId, reportId, type!.Extension), type.ContentType, content.Length, clock.GetUtcNow());
        await blobs.UploadAsync(CatalogueTables.Media, report.Blob, new BinaryData(content), report.ContentType, ct);
        try
        {
            await RecordReportAsync(chainId, productId, report, ct);
        }
        catch (Exception)
        {
            // The row never referred to the blob: remove it so a refused upload leaves nothing behind.
            await DeleteBlobQuietlyAsync(report.Blob);
            throw;
        }

        logger.LogInformation("Report {ReportId} ({ContentType}, {Size} bytes) added to product {ProductId}", reportId, report.ContentType, report.Size, productId);
        await events.RaiseAsync(DomainEvent.Create("product.reportAdded", chainId, $"products/{productId}",
            new { productId, report.ReportId, report.Name, report.ContentType, report.Size }, report.UploadedAt, occurrence: reportId), ct);
        return await LinkAsync(report, ct);
    }

    /// <summary>The public traceability view of a product, with read-only report URLs valid for <see cref="ReportUrlLifetime"/>.</summary>
    public async Task<Traceability> GetTraceabilityAsync(string productId, CancellationToken ct)
    {
        var chainId = Ids.ChainOf(productId);
        var product = (chainId is null ? null : await FindAsync(chainId, productId, ct)) ?? throw AppProblem.NotFound("product", productId);
        var links = new List<ReportLink>(product.Reports.Count);
        foreach (var report in product.Reports)
        {
            links.Add(await LinkAsync(report, ct));
        }

        return new Traceability(product, links);
    }

    private async Task<ReportLink> LinkAsync(ProductReport report, CancellationToken ct)
    {
        var expiresAt = clock.GetUtcNow() + ReportUrlLifetime;
        return new ReportLink(report, await blobs.GetSasUriAsync(CatalogueTables.Media, report.Blob, BlobSasPermissions.Read, expiresAt, ct), expiresAt);
    }

    /// <summary>Appends the report to the product's row with If-Match, re-reading when another upload got there first.</summary>
    private async Task RecordReportAsync(string chainId, string productId, ProductReport report, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(CatalogueTables.Products, chainId, productId, cancellationToken: ct)
                      ?? throw AppProblem.NotFound("product", productId);
            CatalogueTables.SetReports(row, CatalogueTables.ToProduct(row).AddReport(report).Reports);
            try
            {
                await tables.UpdateAsync(CatalogueTables.Products, row, TableUpdateMode.Replace, row.ETag!, ct);
                return;
            }
            catch (ConcurrencyException) when (attempt < 8)
            {
                // Another upload to the same product wrote first; its report must be kept, so read again and append.
            }
        }
    }

    private async Task DeleteBlobQuietlyAsync(string blob)
    {
        try
        {
            await blobs.DeleteAsync(CatalogueTables.Media, blob, CancellationToken.None);
        }
        catch (Exception ex) when (ex is StorageException or HttpRequestException or Azure.RequestFailedException)
        {
            logger.LogWarning(ex, "Unreferenced report blob {Blob} could not be removed", blob);
        }
    }
}
