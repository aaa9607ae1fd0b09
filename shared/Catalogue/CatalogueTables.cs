using System.Text.Json;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Catalogue;

/// <summary>
/// Where the catalogue lives. <c>Products</c>: PartitionKey = chainId, RowKey = productId; the product's reports and photos are
/// JSON arrays in its row, so adding one is a single If-Match write. Report files are blobs in <see cref="Media"/>.
/// </summary>
public static class CatalogueTables
{
    public const string Products = "Products";

    public static readonly IReadOnlyList<string> All = [Products];

    /// <summary>The blob container of uploaded media (inspection reports, traceability photos).</summary>
    public const string Media = "media";

    public static readonly IReadOnlyList<string> Containers = [Media];

    public const string RequestHash = "RequestHash";

    /// <summary>The blob name of a report: <c>products/{productId}/{reportId}{ext}</c>.</summary>
    public static string ReportBlob(string productId, string reportId, string extension) => $"products/{productId}/{reportId}{extension}";

    /// <summary>The prefix every report blob of a product starts with.</summary>
    public static string ReportBlobPrefix(string productId) => $"products/{productId}/";

    public static TableEntity ToEntity(Product p) => new(p.ChainId, p.ProductId)
    {
        ["Name"] = p.Name,
        ["Category"] = p.Category,
        ["Unit"] = p.Unit,
        ["Origin"] = p.Origin,
        ["Batch"] = p.Batch,
        ["Story"] = p.Story,
        ["Reports"] = WriteReports(p.Reports),
        ["CreatedAt"] = p.CreatedAt,
        ["Photos"] = Write(p.Photos),
        ["Version"] = p.Version,
    };

    public static Product ToProduct(TableEntity e) => new(
        e.RowKey, e.PartitionKey, e.RequireString("Name"), e.GetString("Category") ?? string.Empty, e.GetString("Unit") ?? string.Empty,
        e.GetString("Origin"), e.GetString("Batch"), e.GetString("Story"), ReadReports(e.GetString("Reports")), e.GetDateTimeOffset("CreatedAt") ?? default,
        Read<ProductPhoto>(e.GetString("Photos")), e.GetInt32("Version") ?? 1);

    /// <summary>Puts the reports on a row read earlier, keeping everything else it holds.</summary>
    public static void SetReports(TableEntity row, IReadOnlyList<ProductReport> reports) => row["Reports"] = WriteReports(reports);

    /// <summary>Puts the photos on a row read earlier, keeping everything else it holds.</summary>
    public static void SetPhotos(TableEntity row, IReadOnlyList<ProductPhoto> photos) => row["Photos"] = Write(photos);

    /// <summary>The blob name of a product photo: <c>products/{productId}/photos/{photoId}{ext}</c>.</summary>
    public static string PhotoBlob(string productId, string photoId, string extension) => $"products/{productId}/photos/{photoId}{extension}";

    private static string Write<T>(IReadOnlyList<T> values) => JsonSerializer.Serialize(values, JsonSerializerOptions.Web);

    private static List<T> Read<T>(string? json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<T>>(json, JsonSerializerOptions.Web) ?? [];

    private static string WriteReports(IReadOnlyList<ProductReport> reports) => JsonSerializer.Serialize(reports, JsonSerializerOptions.Web);

    private static List<ProductReport> ReadReports(string? json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<ProductReport>>(json, JsonSerializerOptions.Web) ?? [];
}
