using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Events;
using ServerlessCommerce.Hosting;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Functions.Hosting.Local;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>The local host runs the triggers itself: timers on their schedule, queue polling with the host's poison policy.</summary>
public sealed class LocalHostTriggerTests
{
    /// <summary>A timer function of this test assembly (the local host reads it from its attributes, as the app's own).</summary>
    public sealed class CountingTimer(Counter counter)
    {
        [Function("EverySecond")]
        public Task Run([TimerTrigger("*/1 * * * * *")] TimerInfo timer)
        {
            var n = counter.Increment(new DateTimeOffset(timer.ScheduleStatus!.Last, TimeSpan.Zero));
            return n == 1 ? throw new InvalidOperationException("first run fails") : Task.CompletedTask;
        }
    }

    /// <summary>A queue function of this test assembly: "slow" waits until the test opens its gate, anything else is noted at once.</summary>
    public sealed class GatedQueue(Gate gate)
    {
        public const string QueueName = "local-pump-test";

        [Function("GatedQueue")]
        public async Task Run([QueueTrigger(QueueName)] string message, CancellationToken cancellationToken)
        {
            if (message == "slow")
            {
                gate.SlowStarted.TrySetResult();
                await gate.Open.Task.WaitAsync(cancellationToken);
            }

            gate.Handled.Enqueue(message);
        }
    }

    public sealed class Gate
    {
        public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public System.Collections.Concurrent.ConcurrentQueue<string> Handled { get; } = new();
    }

    public sealed class Counter
    {
        private readonly List<DateTimeOffset> _runs = [];

        public IReadOnlyList<DateTimeOffset> Runs
        {
            get
            {
                lock (_runs)
                {
                    return _runs.ToList();
                }
            }
        }

        public int Increment(DateTimeOffset at)
        {
            lock (_runs)
            {
                _runs.Add(at);
                return _runs.Count;
            }
        }
    }

    [Fact]
    public async Task ATimerFiresOnItsScheduleAndKeepsFiringAfterAFailedRun()
    {
        var counter = new Counter();
        var services = new ServiceCollection().AddSingleton(counter).BuildServiceProvider();
        var catalog = new FunctionCatalog(typeof(LocalHostTriggerTests).Assembly);
        Assert.Equal("EverySecond", Assert.Single(catalog.Timers).Function.Name);
        var scheduler = new LocalTimers(catalog, services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System, NullLogger<LocalTimers>.Instance);

        await scheduler.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100 && counter.Runs.Count < 3; i++)
        {
            await Task.Delay(100);
        }

        await scheduler.StopAsync(CancellationToken.None);
        var runs = counter.Runs;
        Assert.True(runs.Count >= 3, $"ran {runs.Count} times");
        Assert.All(runs, r => Assert.Equal(0, r.Millisecond));
        Assert.Equal(runs.Count, runs.Distinct().Count());
    }

    [Fact]
    public async Task ASlowMessageDoesNotHoldUpTheMessagesThatComeAfterIt()
    {
        await using var azurite = await Azurite.StartAsync();
        var queues = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);
        await queues.CreateQueueIfNotExistsAsync(GatedQueue.QueueName);
        var gate = new Gate();
        var services = new ServiceCollection().AddSingleton(gate).BuildServiceProvider();
        var settings = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["QueueMaxPollingIntervalMilliseconds"] = "100" }).Build());
        var pump = new LocalQueues(new FunctionCatalog(typeof(LocalHostTriggerTests).Assembly), services.GetRequiredService<IServiceScopeFactory>(), queues, settings, NullLogger<LocalQueues>.Instance);

        await queues.SendAsync(GatedQueue.QueueName, "slow");
        await pump.StartAsync(CancellationToken.None);
        try
        {
            await gate.SlowStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
            foreach (var n in Enumerable.Range(1, 20))
            {
                await queues.SendAsync(GatedQueue.QueueName, $"fast-{n}");
            }

            for (var i = 0; i < 150 && gate.Handled.Count < 20; i++)
            {
                await Task.Delay(100);
            }

            Assert.Equal(Enumerable.Range(1, 20).Select(n => $"fast-{n}").Order(), gate.Handled.Order());
            gate.Open.SetResult();
            for (var i = 0; i < 100 && !gate.Handled.Contains("slow"); i++)
            {
                await Task.Delay(100);
            }

            Assert.Contains("slow", gate.Handled);
        }
        finally
        {
            gate.Open.TrySetResult();
            await pump.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AMessageThatKeepsFailingMovesToThePoisonQueueAndIsNotLost()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["QueueMaxDequeueCount"] = "2" }, storage: azurite);
        var queues = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);

        await queues.SendAsync(QueuedDomainEvents.QueueName, "this is not an event");

        IReadOnlyList<QueueMessage> poisoned = [];
        for (var i = 0; i < 150 && poisoned.Count == 0; i++)
        {
            await Task.Delay(100);
            poisoned = await queues.PeekAsync(LocalQueues.PoisonQueueName(QueuedDomainEvents.QueueName), 32);
        }

        Assert.Equal("this is not an event", Assert.Single(poisoned).Text);
        Assert.Empty(await queues.PeekAsync(QueuedDomainEvents.QueueName, 32));
    }

    [Fact]
    public async Task AGoodMessageIsHandledOnceAndDeleted()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(storage: azurite);
        var queues = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);
        var events = new EventLog(new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance));
        var e = DomainEvent.Create("test.pumped", "cpumptest001", "tests/1", new { ok = true }, DateTimeOffset.UtcNow);

        var domainEvents = app.Services.GetRequiredService<IDomainEvents>();
        await domainEvents.RaiseAsync(e);
        await domainEvents.RaiseAsync(e); // a duplicate delivery of the same event

        IReadOnlyList<DomainEvent> recorded = [];
        for (var i = 0; i < 100 && (recorded.Count == 0 || (await queues.GetApproximateCountAsync(QueuedDomainEvents.QueueName)) > 0); i++)
        {
            await Task.Delay(100);
            recorded = await events.ListAsync("cpumptest001");
        }

        Assert.Equal(e.Id, Assert.Single(recorded).Id);
        Assert.Empty(await queues.PeekAsync(QueuedDomainEvents.QueueName, 32));
    }
}
