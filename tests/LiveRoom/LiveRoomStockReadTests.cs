using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>
/// <c>stockChanged</c> is sent from a read of the campaign and its lanes (Azurite): a room that this instance's sends
/// reach no one in costs no read, one with someone in it gets the true stock.
/// </summary>
public sealed class LiveRoomStockReadTests
{
    /// <summary>A transport at the edge: records what it sends, and answers whether anyone could hear it.</summary>
    private sealed class RecordingTransport : ILiveRoomTransport
    {
        public volatile bool Audience;

        public ConcurrentQueue<(string Target, JsonElement Payload)> Sent { get; } = new();

        public Task<NegotiateResult> NegotiateAsync(string campaignId, string userId, Uri requestBase, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SendToCampaignAsync(string campaignId, string target, object payload, CancellationToken cancellationToken)
        {
            Sent.Enqueue((target, JsonSerializer.SerializeToElement(payload, JsonSerializerOptions.Web)));
            return Task.CompletedTask;
        }

        public Task SendToUserAsync(string userId, string target, object payload, CancellationToken cancellationToken) => Task.CompletedTask;

        public bool MayReachAnyone(string campaignId) => Audience;
    }

    [Fact]
    public async Task AnEmptyRoomCostsNoStockReadAndARoomWithSomeoneInItHearsTheTrueStock()
    {
        var azurite = await Azurite.SharedAsync();
        var meter = new LiveRoomStorageMeter();
        var tables = new MeteredTableStore(new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance), meter);
        await tables.CreateTableIfNotExistsAsync(CampaignTables.Campaigns);
        var now = DateTimeOffset.UtcNow;
        var campaign = new Campaign
        {
            CampaignId = "cstock" + Guid.NewGuid().ToString("N")[..6] + "-k1", ChainId = "cstock", StoreId = "s1", LeaderId = "l1", Title = "周三厨房",
            Schedule = new CampaignSchedule(now, now, now.AddHours(2), now.AddDays(2), 24, 72), CreatedAt = now,
            Items = [new CampaignItem { ItemId = "i1", ProductId = "p1", Name = "土鸡蛋", PriceFen = 1500, LivePriceFen = 1200, Stock = 7, MinGroupSize = 1 }],
        };
        campaign.FillPool();
        campaign.Apply("go-live");
        await tables.InsertAsync(CampaignTables.Campaigns, CampaignTables.ToEntity(campaign));
        var transport = new RecordingTransport();
        await using var broadcaster = new LiveRoomBroadcaster(transport, tables, TimeProvider.System, NullLogger<LiveRoomBroadcaster>.Instance);
        var round = new CommittedRound(campaign, [], [], [], [], new HashSet<string> { "i1" }, [], false);
        var before = meter.Snapshot().StorageReads;

        await broadcaster.PublishAsync(round, CancellationToken.None);
        await Task.Delay(LiveRoomBroadcaster.StockTick * 5);
        Assert.Equal(before, meter.Snapshot().StorageReads);
        Assert.Empty(transport.Sent);

        transport.Audience = true;
        await broadcaster.PublishAsync(round, CancellationToken.None);
        for (var i = 0; i < 50 && transport.Sent.IsEmpty; i++)
        {
            await Task.Delay(LiveRoomBroadcaster.StockTick);
        }

        var (target, payload) = Assert.Single(transport.Sent);
        Assert.Equal("stockChanged", target);
        Assert.Equal(7, payload.GetProperty("remaining").GetInt32());
        Assert.True(meter.Snapshot().StorageReads > before);
    }
}
