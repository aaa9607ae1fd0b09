using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// Who watches which live room, across every instance of the app, at a storage cost that does not grow with the
/// viewers' heartbeats.
/// <para>
/// Each instance keeps the viewers whose negotiate or heartbeat it answered in memory (viewer → last seen) and writes
/// them as <b>one row per instance per campaign</b> (<c>LiveViewers</c>, partition = campaign, row
/// <c>i_{instance}_{n}</c>), at most once per <see cref="FlushInterval"/> and only when something changed. A reader
/// takes the union of the rows of every instance (its own from memory, which is fresher), keeps the viewers seen
/// within <see cref="Window"/> and counts the distinct ones — a viewer whose heartbeats land on two instances counts
/// once. Nothing depends on one process: an instance that dies stops writing, and its viewers age out of its last row
/// like any viewer who left.
/// </para>
/// <para>
/// Bounds: a viewer who leaves drops out of every count within <see cref="Window"/> (90 s, as before); one who keeps
/// heartbeating every 60 s stays counted everywhere, since the stored last-seen lags by at most
/// <see cref="FlushInterval"/> (60 + 15 &lt; 90). A new viewer shows on other instances within
/// <see cref="FlushInterval"/> (after a quiet spell within <see cref="FirstFlushDelay"/>). Writes: at most
/// 60 / <see cref="FlushInterval"/> + 1 rows per instance per campaign per minute (one row holds thousands of viewers),
/// whatever the number of viewers or heartbeats.
/// </para>
/// </summary>
public sealed class LiveRoomPresence
{
    /// <summary>A viewer counts while it has negotiated or sent a heartbeat within this window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(90);

    /// <summary>An instance writes a campaign's row at most this often.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(15);

    /// <summary>After a quiet spell, the first change is written this soon (a join wave still makes one write).</summary>
    public static readonly TimeSpan FirstFlushDelay = TimeSpan.FromSeconds(1);

    /// <summary>Other instances' rows, once read, serve counts for this long (a thousand page loads make one read).</summary>
    public static readonly TimeSpan ReadCacheAge = TimeSpan.FromSeconds(2);

    public const string Table = "LiveViewers";
    internal const string RowPrefix = "i_";

    /// <summary>Characters per string property (a table string property holds at most 32K UTF-16 characters).</summary>
    internal const int PropertyChars = 30_000;

    /// <summary>String properties per row: 15 × 30K characters stays under the 1 MiB entity limit.</summary>
    internal const int PropertiesPerRow = 15;

    private readonly ITableStore _tables;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    public LiveRoomPresence(ITableStore tables, TimeProvider clock, ILogger logger, string? instanceId = null)
    {
        _tables = tables;
        _clock = clock;
        _logger = logger;
        // A fresh id per process: a restarted instance starts an empty row and its predecessor's ages out.
        InstanceId = instanceId ?? Ids.Random(12);
    }

    /// <summary>This process's name in the rows it writes.</summary>
    public string InstanceId { get; }

    /// <summary>A viewer negotiated or sent a heartbeat here: remembered in memory; the row follows within <see cref="FlushInterval"/>.</summary>
    public void Seen(string campaignId, string viewerId)
    {
        var room = _rooms.GetOrAdd(campaignId, id => new Room(id));
        var now = _clock.GetUtcNow();
        lock (room)
        {
            room.Viewers[viewerId] = now;
            room.Dirty = true;
            if (room.Flush is null)
            {
                var due = room.LastFlushAt + FlushInterval;
                ScheduleFlush(room, due - now > FirstFlushDelay ? due - now : FirstFlushDelay);
            }
        }
    }

    /// <summary>
    /// Distinct viewers of the campaign seen within <see cref="Window"/> on any instance: this one's from memory, the
    /// others' from their rows (read at most every <see cref="ReadCacheAge"/>).
    /// </summary>
    public async Task<int> CountAsync(string campaignId, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var since = now - Window;
        var others = await OthersAsync(campaignId, now, ct);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (viewerId, lastSeen) in others)
        {
            if (lastSeen >= since)
            {
                seen.Add(viewerId);
            }
        }

