using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Storage;

public sealed class TableStoreTests : IAsyncLifetime
{
    private AzureTableStore _store = null!;
    private string _table = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _store = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        _table = Names.Table();
        await _store.CreateTableIfNotExistsAsync(_table);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static TableEntity Row(string pk, string rk, params (string Name, object? Value)[] props)
    {
        var e = new TableEntity(pk, rk);
        foreach (var (name, value) in props)
        {
            e[name] = value;
        }

        return e;
    }

    [Fact]
    public async Task CreatingAnExistingTableIsHarmless()
    {
        await _store.CreateTableIfNotExistsAsync(_table);
        await _store.InsertAsync(_table, Row("p", "r"));
        await _store.CreateTableIfNotExistsAsync(_table);
        Assert.NotNull(await _store.GetAsync(_table, "p", "r"));
    }

    [Fact]
    public async Task InsertedRowReadsBackWithEveryTypeAndAnETag()
    {
        var when = new DateTimeOffset(2026, 11, 22, 12, 30, 15, TimeSpan.Zero).AddTicks(1234567);
        var id = Guid.NewGuid();
        var etag = await _store.InsertAsync(_table, Row("p1", "r1",
            ("Name", "王小明 & co"), ("Count", 42), ("Big", 9_007_199_254_740_993L), ("Ratio", 2.0), ("Flag", true),
            ("When", when), ("Id", id), ("Bytes", new byte[] { 1, 2, 3 })));

        var row = await _store.GetAsync(_table, "p1", "r1");

        Assert.NotNull(row);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(etag, row.ETag);
        Assert.Equal("王小明 & co", row.GetString("Name"));
        Assert.Equal(42, row.GetInt32("Count"));
        Assert.Equal(9_007_199_254_740_993L, row.GetInt64("Big"));
        Assert.IsType<long>(row["Big"]);
        Assert.Equal(2.0, row.GetDouble("Ratio"));
        Assert.True(row.GetBoolean("Flag"));
        Assert.Equal(when, row.GetDateTimeOffset("When"));
        Assert.Equal(id, row["Id"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, row.GetBinary("Bytes"));
        Assert.NotNull(row.Timestamp);
    }

    [Fact]
    public async Task GetOfAMissingRowIsNull() => Assert.Null(await _store.GetAsync(_table, "nope", "nope"));

    [Fact]
    public async Task GetWithSelectReturnsOnlyThoseProperties()
    {
        await _store.InsertAsync(_table, Row("p", "r", ("A", "a"), ("B", "b")));
        var row = await _store.GetAsync(_table, "p", "r", ["A"]);
        Assert.Equal("a", row!.GetString("A"));
        Assert.False(row.Contains("B"));
    }

    [Fact]
    public async Task InsertingAnExistingKeyIsAConflict()
    {
        await _store.InsertAsync(_table, Row("p", "dup"));
        var ex = await Assert.ThrowsAsync<StorageConflictException>(() => _store.InsertAsync(_table, Row("p", "dup")));
        Assert.Equal(409, ex.Status);
    }

    [Fact]
    public async Task ReplaceWithAStaleETagIsAConcurrencyErrorAndChangesNothing()
    {
        var first = await _store.InsertAsync(_table, Row("p", "r", ("V", 1)));
        await _store.UpdateAsync(_table, Row("p", "r", ("V", 2)), TableUpdateMode.Replace, first);

        var ex = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _store.UpdateAsync(_table, Row("p", "r", ("V", 3)), TableUpdateMode.Replace, first));

        Assert.Equal(412, ex.Status);
        Assert.Equal(2, (await _store.GetAsync(_table, "p", "r"))!.GetInt32("V"));
    }

    [Fact]
    public async Task MergeKeepsPropertiesItDoesNotCarryAndReplaceDropsThem()
    {
        var etag = await _store.InsertAsync(_table, Row("p", "r", ("A", "a"), ("B", "b")));
        etag = await _store.UpdateAsync(_table, Row("p", "r", ("B", "b2")), TableUpdateMode.Merge, etag);
        var merged = await _store.GetAsync(_table, "p", "r");
        Assert.Equal("a", merged!.GetString("A"));
        Assert.Equal("b2", merged.GetString("B"));

        await _store.UpdateAsync(_table, Row("p", "r", ("B", "b3")), TableUpdateMode.Replace, etag);
        var replaced = await _store.GetAsync(_table, "p", "r");
        Assert.False(replaced!.Contains("A"));
        Assert.Equal("b3", replaced.GetString("B"));
    }

    [Fact]
    public async Task UpdatingAMissingRowIsNotFound() =>
        await Assert.ThrowsAsync<StorageNotFoundException>(() =>
            _store.UpdateAsync(_table, Row("p", "ghost", ("V", 1)), TableUpdateMode.Merge, "*"));

