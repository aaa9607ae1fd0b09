using System.Text.Json;

namespace ServerlessCommerce.Events;

/// <summary>
/// Something that happened in a chain (<c>chain.created</c>, <c>member.joined</c>, <c>order.placed</c>, …), shaped to
/// become a CloudEvents 1.0 event: <see cref="Id"/> is unique and stable, so redelivery is harmless.
/// </summary>
public sealed record DomainEvent(string Id, string Type, string Subject, string ChainId, DateTimeOffset Time, JsonElement Data)
{
    /// <summary>
    /// An event whose id is derived from its type and subject, so raising it again (a retried request, a redelivered
    /// message) records it once. Use <paramref name="occurrence"/> for things that happen more than once per subject.
    /// </summary>
    public static DomainEvent Create<T>(string type, string chainId, string subject, T data, DateTimeOffset time, string? occurrence = null) =>
        new($"{type}:{subject}{(occurrence is null ? string.Empty : ":" + occurrence)}".Replace('/', '~'), type, subject, chainId, time,
            JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web));
}

/// <summary>Hands domain events to the durable <c>domain-events</c> queue; a queue handler then publishes and records them.</summary>
public interface IDomainEvents
{
    Task RaiseAsync(DomainEvent domainEvent, CancellationToken cancellationToken = default);
}
