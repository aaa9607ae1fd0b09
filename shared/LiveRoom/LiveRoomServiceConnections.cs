using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// Who is connected to which live room on <b>Azure SignalR Service in serverless mode</b>. The Service holds the
/// connections and has no "how many in this group" API, so it tells us: its upstream (configured in the Bicep) posts
/// a <c>connections</c> event <c>connected</c> / <c>disconnected</c> to <c>POST /api/live/connection-events</c>
/// for each client connection. Each connection is one row in <c>LiveViewers</c> (partition = campaign, row
/// <c>s_{connectionId}</c>): inserted on <c>connected</c> (an upsert, so a redelivery changes nothing), deleted on
/// <c>disconnected</c> (a missing row is fine). Any instance counts the rows, so it does not matter which one
/// received which event.
/// <para>
/// The campaign comes from the connection's user id, which negotiate set to <c>{viewerId}@{campaignId}</c>
/// (<see cref="CampaignOfUser"/>). A row older than <see cref="MaxAge"/> is not counted and is deleted when a count
/// meets it: a <c>disconnected</c> event the app never got (it was down through the Service's retries) costs at most
/// that long. Counts are cached for <see cref="ReadCacheAge"/> per instance.
/// </para>
/// <para>
/// <b>Unverified against Azure</b> (no Service was reachable while this was written): the header names
/// (<c>X-ASRS-Connection-Id</c>, <c>X-ASRS-User-Id</c>, <c>X-ASRS-Hub</c>, <c>X-ASRS-Category</c>,
/// <c>X-ASRS-Event</c>) and the signature (<c>X-ASRS-Signature</c>: comma-separated <c>sha256=&lt;hex&gt;</c>, each an
/// HMAC-SHA256 of the connection id keyed with an access key's UTF-8 bytes) follow the documented upstream protocol
/// as we know it; the tests sign requests the same way, so they prove our side, not the Service's.
/// </para>
/// </summary>
public sealed class LiveRoomServiceConnections(ITableStore tables, TimeProvider clock, ILogger logger)
{
    /// <summary>A connection row older than this is no longer counted (a lost <c>disconnected</c> event's cost).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(12);

    /// <summary>A count, once read, serves this long per instance (a thousand page loads make one query).</summary>
    public static readonly TimeSpan ReadCacheAge = TimeSpan.FromSeconds(2);

    public const string Table = LiveRoomPresence.Table;
    internal const string RowPrefix = "s_";

    private readonly ConcurrentDictionary<string, SharedRead<int>> _counts = new(StringComparer.Ordinal);

    /// <summary>The campaign in a user id negotiate issued (<c>{viewerId}@{campaignId}</c>), or null.</summary>
    public static string? CampaignOfUser(string? userId)
    {
        var at = userId?.LastIndexOf('@') ?? -1;
        if (userId is null || at <= 0 || at == userId.Length - 1)
        {
            return null;
        }

        var campaignId = userId[(at + 1)..];
        return campaignId.Length <= 64 && campaignId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? campaignId : null;
    }

    /// <summary>Whether a connection id is one we can key a row with (the Service's are URL-safe base64-ish text).</summary>
    public static bool IsConnectionId(string? connectionId) =>
        !string.IsNullOrEmpty(connectionId) && connectionId.Length <= 256 && connectionId.All(c => c > ' ' && c < 127 && c is not ('/' or '\\' or '#' or '?'));

    /// <summary>
    /// Whether <paramref name="signatureHeader"/> (<c>X-ASRS-Signature</c>) holds <c>sha256=&lt;hex HMAC-SHA256(key,
    /// connectionId)&gt;</c> for any of <paramref name="accessKeys"/> (the Service sends one per key while keys rotate).
    /// </summary>
    public static bool SignatureIsValid(string? signatureHeader, string connectionId, IEnumerable<string> accessKeys)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return false;
        }

        var offered = signatureHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => s.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
            .Select(s => s["sha256=".Length..])
            .ToList();
        foreach (var key in accessKeys)
        {
            var expected = Encoding.ASCII.GetBytes(Sign(key, connectionId));
            foreach (var hex in offered)
            {
                if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hex.ToLowerInvariant()), expected))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The lower-case hex HMAC-SHA256 of the connection id keyed with the access key's UTF-8 bytes.</summary>
    public static string Sign(string accessKey, string connectionId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(connectionId)));

    /// <summary>The Service says a client connected: its row (again, on a redelivery).</summary>
    public async Task ConnectedAsync(string campaignId, string connectionId, string userId, CancellationToken ct)
    {
        await tables.UpsertAsync(Table, new TableEntity(campaignId, RowPrefix + connectionId) { ["ConnectedAt"] = clock.GetUtcNow(), ["UserId"] = userId }, TableUpdateMode.Replace, ct);
        _counts.TryRemove(campaignId, out _); // this instance's next count sees it at once
    }

    /// <summary>The Service says a client disconnected: its row goes (already gone is fine).</summary>
    public async Task DisconnectedAsync(string campaignId, string connectionId, CancellationToken ct)
    {
        try
        {
            await tables.DeleteAsync(Table, campaignId, RowPrefix + connectionId, "*", ct);
        }
        catch (StorageNotFoundException)
        {
            // Redelivered, or its connected event never came.
        }

        _counts.TryRemove(campaignId, out _);
    }

    /// <summary>Connections to the campaign's room younger than <see cref="MaxAge"/>; older rows are deleted on the way.</summary>
    public async Task<int> CountAsync(string campaignId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await _counts.GetOrAdd(campaignId, _ => new SharedRead<int>()).GetAsync(now, ReadCacheAge, () => ReadCountAsync(campaignId, now), ct);
    }

    private async Task<int> ReadCountAsync(string campaignId, DateTimeOffset now)
    {
        var count = 0;
        var stale = new List<string>();
        await foreach (var row in tables.QueryAsync(Table, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(RowPrefix)), CancellationToken.None))
        {
            if (row.GetDateTimeOffset("ConnectedAt") is { } at && at >= now - MaxAge)
            {
                count++;
            }
            else
            {
                stale.Add(row.RowKey);
            }
        }

        foreach (var rowKey in stale.Take(20))
        {
            try
            {
                await tables.DeleteAsync(Table, campaignId, rowKey, "*", CancellationToken.None);
            }
            catch (Exception ex) when (ex is StorageNotFoundException or ConcurrencyException)
            {
                // Someone else cleaned it.
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Live room {CampaignId}: deleting a stale connection row failed", campaignId);
            }
        }

        return count;
    }
}
