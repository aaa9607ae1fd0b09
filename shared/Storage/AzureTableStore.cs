using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SdkEntity = Azure.Data.Tables.TableEntity;
using SdkTransactionFailed = Azure.Data.Tables.TableTransactionFailedException;
using SdkUpdateMode = Azure.Data.Tables.TableUpdateMode;

namespace ServerlessCommerce.Storage;

/// <summary>
/// <see cref="ITableStore"/> on Azure.Data.Tables. The SDK does the wire, signing, retries and paging; this adds what
/// the SDK does not: the entity group transaction limits (checked before sending), our row model, and our exceptions.
/// </summary>
public sealed class AzureTableStore : ITableStore
{
    public const int MaxTransactionOperations = 100;

    private readonly TableServiceClient _service;
    private readonly ConcurrentDictionary<string, TableClient> _tables = new(StringComparer.Ordinal);

    public AzureTableStore(TableServiceClient service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
    }

    /// <summary>For tools and tests that want one store without the app's container; the app registers <see cref="StorageClients"/> once.</summary>
    public AzureTableStore(StorageConnection connection, ILogger<AzureTableStore> logger)
        : this(new StorageClients(connection, logger).Tables)
    {
    }

    public async Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default)
    {
        try
        {
            await Client(table).CreateIfNotExistsAsync(cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Create table {table}");
        }
    }

    public async Task<string> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        var client = Client(table);
        try
        {
            var response = await client.AddEntityAsync(ToSdk(entity), cancellationToken);
            return entity.ETag = ETagOf(response, "Insert");
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Insert into {table}");
        }
    }

    public async Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, IReadOnlyList<string>? select = null, CancellationToken cancellationToken = default)
    {
        var client = Client(table);
        try
        {
            var response = await client.GetEntityIfExistsAsync<SdkEntity>(partitionKey, rowKey, WithKeys(select), cancellationToken);
            return response.HasValue ? FromSdk(response.Value!) : null;
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Get from {table}");
        }
    }

    public async Task<string> UpdateAsync(string table, TableEntity entity, TableUpdateMode mode, string ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        var client = Client(table);
        try
        {
            var response = await client.UpdateEntityAsync(ToSdk(entity), new ETag(ifMatch), Mode(mode), cancellationToken);
            return entity.ETag = ETagOf(response, "Update");
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Update in {table}");
        }
    }

    public async Task<string> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default)
    {
        var client = Client(table);
        try
        {
            var response = await client.UpsertEntityAsync(ToSdk(entity), Mode(mode), cancellationToken);
            return entity.ETag = ETagOf(response, "Upsert");
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Upsert into {table}");
        }
    }

    public async Task DeleteAsync(string table, string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default)
    {
        var client = Client(table);
        Response response;
        try
        {
            response = await client.DeleteEntityAsync(partitionKey, rowKey, new ETag(ifMatch), cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Delete from {table}");
        }

        // The SDK answers a missing row with its 404 instead of throwing; our port promises the exception.
        if (response.Status == 404)
        {
            throw new StorageNotFoundException(404, "ResourceNotFound", $"Delete from {table} failed: 404 (ResourceNotFound)");
        }
    }

    public async Task<TablePage> QueryPageAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        var client = Client(table);
        try
        {
            await foreach (var page in Pages(client, query, continuationToken, cancellationToken).ConfigureAwait(false))
            {
                return new TablePage(ToRows(page.Values), string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }

            return new TablePage([], null);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Query {table}");
        }
    }

    public async IAsyncEnumerable<TableEntity> QueryAsync(string table, TableQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var client = Client(table);
        await using var pages = Pages(client, query, continuationToken: null, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await pages.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
            {
                throw StorageException.From(ex, $"Query {table}");
            }

            foreach (var entity in pages.Current.Values)
            {
                yield return FromSdk(entity);
            }
        }
    }

    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableOperation> operations, CancellationToken cancellationToken = default)
    {
        ValidateTransaction(operations);
        var client = Client(table);
        var actions = new List<TableTransactionAction>(operations.Count);
        foreach (var op in operations)
        {
            actions.Add(op.Kind switch
            {
                TableOperationKind.Insert => new TableTransactionAction(TableTransactionActionType.Add, ToSdk(op.Entity)),
                TableOperationKind.Replace => new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToSdk(op.Entity), new ETag(op.IfMatch ?? "*")),
                TableOperationKind.Merge => new TableTransactionAction(TableTransactionActionType.UpdateMerge, ToSdk(op.Entity), new ETag(op.IfMatch ?? "*")),
                TableOperationKind.UpsertReplace => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToSdk(op.Entity)),
                TableOperationKind.UpsertMerge => new TableTransactionAction(TableTransactionActionType.UpsertMerge, ToSdk(op.Entity)),
                TableOperationKind.Delete => new TableTransactionAction(TableTransactionActionType.Delete, KeysOnly(op.Entity), new ETag(op.IfMatch ?? "*")),
                _ => throw new ArgumentOutOfRangeException(nameof(operations), op.Kind, "Unknown operation."),
            });
        }

        Response<IReadOnlyList<Response>> response;
        try
        {
            response = await client.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (SdkTransactionFailed ex)
        {
            var index = ex.FailedTransactionActionIndex;
            throw new TableTransactionFailedException(ex.Status, ex.ErrorCode, index,
                $"Transaction on {table} was refused: {ex.Status}{(ex.ErrorCode is null ? string.Empty : $" ({ex.ErrorCode})")}" +
                $"{(index is null ? string.Empty : $" at operation {index}")}. Nothing was written.", ex);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Transaction on {table}");
        }

        var results = response.Value;
        if (results.Count != operations.Count)
        {
            throw new StorageException(response.GetRawResponse().Status, null, $"Transaction on {table}: expected {operations.Count} results, got {results.Count}.");
        }

        var etags = new string?[operations.Count];
        for (var i = 0; i < etags.Length; i++)
        {
            if (operations[i].Kind != TableOperationKind.Delete && results[i].Headers.ETag is { } etag)
            {
                etags[i] = operations[i].Entity.ETag = etag.ToString();
            }
        }

        return etags;
    }

    private TableClient Client(string table) =>
        _tables.TryGetValue(table, out var client) ? client : _tables.GetOrAdd(StorageNames.Table(table), _service.GetTableClient);

    private static AsyncPageable<SdkEntity> Query(TableClient client, TableQuery query, CancellationToken cancellationToken) =>
        client.QueryAsync<SdkEntity>(
            string.IsNullOrEmpty(query.Filter) ? null : query.Filter,
            query.Top is { } top ? Math.Clamp(top, 1, 1000) : null,
            WithKeys(query.Select),
            cancellationToken);

    private static IAsyncEnumerable<Page<SdkEntity>> Pages(TableClient client, TableQuery query, string? continuationToken, CancellationToken cancellationToken) =>
        Query(client, query, cancellationToken).AsPages(continuationToken);

    /// <summary>A <c>$select</c> that keeps the keys: without them the SDK hands back rows with null keys.</summary>
    private static List<string>? WithKeys(IReadOnlyList<string>? select) =>
        select is { Count: > 0 } ? [.. select.Concat(["PartitionKey", "RowKey"]).Distinct(StringComparer.Ordinal)] : null;

    private static SdkUpdateMode Mode(TableUpdateMode mode) => mode == TableUpdateMode.Merge ? SdkUpdateMode.Merge : SdkUpdateMode.Replace;

    private static string ETagOf(Response response, string operation) =>
        response.Headers.ETag?.ToString() ?? throw new StorageException(response.Status, null, $"{operation} returned no ETag.");

    private static SdkEntity KeysOnly(TableEntity entity)
    {
        StorageNames.ValidateKey(entity.PartitionKey, "partitionKey");
        StorageNames.ValidateKey(entity.RowKey, "rowKey");
        return new SdkEntity(entity.PartitionKey, entity.RowKey);
    }

    /// <summary>Our row as the SDK's; nulls are left out (a missing property reads back as null anyway).</summary>
    internal static SdkEntity ToSdk(TableEntity entity)
    {
        var sdk = KeysOnly(entity);
        foreach (var (name, value) in entity.Properties)
        {
            if (value is null || name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
            {
                continue;
            }

            sdk[name] = value switch
            {
                string or bool or int or long or double or DateTimeOffset or Guid or byte[] => value,
                DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                _ => throw new ArgumentException($"Property {name} has unsupported type {value.GetType().Name}.", nameof(entity)),
            };
        }

        return sdk;
    }

    internal static TableEntity FromSdk(SdkEntity sdk)
    {
        var entity = new TableEntity(sdk.PartitionKey, sdk.RowKey)
        {
            ETag = sdk.ETag == default ? null : sdk.ETag.ToString(),
            Timestamp = sdk.Timestamp,
        };
        foreach (var (name, value) in sdk)
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
            {
                continue;
            }

            entity.Properties[name] = value is BinaryData binary ? binary.ToArray() : value;
        }

        return entity;
    }

    private static List<TableEntity> ToRows(IReadOnlyList<SdkEntity> page)
    {
        var rows = new List<TableEntity>(page.Count);
        foreach (var sdk in page)
        {
            rows.Add(FromSdk(sdk));
        }

        return rows;
    }

    /// <summary>
    /// The limits of an entity group transaction that the SDK does not check (101 operations come back as an
    /// unreadable error) and Azurite does not enforce (it accepts two partitions; Azure refuses them).
    /// </summary>
    private static void ValidateTransaction(IReadOnlyList<TableOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            throw new ArgumentException("A transaction needs at least one operation.", nameof(operations));
        }

        if (operations.Count > MaxTransactionOperations)
        {
            throw new ArgumentException($"A transaction holds at most {MaxTransactionOperations} operations; got {operations.Count}.", nameof(operations));
        }

        var partition = operations[0].Entity.PartitionKey;
        var rows = new HashSet<string>(operations.Count, StringComparer.Ordinal);
        foreach (var op in operations)
        {
            if (!string.Equals(op.Entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new ArgumentException("Every operation of a transaction must target the same partition.", nameof(operations));
            }

            if (!rows.Add(op.Entity.RowKey))
            {
                throw new ArgumentException($"Row '{op.Entity.RowKey}' appears more than once in the transaction.", nameof(operations));
            }
        }
    }
}
