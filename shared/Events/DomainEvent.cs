using System.Text.Json;

namespace ServerlessCommerce.Events;

/// <summary>
/// Something that happened in a chain (<c>chain.created</c>, <c>member.joined</c>, <c>order.placed</c>, …), shaped to
/// become a CloudEvents 1.0 event: <see cref="Id"/> is unique and stable, so redelivery is harmless.
/// </summary>
public sealed record DomainEvent(string Id, string Type, string Subject, string ChainId, DateTimeOffset Time, JsonElement Data)
{
    public static DomainEvent Create<T>(string type, string chainId, string subject, T data, DateTimeOffset time) =>
        new($"{time.ToUnixTimeMilliseconds():D13}-{Guid.NewGuid():N}", type, subject, chainId, time, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web));
}

/// <summary>Hands domain events to the durable <c>domain-events</c> queue; a queue handler then records and publishes them.</summary>
public interface IDomainEvents
{
    Task RaiseAsync(DomainEvent domainEvent, CancellationToken cancellationToken = default);
}
