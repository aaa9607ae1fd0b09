using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// Who is connected to which live room over the <b>embedded hub</b>, across every instance of the app, at a storage
/// cost that does not grow with the viewers.
/// <para>
/// A viewer is a live SignalR connection: the hub calls <see cref="Connected"/> once a connection is in its room and
/// <see cref="Disconnected"/> when it closes, so a negotiation that never connects counts nothing and a browser tab
/// (one connection) counts once. Each instance keeps its own connections in memory and writes their number as <b>one
/// row per instance per campaign</b> (<c>LiveViewers</c>, partition = campaign, row <c>i_{instance}</c>, property
/// <c>Count</c>): a change is written within <see cref="FlushInterval"/> (after a quiet spell within
/// <see cref="FirstFlushDelay"/>), and while the instance has connections it rewrites the row every
/// <see cref="RefreshInterval"/> to show it is alive. A count is this instance's connections (from memory, exact at
/// once) plus the <c>Count</c> of every other instance's row rewritten within <see cref="Stale"/>: an instance that
/// is killed stops rewriting and its connections drop out of every count within <see cref="Stale"/>.
/// </para>
/// <para>
/// Writes: at most 60 / <see cref="FlushInterval"/> per instance per campaign per minute while viewers come and go,
/// 60 / <see cref="RefreshInterval"/> while they only watch, whatever their number. On Azure SignalR Service
/// (serverless) the app holds no connection: see <see cref="LiveRoomServiceConnections"/>.
/// </para>
/// </summary>
public sealed class LiveRoomPresence
{
    /// <summary>Another instance's row counts while it was written within this window (a killed instance ages out).</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromSeconds(90);

    /// <summary>While it has connections, an instance rewrites its row this often (well inside <see cref="Stale"/>).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>An instance writes a campaign's row at most this often while its connections change.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    /// <summary>After a quiet spell, the first change is written this soon (a join wave still makes one write).</summary>
    public static readonly TimeSpan FirstFlushDelay = TimeSpan.FromSeconds(1);

    /// <summary>Other instances' rows, once read, serve counts for this long (a thousand page loads make one read).</summary>
    public static readonly TimeSpan ReadCacheAge = TimeSpan.FromSeconds(2);

    public const string Table = "LiveViewers";
    internal const string RowPrefix = "i_";

    private readonly ITableStore _tables;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    public LiveRoomPresence(ITableStore tables, TimeProvider clock, ILogger logger, string? instanceId = null)
    {
        _tables = tables;
        _clock = clock;
        _logger = logger;
        // A fresh id per process: a restarted instance starts a new row and its predecessor's ages out.
        InstanceId = instanceId ?? Ids.Random(12);
    }

    /// <summary>This process's name in the rows it writes.</summary>
    public string InstanceId { get; }

    /// <summary>A connection joined the campaign's room on this instance (counted here at once, elsewhere once written).</summary>
    public void Connected(string campaignId, string connectionId) => Change(campaignId, room => room.Connections.Add(connectionId));

    /// <summary>A connection closed (no-op when it was not counted).</summary>
    public void Disconnected(string campaignId, string connectionId) => Change(campaignId, room => room.Connections.Remove(connectionId));

    /// <summary>This instance's connections to the campaign's room (from memory).</summary>
    public int LocalCount(string campaignId)
    {
        if (!_rooms.TryGetValue(campaignId, out var room))
        {
            return 0;
        }

        lock (room)
        {
            return room.Connections.Count;
        }
    }

