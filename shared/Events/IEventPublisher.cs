namespace ServerlessCommerce.Events;

/// <summary>Publishes domain events to the outside world, at least once (an event's Id is stable, so consumers dedupe).</summary>
public interface IEventPublisher
{
    Task PublishAsync(IReadOnlyList<DomainEvent> events, CancellationToken ct);
}
