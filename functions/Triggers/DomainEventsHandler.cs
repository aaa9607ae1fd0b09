using System.Text.Json;
using ServerlessCommerce.Events;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// Publishes domain events, then records each once in the chain's event log. A message holds one event (a JSON
/// object) or several (a JSON array), published together. A row in the log means "published": publishing comes
/// first, so when it fails the handler throws, nothing is recorded, and the redelivered message publishes again
/// (at least once; consumers dedupe on the event id). A redelivered message finds its events already recorded and
/// records nothing twice; an unreadable message is refused (and so ends in the poison queue, visible to operators).
/// </summary>
public sealed class DomainEventsHandler(IEventPublisher publisher, EventLog log, ILogger<DomainEventsHandler> logger)
{
    [Function("DomainEvents")]
    public async Task Run([QueueTrigger(QueuedDomainEvents.QueueName)] string message, CancellationToken cancellationToken)
    {
        var events = Read(message);
        if (events.Count == 0)
        {
            logger.LogWarning("A message is an empty array of events; nothing to do");
            return;
        }

        await publisher.PublishAsync(events, cancellationToken);
        foreach (var domainEvent in events)
        {
            var recorded = await log.RecordAsync(domainEvent, cancellationToken);
            logger.LogInformation("Event {EventId} {EventType} of chain {ChainId} published and {Outcome}", domainEvent.Id, domainEvent.Type,
                domainEvent.ChainId, recorded ? "recorded" : "was already recorded");
        }
    }

    internal static List<DomainEvent> Read(string message)
    {
        var isArray = message.AsSpan().TrimStart().StartsWith("[", StringComparison.Ordinal);
        List<DomainEvent>? events;
        try
        {
            events = isArray
                ? JsonSerializer.Deserialize<List<DomainEvent>>(message, JsonSerializerOptions.Web)
                : [JsonSerializer.Deserialize<DomainEvent>(message, JsonSerializerOptions.Web)!];
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The message is neither a domain event nor an array of them.", ex);
        }

        if (events is null || events.Any(e => e is null || string.IsNullOrEmpty(e.Id) || string.IsNullOrEmpty(e.ChainId) || string.IsNullOrEmpty(e.Type)))
        {
            throw new InvalidDataException("The message has an event that lacks an id, chain or type.");
        }

        return events;
    }
}
