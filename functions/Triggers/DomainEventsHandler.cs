using System.Text.Json;
using ServerlessCommerce.Events;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// Records each domain event once in the chain's event log. A redelivered message finds the event already there and
/// does nothing; an unreadable message is refused (and so ends in the poison queue, visible to operators).
/// </summary>
public sealed class DomainEventsHandler(EventLog log, ILogger<DomainEventsHandler> logger) : IQueueHandler
{
    public async Task HandleAsync(QueueInvocation message, CancellationToken cancellationToken)
    {
        DomainEvent? domainEvent;
        try
        {
            domainEvent = JsonSerializer.Deserialize<DomainEvent>(message.Text, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Message {message.MessageId} is not a domain event.", ex);
        }

        if (domainEvent is null || string.IsNullOrEmpty(domainEvent.Id) || string.IsNullOrEmpty(domainEvent.ChainId) || string.IsNullOrEmpty(domainEvent.Type))
        {
            throw new InvalidDataException($"Message {message.MessageId} lacks an event id, chain or type.");
        }

        var recorded = await log.RecordAsync(domainEvent, cancellationToken);
        logger.LogInformation("Event {EventId} {EventType} of chain {ChainId} {Outcome}", domainEvent.Id, domainEvent.Type, domainEvent.ChainId,
            recorded ? "recorded" : "was already recorded");
    }
}
