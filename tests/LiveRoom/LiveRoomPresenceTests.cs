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
    public async Task ConnectionsOnTwoInstancesAreCountedEverywhereAndADisconnectionStopsCountingAtOnceHereAndWithinAFlushElsewhere()
    {
        var (a, _) = NewInstance();
        var (b, _) = NewInstance();
        var (reader, _) = NewInstance();
        a.Connected(_campaignId, "conn-a1");
        a.Connected(_campaignId, "conn-a2");
        b.Connected(_campaignId, "conn-b1");
        Assert.Equal(2, await a.CountAsync(_campaignId, CancellationToken.None)); // its own at once, from memory

        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        _clock.Advance(LiveRoomPresence.ReadCacheAge);
        Assert.Equal(3, await a.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(3, await b.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(3, await reader.CountAsync(_campaignId, CancellationToken.None)); // an instance with no connection of its own

        a.Disconnected(_campaignId, "conn-a1");
        a.Disconnected(_campaignId, "conn-never-counted"); // no-op
        Assert.Equal(2, await a.CountAsync(_campaignId, CancellationToken.None));
        await AdvanceAsync(LiveRoomPresence.FlushInterval);
        _clock.Advance(LiveRoomPresence.ReadCacheAge);
        Assert.Equal(2, await reader.CountAsync(_campaignId, CancellationToken.None));
    }

    [Fact]
    public async Task ConnectionsThatStayAreCountedForHoursWithOnlyTheRefreshWrites()
    {
        var (a, meter) = NewInstance();
        var (reader, _) = NewInstance();
        a.Connected(_campaignId, "conn-1");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        var start = meter.Snapshot().StorageWrites;

        for (var i = 0; i < 20; i++)
        {
            await AdvanceAsync(LiveRoomPresence.RefreshInterval);
            Assert.Equal(1, await reader.CountAsync(_campaignId, CancellationToken.None));
        }

        Assert.Equal(20, meter.Snapshot().StorageWrites - start); // one per refresh: 2 a minute for the instance, not per viewer
    }

    [Fact]
    public async Task AKilledInstancesConnectionsAgeOutOfEveryOtherCount()
    {
        // The doomed instance runs on a clock of its own, which stops when it is killed: it never writes again.
        var doomedClock = new FakeTimeProvider(_clock.GetUtcNow());
        var doomed = new LiveRoomPresence(_storage, doomedClock, NullLogger.Instance);
        var (survivor, _) = NewInstance();
        doomed.Connected(_campaignId, "conn-d1");
        doomed.Connected(_campaignId, "conn-d2");
        survivor.Connected(_campaignId, "conn-s1");
        doomedClock.Advance(LiveRoomPresence.FirstFlushDelay);
        await doomed.PendingFlushSettled(_campaignId, doomedClock.GetUtcNow()).WaitAsync(TimeSpan.FromSeconds(30));
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        Assert.Equal(3, await survivor.CountAsync(_campaignId, CancellationToken.None));

        // Killed now: no disconnections, no more rewrites. Its connections count until its row is Stale, not after.
        await AdvanceAsync(LiveRoomPresence.Stale - TimeSpan.FromSeconds(1));
        Assert.Equal(3, await survivor.CountAsync(_campaignId, CancellationToken.None));

        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await survivor.CountAsync(_campaignId, CancellationToken.None));
    }

    [Fact]
    public async Task AJoinWaveOfAThousandConnectionsCostsAFewWritesNotOnePerConnection()
    {
        var (a, meter) = NewInstance();
        var (reader, readerMeter) = NewInstance();
        for (var second = 0; second < 60; second++)
        {
            for (var k = 0; k < 20; k++)
            {
                a.Connected(_campaignId, $"conn-{second}-{k}");
            }

            if (second % 3 == 0)
            {
                a.Disconnected(_campaignId, $"conn-{second}-0");
            }

            await AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        await AdvanceAsync(LiveRoomPresence.FlushInterval); // the last changes' write
        var writes = meter.Snapshot().StorageWrites;
        Assert.InRange(writes, 1, (65 / (int)LiveRoomPresence.FlushInterval.TotalSeconds) + 1);
        Assert.Equal(1200 - 20, await reader.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(1, readerMeter.Snapshot().StorageReads);
    }

    [Fact]
    public async Task WhenTheLastConnectionLeavesTheRowGoesAndTheRefreshesStop()
    {
        var (a, meter) = NewInstance();
        a.Connected(_campaignId, "conn-1");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);
        a.Disconnected(_campaignId, "conn-1");
        await AdvanceAsync(LiveRoomPresence.FlushInterval);
        Assert.Null(await _storage.GetAsync(LiveRoomPresence.Table, _campaignId, "i_" + a.InstanceId));
        var writes = meter.Snapshot().StorageWrites;
        await AdvanceAsync(LiveRoomPresence.RefreshInterval * 4);
        Assert.Equal(writes, meter.Snapshot().StorageWrites);
    }

    [Fact]
    public async Task ReadersShareOneReadOfTheOtherInstancesRowsForAMoment()
    {
        var (a, _) = NewInstance();
        var (reader, meter) = NewInstance();
        a.Connected(_campaignId, "conn-1");
        await AdvanceAsync(LiveRoomPresence.FirstFlushDelay);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => reader.CountAsync(_campaignId, CancellationToken.None)));
        Assert.Equal(1, meter.Snapshot().StorageReads);

        _clock.Advance(LiveRoomPresence.ReadCacheAge);
        Assert.Equal(1, await reader.CountAsync(_campaignId, CancellationToken.None));
        Assert.Equal(2, meter.Snapshot().StorageReads);
    }
}