    /// <summary>
    /// Connections to the campaign's room on every instance: this one's from memory, the others' from their rows
    /// written within <see cref="Stale"/> (read at most every <see cref="ReadCacheAge"/>).
    /// </summary>
    public async Task<int> CountAsync(string campaignId, CancellationToken ct)
    {
        var others = await OthersAsync(campaignId, _clock.GetUtcNow(), ct);
        return others + LocalCount(campaignId);
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

    private void Change(string campaignId, Func<Room, bool> change)
    {
        var room = _rooms.GetOrAdd(campaignId, id => new Room(id));
        lock (room)
        {
            if (!change(room))
            {
                return;
            }

            room.Dirty = true;
            if (room.Flush is not null && room.Waiting is null)
            {
                return; // a write is running: it schedules the next one, since the room is dirty
            }

            var now = _clock.GetUtcNow();
            var due = room.LastFlushAt + FlushInterval;
            var delay = due - now > FirstFlushDelay ? due - now : FirstFlushDelay;
            if (room.Flush is null || room.FlushDueAt > now + delay)
            {
                ScheduleFlush(room, delay); // replaces a later refresh
            }
        }
    }

    /// <summary>Under the room's lock. Replaces a scheduled write that has not started; its timer runs on the injected clock.</summary>
    private void ScheduleFlush(Room room, TimeSpan delay)
    {
        room.Waiting?.Cancel();
        var waiting = new CancellationTokenSource();
        room.Waiting = waiting;
        room.FlushDueAt = _clock.GetUtcNow() + delay;
        room.Flush = FlushAfterAsync(room, delay, waiting);
    }

    private async Task FlushAfterAsync(Room room, TimeSpan delay, CancellationTokenSource waiting)
    {
        try
        {
            await Task.Delay(delay, _clock, waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // replaced by an earlier write
        }

        lock (room)
        {
            if (room.Waiting != waiting)
            {
                return;
            }

            room.Waiting = null; // running now: cannot be replaced
        }

        waiting.Dispose();
        try
        {
            await FlushAsync(room);
        }
        catch (Exception ex)
        {
            lock (room)
            {
                room.Dirty = true;
            }

            _logger.LogWarning(ex, "Live room {CampaignId}: writing this instance's connections failed; retrying in {Seconds} s", room.CampaignId, FlushInterval.TotalSeconds);
        }
        finally
        {
            lock (room)
            {
                room.Flush = null;
                if (room.Dirty)
                {
                    // Changed while writing, or the write failed.
                    ScheduleFlush(room, FlushInterval);
                }
                else if (room.Connections.Count > 0)
                {
                    // Still watched here: show the other instances this one is alive.
                    ScheduleFlush(room, RefreshInterval);
                }
            }
        }
    }

    /// <summary>Writes this instance's connection count for the campaign; deletes the row when none is left.</summary>
    private async Task FlushAsync(Room room)
    {
        DateTimeOffset now;
        int count;
        lock (room)
        {
            now = _clock.GetUtcNow();
            room.LastFlushAt = now;
            room.Dirty = false;
            count = room.Connections.Count;
        }

        if (count > 0)
        {
            await _tables.UpsertAsync(Table, new TableEntity(room.CampaignId, RowPrefix + InstanceId) { ["SeenAsOf"] = now, ["Instance"] = InstanceId, ["Count"] = count }, TableUpdateMode.Replace, CancellationToken.None);
            room.RowWritten = true;
        }
        else if (room.RowWritten)
        {
            try
            {
                await _tables.DeleteAsync(Table, room.CampaignId, RowPrefix + InstanceId, "*", CancellationToken.None);
            }
            catch (StorageNotFoundException)
            {
                // Already gone.
            }

            room.RowWritten = false;
        }
    }

    /// <summary>The other instances' connections, from their rows written within <see cref="Stale"/>, shared for <see cref="ReadCacheAge"/>.</summary>
    private Task<int> OthersAsync(string campaignId, DateTimeOffset now, CancellationToken ct) =>
        _rooms.GetOrAdd(campaignId, id => new Room(id)).Others.GetAsync(now, ReadCacheAge, () => ReadOthersAsync(campaignId, now), ct);

    private async Task<int> ReadOthersAsync(string campaignId, DateTimeOffset now)
    {
        var query = TableQuery.Partition(campaignId, TableFilter.And(TableFilter.RowKeyStartsWith(RowPrefix), TableFilter.Compare("SeenAsOf", "ge", now - Stale)));
        var count = 0;
        await foreach (var row in _tables.QueryAsync(Table, query, CancellationToken.None))
        {
            if (row.GetString("Instance") != InstanceId && row.GetInt32("Count") is > 0 and var n)
            {
                count += n;
            }
        }

        return count;
    }

    private sealed class Room(string campaignId)
    {
        public string CampaignId { get; } = campaignId;

        /// <summary>This instance's connections to the room (guarded by locking the room).</summary>
        public HashSet<string> Connections { get; } = new(StringComparer.Ordinal);

        public bool Dirty { get; set; }

        public DateTimeOffset LastFlushAt { get; set; } = DateTimeOffset.MinValue;

        /// <summary>The scheduled or running write (null when none), and when it is due.</summary>
        public Task? Flush { get; set; }

        /// <summary>Cancels the scheduled write while it waits; null once it runs.</summary>
        public CancellationTokenSource? Waiting { get; set; }

        public DateTimeOffset FlushDueAt { get; set; }

        public bool RowWritten { get; set; }

        public SharedRead<int> Others { get; } = new();
    }
}
