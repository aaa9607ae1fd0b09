using System.Collections.Concurrent;
using Azure.Core;

namespace ServerlessCommerce.Storage;

/// <summary>
/// Every attempt of a storage call this process made through <see cref="StorageClients"/>, by service, verb and
/// table, queue or container (<c>GET /api/health</c> shows them; the bench divides them by orders). In Azure each is a
/// billed transaction, and on Azurite each is work for one single-threaded process, so this is where a change that
/// saves calls shows. Durable Task's own clients are not counted.
/// </summary>
public static class StorageCallMeter
{
    private static readonly ConcurrentDictionary<string, long> Calls = new(StringComparer.Ordinal);

    /// <summary>The counts so far, e.g. <c>"Tables POST $batch" → 1234</c>.</summary>
    public static Dictionary<string, long> Snapshot() => new(Calls, StringComparer.Ordinal);

    internal static void Count(string service, RequestMethod method, string? host, string? path) =>
        Calls.AddOrUpdate($"{service} {method.Method} {Resource(host ?? string.Empty, path ?? string.Empty)}", 1, static (_, n) => n + 1);

    /// <summary>The table, queue or container a request is about: the first path segment after the account (path-style on Azurite).</summary>
    internal static string Resource(string host, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var pathStyle = host is "127.0.0.1" or "localhost" or "[::1]" || host.Equals("azurite", StringComparison.OrdinalIgnoreCase);
        var first = segments.Skip(pathStyle ? 1 : 0).FirstOrDefault() ?? "(account)";
        var paren = first.IndexOf('(', StringComparison.Ordinal);
        return Uri.UnescapeDataString(paren >= 0 ? first[..paren] : first);
    }
}
