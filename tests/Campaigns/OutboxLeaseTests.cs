using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Campaigns;

/// <summary>
/// The outbox's lease against the real table and queue services (an Azurite of its own, so no app reads its queue).
/// Found by the Azurite-restart fault run: a dispatcher that lost storage mid-drain could not let its lease go, every
/// wake-up meanwhile left the work to it, and the events waited for the minute sweeper.
/// </summary>
public sealed class OutboxLeaseTests
{
    [Fact]
    public async Task AWakeUpThatFindsAStaleLeaseSendsOneWakeUpForWhenItRunsOutAndNoneForALiveOne()
    {
        await using var azurite = await Azurite.StartAsync();
        var tables = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        var queues = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);
        await tables.CreateTableIfNotExistsAsync(CampaignTables.Campaigns);
        await queues.CreateQueueIfNotExistsAsync(CampaignOutbox.QueueName);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var outbox = new CampaignOutbox(tables, queues, null!, null!, null!, null!, clock, NullLogger<CampaignOutbox>.Instance);
        const string campaignId = "coutbox-k1";

        // A dispatcher holds the lease and renewed it a second ago: a wake-up leaves the work to it, and sends nothing.
        var row = CampaignTables.ToOutboxEntity(campaignId, new Dictionary<string, long>(), null);
        row["LeaseOwner"] = "another-dispatcher";
        row["LeaseUntil"] = clock.GetUtcNow() + CampaignOutbox.Lease - TimeSpan.FromSeconds(1);
        await tables.InsertAsync(CampaignTables.Campaigns, row);
        Assert.Equal(0, await outbox.DispatchAsync(campaignId, CancellationToken.None));
        Assert.Equal(0, await queues.GetApproximateCountAsync(CampaignOutbox.QueueName));

        // 25 s on, it has not renewed it (storage went away under it): one wake-up, visible once the lease has run out.
        clock.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(0, await outbox.DispatchAsync(campaignId, CancellationToken.None));
        Assert.Equal(0, await outbox.DispatchAsync(campaignId, CancellationToken.None)); // a second wake-up adds none

        Assert.Equal(1, await queues.GetApproximateCountAsync(CampaignOutbox.QueueName));
        var sentAt = DateTimeOffset.UtcNow;
        Assert.Empty(await queues.ReceiveAsync(CampaignOutbox.QueueName, 1, TimeSpan.FromSeconds(30))); // hidden while the lease holds
        QueueMessage? wake = null;
        while (wake is null && DateTimeOffset.UtcNow - sentAt < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(250);
            wake = (await queues.ReceiveAsync(CampaignOutbox.QueueName, 1, TimeSpan.FromSeconds(30))).SingleOrDefault();
        }

        Assert.NotNull(wake);
        Assert.Contains(campaignId, wake.Text);
        Assert.InRange((DateTimeOffset.UtcNow - sentAt).TotalSeconds, 3, 15); // the lease had 4 s left: 5 s
    }

    [Fact]
    public async Task AWakeUpWhoseEventsWentOutWithAnEarlierDispatchTakesNoLeaseWhileOneNamingNewerEventsDoes()
    {
        await using var azurite = await Azurite.StartAsync();
        var tables = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        var queues = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);
        await tables.CreateTableIfNotExistsAsync(CampaignTables.Campaigns);
        var outbox = new CampaignOutbox(tables, queues, null!, null!, null!, null!, TimeProvider.System, NullLogger<CampaignOutbox>.Instance);
        const string campaignId = "coutbox-k2";
        var published = new Dictionary<string, long> { [CampaignTables.CampaignStream] = 5, ["slane1"] = 40 };
        var etag = await tables.InsertAsync(CampaignTables.Campaigns, CampaignTables.ToOutboxEntity(campaignId, published, null));

        // Sent by an instance whose rounds wrote up to these numbers, which another instance's dispatch published: one read.
        Assert.Equal(0, await outbox.DispatchAsync(campaignId, CancellationToken.None, new Dictionary<string, long> { [CampaignTables.CampaignStream] = 5, ["slane1"] = 38 }));
        Assert.Equal(etag, (await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow))!.ETag);

        // One stream past its watermark: the dispatcher takes the lease and looks (and lets it go again).
        Assert.Equal(0, await outbox.DispatchAsync(campaignId, CancellationToken.None, new Dictionary<string, long> { [CampaignTables.CampaignStream] = 5, ["slane1"] = 41 }));
        var after = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow);
        Assert.NotEqual(etag, after!.ETag);
        Assert.Equal(published, CampaignTables.ToWatermarks(after));
    }
}
