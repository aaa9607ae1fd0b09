using System.Runtime.CompilerServices;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.LiveRoom;

/// <summary>What the live room's storage calls have cost this process so far (since it started).</summary>
/// <param name="StorageWrites">Entities written or deleted: every one is a billed storage transaction in Azure.</param>
/// <param name="StorageReads">Read requests: point reads and query pages (each a billed transaction).</param>
/// <param name="RowsRead">Rows those reads returned (what the table service had to scan and send).</param>
public sealed record LiveRoomStorageCounts(long StorageWrites, long StorageReads, long RowsRead);

/// <summary>
/// Counts the live room's storage operations (its tables <c>LiveRoom</c> and <c>LiveViewers</c>), so the cost of a
/// room can be measured rather than guessed: <c>GET /api/health</c> shows it, the live benchmark divides it by viewers
/// and minutes.
/// </summary>
public sealed class LiveRoomStorageMeter
{
    private long _writes;
    private long _reads;
    private long _rows;

    public LiveRoomStorageCounts Snapshot() => new(Interlocked.Read(ref _writes), Interlocked.Read(ref _reads), Interlocked.Read(ref _rows));

    internal void Wrote(int entities = 1) => Interlocked.Add(ref _writes, entities);

    internal void Read(int rows)
    {
        Interlocked.Increment(ref _reads);
        Interlocked.Add(ref _rows, rows);
    }
}

/// <summary>
/// An <see cref="ITableStore"/> that counts every call it passes on in a <see cref="LiveRoomStorageMeter"/>: one write
/// per entity written or deleted (a transaction counts each of its operations), one read per point read or query page.
/// </summary>
public sealed class MeteredTableStore(ITableStore inner, LiveRoomStorageMeter meter) : ITableStore
{
    public LiveRoomStorageMeter Meter => meter;

    public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default) =>
        inner.CreateTableIfNotExistsAsync(table, cancellationToken);

    public Task<string> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        meter.Wrote();
        return inner.InsertAsync(table, entity, cancellationToken);
    }

    public async Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, IReadOnlyList<string>? select = null, CancellationToken cancellationToken = default)
    {
        var row = await inner.GetAsync(table, partitionKey, rowKey, select, cancellationToken);
        meter.Read(row is null ? 0 : 1);
        return row;
    }

    public Task<string> UpdateAsync(string table, TableEntity entity, TableUpdateMode mode, string ifMatch, CancellationToken cancellationToken = default)
    {
        meter.Wrote();
        return inner.UpdateAsync(table, entity, mode, ifMatch, cancellationToken);
    }

    public Task<string> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default)
    {
        meter.Wrote();
        return inner.UpsertAsync(table, entity, mode, cancellationToken);
    }

    public Task DeleteAsync(string table, string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default)
    {
        meter.Wrote();
        return inner.DeleteAsync(table, partitionKey, rowKey, ifMatch, cancellationToken);
    }

    public async Task<TablePage> QueryPageAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        var page = await inner.QueryPageAsync(table, query, continuationToken, cancellationToken);
        meter.Read(page.Entities.Count);
        return page;
    }

    /// <summary>Page by page, so that every page (a request of its own) is counted.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(string table, TableQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await QueryPageAsync(table, query, token, cancellationToken);
            foreach (var row in page.Entities)
            {
                yield return row;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    public Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableOperation> operations, CancellationToken cancellationToken = default)
    {
        meter.Wrote(operations.Count);
        return inner.SubmitTransactionAsync(table, operations, cancellationToken);
    }
}
