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

    private static TableEntity ToRow(DomainEvent e) => new(e.ChainId, e.Id)
    {
        ["Type"] = e.Type,
        ["Subject"] = e.Subject,
        ["Time"] = e.Time,
        ["Data"] = e.Data.GetRawText(),
    };

    /// <summary>
    /// Records many events in a few transactions (100 rows of one chain each) instead of a write per event: a live
    /// campaign's outbox records one event per order. An event already recorded is written again with the same content,
    /// so each event id still has exactly one row.
    /// </summary>
    public async Task RecordAllAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken = default)
    {
        foreach (var chain in events.DistinctBy(e => (e.ChainId, e.Id)).GroupBy(e => e.ChainId, StringComparer.Ordinal))
        {
            foreach (var chunk in chain.Chunk(100))
            {
                await tables.SubmitTransactionAsync(Table, chunk.Select(e => TableOperation.UpsertReplace(ToRow(e))).ToList(), cancellationToken);
            }
        }
    }

    public async Task<bool> RecordAsync(DomainEvent e, CancellationToken cancellationToken = default)
    {
        var row = ToRow(e);
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
