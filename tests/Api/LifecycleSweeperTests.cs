using System.Text.Json;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Functions.Triggers;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The sweeper path on a clock the test moves (the queue's delays run on real time, the sweeper does not).</summary>
public sealed class LifecycleSweeperTests
{
    private sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref _offsetTicks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    [Fact]
    public async Task TheSweeperRunsOverdueStepsWhenTheirMessagesAreLateOrLostAndRedeliveryIsHarmless()
    {
        var clock = new MovableClock();
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock), storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        var productId = await app.NewProductAsync(f);
        var t0 = clock.GetUtcNow();
        var created = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "下周开团", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId, priceFen = 1000, stock = 10, minGroupSize = 1 } },
            preheatAt = t0.AddDays(8), liveStartAt = t0.AddDays(9), liveEndAt = t0.AddDays(9).AddHours(2),
        }, f.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        var sweeper = app.Services.GetRequiredService<LifecycleSweeper>();
        async Task<string> Phase() => (await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}"))).GetProperty("phase").GetString()!;

        await sweeper.RunAsync(new TimerInvocation("LifecycleSweeper", clock.GetUtcNow(), false), CancellationToken.None);
        Assert.Equal("draft", await Phase()); // nothing due yet (and the preheat is more than the queue's 7 days away)

        clock.Advance(TimeSpan.FromDays(8).Add(TimeSpan.FromMinutes(1)));
        await sweeper.RunAsync(new TimerInvocation("LifecycleSweeper", clock.GetUtcNow(), true), CancellationToken.None);
        Assert.Equal("preheat", await Phase());

        clock.Advance(TimeSpan.FromDays(1));
        await sweeper.RunAsync(new TimerInvocation("LifecycleSweeper", clock.GetUtcNow(), true), CancellationToken.None);
        Assert.Equal("live", await Phase());

        // A stale timer message delivered again (and again) changes nothing.
        var handler = app.Services.GetRequiredService<CampaignLifecycleHandler>();
        var stale = JsonSerializer.Serialize(new LifecycleMessage(id, "go-live", t0.AddDays(9)), JsonSerializerOptions.Web);
        await handler.HandleAsync(new QueueInvocation("CampaignLifecycle", LifecycleTimers.QueueName, stale, 2, "m1", null), CancellationToken.None);
        await handler.HandleAsync(new QueueInvocation("CampaignLifecycle", LifecycleTimers.QueueName, stale, 3, "m1", null), CancellationToken.None);
        Assert.Equal("live", await Phase());

        var history = await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{id}/history", f.LeaderKey));
        Assert.Equal(["preheat:sweeper", "live:sweeper"], history.EnumerateArray().Select(h => $"{h.GetProperty("to").GetString()}:{h.GetProperty("cause").GetString()}"));
    }
}
