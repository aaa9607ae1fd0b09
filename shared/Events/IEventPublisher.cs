namespace ServerlessCommerce.Events;

/// <summary>
/// Publishes domain events to the outside world (subscribers of the chain's events). Delivery is at least once: a
/// retried call may send an event again, and consumers dedupe on its stable <see cref="DomainEvent.Id"/>.
/// </summary>
public interface IEventPublisher
{
    /// <summary>Sends every event of <paramref name="events"/>, or throws so that the caller retries the whole batch.</summary>
    Task PublishAsync(IReadOnlyList<DomainEvent> events, CancellationToken ct);
}
