using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Storage;

/// <summary>Table Storage over its REST API (JSON, SharedKeyLite), as Azure and Azurite speak it.</summary>
public sealed partial class AzureTableStore : ITableStore
{
    public const int MaxTransactionOperations = 100;
    private const string JsonMinimal = "application/json;odata=minimalmetadata";
    private static readonly RequestMethod Merge = new("MERGE");

    private readonly StorageRestClient _rest;

    public AzureTableStore(StorageAccount account, ILogger<AzureTableStore> logger, StorageClientOptions? options = null)
    {
        _rest = new StorageRestClient(account, StorageService.Table, logger, options);
    }

    public async Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        using var message = CreateMessage(RequestMethod.Post, "Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string> { ["TableName"] = table })));
        var response = await SendAsync(message, cancellationToken);
        if (response.Status == 409)
        {
            return;
        }

        response.EnsureSuccess($"Create table {table}");
    }

    public async Task<string> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Post, TablePath(table));
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        message.Request.Content = RequestContent.Create(SerializeEntity(entity));
        var response = (await SendAsync(message, cancellationToken)).EnsureSuccess($"Insert into {table}");
        return entity.ETag = response.ETagHeader() ?? throw new StorageException(response.Status, null, "Insert returned no ETag.");
    }

    public async Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, IReadOnlyList<string>? select = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get, EntityPath(table, partitionKey, rowKey));
        if (select is { Count: > 0 })
        {
            message.Request.Uri.AppendQuery("$select", SelectList(select));
        }

        var response = await SendAsync(message, cancellationToken);
        if (response.Status == 404)
        {
            return null;
        }

        response.EnsureSuccess($"Get from {table}");
        using var doc = JsonDocument.Parse(response.Content.ToMemory());
        var entity = ReadEntity(doc.RootElement);
        entity.ETag ??= response.ETagHeader();
        return entity;
    }

    public Task<string> UpdateAsync(string table, TableEntity entity, TableUpdateMode mode, string ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        return WriteAsync(table, entity, mode, ifMatch, $"Update in {table}", cancellationToken);
    }

    public Task<string> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, mode, ifMatch: null, $"Upsert into {table}", cancellationToken);

    public async Task DeleteAsync(string table, string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, EntityPath(table, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch);
        (await SendAsync(message, cancellationToken)).EnsureSuccess($"Delete from {table}");
    }

    public async Task<TablePage> QueryPageAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get, TablePath(table) + "()");
        var uri = message.Request.Uri;
        if (!string.IsNullOrEmpty(query.Filter))
        {
            uri.AppendQuery("$filter", query.Filter);
        }

        if (query.Select is { Count: > 0 })
        {
            uri.AppendQuery("$select", SelectList(query.Select));
        }

        if (query.Top is { } top)
        {
            uri.AppendQuery("$top", Math.Clamp(top, 1, 1000).ToString(CultureInfo.InvariantCulture));
        }

        if (continuationToken is not null)
        {
            var (nextPartition, nextRow) = DecodeContinuation(continuationToken);
            uri.AppendQuery("NextPartitionKey", nextPartition);
            if (nextRow is not null)
            {
                uri.AppendQuery("NextRowKey", nextRow);
            }
        }

        var response = (await SendAsync(message, cancellationToken)).EnsureSuccess($"Query {table}");
        using var doc = JsonDocument.Parse(response.Content.ToMemory());
        var entities = doc.RootElement.GetProperty("value").EnumerateArray().Select(ReadEntity).ToList();
        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var npk);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nrk);
        return new TablePage(entities, npk is null ? null : EncodeContinuation(npk, nrk));
    }

    public async IAsyncEnumerable<TableEntity> QueryAsync(string table, TableQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await QueryPageAsync(table, query, token, cancellationToken);
            foreach (var entity in page.Entities)
            {
                yield return entity;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableOperation> operations, CancellationToken cancellationToken = default)
    {
        ValidateTransaction(operations);
        var batchBoundary = "batch_" + Guid.NewGuid().ToString("N");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("N");
        var body = new StringBuilder();
        body.Append("--").Append(batchBoundary).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changesetBoundary).Append("\r\n\r\n");
        var baseUrl = _rest.BaseUrl;
        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            var (method, path, withBody, ifMatch) = op.Kind switch
            {
                TableOperationKind.Insert => ("POST", TablePath(table), true, null),
                TableOperationKind.Replace => ("PUT", EntityPath(table, op.Entity.PartitionKey, op.Entity.RowKey), true, op.IfMatch ?? "*"),
                TableOperationKind.Merge => ("MERGE", EntityPath(table, op.Entity.PartitionKey, op.Entity.RowKey), true, op.IfMatch ?? "*"),
                TableOperationKind.UpsertReplace => ("PUT", EntityPath(table, op.Entity.PartitionKey, op.Entity.RowKey), true, null),
                TableOperationKind.UpsertMerge => ("MERGE", EntityPath(table, op.Entity.PartitionKey, op.Entity.RowKey), true, null),
                TableOperationKind.Delete => ("DELETE", EntityPath(table, op.Entity.PartitionKey, op.Entity.RowKey), false, op.IfMatch ?? "*"),
                _ => throw new ArgumentOutOfRangeException(nameof(operations), op.Kind, "Unknown operation."),
            };
            body.Append("--").Append(changesetBoundary).Append("\r\n")
                .Append("Content-Type: application/http\r\n")
                .Append("Content-Transfer-Encoding: binary\r\n")
                .Append("Content-ID: ").Append(i + 1).Append("\r\n\r\n")
                .Append(method).Append(' ').Append(baseUrl).Append('/').Append(path).Append(" HTTP/1.1\r\n")
                .Append("Accept: ").Append(JsonMinimal).Append("\r\n")
                .Append("DataServiceVersion: 3.0;\r\n");
            if (ifMatch is not null)
            {
                body.Append("If-Match: ").Append(ifMatch).Append("\r\n");
            }

            if (withBody)
            {
                body.Append("Content-Type: application/json\r\n")
                    .Append("Prefer: return-no-content\r\n\r\n")
                    .Append(Encoding.UTF8.GetString(SerializeEntity(op.Entity))).Append("\r\n");
            }
            else
            {
                body.Append("\r\n");
            }
        }

        body.Append("--").Append(changesetBoundary).Append("--\r\n")
            .Append("--").Append(batchBoundary).Append("--\r\n");

        using var message = CreateMessage(RequestMethod.Post, "$batch");
        message.Request.Headers.SetValue("Content-Type", $"multipart/mixed; boundary={batchBoundary}");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToString()));
        var response = await SendAsync(message, cancellationToken);
        if (response.Status != 202)
        {
            throw StorageException.FromResponse(response, $"Transaction on {table}");
        }

        return ParseTransactionResponse(response.Content.ToString(), operations, table);
    }

    private static string SelectList(IEnumerable<string> select) =>
        string.Join(',', select.Concat(["PartitionKey", "RowKey"]).Distinct(StringComparer.Ordinal));

    private static IReadOnlyList<string?> ParseTransactionResponse(string text, IReadOnlyList<TableOperation> operations, string table)
    {
        var statuses = StatusLine().Matches(text);
        var failed = statuses.FirstOrDefault(m => m.Groups[1].Value[0] is not '2');
        if (failed is not null)
        {
            var status = int.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture);
            var rest = text[failed.Index..];
            string? code = null;
            int? index = null;
            var json = rest.IndexOf('{', StringComparison.Ordinal);
            if (json >= 0)
            {
                try
                {
                    using var doc = JsonDocument.Parse(rest[json..(rest.LastIndexOf('}') + 1)]);
                    if (doc.RootElement.TryGetProperty("odata.error", out var error))
                    {
                        code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                        var msg = error.TryGetProperty("message", out var m) && m.TryGetProperty("value", out var v) ? v.GetString() : null;
                        var match = msg is null ? null : IndexPrefix().Match(msg);
                        if (match is { Success: true })
                        {
                            index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (JsonException)
                {
                    // The status alone still tells the caller what happened.
                }
            }

            index ??= ContentIdIndex(rest);
            throw new TableTransactionFailedException(status, code, index,
                $"Transaction on {table} was refused: {status}{(code is null ? string.Empty : $" ({code})")}" +
                $"{(index is null ? string.Empty : $" at operation {index}")}. Nothing was written.");
        }

        if (statuses.Count != operations.Count)
        {
            throw new StorageException(202, null, $"Transaction on {table}: expected {operations.Count} results, got {statuses.Count}.");
        }

        var etags = new string?[operations.Count];
        for (var i = 0; i < statuses.Count; i++)
        {
            var end = i + 1 < statuses.Count ? statuses[i + 1].Index : text.Length;
            var segment = text[statuses[i].Index..end];
            var etag = ETagLine().Match(segment);
            etags[i] = etag.Success ? etag.Groups[1].Value.Trim() : null;
            if (operations[i].Kind != TableOperationKind.Delete && etags[i] is not null)
            {
                operations[i].Entity.ETag = etags[i];
            }
        }

        return etags;
    }

    private static int? ContentIdIndex(string failedPart)
    {
        var m = ContentIdLine().Match(failedPart);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - 1 : null;
    }

    private static void ValidateTransaction(IReadOnlyList<TableOperation> operations)
    {
        if (operations.Count == 0)
        {
            throw new ArgumentException("A transaction needs at least one operation.", nameof(operations));
        }

        if (operations.Count > MaxTransactionOperations)
        {
            throw new ArgumentException($"A transaction holds at most {MaxTransactionOperations} operations; got {operations.Count}.", nameof(operations));
        }

        var partition = operations[0].Entity.PartitionKey;
        if (operations.Any(o => !string.Equals(o.Entity.PartitionKey, partition, StringComparison.Ordinal)))
        {
            // Azurite accepts mixed partitions; Azure refuses them. We refuse them everywhere, before sending.
            throw new ArgumentException("Every operation of a transaction must target the same partition.", nameof(operations));
        }

        var duplicate = operations.GroupBy(o => o.Entity.RowKey, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Row '{duplicate.Key}' appears more than once in the transaction.", nameof(operations));
        }
    }

    private async Task<string> WriteAsync(string table, TableEntity entity, TableUpdateMode mode, string? ifMatch, string operation, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(mode == TableUpdateMode.Replace ? RequestMethod.Put : Merge, EntityPath(table, entity.PartitionKey, entity.RowKey));
        if (ifMatch is not null)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch);
        }

        message.Request.Content = RequestContent.Create(SerializeEntity(entity));
        var response = (await SendAsync(message, cancellationToken)).EnsureSuccess(operation);
        return entity.ETag = response.ETagHeader() ?? throw new StorageException(response.Status, null, $"{operation} returned no ETag.");
    }

    private HttpMessage CreateMessage(RequestMethod method, string path)
    {
        var message = _rest.CreateMessage(method, path);
        var request = message.Request;
        request.Headers.SetValue("Accept", JsonMinimal);
        request.Headers.SetValue("DataServiceVersion", "3.0;");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        if (method != RequestMethod.Get && method != RequestMethod.Delete)
        {
            request.Headers.SetValue("Content-Type", "application/json");
        }

        return message;
    }

    private Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken) => _rest.SendAsync(message, cancellationToken);

    private static string TablePath(string table)
    {
        ValidateTableName(table);
        return table;
    }

    private static string EntityPath(string table, string partitionKey, string rowKey) =>
        $"{TablePath(table)}(PartitionKey='{EscapeKey(partitionKey, nameof(partitionKey))}',RowKey='{EscapeKey(rowKey, nameof(rowKey))}')";

    internal static string EscapeKey(string key, string name)
    {
        ValidateKey(key, name);
        return Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));
    }

    /// <summary>The characters the Table service forbids in keys, plus the 1 KiB limit.</summary>
    public static void ValidateKey(string key, string name)
    {
        ArgumentNullException.ThrowIfNull(key, name);
        if (key.Length > 512 || key.AsSpan().IndexOfAny(ForbiddenKeyChars) >= 0 || key.Any(char.IsControl))
        {
            throw new ArgumentException($"{name} '{(key.Length > 40 ? key[..40] + "…" : key)}' is not a valid table key (no / \\ # ?, no control characters, ≤ 512 chars).", name);
        }
    }

    private static readonly SearchValues<char> ForbiddenKeyChars = SearchValues.Create("/\\#?");

    private static void ValidateTableName(string table)
    {
        if (!TableName().IsMatch(table))
        {
            throw new ArgumentException($"'{table}' is not a valid table name (3–63 letters or digits, starting with a letter).", nameof(table));
        }
    }

    private static string EncodeContinuation(string nextPartition, string? nextRow) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(nextPartition + "\n" + nextRow)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string NextPartition, string? NextRow) DecodeContinuation(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var nl = text.IndexOf('\n', StringComparison.Ordinal);
            if (nl < 0)
            {
                throw new FormatException();
            }

            var row = text[(nl + 1)..];
            return (text[..nl], row.Length == 0 ? null : row);
        }
        catch (FormatException)
        {
            throw new ArgumentException("The continuation token is not one this store issued.", nameof(token));
        }
    }

    internal static byte[] SerializeEntity(TableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("PartitionKey", entity.PartitionKey);
            w.WriteString("RowKey", entity.RowKey);
            foreach (var (name, value) in entity.Properties)
            {
                if (name is "PartitionKey" or "RowKey" or "Timestamp" || value is null)
                {
                    continue;
                }

                switch (value)
                {
                    case string s:
                        w.WriteString(name, s);
                        break;
                    case bool b:
                        w.WriteBoolean(name, b);
                        break;
                    case int i:
                        w.WriteNumber(name, i);
                        break;
                    case long l:
                        w.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                        w.WriteString(name + "@odata.type", "Edm.Int64");
                        break;
                    case double d:
                        w.WriteNumber(name, d);
                        w.WriteString(name + "@odata.type", "Edm.Double");
                        break;
                    case DateTimeOffset dto:
                        w.WriteString(name, dto.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
                        w.WriteString(name + "@odata.type", "Edm.DateTime");
                        break;
                    case DateTime dt:
                        w.WriteString(name, DateTime.SpecifyKind(dt, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
                        w.WriteString(name + "@odata.type", "Edm.DateTime");
                        break;
                    case Guid g:
                        w.WriteString(name, g.ToString());
                        w.WriteString(name + "@odata.type", "Edm.Guid");
                        break;
                    case byte[] bytes:
                        w.WriteString(name, Convert.ToBase64String(bytes));
                        w.WriteString(name + "@odata.type", "Edm.Binary");
                        break;
                    default:
                        throw new ArgumentException($"Property {name} has unsupported type {value.GetType().Name}.", nameof(entity));
                }
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static TableEntity ReadEntity(JsonElement element)
    {
        var entity = new TableEntity(element.GetProperty("PartitionKey").GetString()!, element.GetProperty("RowKey").GetString()!);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (p.Name.EndsWith("@odata.type", StringComparison.Ordinal))
            {
                types[p.Name[..^"@odata.type".Length]] = p.Value.GetString() ?? string.Empty;
            }
        }

        foreach (var p in element.EnumerateObject())
        {
            var name = p.Name;
            if (name.Contains('@', StringComparison.Ordinal) || name.StartsWith("odata.", StringComparison.Ordinal))
            {
                if (name == "odata.etag")
                {
                    entity.ETag = p.Value.GetString();
                }

                continue;
            }

            if (name is "PartitionKey" or "RowKey")
            {
                continue;
            }

            if (name == "Timestamp")
            {
                entity.Timestamp = DateTimeOffset.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                continue;
            }

            types.TryGetValue(name, out var type);
            entity.Properties[name] = (type, p.Value.ValueKind) switch
            {
                ("Edm.Int64", _) => p.Value.ValueKind == JsonValueKind.String
                    ? long.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture)
                    : p.Value.GetInt64(),
                ("Edm.DateTime", _) => DateTimeOffset.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                ("Edm.Guid", _) => Guid.Parse(p.Value.GetString()!),
                ("Edm.Binary", _) => Convert.FromBase64String(p.Value.GetString()!),
                ("Edm.Double", JsonValueKind.String) => double.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture),
                ("Edm.Double", _) => p.Value.GetDouble(),
                (_, JsonValueKind.String) => p.Value.GetString(),
                (_, JsonValueKind.True) => true,
                (_, JsonValueKind.False) => false,
                (_, JsonValueKind.Number) => p.Value.TryGetInt32(out var i) ? i : p.Value.GetDouble(),
                (_, JsonValueKind.Null) => null,
                _ => p.Value.GetRawText(),
            };
        }

        return entity;
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3})", RegexOptions.Multiline)]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^ETag:\s*(.+?)\r?$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ETagLine();

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex IndexPrefix();

    [GeneratedRegex(@"^Content-ID:\s*(\d+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ContentIdLine();
}
