using System.Text.Json;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Events;

/// <summary>Puts each domain event on the <c>domain-events</c> queue as JSON.</summary>
public sealed class QueuedDomainEvents(IQueueStore queues) : IDomainEvents
{
    public const string QueueName = "domain-events";

    public Task RaiseAsync(DomainEvent domainEvent, CancellationToken cancellationToken = default) =>
        queues.SendAsync(QueueName, JsonSerializer.Serialize(domainEvent, JsonSerializerOptions.Web), cancellationToken: cancellationToken);
}

/// <summary>
/// The <c>Events</c> table: every domain event once, in its chain's partition, newest last. Recording is an insert
/// keyed by the event id, so a redelivered message changes nothing.
/// </summary>
public sealed class EventLog(ITableStore tables)
{
    public const string Table = "Events";

    public async Task<bool> RecordAsync(DomainEvent e, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(e.ChainId, e.Id)
        {
            ["Type"] = e.Type,
            ["Subject"] = e.Subject,
            ["Time"] = e.Time,
            ["Data"] = e.Data.GetRawText(),
        };
        try
        {
            await tables.InsertAsync(Table, row, cancellationToken);
            return true;
        }
        catch (StorageConflictException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<DomainEvent>> ListAsync(string chainId, CancellationToken cancellationToken = default)
    {
        var list = new List<DomainEvent>();
        await foreach (var row in tables.QueryAsync(Table, TableQuery.Partition(chainId), cancellationToken))
        {
            using var data = JsonDocument.Parse(row.GetString("Data") ?? "null");
            list.Add(new DomainEvent(row.RowKey, row.RequireString("Type"), row.GetString("Subject") ?? string.Empty, row.PartitionKey,
                row.GetDateTimeOffset("Time") ?? default, data.RootElement.Clone()));
        }

        return list.OrderBy(e => e.Time).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
    }
}
