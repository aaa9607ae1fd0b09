using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using SdkSasPermissions = Azure.Storage.Sas.BlobSasPermissions;

namespace ServerlessCommerce.Storage;

/// <summary>
/// <see cref="IBlobStore"/> on Azure.Storage.Blobs: block blobs uploaded and downloaded whole, listings that follow
/// continuation markers, SAS URLs for browsers (signed with the account key, or with a user delegation key under an
/// identity), and the Blob service's CORS rule.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>How far back a SAS's start time is set, so a client whose clock runs behind can use it at once.</summary>
    public static readonly TimeSpan SasClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A user delegation key lives at most 7 days; a fresh one is asked for when a SAS would outlive it.</summary>
    private static readonly TimeSpan DelegationKeyLifetime = TimeSpan.FromDays(1);

    /// <summary>How long a browser may cache a preflight answer.</summary>
    private const int CorsMaxAgeSeconds = 3600;

    private readonly BlobServiceClient _service;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, BlobContainerClient> _containers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _delegationKeyLock = new(1, 1);
    private UserDelegationKey? _delegationKey;

    public AzureBlobStore(BlobServiceClient service, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>For tools and tests that want one store without the app's container; the app registers <see cref="StorageClients"/> once.</summary>
    public AzureBlobStore(StorageConnection connection, ILogger<AzureBlobStore> logger)
        : this(new StorageClients(connection, logger).Blobs)
    {
    }

    /// <summary>
    /// Blobs per listing request; null lets the service choose (5,000). Tests set it low to exercise continuation markers.
    /// </summary>
    internal int? ListPageSize { get; init; }

    public async Task CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken = default)
    {
        var client = Container(container);
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Create container {container}");
        }
    }

    public async Task<string> UploadAsync(string container, string name, BinaryData content, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        var blob = Blob(container, name);
        try
        {
            var info = await blob.UploadAsync(content, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);
            return info.Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Upload {container}/{name}");
        }
    }

    public async Task<BlobContent?> DownloadAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(container, name);
        try
        {
            var result = (await blob.DownloadContentAsync(cancellationToken)).Value;
            return new BlobContent(result.Content, result.Details.ContentType, result.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Download {container}/{name}");
        }
    }

    /// <remarks>A container that does not exist lists as empty, as a missing blob downloads as null.</remarks>
    public async IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            var (items, next) = await ListPageAsync(container, prefix, marker, cancellationToken);
            foreach (var item in items)
            {
                yield return item;
            }

            marker = next;
        }
        while (marker is not null);
    }

    public async Task<bool> DeleteAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(container, name);
        try
        {
            return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false; // the container is missing
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Delete {container}/{name}");
        }
    }

    /// <summary>
    /// A SAS (<c>sr=b</c>) for one blob: <c>sp</c> from <paramref name="permissions"/> (r, c, w), valid from
    /// <see cref="SasClockSkew"/> ago until <paramref name="expiresOn"/>, HTTPS only unless the endpoint itself is plain
    /// HTTP (Azurite). With the account key it is a service SAS, signed here; under an identity it is a user delegation
    /// SAS, signed with a key the service hands out (kept and reused while it lasts).
    /// </summary>
    public async ValueTask<Uri> GetSasUriAsync(string container, string name, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var blob = Blob(container, name);
        var now = _clock.GetUtcNow();
        var builder = new BlobSasBuilder
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = now - SasClockSkew,
            ExpiresOn = expiresOn,
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        builder.SetPermissions(SasPermissions(permissions));
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(builder);
        }

        var key = await DelegationKeyAsync(now, expiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key, _service.AccountName) }.ToUri();
    }

    public Uri GetBlobUri(string container, string name) => Blob(container, name).Uri;

    /// <summary>
    /// Replaces every CORS rule of the Blob service with one rule: <paramref name="allowedOrigins"/> may GET, PUT, HEAD
    /// (and preflight) with any request header, see every response header, and cache the preflight for an hour.
    /// An empty list removes all rules (no browser access). The other service properties are read and written back
    /// unchanged (Azurite refuses a fresh, empty set of them).
    /// </summary>
    public async Task SetCorsAsync(IReadOnlyList<string> allowedOrigins, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(allowedOrigins);
        var origins = new List<string>(allowedOrigins.Count);
        foreach (var origin in allowedOrigins)
        {
            var normalized = NormalizeOrigin(origin)
                             ?? throw new ArgumentException($"'{origin}' is not a CORS origin (scheme://host[:port], or * for any).", nameof(allowedOrigins));
            if (!origins.Contains(normalized, StringComparer.OrdinalIgnoreCase))
            {
                origins.Add(normalized);
            }
        }

        try
        {
            var properties = (await _service.GetPropertiesAsync(cancellationToken)).Value;
            properties.Cors = origins.Count == 0
                ? []
                :
                [
                    new BlobCorsRule
                    {
                        AllowedOrigins = string.Join(',', origins),
                        AllowedMethods = "GET,PUT,HEAD,OPTIONS",
                        MaxAgeInSeconds = CorsMaxAgeSeconds,
                        ExposedHeaders = "*",
                        AllowedHeaders = "*",
                    },
                ];
            await _service.SetPropertiesAsync(properties, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, "Set Blob service CORS rules");
        }
    }

    internal async Task<(List<BlobItem> Items, string? NextMarker)> ListPageAsync(string container, string? prefix, string? marker, CancellationToken cancellationToken)
    {
        var client = Container(container);
        try
        {
            await foreach (var page in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, string.IsNullOrEmpty(prefix) ? null : prefix, cancellationToken)
                               .AsPages(marker, ListPageSize).ConfigureAwait(false))
            {
                var items = new List<BlobItem>(page.Values.Count);
                foreach (var blob in page.Values)
                {
                    var properties = blob.Properties;
                    items.Add(new BlobItem(blob.Name, properties.ContentLength ?? 0, string.IsNullOrEmpty(properties.ContentType) ? null : properties.ContentType,
                        QuotedETag(properties.ETag), properties.LastModified));
                }

                return (items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }

            return ([], null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return ([], null);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"List {container}");
        }
    }

    private async ValueTask<UserDelegationKey> DelegationKeyAsync(DateTimeOffset now, DateTimeOffset sasExpiresOn, CancellationToken cancellationToken)
    {
        var key = _delegationKey;
        if (key is not null && key.SignedExpiresOn >= sasExpiresOn && key.SignedStartsOn <= now - SasClockSkew)
        {
            return key;
        }

        await _delegationKeyLock.WaitAsync(cancellationToken);
        try
        {
            key = _delegationKey;
            if (key is not null && key.SignedExpiresOn >= sasExpiresOn && key.SignedStartsOn <= now - SasClockSkew)
            {
                return key;
            }

            var expires = sasExpiresOn > now + DelegationKeyLifetime ? sasExpiresOn : now + DelegationKeyLifetime;
            key = (await _service.GetUserDelegationKeyAsync(now - SasClockSkew, expires, cancellationToken)).Value;
            return _delegationKey = key;
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, "Get a user delegation key");
        }
        finally
        {
            _delegationKeyLock.Release();
        }
    }

    private BlobContainerClient Container(string container) =>
        _containers.TryGetValue(container, out var client)
            ? client
            : _containers.GetOrAdd(StorageNames.ContainerOrQueue(container, "container", nameof(container)), _service.GetBlobContainerClient);

    private BlobClient Blob(string container, string name)
    {
        StorageNames.Blob(name);
        return Container(container).GetBlobClient(name);
    }

    /// <summary>Listings carry bare ETags, headers quoted ones; we hand out the quoted form so both compare equal.</summary>
    private static string? QuotedETag(ETag? etag) =>
        etag?.ToString() is not { Length: > 0 } text ? null : text.StartsWith('"') ? text : $"\"{text}\"";

    private static SdkSasPermissions SasPermissions(BlobSasPermissions permissions)
    {
        const BlobSasPermissions all = BlobSasPermissions.Read | BlobSasPermissions.Create | BlobSasPermissions.Write;
        if (permissions == 0 || (permissions & ~all) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(permissions), permissions, "A SAS needs Read, Create and/or Write, and nothing else.");
        }

        SdkSasPermissions sdk = 0;
        sdk |= permissions.HasFlag(BlobSasPermissions.Read) ? SdkSasPermissions.Read : 0;
        sdk |= permissions.HasFlag(BlobSasPermissions.Create) ? SdkSasPermissions.Create : 0;
        sdk |= permissions.HasFlag(BlobSasPermissions.Write) ? SdkSasPermissions.Write : 0;
        return sdk;
    }

    /// <summary><c>scheme://host[:port]</c> as browsers send it in <c>Origin</c>, <c>*</c>, or null when it is neither.</summary>
    private static string? NormalizeOrigin(string? origin)
    {
        if (origin == "*")
        {
            return origin;
        }

        return !string.IsNullOrWhiteSpace(origin)
               && Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri)
               && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
               && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
    }
}
