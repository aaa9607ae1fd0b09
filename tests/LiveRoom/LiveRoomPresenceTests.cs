using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>
/// Who watches, across instances, against the real table service (Azurite): each <see cref="LiveRoomPresence"/> here
/// is one app instance; they share the storage and one test clock.
/// </summary>
public sealed class LiveRoomPresenceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly string _campaignId = "c" + Guid.NewGuid().ToString("N")[..11] + "-k" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<(LiveRoomPresence Presence, LiveRoomStorageMeter Meter)> _instances = [];
    private ITableStore _storage = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _storage = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        await _storage.CreateTableIfNotExistsAsync(LiveRoomPresence.Table);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private (LiveRoomPresence Presence, LiveRoomStorageMeter Meter) NewInstance()
    {
        var meter = new LiveRoomStorageMeter();
        var instance = (new LiveRoomPresence(new MeteredTableStore(_storage, meter), _clock, NullLogger.Instance), meter);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Moves the clock on and waits for the writes that fell due (each instance's scheduled one).</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        _clock.Advance(by);
        await Task.WhenAll(_instances.Select(i => i.Presence.PendingFlushSettled(_campaignId, _clock.GetUtcNow()))).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task TheCountIsRightWithViewersOnTwoInstancesAndAViewerOnBothCountsOnce()
    {
        var (a, _) = NewInstance();
        var (b, _) = NewInstance();
        var (reader, _) = NewInstance();
        a.Seen(_campaignId, "v_one");
        a.Seen(_campaignId, "v_both");
        b.Seen(_campaignId, "v_both"); // its heartbeats landed on either instance
        b.Seen(_campaignId, "v_three");

        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);

        Assert.Equal(3, await a.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(3, await b.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(3, await reader.CountAsync(_campaignId, CancellationToken.None)); // an instance with no viewer of its own
    }

    [Fact]
    public async Task AViewerWhoStopsHeartbeatingDropsOutOfEveryCountAfterTheWindowWhileOneWhoHeartbeatsStays()
    {
        var (a, _) = NewInstance();
        var (reader, _) = NewInstance();
        a.Seen(_campaignId, "v_stays");
        a.Seen(_campaignId, "v_leaves");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);

        // v_stays heartbeats every 60 s, as the pages do; v_leaves is never heard of again.
        for (var minute = 1; minute <= 3; minute++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(60) - LiveRoomPresence.FirstFlushDelay);
            a.Seen(_campaignId, "v_stays");
            await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
            var expected = minute == 1 ? 2 : 1; // at 61 s v_leaves was seen 61 s ago; at 121 s, 121 s ago
            Assert.Equal(expected, await a.CountAsync(_campaignId, CancellationToken.None));
            Assert.Equal(expected, await reader.CountAsync(_campaignId, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ALeaverCountsUntilTheWindowEndsAndNotAfter()
    {
        var (a, _) = NewInstance();
        var (reader, _) = NewInstance();
        a.Seen(_campaignId, "v_leaves");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);

        await AdvanceAsync(LiveRoomPresence.Window - LiveRoomPresence.FirstFlushDelay - TimeSpan.FromSeconds(1));
        Assert.Equal(1, await reader.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(1, await a.CountAsync(_campaignId, CancellationToken.None));

        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await reader.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(0, await a.CountAsync(_campaignId, CancellationToken.None));
    }

    [Fact]
    public async Task ManyHeartbeatsOfOneViewerWithinTheFlushIntervalMakeOneWrite()
    {
        var (a, meter) = NewInstance();
        a.Seen(_campaignId, "v_eager");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        Assert.Equal(1, meter.Snapshot().StorageWrites);

        for (var i = 0; i < 50; i++)
        {
            a.Seen(_campaignId, "v_eager");
            await AdvanceAsync(LiveRoomPresence.FlushInterval / 50);
        }

        Assert.Equal(2, meter.Snapshot().StorageWrites);
        Assert.Equal(0, meter.Snapshot().StorageReads);
    }

    [Fact]
    public async Task AThousandViewersHeartbeatingForAMinuteCostAtMostFiveWritesNotOnePerHeartbeat()
    {
        var (a, meter) = NewInstance();
        var (reader, readerMeter) = NewInstance();
        var viewers = Enumerable.Range(0, 1000).Select(i => $"c0123456789a-m{i:D12}").ToList();
        foreach (var v in viewers)
        {
            a.Seen(_campaignId, v);
        }

        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        var start = meter.Snapshot().StorageWrites;

        // Each viewer heartbeats once in the minute (spread over it), some twice: 1,200 heartbeats.
        for (var second = 0; second < 60; second++)
        {
            for (var k = 0; k < 20; k++)
            {
                a.Seen(_campaignId, viewers[((second * 20) + k) % viewers.Count]);
            }

            await AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        var writes = meter.Snapshot().StorageWrites - start;
        Assert.InRange(writes, 1, (60 / (int)LiveRoomPresence.FlushInterval.TotalSeconds) + 1);
        Assert.Equal(1000, await reader.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(1, readerMeter.Snapshot().StorageReads);
    }

    [Fact]
    public async Task ReadersShareOneReadOfTheOtherInstancesRowsForAMoment()
    {
        var (a, _) = NewInstance();
        var (reader, meter) = NewInstance();
        a.Seen(_campaignId, "v_one");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => reader.CountAsync(_campaignId, CancellationToken.None)));
        Assert.Equal(1, meter.Snapshot().StorageReads);

        _clock.Advance(LiveRoomPresence.ReadCacheAge);
        Assert.Equal(1, await reader.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(2, meter.Snapshot().StorageReads);
    }

    [Fact]
    public async Task ARoomTooBigForOnePropertyIsSplitAndCountedWhole()
    {
        var (a, _) = NewInstance();
        var (reader, _) = NewInstance();
        const int viewers = 3000; // ≈ 90,000 characters: several properties
        for (var i = 0; i < viewers; i++)
        {
            a.Seen(_campaignId, $"c0123456789a-m{i:D12}");
        }

        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        Assert.Equal(viewers, await reader.CountAsync(_campaignId, CancellationToken.None));
    }
}
