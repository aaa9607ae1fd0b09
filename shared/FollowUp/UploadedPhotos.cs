using Microsoft.Extensions.Logging;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.FollowUp;

/// <summary>
/// The confirm step of every member photo upload (reviews, trials, after-sale): photos 1..n were uploaded straight to
/// Blob storage with create-only links; each is kept only if its bytes are a JPEG, PNG, GIF or WebP within
/// <see cref="FollowUpRules.MaxPhotoBytes"/>, stored with the type its bytes show (never the uploader's), and anything
/// else is deleted and named in <c>refused</c> (1-based).
/// </summary>
public static class UploadedPhotos
{
    /// <summary>The numbers of the good photos among 1..<paramref name="photoCount"/> under <paramref name="prefix"/>.</summary>
    public static async Task<SortedSet<int>> CheckAsync(
        IBlobStore blobs, string prefix, Func<int, string> blobName, int photoCount, ISet<int> refused, ILogger logger, string what, CancellationToken ct)
    {
        var good = new SortedSet<int>();
        var expected = Enumerable.Range(1, photoCount).ToDictionary(blobName, n => n, StringComparer.Ordinal);
        await foreach (var blob in blobs.ListAsync(CatalogueTables.Media, prefix, ct))
        {
            if (!expected.TryGetValue(blob.Name, out var number))
            {
                continue;
            }

            if (blob.Length is > 0 and <= FollowUpRules.MaxPhotoBytes
                && await blobs.DownloadAsync(CatalogueTables.Media, blob.Name, ct) is { } content
                && FollowUpRules.PhotoType(content.Data.ToMemory().Span) is { } type)
            {
                if (!string.Equals(content.ContentType, type, StringComparison.Ordinal))
                {
                    await blobs.UploadAsync(CatalogueTables.Media, blob.Name, content.Data, type, ct);
                }

                good.Add(number);
                continue;
            }

            await blobs.DeleteAsync(CatalogueTables.Media, blob.Name, ct);
            refused.Add(number);
            logger.LogWarning("{What} photo {Blob} ({Size} bytes) is not a JPEG, PNG, GIF or WebP within limits and was deleted", what, blob.Name, blob.Length);
        }

        return good;
    }

    /// <summary>How many photos from 1 on are good without a gap, so the read links 1..n all exist.</summary>
    public static int ContiguousFromOne(SortedSet<int> good)
    {
        var kept = 0;
        while (good.Contains(kept + 1))
        {
            kept++;
        }

        return kept;
    }
}
