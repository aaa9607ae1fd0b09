namespace ServerlessCommerce.Storage;

/// <summary>A blob as listed or downloaded.</summary>
public sealed record BlobItem(string Name, long Length, string? ContentType, string? ETag, DateTimeOffset? LastModified);

/// <summary>A downloaded blob: its bytes and properties.</summary>
public sealed record BlobContent(BinaryData Data, string? ContentType, string? ETag);

/// <summary>What a SAS URL lets its holder do.</summary>
[Flags]
public enum BlobSasPermissions
{
    Read = 1,
    Create = 2,
    Write = 4,
}

/// <summary>
/// Azure Blob Storage, as the app needs it: media (inspection reports, review photos) and generated reports.
/// Container names are 3–63 lower-case letters, digits and dashes.
/// </summary>
public interface IBlobStore
{
    Task CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken = default);

    /// <summary>Uploads (or overwrites) a block blob with its content type; returns its ETag.</summary>
    Task<string> UploadAsync(string container, string name, BinaryData content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>The blob, or null when it does not exist.</summary>
    Task<BlobContent?> DownloadAsync(string container, string name, CancellationToken cancellationToken = default);

    /// <summary>Every blob whose name starts with <paramref name="prefix"/>, following continuation markers.</summary>
    IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string container, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// A SAS URL for one blob, valid until <paramref name="expiresOn"/>: signed with the account key, or under an
    /// identity with a user delegation key (which may take a call to the service the first time).
    /// </summary>
    ValueTask<Uri> GetSasUriAsync(string container, string name, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

    /// <summary>The plain (unsigned) URL of a blob.</summary>
    Uri GetBlobUri(string container, string name);

    /// <summary>
    /// Sets the Blob service's CORS rules so browsers on <paramref name="allowedOrigins"/> may PUT/GET blobs with SAS URLs.
    /// </summary>
    Task SetCorsAsync(IReadOnlyList<string> allowedOrigins, CancellationToken cancellationToken = default);
}
