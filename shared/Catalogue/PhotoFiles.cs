using System.Globalization;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Catalogue;

/// <summary>A product photo as it arrives: the declared content type and length, and the bytes.</summary>
public sealed record PhotoUpload(string? ContentType, long? Length, Stream Content);

/// <summary>The rules for product photos: JPEG, PNG or WebP told by their bytes, at most <see cref="MaxBytes"/>.</summary>
public static class PhotoFiles
{
    public const long MaxBytes = 5 * 1024 * 1024;

    /// <summary>Above <see cref="MaxBytes"/> on purpose, as <see cref="ReportFiles.RequestSizeLimit"/>: a body a little too large gets its 413.</summary>
    public const long RequestSizeLimit = 2 * MaxBytes;

    public static readonly IReadOnlyList<ReportFileType> Types = [ReportFiles.Jpeg, ReportFiles.Png, ReportFiles.WebP];

    public static string Accepted => string.Join(", ", Types.Select(t => $"{t.Label} ({t.ContentType})"));

    public static ReportFileType? Detect(ReadOnlySpan<byte> content) => ReportFiles.Detect(content, Types);

    public static Task<ReadOnlyMemory<byte>> ReadAsync(Stream content, long? declaredLength, CancellationToken ct) =>
        ReportFiles.ReadAsync(content, declaredLength, MaxBytes, TooLarge, ct);

    private static AppProblem TooLarge(long? size) => AppProblem.TooLarge(
        $"A product photo may be at most {MaxBytes / (1024 * 1024)} MiB{(size is { } s ? string.Create(CultureInfo.InvariantCulture, $"; this one is {s / (1024.0 * 1024.0):0.0} MiB") : string.Empty)}. " +
        "Send a smaller picture (a phone's 'medium' size, or save it as JPEG at a lower quality).");
}
