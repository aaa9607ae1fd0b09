using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Storage;

/// <summary>
/// Blob Storage over its REST API (XML, SharedKey), as Azure and Azurite speak it: block blobs uploaded in one
/// request, downloads buffered in memory, listings that follow continuation markers, and service SAS URLs for browsers.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>How far back a SAS's start time is set, so a client whose clock runs behind can use it at once.</summary>
    public static readonly TimeSpan SasClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The most a blob name may hold.</summary>
    public const int MaxBlobNameLength = 1024;

    /// <summary>How long a browser may cache a preflight answer.</summary>
    private const int CorsMaxAgeSeconds = 3600;

    private readonly StorageRestClient _rest;
    private readonly StorageAccount _account;
    private readonly string _baseUrl;

    public AzureBlobStore(StorageAccount account, ILogger<AzureBlobStore> logger, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        _account = account;
        _rest = new StorageRestClient(account, StorageService.Blob, logger, options);
        _baseUrl = _rest.BaseUrl;
    }

    /// <summary>
    /// Blobs per listing request (<c>maxresults</c>); null lets the service choose (5,000). Tests set it low to
    /// exercise continuation markers.
    /// </summary>
    internal int? ListPageSize { get; init; }

    public async Task CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Put, ContainerPath(container));
        message.Request.Uri.AppendQuery("restype", "container");
        var response = await SendAsync(message, cancellationToken);
        if (response.Status == 409 && response.Headers.TryGetValue("x-ms-error-code", out var code) && code == "ContainerAlreadyExists")
        {
            return;
        }

        response.EnsureSuccess($"Create container {container}");
    }

    public async Task<string> UploadAsync(string container, string name, BinaryData content, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        using var message = CreateMessage(RequestMethod.Put, BlobPath(container, name));
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        message.Request.Headers.SetValue("Content-Type", contentType);
        message.Request.Content = RequestContent.Create(content);
        var response = (await SendAsync(message, cancellationToken)).EnsureSuccess($"Upload {container}/{name}");
        return response.ETagHeader() ?? throw new StorageException(response.Status, null, "Upload returned no ETag.");
    }

    public async Task<BlobContent?> DownloadAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get, BlobPath(container, name));
        var response = await SendAsync(message, cancellationToken);
        if (response.Status == 404)
        {
            return null;
        }

        response.EnsureSuccess($"Download {container}/{name}");

        // Copied: the buffered response stream goes away with the message.
        return new BlobContent(BinaryData.FromBytes(response.Content.ToArray()), response.Headers.ContentType, response.ETagHeader());
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
        using var message = CreateMessage(RequestMethod.Delete, BlobPath(container, name));
        message.Request.Headers.SetValue("x-ms-delete-snapshots", "include");
        var response = await SendAsync(message, cancellationToken);
        if (response.Status == 404)
        {
            return false;
        }

        response.EnsureSuccess($"Delete {container}/{name}");
        return true;
    }

    /// <summary>
    /// A service SAS (<c>sr=b</c>) for one blob: <c>sp</c> from <paramref name="permissions"/> (r, c, w), valid from
    /// <see cref="SasClockSkew"/> ago until <paramref name="expiresOn"/> (whole seconds), HTTPS only unless the endpoint
    /// itself is plain HTTP (Azurite). The account key never leaves this process; only its HMAC does.
    /// </summary>
    public Uri GetSasUri(string container, string name, BlobSasPermissions permissions, DateTimeOffset expiresOn)
    {
        var blobUri = GetBlobUri(container, name);
        var sp = SasPermissions(permissions);
        var st = SasTime(DateTimeOffset.UtcNow - SasClockSkew);
        var se = SasTime(expiresOn);
        var spr = string.Equals(_account.BlobEndpoint.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) ? "https" : "https,http";
        const string sv = StoragePipeline.BlobQueueApiVersion;
        const string sr = "b";

        // String-to-sign for sv 2020-12-06 and later: the resource is the unescaped name; si, sip, snapshot time,
        // encryption scope and the five rsc* response-header overrides are present but empty.
        var stringToSign = string.Join('\n',
            sp, st, se, $"/blob/{_account.Name}/{container}/{name}", string.Empty, string.Empty, spr, sv, sr,
            string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(_account.Key, Encoding.UTF8.GetBytes(stringToSign)));

        var query = new StringBuilder();
        foreach (var (key, value) in new[] { ("sv", sv), ("spr", spr), ("st", st), ("se", se), ("sr", sr), ("sp", sp), ("sig", sig) })
        {
            query.Append(query.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return new Uri(blobUri.AbsoluteUri + query.ToString());
    }

    public Uri GetBlobUri(string container, string name) => new(_baseUrl + "/" + BlobPath(container, name));

    /// <summary>
    /// Replaces every CORS rule of the Blob service with one rule: <paramref name="allowedOrigins"/> may GET, PUT, HEAD
    /// (and preflight) with any request header, see every response header, and cache the preflight for an hour.
    /// An empty list removes all rules (no browser access).
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

        var cors = new XElement("Cors");
        if (origins.Count > 0)
        {
            cors.Add(new XElement("CorsRule",
                new XElement("AllowedOrigins", string.Join(',', origins)),
                new XElement("AllowedMethods", "GET,PUT,HEAD,OPTIONS"),
                new XElement("MaxAgeInSeconds", CorsMaxAgeSeconds.ToString(CultureInfo.InvariantCulture)),
                new XElement("ExposedHeaders", "*"),
                new XElement("AllowedHeaders", "*")));
        }

        var body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>" +
                   new XElement("StorageServiceProperties", cors).ToString(SaveOptions.DisableFormatting);
        using var message = CreateMessage(RequestMethod.Put, string.Empty);
        message.Request.Uri.AppendQuery("restype", "service");
        message.Request.Uri.AppendQuery("comp", "properties");
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body));
        (await SendAsync(message, cancellationToken)).EnsureSuccess("Set Blob service CORS rules");
    }

    internal async Task<(List<BlobItem> Items, string? NextMarker)> ListPageAsync(string container, string? prefix, string? marker, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Get, ContainerPath(container));
        var uri = message.Request.Uri;
        uri.AppendQuery("restype", "container");
        uri.AppendQuery("comp", "list");
        if (!string.IsNullOrEmpty(prefix))
        {
            uri.AppendQuery("prefix", prefix);
        }

        if (marker is not null)
        {
            uri.AppendQuery("marker", marker);
        }

        if (ListPageSize is { } pageSize)
        {
            uri.AppendQuery("maxresults", Math.Clamp(pageSize, 1, 5000).ToString(CultureInfo.InvariantCulture));
        }

        var response = await SendAsync(message, cancellationToken);
        if (response.Status == 404)
        {
            return ([], null);
        }

        response.EnsureSuccess($"List {container}");
        return ParseList(response);
    }

    private static (List<BlobItem> Items, string? NextMarker) ParseList(Response response)
    {
        var root = XDocument.Load(response.Content.ToStream()).Root
                   ?? throw new StorageException(response.Status, null, "The blob listing was empty.");
        var items = new List<BlobItem>();
        foreach (var blob in root.Element("Blobs")?.Elements("Blob") ?? [])
        {
            var nameElement = blob.Element("Name");
            if (nameElement is null)
            {
                continue;
            }

            // Names holding characters XML cannot carry come percent-encoded, flagged Encoded="true".
            var name = (bool?)nameElement.Attribute("Encoded") == true ? Uri.UnescapeDataString(nameElement.Value) : nameElement.Value;
            var properties = blob.Element("Properties");
            var contentType = properties?.Element("Content-Type")?.Value;
            var lastModified = properties?.Element("Last-Modified")?.Value;
            items.Add(new BlobItem(
                name,
                (long?)properties?.Element("Content-Length") ?? 0,
                string.IsNullOrEmpty(contentType) ? null : contentType,
                QuotedETag(properties?.Element("Etag")?.Value),
                lastModified is null ? null : DateTimeOffset.Parse(lastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
        }

        var next = root.Element("NextMarker")?.Value;
        return (items, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Listings carry bare ETags, headers quoted ones; we hand out the quoted form so both compare equal.</summary>
    private static string? QuotedETag(string? etag) =>
        string.IsNullOrEmpty(etag) ? null : etag.StartsWith('"') ? etag : $"\"{etag}\"";

    private static string SasPermissions(BlobSasPermissions permissions)
    {
        const BlobSasPermissions all = BlobSasPermissions.Read | BlobSasPermissions.Create | BlobSasPermissions.Write;
        if (permissions == 0 || (permissions & ~all) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(permissions), permissions, "A SAS needs Read, Create and/or Write, and nothing else.");
        }

        var sp = new StringBuilder(3);
        if (permissions.HasFlag(BlobSasPermissions.Read))
        {
            sp.Append('r');
        }

        if (permissions.HasFlag(BlobSasPermissions.Create))
        {
            sp.Append('c');
        }

        if (permissions.HasFlag(BlobSasPermissions.Write))
        {
            sp.Append('w');
        }

        return sp.ToString();
    }

    private static string SasTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

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

    private HttpMessage CreateMessage(RequestMethod method, string path) => _rest.CreateMessage(method, path);

    private Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken) => _rest.SendAsync(message, cancellationToken);

    private static string ContainerPath(string container)
    {
        StorageNames.ValidateContainerOrQueueName(container, "container", nameof(container));
        return container;
    }

    /// <summary>The container and the blob name with each <c>/</c>-separated segment escaped (virtual folders stay folders).</summary>
    private static string BlobPath(string container, string name)
    {
        ValidateBlobName(name);
        return ContainerPath(container) + "/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
    }

    /// <summary>
    /// 1–1,024 characters; no empty, <c>.</c> or <c>..</c> segments and no trailing dot (URLs would rewrite those),
    /// no backslash (the service turns it into a slash), no control characters.
    /// </summary>
    public static void ValidateBlobName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxBlobNameLength
            || name.EndsWith('.')
            || name.Contains('\\', StringComparison.Ordinal)
            || name.Any(char.IsControl)
            || name.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException(
                $"'{(name.Length > 40 ? name[..40] + "…" : name)}' is not a valid blob name (1–{MaxBlobNameLength} characters; " +
                "no empty, '.' or '..' path segments, no trailing dot, no backslash or control characters).",
                nameof(name));
        }
    }
}