    [Fact]
    public async Task UpsertInsertsThenReplaces()
    {
        await _store.UpsertAsync(_table, Row("p", "u", ("V", 1), ("Old", "x")));
        await _store.UpsertAsync(_table, Row("p", "u", ("V", 2)));
        var row = await _store.GetAsync(_table, "p", "u");
        Assert.Equal(2, row!.GetInt32("V"));
        Assert.False(row.Contains("Old"));

        await _store.UpsertAsync(_table, Row("p", "u", ("New", "y")), TableUpdateMode.Merge);
        row = await _store.GetAsync(_table, "p", "u");
        Assert.Equal(2, row!.GetInt32("V"));
        Assert.Equal("y", row.GetString("New"));
    }

    [Fact]
    public async Task DeleteRemovesTheRowHonouringETagsAndAMissingRowIsNotFound()
    {
        var etag = await _store.InsertAsync(_table, Row("p", "d", ("V", 1)));
        await _store.UpdateAsync(_table, Row("p", "d", ("V", 2)), TableUpdateMode.Replace, etag);
        await Assert.ThrowsAsync<ConcurrencyException>(() => _store.DeleteAsync(_table, "p", "d", etag));

        await _store.DeleteAsync(_table, "p", "d");
        Assert.Null(await _store.GetAsync(_table, "p", "d"));
        await Assert.ThrowsAsync<StorageNotFoundException>(() => _store.DeleteAsync(_table, "p", "d"));
    }

    [Fact]
    public async Task KeysWithQuotesSpacesAndChineseRoundTrip()
    {
        const string pk = "O'Brien 的店";
        const string rk = "a b'c+d%e&f=g";
        await _store.InsertAsync(_table, Row(pk, rk, ("V", 1)));
        var row = await _store.GetAsync(_table, pk, rk);
        Assert.Equal(1, row!.GetInt32("V"));
        var found = await _store.QueryAsync(_table, TableQuery.Partition(pk)).ToListAsync();
        Assert.Equal(rk, Assert.Single(found).RowKey);
        await _store.DeleteAsync(_table, pk, rk);
    }

    [Fact]
    public void ForbiddenKeyCharactersAreRefusedBeforeSending() =>
        Assert.Throws<ArgumentException>(() => StorageNames.ValidateKey("a/b", "rowKey"));

    [Fact]
    public async Task FiltersEscapeQuotesAndCompareTypedValues()
    {
        var when = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        await _store.InsertAsync(_table, Row("f", "a", ("Name", "O'Brien"), ("N", 5L), ("Open", true), ("At", when)));
        await _store.InsertAsync(_table, Row("f", "b", ("Name", "O'Brien' or 'x' eq 'x"), ("N", 6L), ("Open", false), ("At", when.AddDays(1))));

        async Task<string[]> Keys(string filter) =>
            (await _store.QueryAsync(_table, TableQuery.Partition("f", filter)).ToListAsync()).Select(r => r.RowKey).ToArray();

        Assert.Equal(["a"], await Keys(TableFilter.Equal("Name", "O'Brien")));
        Assert.Equal(["b"], await Keys(TableFilter.Equal("N", 6L)));
        Assert.Equal(["a"], await Keys(TableFilter.Equal("Open", true)));
        Assert.Equal(["b"], await Keys(TableFilter.Compare("At", "gt", when)));
        Assert.Equal(["a", "b"], await Keys(TableFilter.RowKeyStartsWith(string.Empty)));
        Assert.Throws<ArgumentException>(() => TableFilter.Equal("Name) or (true", "x"));
    }

    [Fact]
    public async Task QueryFiltersByPartitionAndPropertyAndSelects()
    {
        await _store.InsertAsync(_table, Row("q1", "a", ("Kind", "x"), ("N", 1)));
        await _store.InsertAsync(_table, Row("q1", "b", ("Kind", "y"), ("N", 2)));
        await _store.InsertAsync(_table, Row("q2", "c", ("Kind", "x"), ("N", 3)));

        var rows = await _store.QueryAsync(_table,
            new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", "q1"), TableFilter.Equal("Kind", "x")), ["N"]))
            .ToListAsync();

        var row = Assert.Single(rows);
        Assert.Equal("a", row.RowKey);
        Assert.Equal(1, row.GetInt32("N"));
        Assert.False(row.Contains("Kind"));
        Assert.NotNull(row.ETag);
    }

    [Fact]
    public async Task QueryPagesAcrossMoreThanAThousandRowsWithContinuation()
    {
        const int total = 1_250;
        for (var start = 0; start < total; start += 100)
        {
            var ops = Enumerable.Range(start, Math.Min(100, total - start))
                .Select(i => TableOperation.Insert(Row("big", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), ("I", i))))
                .ToList();
            await _store.SubmitTransactionAsync(_table, ops);
        }

        var first = await _store.QueryPageAsync(_table, TableQuery.Partition("big"));
        Assert.Equal(1_000, first.Entities.Count);
        Assert.NotNull(first.ContinuationToken);
        var second = await _store.QueryPageAsync(_table, TableQuery.Partition("big"), first.ContinuationToken);
        Assert.Equal(250, second.Entities.Count);
        Assert.Null(second.ContinuationToken);

        var all = await _store.QueryAsync(_table, TableQuery.Partition("big")).ToListAsync();
        Assert.Equal(total, all.Count);
        Assert.Equal(Enumerable.Range(0, total), all.Select(r => r.GetInt32("I")!.Value));
    }

