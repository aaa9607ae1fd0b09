namespace ServerlessCommerce.Events;

/// <summary>Until an external publisher is configured, events are only recorded locally (the event log).</summary>
public sealed class NoExternalEventPublisher : IEventPublisher
{
    public Task PublishAsync(IReadOnlyList<DomainEvent> events, CancellationToken ct) => Task.CompletedTask;
}
