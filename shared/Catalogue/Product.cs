using ServerlessCommerce.Common;

namespace ServerlessCommerce.Catalogue;

/// <summary>
/// A product of a chain's catalogue with what 一键溯源 (one-tap traceability) shows about it: where it comes from,
/// its batch, its story and its inspection reports (检测报告).
/// </summary>
public sealed record Product(
    string ProductId,
    string ChainId,
    string Name,
    string Category,
    string Unit,
    string? Origin,
    string? Batch,
    string? Story,
    IReadOnlyList<ProductReport> Reports,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ProductPhoto> Photos,
    int Version)
{
    /// <summary>Photos a product may carry: a phone screen's 3×3 grid, as the members' review photos.</summary>
    public const int MaxPhotos = 9;

    /// <summary>
    /// The entity tag of what a person edits (name, category, unit, origin, batch, story): it moves with every edit and
    /// with nothing else, so a photo or report added meanwhile does not make an open edit form stale.
    /// </summary>
    public string ETag => $"\"v{Version}\"";

    /// <summary>409 <c>too-many-photos</c> when the product already has <see cref="MaxPhotos"/> photos.</summary>
    public void EnsureRoomForPhoto()
    {
        if (Photos.Count >= MaxPhotos)
        {
            throw AppProblem.Conflict(CatalogueProblems.TooManyPhotos, "Too many photos",
                $"A product can carry at most {MaxPhotos} photos and this one has {Photos.Count}. Delete one before adding another.");
        }
    }

    /// <summary>Reports a product may carry: enough for inspections of several batches, few enough for one phone screen.</summary>
    public const int MaxReports = 10;

    /// <summary>The product with one more report; refused once it has <see cref="MaxReports"/>.</summary>
    public Product AddReport(ProductReport report)
    {
        EnsureRoomForReport();
        return this with { Reports = [.. Reports, report] };
    }

    /// <summary>409 <c>too-many-reports</c> when the product already has <see cref="MaxReports"/> reports.</summary>
    public void EnsureRoomForReport()
    {
        if (Reports.Count >= MaxReports)
        {
            throw AppProblem.Conflict(CatalogueProblems.TooManyReports, "Too many reports",
                $"A product can carry at most {MaxReports} reports and this one has {Reports.Count}. Create a new product for a new batch.");
        }
    }
}

/// <summary>An inspection report or traceability photo of a product, kept as a blob in the media container.</summary>
public sealed record ProductReport(string ReportId, string Name, string Blob, string ContentType, long Size, DateTimeOffset UploadedAt);

/// <summary>A photo of a product (shown in the console and with its traceability), kept as a blob in the media container.</summary>
public sealed record ProductPhoto(string PhotoId, string Blob, string ContentType, long Size, DateTimeOffset UploadedAt);

/// <summary>Problem codes of the catalogue beyond the fixed ones of API.md.</summary>
public static class CatalogueProblems
{
    /// <summary>409: the product already has <see cref="Product.MaxReports"/> reports.</summary>
    public const string TooManyReports = "too-many-reports";

    /// <summary>409: the product already has <see cref="Product.MaxPhotos"/> photos.</summary>
    public const string TooManyPhotos = "too-many-photos";
}