    [Fact]
    public async Task SmallPagesFollowTopAndContinuation()
    {
        for (var i = 0; i < 7; i++)
        {
            await _store.InsertAsync(_table, Row("small", $"r{i}"));
        }

        var pages = 0;
        string? token = null;
        var seen = new List<string>();
        do
        {
            var page = await _store.QueryPageAsync(_table, TableQuery.Partition("small") with { Top = 3 }, token);
            seen.AddRange(page.Entities.Select(e => e.RowKey));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(7, seen.Distinct().Count());
    }

    [Fact]
    public async Task TransactionAppliesEveryKindOfOperationAtomically()
    {
        var etag = await _store.InsertAsync(_table, Row("tx", "stock", ("Left", 10)));
        await _store.InsertAsync(_table, Row("tx", "old"));
        await _store.InsertAsync(_table, Row("tx", "merge", ("A", "a")));

        var etags = await _store.SubmitTransactionAsync(_table,
        [
            TableOperation.Replace(Row("tx", "stock", ("Left", 9)), etag),
            TableOperation.Insert(Row("tx", "order-1", ("Qty", 1))),
            TableOperation.UpsertReplace(Row("tx", "idem-1", ("Order", "order-1"))),
            TableOperation.Merge(Row("tx", "merge", ("B", "b")), "*"),
            TableOperation.Delete("tx", "old"),
        ]);

        Assert.Equal(5, etags.Count);
        Assert.NotNull(etags[0]);
        Assert.Null(etags[4]);
        var stock = await _store.GetAsync(_table, "tx", "stock");
        Assert.Equal(9, stock!.GetInt32("Left"));
        Assert.Equal(etags[0], stock.ETag);
        Assert.NotNull(await _store.GetAsync(_table, "tx", "order-1"));
        Assert.NotNull(await _store.GetAsync(_table, "tx", "idem-1"));
        Assert.Equal("a", (await _store.GetAsync(_table, "tx", "merge"))!.GetString("A"));
        Assert.Null(await _store.GetAsync(_table, "tx", "old"));
    }

    [Fact]
    public async Task TransactionWithOneFailingOperationWritesNothing()
    {
        await _store.InsertAsync(_table, Row("atom", "exists"));

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _store.SubmitTransactionAsync(_table,
        [
            TableOperation.Insert(Row("atom", "new-1")),
            TableOperation.Insert(Row("atom", "new-2")),
            TableOperation.Insert(Row("atom", "exists")),
        ]));

        Assert.Equal(409, ex.Status);
        Assert.Equal(2, ex.FailedOperationIndex);
        Assert.Null(await _store.GetAsync(_table, "atom", "new-1"));
        Assert.Null(await _store.GetAsync(_table, "atom", "new-2"));
    }

    [Fact]
    public async Task TransactionWithAStaleETagFailsWith412AndWritesNothing()
    {
        var etag = await _store.InsertAsync(_table, Row("stale", "stock", ("Left", 5)));
        await _store.UpdateAsync(_table, Row("stale", "stock", ("Left", 4)), TableUpdateMode.Replace, etag);

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _store.SubmitTransactionAsync(_table,
        [
            TableOperation.Insert(Row("stale", "order")),
            TableOperation.Replace(Row("stale", "stock", ("Left", 3)), etag),
        ]));

        Assert.Equal(412, ex.Status);
        Assert.Null(await _store.GetAsync(_table, "stale", "order"));
        Assert.Equal(4, (await _store.GetAsync(_table, "stale", "stock"))!.GetInt32("Left"));
    }

    [Fact]
    public async Task TransactionAcrossPartitionsIsRefusedBeforeAnythingIsSent()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SubmitTransactionAsync(_table,
        [
            TableOperation.Insert(Row("a", "1")),
            TableOperation.Insert(Row("b", "1")),
        ]));
        Assert.Null(await _store.GetAsync(_table, "a", "1"));
    }

    [Fact]
    public async Task TransactionOfMoreThanAHundredOperationsIsRefused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SubmitTransactionAsync(_table,
            Enumerable.Range(0, 101).Select(i => TableOperation.Insert(Row("p", $"r{i}"))).ToList()));

    [Fact]
    public async Task TransactionTouchingOneRowTwiceIsRefused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SubmitTransactionAsync(_table,
            [TableOperation.Insert(Row("p", "same")), TableOperation.UpsertMerge(Row("p", "same"))]));
}