        if (_rooms.TryGetValue(campaignId, out var room))
        {
            lock (room)
            {
                foreach (var (viewerId, lastSeen) in room.Viewers)
                {
                    if (lastSeen >= since)
                    {
                        seen.Add(viewerId);
                    }
                }
            }
        }

        return seen.Count;
    }

    /// <summary>Completes once no write of the campaign's row that is due by <paramref name="asOf"/> is pending or running (tests wait with it).</summary>
    internal async Task PendingFlushSettled(string campaignId, DateTimeOffset asOf)
    {
        if (!_rooms.TryGetValue(campaignId, out var room))
        {
            return;
        }

        while (true)
        {
            Task flush;
            lock (room)
            {
                if (room.Flush is null || room.FlushDueAt > asOf)
                {
                    return;
                }

                flush = room.Flush;
            }

            await flush;
        }
    }

    /// <summary>Under the room's lock. The delay's timer starts now (on the injected clock), the write when it fires.</summary>
    private void ScheduleFlush(Room room, TimeSpan delay)
    {
        room.FlushDueAt = _clock.GetUtcNow() + delay;
        room.Flush = FlushAfterAsync(room, Task.Delay(delay, _clock));
    }

    private async Task FlushAfterAsync(Room room, Task wait)
    {
        try
        {
            await wait.ConfigureAwait(false);
            await FlushAsync(room);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Live room {CampaignId}: writing this instance's viewers failed; retrying in {Seconds} s", room.CampaignId, FlushInterval.TotalSeconds);
        }
        finally
        {
            lock (room)
            {
                room.Flush = null;
                if (room.Dirty)
                {
                    // Changed while writing, or the write failed: once more, a full interval later.
                    ScheduleFlush(room, FlushInterval);
                }
            }
        }
    }

    /// <summary>Writes this instance's viewers of the campaign (seen within the window) as its row(s); deletes them when none is left.</summary>
    private async Task FlushAsync(Room room)
    {
        DateTimeOffset now;
        List<KeyValuePair<string, DateTimeOffset>> viewers;
        lock (room)
        {
            now = _clock.GetUtcNow();
            room.LastFlushAt = now;
            room.Dirty = false;
            foreach (var gone in room.Viewers.Where(v => v.Value < now - Window).Select(v => v.Key).ToList())
            {
                room.Viewers.Remove(gone);
            }

            viewers = [.. room.Viewers];
        }

        var rows = ToRows(room.CampaignId, now, viewers);
        try
        {
            foreach (var row in rows)
            {
                await _tables.UpsertAsync(Table, row, TableUpdateMode.Replace, CancellationToken.None);
            }

            for (var n = rows.Count; n < room.RowsWritten; n++)
            {
                try
                {
                    await _tables.DeleteAsync(Table, room.CampaignId, RowKey(n), "*", CancellationToken.None);
                }
                catch (StorageNotFoundException)
                {
                    // Already gone.
                }
            }
        }
        catch
        {
            lock (room)
            {
                room.Dirty = true;
            }

            throw;
        }

        room.RowsWritten = rows.Count;
    }

    private string RowKey(int n) => $"{RowPrefix}{InstanceId}_{n}";

    /// <summary>
    /// <c>Viewers</c>, <c>Viewers1</c>, …: <c>"{viewerId}:{seconds before SeenAsOf}"</c> separated by spaces, in as many
    /// properties and rows as they need. Viewer ids are ours (letters, digits, '-', '_'): no separator occurs in them.
    /// </summary>
    private List<TableEntity> ToRows(string campaignId, DateTimeOffset now, List<KeyValuePair<string, DateTimeOffset>> viewers)
    {
        var rows = new List<TableEntity>();
        if (viewers.Count == 0)
        {
            return rows;
        }

        var properties = new List<string>();
        var text = new StringBuilder();
        foreach (var (viewerId, lastSeen) in viewers)
        {
            var entry = $"{viewerId}:{Math.Max(0, (long)(now - lastSeen).TotalSeconds).ToString(CultureInfo.InvariantCulture)}";
            if (text.Length + entry.Length + 1 > PropertyChars)
            {
                properties.Add(text.ToString());
                text.Clear();
            }

            text.Append(text.Length == 0 ? string.Empty : " ").Append(entry);
        }

        properties.Add(text.ToString());
        for (var first = 0; first < properties.Count; first += PropertiesPerRow)
        {
            var row = new TableEntity(campaignId, RowKey(rows.Count)) { ["SeenAsOf"] = now, ["Instance"] = InstanceId };
            for (var p = first; p < Math.Min(properties.Count, first + PropertiesPerRow); p++)
            {
                row[p == first ? "Viewers" : $"Viewers{p - first}"] = properties[p];
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The other instances' viewers (id, last seen) from their rows written within the window, shared for <see cref="ReadCacheAge"/>.</summary>
    private async Task<IReadOnlyList<(string ViewerId, DateTimeOffset LastSeen)>> OthersAsync(string campaignId, DateTimeOffset now, CancellationToken ct)
    {
        var cache = _rooms.GetOrAdd(campaignId, id => new Room(id)).Others;
        Task<IReadOnlyList<(string, DateTimeOffset)>> read;
        lock (cache)
        {
            if (cache.Read is null || now - cache.ReadAt >= ReadCacheAge || cache.Read.IsFaulted || cache.Read.IsCanceled)
            {
                cache.ReadAt = now;
                cache.Read = ReadOthersAsync(campaignId, now);
            }

            read = cache.Read;
        }

        return await read.WaitAsync(ct);
    }

    private async Task<IReadOnlyList<(string, DateTimeOffset)>> ReadOthersAsync(string campaignId, DateTimeOffset now)
    {
        var query = TableQuery.Partition(campaignId, TableFilter.And(TableFilter.RowKeyStartsWith(RowPrefix), TableFilter.Compare("SeenAsOf", "ge", now - Window)));
        var viewers = new List<(string, DateTimeOffset)>();
        await foreach (var row in _tables.QueryAsync(Table, query, CancellationToken.None))
        {
            if (row.GetString("Instance") == InstanceId || row.GetDateTimeOffset("SeenAsOf") is not { } asOf)
            {
                continue;
            }

            foreach (var (name, value) in row.Properties)
            {
                if (!name.StartsWith("Viewers", StringComparison.Ordinal) || value is not string text)
                {
                    continue;
                }

                foreach (var entry in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var colon = entry.LastIndexOf(':');
                    if (colon > 0 && long.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var secondsBefore))
                    {
                        viewers.Add((entry[..colon], asOf - TimeSpan.FromSeconds(secondsBefore)));
                    }
                }
            }
        }

        return viewers;
    }

    private sealed class Room(string campaignId)
    {
        public string CampaignId { get; } = campaignId;

        /// <summary>Viewer → last seen here (guarded by locking the room).</summary>
        public Dictionary<string, DateTimeOffset> Viewers { get; } = new(StringComparer.Ordinal);

        public bool Dirty { get; set; }

        public DateTimeOffset LastFlushAt { get; set; } = DateTimeOffset.MinValue;

        /// <summary>The scheduled or running write (null when none), and when it is due.</summary>
        public Task? Flush { get; set; }

        public DateTimeOffset FlushDueAt { get; set; }

        public int RowsWritten { get; set; }

        public OthersCache Others { get; } = new();
    }

    private sealed class OthersCache
    {
        public DateTimeOffset ReadAt { get; set; }

        public Task<IReadOnlyList<(string, DateTimeOffset)>>? Read { get; set; }
    }
}
