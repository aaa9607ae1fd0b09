using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Events;

/// <summary>
/// Publishes domain events to an Event Grid custom topic as CloudEvents 1.0, with the Azure SDK's
/// <see cref="EventGridPublisherClient"/> (one client, built at start-up, shared by every call).
/// </summary>
/// <remarks>
/// Mapping: <c>id</c> = the event id; <c>type</c> = <see cref="TypePrefix"/> + the domain type
/// (<c>ServerlessCommerce.order.placed</c>), so a subscription can filter on "begins with ServerlessCommerce." and
/// still see our own dotted names unchanged after the prefix; <c>source</c> = <c>/chains/{chainId}</c>, so
/// subscribers can filter one chain; <c>subject</c> = the event subject (<c>members/…</c>); <c>time</c> = when it
/// happened; <c>data</c> = the event's JSON inline, with <c>datacontenttype</c> <c>application/json</c>.
/// Requests carry at most 100 events and stay under 1 MB, Event Grid's limits per publish.
/// </remarks>
public sealed class EventGridPublisher(EventGridPublisherClient client, ILogger<EventGridPublisher> logger) : IEventPublisher
{
    public const string TypePrefix = "ServerlessCommerce.";
    public const int MaxEventsPerRequest = 100;

    /// <summary>Below Event Grid's 1 MB (1,048,576 bytes) per request, with room to spare.</summary>
    public const int MaxRequestBytes = 1_000_000;

    /// <summary>
    /// The client adds <c>traceparent</c> (55 characters) and <c>tracestate</c> (W3C allows up to 512) to each event
    /// when an activity is current, after we have measured it; this much per event is kept free for them.
    /// </summary>
    private const int TracingAllowanceBytes = 640;

    /// <summary>
    /// Three retries with exponential backoff (about 0.5, 1 and 2 s) on 408, 429, 5xx and network errors, and a
    /// 10 s timeout per attempt: a failing topic fails the call within seconds, and the queue retries the message.
    /// </summary>
    public static EventGridPublisherClientOptions DefaultOptions()
    {
        var options = new EventGridPublisherClientOptions(EventGridPublisherClientOptions.ServiceVersion.V2018_01_01);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        options.Diagnostics.ApplicationId = "ServerlessCommerce";
        options.Diagnostics.IsLoggingContentEnabled = false;
        return options;
    }

    /// <summary>A client for the topic <paramref name="endpoint"/> (<c>https://…/api/events</c>) with its access key.</summary>
    public static EventGridPublisherClient CreateClient(Uri endpoint, string key, EventGridPublisherClientOptions? options = null) =>
        new(endpoint, new AzureKeyCredential(key), options ?? DefaultOptions());

    public async Task PublishAsync(IReadOnlyList<DomainEvent> events, CancellationToken ct)
    {
        foreach (var (batch, bytes) in Batches(events.Select(ToCloudEvent)))
        {
            await client.SendEventsAsync(batch, ct);
            logger.LogDebug("Published {Count} events ({Bytes} bytes) to Event Grid, first {EventId}", batch.Count, bytes, batch[0].Id);
        }
    }

    public static CloudEvent ToCloudEvent(DomainEvent e)
    {
        var hasData = e.Data.ValueKind != JsonValueKind.Undefined;
        return new CloudEvent($"/chains/{e.ChainId}", TypePrefix + e.Type,
            hasData ? BinaryData.FromString(e.Data.GetRawText()) : null, hasData ? "application/json" : null, CloudEventDataFormat.Json)
        {
            Id = e.Id,
            Subject = e.Subject,
            Time = e.Time,
        };
    }

    /// <summary>Splits events, in order, into requests of at most 100 events and under <see cref="MaxRequestBytes"/>.</summary>
    internal static IEnumerable<(List<CloudEvent> Batch, int Bytes)> Batches(IEnumerable<CloudEvent> events)
    {
        const int ArrayBrackets = 2;
        var batch = new List<CloudEvent>();
        var bytes = ArrayBrackets;
        foreach (var cloudEvent in events)
        {
            var size = JsonSerializer.SerializeToUtf8Bytes(cloudEvent).Length + 1 + TracingAllowanceBytes;
            if (size + ArrayBrackets > MaxRequestBytes)
            {
                throw new InvalidOperationException($"Event {cloudEvent.Id} is {size} bytes as a CloudEvent; Event Grid takes at most 1 MB a request.");
            }

            if (batch.Count == MaxEventsPerRequest || bytes + size > MaxRequestBytes)
            {
                yield return (batch, bytes);
                batch = [];
                bytes = ArrayBrackets;
            }

            batch.Add(cloudEvent);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return (batch, bytes);
        }
    }
}

/// <summary>Used when no Event Grid topic is configured: events are only recorded in the chain's event log.</summary>
public sealed class LocalOnlyPublisher(ILogger<LocalOnlyPublisher> logger) : IEventPublisher
{
    public Task PublishAsync(IReadOnlyList<DomainEvent> events, CancellationToken ct)
    {
        logger.LogDebug("Event Grid is not configured (EventGridTopicEndpoint, EventGridTopicKey): {Count} events stay local", events.Count);
        return Task.CompletedTask;
    }
}
