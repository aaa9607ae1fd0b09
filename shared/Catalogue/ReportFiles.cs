using System.Globalization;
using System.Net.Http.Headers;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Catalogue;

/// <summary>A report file as it arrives: the name the uploader gave it, the declared content type and length, and the bytes.</summary>
public sealed record ReportUpload(string? FileName, string? ContentType, long? Length, Stream Content);

/// <summary>
/// A kind of file we keep (reports, product photos), recognised by its first bytes (never by its name or a header):
/// <see cref="Magic"/> at the start and, when given, <see cref="Tail"/> at <see cref="TailOffset"/> (WebP: RIFF····WEBP).
/// </summary>
public sealed record ReportFileType(string Label, string ContentType, string Extension, byte[] Magic, int TailOffset = 0, byte[]? Tail = null)
{
    public bool Matches(ReadOnlySpan<byte> content) =>
        content.StartsWith(Magic) && (Tail is null || (content.Length >= TailOffset + Tail.Length && content[TailOffset..].StartsWith(Tail)));
}

/// <summary>The rules for report files: which types, how big, what a safe display name is.</summary>
public static class ReportFiles
{
    public const long MaxBytes = 10 * 1024 * 1024;

    /// <summary>
    /// The endpoint's request size limit, where the server stops reading and drops the connection. It lies above
    /// <see cref="MaxBytes"/> on purpose: a body refused for being over <see cref="MaxBytes"/> but under this is read to
    /// its end and dropped by the server, so clients that send without waiting for <c>100-continue</c> (browsers, and
    /// HttpClient by default) receive the 413 instead of a reset connection.
    /// </summary>
    public const long RequestSizeLimit = 2 * MaxBytes;
    public const int MaxNameLength = 100;
    public const string FileNameHeader = "x-file-name";

    public static readonly ReportFileType Pdf = new("PDF", "application/pdf", ".pdf", "%PDF-"u8.ToArray());
    public static readonly ReportFileType Png = new("PNG", "image/png", ".png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    public static readonly ReportFileType Jpeg = new("JPEG", "image/jpeg", ".jpg", [0xFF, 0xD8, 0xFF]);

    public static readonly ReportFileType WebP = new("WebP", "image/webp", ".webp", "RIFF"u8.ToArray(), 8, "WEBP"u8.ToArray());

    public static readonly IReadOnlyList<ReportFileType> Types = [Pdf, Png, Jpeg];

    public static string Accepted => string.Join(", ", Types.Select(t => $"{t.Label} ({t.ContentType})"));

    // Content types that claim nothing about the file: curl's default for --data-binary and the generic binary types.
    private static readonly HashSet<string> NeutralContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded",
    };

    // Names people's tools use for the same three types.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application/x-pdf"] = Pdf.ContentType,
        ["image/x-png"] = Png.ContentType,
        ["image/jpg"] = Jpeg.ContentType,
        ["image/pjpeg"] = Jpeg.ContentType,
    };

    /// <summary>The type the bytes are, by their magic number, or null when they are none we accept.</summary>
    public static ReportFileType? Detect(ReadOnlySpan<byte> content) => Detect(content, Types);

    /// <summary>Which of <paramref name="types"/> the bytes are, by their magic number, or null when none.</summary>
    public static ReportFileType? Detect(ReadOnlySpan<byte> content, IReadOnlyList<ReportFileType> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        foreach (var type in types)
        {
            if (type.Matches(content))
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>
    /// The <c>Content-Type</c> the client declared, when it names a type other than the one the bytes are
    /// (a generic binary type or none at all claims nothing). Returns null when the two agree.
    /// </summary>
    public static string? Contradiction(string? declared, ReportFileType detected)
    {
        if (string.IsNullOrWhiteSpace(declared))
        {
            return null;
        }

        if (!MediaTypeHeaderValue.TryParse(declared, out var parsed) || parsed.MediaType is null)
        {
            return declared.Length > 60 ? declared[..60] + "…" : declared;
        }

        var media = Aliases.GetValueOrDefault(parsed.MediaType, parsed.MediaType);
        return NeutralContentTypes.Contains(media) || string.Equals(media, detected.ContentType, StringComparison.OrdinalIgnoreCase)
            ? null
            : parsed.MediaType;
    }

    /// <summary>
    /// A name that is safe to show and store: percent-decoded (browsers can only send ASCII headers), without path
    /// parts, control or invisible formatting characters (which could disguise the extension), and at most
    /// <see cref="MaxNameLength"/> characters, shortened before the extension. Null when nothing usable remains.
    /// </summary>
    public static string? DisplayName(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var name = raw.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(raw) : raw;
        name = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        name = new string(name.Where(c => !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format).ToArray());
        name = name.Trim().TrimEnd('.').Trim();
        if (name.Length == 0 || name.All(c => c == '.'))
        {
            return null;
        }

        return name.Length <= MaxNameLength ? name : Shorten(name);
    }

    /// <summary>
    /// Reads the whole body, refusing with 413 <c>too-large</c> beyond <see cref="MaxBytes"/>: at once when the declared
    /// length says so, otherwise as soon as one byte too many arrives (a chunked body declares nothing).
    /// </summary>
    public static Task<ReadOnlyMemory<byte>> ReadAsync(Stream content, long? declaredLength, CancellationToken ct) =>
        ReadAsync(content, declaredLength, MaxBytes, TooLarge, ct);

    /// <summary>Reads the whole body, refusing with <paramref name="tooLarge"/> (given the declared size, if any) beyond <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(Stream content, long? declaredLength, long maxBytes, Func<long?, AppProblem> tooLarge, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(tooLarge);
        if (declaredLength > maxBytes)
        {
            throw tooLarge(declaredLength.Value);
        }

        // One byte more than allowed fits, so a body that is too long shows itself without being read to its end.
        var buffer = new byte[Math.Min((declaredLength ?? 64 * 1024) + 1, maxBytes + 1)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1));
            }

            var read = await content.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0)
            {
                return buffer.AsMemory(0, length);
            }

            length += read;
            if (length > maxBytes)
            {
                throw tooLarge(null);
            }
        }
    }

    private static AppProblem TooLarge(long? size) => AppProblem.TooLarge(
        $"A report may be at most {MaxBytes / (1024 * 1024)} MiB{(size is { } s ? string.Create(CultureInfo.InvariantCulture, $"; this one is {s / (1024.0 * 1024.0):0.0} MiB") : string.Empty)}. " +
        "Compress the PDF, or photograph the report at a lower resolution.");

    /// <summary>Cuts the part before the extension at a whole character (never half an emoji or a combined mark).</summary>
    private static string Shorten(string name)
    {
        var extension = Path.GetExtension(name);
        if (extension.Length is 0 or > 10)
        {
            extension = string.Empty;
        }

        var stem = name[..^extension.Length];
        var budget = MaxNameLength - extension.Length - 1;
        var cut = 0;
        while (cut < stem.Length)
        {
            var next = StringInfo.GetNextTextElementLength(stem, cut);
            if (cut + next > budget)
            {
                break;
            }

            cut += next;
        }

        return stem[..cut].TrimEnd() + "…" + extension;
    }
}
