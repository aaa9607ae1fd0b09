using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace ServerlessCommerce.Storage;

/// <summary>
/// One table row: its keys, the ETag it was read with, and typed properties (string, bool, int, long, double,
/// DateTimeOffset, Guid, byte[]). Property names are case-sensitive, as in the service.
/// </summary>
public sealed class TableEntity
{
    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    public string PartitionKey { get; }

    public string RowKey { get; }

    /// <summary>The ETag the row had when read or last written by us; send it back as If-Match.</summary>
    public string? ETag { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public Dictionary<string, object?> Properties { get; } = new(StringComparer.Ordinal);

    public object? this[string name]
    {
        get => Properties.GetValueOrDefault(name);
        set => Properties[name] = value;
    }

    public bool Contains(string name) => Properties.TryGetValue(name, out var v) && v is not null;

    public string? GetString(string name) => Properties.GetValueOrDefault(name) switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    public string RequireString(string name) =>
        GetString(name) ?? throw new InvalidOperationException($"Row {PartitionKey}/{RowKey} has no {name}.");

    public long? GetInt64(string name) => Properties.GetValueOrDefault(name) switch
    {
        null => null,
        long l => l,
        int i => i,
        double d => (long)d,
        string s => long.Parse(s, CultureInfo.InvariantCulture),
        var other => Convert.ToInt64(other, CultureInfo.InvariantCulture),
    };

    public int? GetInt32(string name) => GetInt64(name) is { } l ? checked((int)l) : null;

    public double? GetDouble(string name) => Properties.GetValueOrDefault(name) switch
    {
        null => null,
        double d => d,
        int i => i,
        long l => l,
        string s => double.Parse(s, CultureInfo.InvariantCulture),
        var other => Convert.ToDouble(other, CultureInfo.InvariantCulture),
    };

    public bool? GetBoolean(string name) => Properties.GetValueOrDefault(name) switch
    {
        null => null,
        bool b => b,
        string s => bool.Parse(s),
        var other => Convert.ToBoolean(other, CultureInfo.InvariantCulture),
    };

    public DateTimeOffset? GetDateTimeOffset(string name) => Properties.GetValueOrDefault(name) switch
    {
        null => null,
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        var other => throw new InvalidCastException($"{name} is a {other.GetType().Name}, not a date."),
    };

    public byte[]? GetBinary(string name) => Properties.GetValueOrDefault(name) switch
    {
        null => null,
        byte[] b => b,
        string s => Convert.FromBase64String(s),
        var other => throw new InvalidCastException($"{name} is a {other.GetType().Name}, not binary."),
    };
}

/// <summary>How an update treats properties the entity does not carry: Replace drops them, Merge keeps them.</summary>
public enum TableUpdateMode
{
    Replace,
    Merge,
}

/// <summary>A query over one table: an OData <c>$filter</c>, an optional <c>$select</c> and page size.</summary>
public sealed record TableQuery(string? Filter = null, IReadOnlyList<string>? Select = null, int? Top = null)
{
    /// <summary>Every row of one partition, optionally narrowed by a further filter.</summary>
    public static TableQuery Partition(string partitionKey, string? andFilter = null) =>
        new(andFilter is null
            ? TableFilter.Equal("PartitionKey", partitionKey)
            : TableFilter.And(TableFilter.Equal("PartitionKey", partitionKey), andFilter));
}

/// <summary>
/// Builds OData filter expressions for our rows. Values are formatted and escaped by the SDK
/// (<see cref="Azure.Data.Tables.TableClient.CreateQueryFilter(FormattableString)"/>), so no caller concatenates user input; property
/// names are code, checked to be plain identifiers.
/// </summary>
public static partial class TableFilter
{
    public static string Equal(string property, string value) => Compare(property, "eq", value);

    public static string Equal(string property, long value) => Format(property, "eq", value);

    public static string Equal(string property, bool value) => Format(property, "eq", value);

    public static string Compare(string property, string op, string value) => Format(property, op, value);

    public static string Compare(string property, string op, DateTimeOffset value) => Format(property, op, value);

    /// <summary>Row keys starting with <paramref name="prefix"/> (a range, since OData has no startswith for tables).</summary>
    public static string RowKeyStartsWith(string prefix) =>
        And(Compare("RowKey", "ge", prefix), Compare("RowKey", "lt", prefix + '\uffff'));

    public static string And(params string[] filters) => string.Join(" and ", filters.Select(f => $"({f})"));

    public static string Or(params string[] filters) => string.Join(" or ", filters.Select(f => $"({f})"));

    private static string Format(string property, string op, object value)
    {
        if (!PropertyName().IsMatch(property))
        {
            throw new ArgumentException($"'{property}' is not a property name.", nameof(property));
        }

        var comparison = op is "eq" or "ne" or "gt" or "ge" or "lt" or "le"
            ? op
            : throw new ArgumentException($"Unknown comparison '{op}'.", nameof(op));
        return Azure.Data.Tables.TableClient.CreateQueryFilter(FormattableStringFactory.Create(property + " " + comparison + " {0}", value));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PropertyName();
}

/// <summary>One page of a query and the opaque token for the next (null on the last page).</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Entities, string? ContinuationToken);

/// <summary>One operation of an entity group transaction.</summary>
public sealed record TableOperation(TableOperationKind Kind, TableEntity Entity, string? IfMatch = null)
{
    public static TableOperation Insert(TableEntity entity) => new(TableOperationKind.Insert, entity);

    public static TableOperation Replace(TableEntity entity, string ifMatch) => new(TableOperationKind.Replace, entity, ifMatch);

    public static TableOperation Merge(TableEntity entity, string ifMatch) => new(TableOperationKind.Merge, entity, ifMatch);

    public static TableOperation UpsertReplace(TableEntity entity) => new(TableOperationKind.UpsertReplace, entity);

    public static TableOperation UpsertMerge(TableEntity entity) => new(TableOperationKind.UpsertMerge, entity);

    public static TableOperation Delete(string partitionKey, string rowKey, string ifMatch = "*") =>
        new(TableOperationKind.Delete, new TableEntity(partitionKey, rowKey), ifMatch);
}

public enum TableOperationKind
{
    Insert,
    Replace,
    Merge,
    UpsertReplace,
    UpsertMerge,
    Delete,
}

/// <summary>
/// An entity group transaction was refused: nothing of it was written. <see cref="FailedOperationIndex"/> says which
/// operation the service objected to (when it said), <see cref="StorageException.Status"/> why (409, 412, 404, 400).
/// </summary>
public sealed class TableTransactionFailedException(int status, string? errorCode, int? failedOperationIndex, string message, Exception? innerException = null)
    : StorageException(status, errorCode, message, innerException)
{
    public int? FailedOperationIndex { get; } = failedOperationIndex;
}
