using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Events;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Events;

/// <summary>
/// Domain events reach Event Grid as CloudEvents 1.0, checked on the wire against a local topic stand-in, and the
/// queue handler publishes before it records, so a failing topic leaves events unrecorded until it recovers.
/// </summary>
public sealed class EventGridPublisherTests
{
    private const string Key = "test-topic-key";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static EventGridPublisher PublisherFor(EventGridListener listener) =>
        new(EventGridPublisher.CreateClient(listener.Endpoint, Key), NullLogger<EventGridPublisher>.Instance);

    private static DomainEvent Event(string type, string chainId, int n, object? data = null) =>
        DomainEvent.Create(type, chainId, $"tests/{n}", data ?? new { n }, new DateTimeOffset(2025, 3, 1, 8, 30, 15, 123, TimeSpan.FromHours(8)).AddSeconds(n));

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }

    private static void AssertCloudEventOf(DomainEvent expected, JsonElement cloudEvent)
    {
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal(expected.Id, cloudEvent.GetProperty("id").GetString());
        Assert.Equal("ServerlessCommerce." + expected.Type, cloudEvent.GetProperty("type").GetString());
        Assert.Equal($"/chains/{expected.ChainId}", cloudEvent.GetProperty("source").GetString());
        Assert.Equal(expected.Subject, cloudEvent.GetProperty("subject").GetString());
        Assert.Equal(expected.Time, DateTimeOffset.Parse(cloudEvent.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.Data.GetRawText()), JsonNode.Parse(cloudEvent.GetProperty("data").GetRawText())),
            $"data {cloudEvent.GetProperty("data").GetRawText()} is not {expected.Data.GetRawText()}");
        Assert.False(cloudEvent.TryGetProperty("data_base64", out _));
    }

    [Fact]
    public async Task PublishedEventsReachTheTopicAsACloudEventsBatchEventGridAccepts()
    {
        await using var listener = await EventGridListener.StartAsync();
        var events = new[]
        {
            Event("order.placed", "cwire0001", 1, new { orderId = "o-1", items = new[] { new { sku = "苹果", quantity = 2 } }, total = 12.5 }),
            Event("member.joined", "cwire0001", 2),
        };

        await PublisherFor(listener).PublishAsync(events, CancellationToken.None);

        var request = Assert.Single(listener.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(EventGridListener.TopicPath, request.Path);
        Assert.Equal("2018-01-01", request.Query["api-version"]);
        Assert.Equal(Key, request.Headers["aeg-sas-key"]);
        Assert.Equal("application/cloudevents-batch+json; charset=utf-8", request.Headers["Content-Type"]);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(request.Body).RootElement.ValueKind);
        Assert.Equal(2, request.Events.Count);
        AssertCloudEventOf(events[0], request.Events[0]);
        AssertCloudEventOf(events[1], request.Events[1]);
        Assert.Equal("ServerlessCommerce.order.placed", request.Events[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task AFailingTopicMakesPublishThrowAfterThreeRetries()
    {
        await using var listener = await EventGridListener.StartAsync();
        listener.AnswerWith = 500;

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() =>
            PublisherFor(listener).PublishAsync([Event("chain.created", "cfail0001", 1)], CancellationToken.None));

        Assert.Equal(500, failure.Status);
        Assert.Equal(4, listener.Requests.Count);
    }

    [Fact]
    public async Task OneHundredFiftyEventsGoOutAsTwoRequestsInOrder()
    {
        await using var listener = await EventGridListener.StartAsync();
        var events = Enumerable.Range(1, 150).Select(n => Event("member.joined", "cmany0001", n)).ToList();

        await PublisherFor(listener).PublishAsync(events, CancellationToken.None);

        Assert.Equal([100, 50], listener.Requests.Select(r => r.Events.Count));
        Assert.Equal(events.Select(e => e.Id), listener.Accepted.Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task LargeEventsAreSplitSoThatEveryRequestStaysUnderOneMegabyte()
    {
        await using var listener = await EventGridListener.StartAsync();
        var events = Enumerable.Range(1, 25).Select(n => Event("report.ready", "clarge001", n, new { text = new string('x', 90_000) })).ToList();

        await PublisherFor(listener).PublishAsync(events, CancellationToken.None);

        Assert.True(listener.Requests.Count >= 3, $"{listener.Requests.Count} requests");
        Assert.All(listener.Requests, r => Assert.True(System.Text.Encoding.UTF8.GetByteCount(r.Body) < 1_000_000, $"{r.Body.Length} bytes"));
        Assert.Equal(events.Select(e => e.Id), listener.Accepted.Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public void EventGridIsUsedOnlyWhenBothTopicSettingsAreSet()
    {
        static IEventPublisher PublisherWith(AppSettings settings) =>
            new ServiceCollection().AddLogging().AddEventPublisher(settings).BuildServiceProvider().GetRequiredService<IEventPublisher>();

        Assert.IsType<LocalOnlyPublisher>(PublisherWith(new AppSettings()));
        Assert.IsType<EventGridPublisher>(PublisherWith(new AppSettings { EventGridTopicEndpoint = "https://t.westeurope-1.eventgrid.azure.net/api/events", EventGridTopicKey = Key }));
    }

    [Fact]
    public async Task ACreatedChainReachesEventGridAsACloudEventAndIsRecorded()
    {
        await using var listener = await EventGridListener.StartAsync();
        await using var azurite = await Azurite.StartAsync();
        await using var app = await StartAppAsync(listener, azurite);
        var log = new EventLog(new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance));

        var (chainId, _) = await app.NewChainAsync();

        Assert.True(await EventuallyAsync(async () => listener.Accepted.Count > 0 && (await log.ListAsync(chainId)).Count > 0), "the event was not published and recorded");
        var recorded = Assert.Single(await log.ListAsync(chainId));
        Assert.Equal("chain.created", recorded.Type);
        AssertCloudEventOf(recorded, Assert.Single(listener.Accepted));
        Assert.Equal(Key, listener.Requests[0].Headers["aeg-sas-key"]);
    }

    [Fact]
    public async Task WhileTheTopicFailsTheEventStaysUnrecordedAndIsRecordedOnceTheTopicRecovers()
    {
        await using var listener = await EventGridListener.StartAsync();
        listener.AnswerWith = 500;
        await using var azurite = await Azurite.StartAsync();
        await using var app = await StartAppAsync(listener, azurite);
        var log = new EventLog(new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance));

        var (chainId, _) = await app.NewChainAsync();

        // The first delivery's publish with all its retries (four requests) fails, and the handler throws before recording.
        Assert.True(await EventuallyAsync(() => Task.FromResult(listener.Requests.Count >= 4)), $"{listener.Requests.Count} requests");
        Assert.Empty(await log.ListAsync(chainId));

        listener.AnswerWith = 200;
        Assert.True(await EventuallyAsync(async () => (await log.ListAsync(chainId)).Count > 0), "the event was not recorded after the topic recovered");
        Assert.Equal("chain.created", Assert.Single(await log.ListAsync(chainId)).Type);
        Assert.Contains(listener.Accepted, e => e.GetProperty("type").GetString() == "ServerlessCommerce.chain.created");
    }

    [Fact]
    public async Task AnArrayMessageIsPublishedInOneRequestAndEachEventRecordedOnce()
    {
        await using var listener = await EventGridListener.StartAsync();
        await using var azurite = await Azurite.StartAsync();
        await using var app = await StartAppAsync(listener, azurite);
        var log = new EventLog(new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance));
        var queues = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);
        var events = Enumerable.Range(1, 3).Select(n => Event("member.joined", "cbatch0001", n)).ToList();

        await queues.SendAsync(QueuedDomainEvents.QueueName, JsonSerializer.Serialize(events, JsonSerializerOptions.Web));
        await queues.SendAsync(QueuedDomainEvents.QueueName, JsonSerializer.Serialize(events.Take(2), JsonSerializerOptions.Web)); // a repeat

        Assert.True(await EventuallyAsync(async () => listener.Requests.Count == 2 && (await log.ListAsync("cbatch0001")).Count == 3
            && await queues.GetApproximateCountAsync(QueuedDomainEvents.QueueName) == 0), $"{listener.Requests.Count} requests");
        Assert.Equal([2, 3], listener.Requests.Select(r => r.Events.Count).Order());
        Assert.Equal(events.Select(e => e.Id), (await log.ListAsync("cbatch0001")).Select(e => e.Id));
    }

    private static Task<TestApp> StartAppAsync(EventGridListener listener, Azurite azurite) =>
        TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["EventGridTopicEndpoint"] = listener.Endpoint.ToString(),
            ["EventGridTopicKey"] = Key,
        }, storage: azurite);
}
