namespace ServerlessCommerce.Storage;

/// <summary>
/// Azure Table Storage, as the app needs it. Writes that depend on what was read carry the ETag (If-Match); a stale
/// one raises <see cref="ConcurrencyException"/>. Inserting an existing key raises <see cref="StorageConflictException"/>;
/// updating or deleting a missing row raises <see cref="StorageNotFoundException"/>.
/// </summary>
public interface ITableStore
{
    Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new row and returns its ETag; 409 if the key exists.</summary>
    Task<string> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default);

    /// <summary>The row, with its ETag, or null when there is none.</summary>
    Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, IReadOnlyList<string>? select = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces or merges an existing row if its ETag still matches (<c>*</c> = any); returns the new ETag.</summary>
    Task<string> UpdateAsync(string table, TableEntity entity, TableUpdateMode mode, string ifMatch, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces/merges unconditionally; returns the new ETag.</summary>
    Task<string> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default);

    /// <summary>Deletes a row if its ETag still matches (<c>*</c> = any).</summary>
    Task DeleteAsync(string table, string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default);

    /// <summary>One page (≤ 1,000 rows, or <see cref="TableQuery.Top"/>) and the token for the next.</summary>
    Task<TablePage> QueryPageAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default);

    /// <summary>Every row the query matches, following continuation tokens.</summary>
    IAsyncEnumerable<TableEntity> QueryAsync(string table, TableQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies up to 100 operations on rows of <b>one</b> partition atomically: all or none. Returns the new ETag of
    /// each operation (null for deletes). Raises <see cref="TableTransactionFailedException"/> when refused.
    /// </summary>
    Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableOperation> operations, CancellationToken cancellationToken = default);
}
