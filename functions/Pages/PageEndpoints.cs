using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Functions.Pages;

/// <summary>
/// The web pages: the console at <c>/</c>, the member live room at <c>/live/{campaignId}</c> and their assets at
/// <c>/assets/{name}</c>. The files are embedded in the executable (see the project file), so both hosting modes serve
/// the same bytes and the Functions package needs no content folder. Each route is an HTTP function.
/// </summary>
public sealed class PageEndpoints
{
    private const string ResourcePrefix = "web/";

    // Pages talk to their own origin, to the SignalR Service, to Blob SAS URLs (photo uploads) and to the campaign's live
    // video (any live service's HLS: hls.js fetches it and plays it through a blob: MediaSource, in a blob: worker).
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: http: https:; " +
        "media-src 'self' blob: http: https:; worker-src 'self' blob:; " +
        "connect-src 'self' http: https: ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    private static readonly Lazy<FrozenDictionary<string, PageAsset>> Assets = new(Load);

    [Function("ConsolePage")]
    [OpenApiIgnore]
    public IResult Console([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "")] HttpRequest req) => Serve(req.HttpContext, "console.html");

    [Function("LiveRoomPage")]
    [OpenApiIgnore]
    public IResult LiveRoom([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "live/{campaignId}")] HttpRequest req, string campaignId) =>
        Serve(req.HttpContext, "live.html");

    [Function("PageAssets")]
    [OpenApiIgnore]
    public IResult Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "assets/{name}")] HttpRequest req, string name) => Serve(req.HttpContext, name);

    /// <summary>Names of every embedded page file (tests check that each one is served).</summary>
    public static IReadOnlyCollection<string> Names => Assets.Value.Keys;

    private static IResult Serve(HttpContext http, string name)
    {
        if (!Assets.Value.TryGetValue(name, out var asset))
        {
            throw AppProblem.NotFound("page file", name);
        }

        // Phones on weak networks: every page file is gzipped once at start-up (the live room drops from ~145 KB to ~45 KB).
        var gzip = http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        var etag = gzip ? asset.ETag[..^1] + "-gz\"" : asset.ETag;
        var headers = http.Response.Headers;
        headers.ETag = etag;
        headers.Vary = "Accept-Encoding";
        // Revalidate every time: a new deployment must reach phones at once; the ETag keeps it to a 304.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
        }

        if (http.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (gzip)
        {
            headers.ContentEncoding = "gzip";
            return Results.Bytes(asset.Gzipped, asset.ContentType);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, PageAsset> Load()
    {
        var assembly = typeof(PageEndpoints).Assembly;
        var assets = new Dictionary<string, PageAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var name = resource[ResourcePrefix.Length..];
            using var gzipped = new MemoryStream();
            using (var gzip = new GZipStream(gzipped, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                gzip.Write(bytes);
            }

            assets[name] = new PageAsset(bytes, gzipped.ToArray(), ContentTypeOf(name), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json; charset=utf-8",
        _ => "application/octet-stream",
    };

    private sealed record PageAsset(byte[] Bytes, byte[] Gzipped, string ContentType, string ETag);
}
