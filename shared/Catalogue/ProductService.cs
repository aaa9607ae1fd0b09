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

/// <summary>A product photo with a read-only URL that works until <see cref="UrlExpiresAt"/>.</summary>
public sealed record PhotoLink(ProductPhoto Photo, Uri Url, DateTimeOffset UrlExpiresAt);

/// <summary>What 一键溯源 shows: the product and links to its reports and photos.</summary>
public sealed record Traceability(Product Product, IReadOnlyList<ReportLink> Reports, IReadOnlyList<PhotoLink> Photos);

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
        var product = new Product(key is null ? Ids.New(chainId, 'p') : Ids.For(chainId, 'p', key), chainId, name, category, unit, origin, batch, story, [], clock.GetUtcNow(), [], 1);
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

        return new Traceability(product, links, await PhotoLinksAsync(product, ct));
    }

    /// <summary>Read-only URLs of the product's photos, in the order they were added, valid for <see cref="ReportUrlLifetime"/>.</summary>
    public async Task<IReadOnlyList<PhotoLink>> PhotoLinksAsync(Product product, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(product);
        var expiresAt = clock.GetUtcNow() + ReportUrlLifetime;
        var links = new List<PhotoLink>(product.Photos.Count);
        foreach (var photo in product.Photos)
        {
            links.Add(new PhotoLink(photo, await blobs.GetSasUriAsync(CatalogueTables.Media, photo.Blob, BlobSasPermissions.Read, expiresAt, ct), expiresAt));
        }

        return links;
    }

    /// <summary>
    /// Changes the fields sent (null: unchanged; for origin, batch and story an empty text clears them), with the limits
    /// of <see cref="CreateAsync"/> (admin or leader of the product's chain). With <paramref name="ifMatch"/> (an
    /// If-Match header), the edit applies only while the product is still at that version: otherwise 412
    /// <c>precondition-failed</c>. A patch that changes nothing writes nothing and keeps the version.
    /// </summary>
    public async Task<Product> EditAsync(Caller caller, string productId, ProductFields patch, string? ifMatch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(patch);
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(productId, "product");
        var chainId = caller.ChainId!;
        var v = new Validator();
        var name = patch.Name is null ? null : v.Text("name", patch.Name, 60);
        var category = patch.Category is null ? null : v.Text("category", patch.Category, 30);
        var unit = patch.Unit is null ? null : v.Text("unit", patch.Unit, 10);
        var origin = patch.Origin is null ? null : v.OptionalText("origin", patch.Origin, 100);
        var batch = patch.Batch is null ? null : v.OptionalText("batch", patch.Batch, 60);
        var story = patch.Story is null ? null : v.OptionalText("story", patch.Story, 2000);
        if (patch is { Name: null, Category: null, Unit: null, Origin: null, Batch: null, Story: null })
        {
            v.Add("body", "Send at least one of name, category, unit, origin, batch, story (an empty text clears origin, batch or story).");
        }

        v.ThrowIfInvalid();
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(CatalogueTables.Products, chainId, productId, cancellationToken: ct);
            if (row is null || !Ids.IsKind(productId, 'p'))
            {
                throw AppProblem.NotFound("product", productId);
            }

            var current = CatalogueTables.ToProduct(row);
            if (!ETagMatches(ifMatch, current.ETag))
            {
                throw new AppProblem(ProblemCodes.PreconditionFailed, "The product changed since you read it",
                    $"Someone saved this product after you opened it (now version {current.ETag}, you sent If-Match: {Shorten(ifMatch!)}). Reload it, apply your change again and save.")
                {
                    Extensions = new Dictionary<string, object?> { ["etag"] = current.ETag },
                };
            }

            var edited = current with
            {
                Name = name ?? current.Name,
                Category = category ?? current.Category,
                Unit = unit ?? current.Unit,
                Origin = patch.Origin is null ? current.Origin : origin,
                Batch = patch.Batch is null ? current.Batch : batch,
                Story = patch.Story is null ? current.Story : story,
            };
            if (edited == current)
            {
                return current;
            }

            edited = edited with { Version = current.Version + 1 };
            row["Name"] = edited.Name;
            row["Category"] = edited.Category;
            row["Unit"] = edited.Unit;
            row["Origin"] = edited.Origin;
            row["Batch"] = edited.Batch;
            row["Story"] = edited.Story;
            row["Version"] = edited.Version;
            try
            {
                await tables.UpdateAsync(CatalogueTables.Products, row, TableUpdateMode.Replace, row.ETag!, ct);
            }
            catch (ConcurrencyException) when (attempt < 8)
            {
                // Another write (a photo, a report, an edit) got there first: read again; an edit moved the version.
                continue;
            }

            logger.LogInformation("Product {ProductId} edited to version {Version}", productId, edited.Version);
            await events.RaiseAsync(DomainEvent.Create("product.edited", chainId, $"products/{productId}",
                new { productId, edited.Name, edited.Category, edited.Version }, clock.GetUtcNow(), occurrence: "v" + edited.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);
            return edited;
        }
    }

    /// <summary>
    /// Stores a product photo (JPEG, PNG or WebP, told by its bytes; at most <see cref="PhotoFiles.MaxBytes"/>) and adds it
    /// to the product (admin or leader of the product's chain). At most <see cref="Product.MaxPhotos"/>.
    /// </summary>
    public async Task<PhotoLink> AddPhotoAsync(Caller caller, string productId, PhotoUpload upload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(upload);
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(productId, "product");
        var chainId = caller.ChainId!;
        var product = await FindAsync(chainId, productId, ct) ?? throw AppProblem.NotFound("product", productId);
        product.EnsureRoomForPhoto(); // before reading up to 5 MiB that could not be kept

        var content = await PhotoFiles.ReadAsync(upload.Content, upload.Length, ct);
        var type = PhotoFiles.Detect(content.Span);
        if (content.IsEmpty)
        {
            throw AppProblem.Validation("body", "The body is empty: send the picture's bytes as the body (curl --data-binary @photo.jpg).");
        }

        if (type is null)
        {
            throw AppProblem.Validation("body", $"This file is not a picture we accept. Accepted: {PhotoFiles.Accepted}, recognised by the file's first bytes, not its name.");
        }

        if (ReportFiles.Contradiction(upload.ContentType, type) is { } claimed)
        {
            throw AppProblem.Validation("Content-Type", $"The Content-Type header says '{claimed}' but the file is a {type.Label} ({type.ContentType}). Send the matching type, or application/octet-stream.");
        }

        var photoId = Ids.New(chainId, 'i');
        var photo = new ProductPhoto(photoId, CatalogueTables.PhotoBlob(productId, photoId, type.Extension), type.ContentType, content.Length, clock.GetUtcNow());
        await blobs.UploadAsync(CatalogueTables.Media, photo.Blob, new BinaryData(content), photo.ContentType, ct);
        try
        {
            await UpdatePhotosAsync(chainId, productId, p =>
            {
                p.EnsureRoomForPhoto();
                return [.. p.Photos, photo];
            }, ct);
        }
        catch (Exception)
        {
            await DeleteBlobQuietlyAsync(photo.Blob); // the row never referred to it
            throw;
        }

        logger.LogInformation("Photo {PhotoId} ({ContentType}, {Size} bytes) added to product {ProductId}", photoId, photo.ContentType, photo.Size, productId);
        await events.RaiseAsync(DomainEvent.Create("product.photoAdded", chainId, $"products/{productId}",
            new { productId, photo.PhotoId, photo.ContentType, photo.Size }, photo.UploadedAt, occurrence: photoId), ct);
        var expiresAt = clock.GetUtcNow() + ReportUrlLifetime;
        return new PhotoLink(photo, await blobs.GetSasUriAsync(CatalogueTables.Media, photo.Blob, BlobSasPermissions.Read, expiresAt, ct), expiresAt);
    }

    /// <summary>Removes a photo from the product and its blob (admin or leader of the product's chain); a photo already gone is fine.</summary>
    public async Task DeletePhotoAsync(Caller caller, string productId, string photoId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(productId, "product");
        var chainId = caller.ChainId!;
        if (await FindAsync(chainId, productId, ct) is null)
        {
            throw AppProblem.NotFound("product", productId);
        }

        ProductPhoto? removed = null;
        await UpdatePhotosAsync(chainId, productId, p =>
        {
            removed = p.Photos.FirstOrDefault(x => x.PhotoId == photoId);
            return removed is null ? null : [.. p.Photos.Where(x => x.PhotoId != photoId)];
        }, ct);
        if (removed is not null)
        {
            await DeleteBlobQuietlyAsync(removed.Blob);
            logger.LogInformation("Photo {PhotoId} removed from product {ProductId}", photoId, productId);
        }
    }

    /// <summary>True when there is no If-Match, it is <c>*</c>, or one of its entity tags is <paramref name="etag"/> (strong comparison).</summary>
    public static bool ETagMatches(string? ifMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return true;
        }

        return ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(tag => tag == "*" || string.Equals(tag, etag, StringComparison.Ordinal));
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;

    /// <summary>Replaces the product's photos with what <paramref name="change"/> makes of them (null: nothing to write), with If-Match, re-reading on a race.</summary>
    private async Task UpdatePhotosAsync(string chainId, string productId, Func<Product, IReadOnlyList<ProductPhoto>?> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(CatalogueTables.Products, chainId, productId, cancellationToken: ct)
                      ?? throw AppProblem.NotFound("product", productId);
            if (change(CatalogueTables.ToProduct(row)) is not { } photos)
            {
                return;
            }

            CatalogueTables.SetPhotos(row, photos);
            try
            {
                await tables.UpdateAsync(CatalogueTables.Products, row, TableUpdateMode.Replace, row.ETag!, ct);
                return;
            }
            catch (ConcurrencyException) when (attempt < 8)
            {
                // Another write to the same product got there first: read again and apply the change to what it holds now.
            }
        }
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
