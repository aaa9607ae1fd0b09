using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Storage;

public sealed class QueueStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Hide = TimeSpan.FromSeconds(30);
    private AzureQueueStore _store = null!;
    private string _queue = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _store = new AzureQueueStore(azurite.Account, NullLogger<AzureQueueStore>.Instance);
        _queue = Names.Lower("q");
        await _store.CreateQueueIfNotExistsAsync(_queue);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CreatingAnExistingQueueIsHarmless()
    {
        await _store.SendAsync(_queue, "still here");
        await _store.CreateQueueIfNotExistsAsync(_queue);
        Assert.Equal(1, await _store.GetApproximateCountAsync(_queue));
    }

    [Fact]
    public async Task SentTextIsReceivedDecodedWithItsReceipt()
    {
        const string text = "訂單 #42 已付款 — {\"total\": 12.50, \"note\": \"<b>&</b>\"}";
        var sent = await _store.SendAsync(_queue, text);

        var message = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));

        Assert.Equal(sent.MessageId, message.MessageId);
        Assert.Equal(text, message.Text);
        Assert.Equal(1, message.DequeueCount);
        Assert.False(string.IsNullOrEmpty(message.PopReceipt));
        Assert.NotNull(message.InsertedOn);
        Assert.True(message.ExpiresOn > DateTimeOffset.UtcNow.AddDays(6), "default time-to-live is 7 days");
        Assert.True(message.NextVisibleOn > DateTimeOffset.UtcNow.AddSeconds(20));
    }

    [Fact]
    public async Task EmptyTextRoundTrips()
    {
        await _store.SendAsync(_queue, string.Empty);
        Assert.Equal(string.Empty, Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide)).Text);
    }

    [Fact]
    public async Task ReceiveHidesTheMessageFromTheNextReceive()
    {
        await _store.SendAsync(_queue, "once");

        Assert.Single(await _store.ReceiveAsync(_queue, 32, Hide));
        Assert.Empty(await _store.ReceiveAsync(_queue, 32, Hide));
    }

    [Fact]
    public async Task VisibilityDelayKeepsTheMessageInvisibleUntilDue()
    {
        var before = DateTimeOffset.UtcNow;
        var sent = await _store.SendAsync(_queue, "later", visibilityDelay: TimeSpan.FromSeconds(2));

        // The storage answers whole seconds: 2 s after the send, less at most 1 s of rounding (a slow answer on a loaded
        // machine must not count against it, so the send's start is the reference).
        Assert.True(sent.NextVisibleOn >= before.AddSeconds(1), $"next visible {sent.NextVisibleOn:O}, sent at {before:O}");
        Assert.Empty(await _store.ReceiveAsync(_queue, 1, Hide));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("later", Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide)).Text);
    }

    [Fact]
    public async Task TimeToLiveIsAcceptedAndSetsTheExpiry()
    {
        await _store.SendAsync(_queue, "short-lived", timeToLive: TimeSpan.FromMinutes(1));
        await _store.SendAsync(_queue, "forever", timeToLive: AzureQueueStore.NeverExpires);

        var messages = (await _store.PeekAsync(_queue, 2)).ToDictionary(m => m.Text);

        var shortLived = messages["short-lived"];
        Assert.Equal(TimeSpan.FromMinutes(1), shortLived.ExpiresOn - shortLived.InsertedOn);
        Assert.True(messages["forever"].ExpiresOn > DateTimeOffset.UtcNow.AddYears(100));
    }

    [Fact]
    public async Task ReceiveReturnsAtMostThirtyTwoMessages()
    {
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => _store.SendAsync(_queue, $"m{i}")));

        var first = await _store.ReceiveAsync(_queue, 32, Hide);
        var rest = await _store.ReceiveAsync(_queue, 32, Hide);

        Assert.Equal(32, first.Count);
        Assert.Equal(8, rest.Count);
        Assert.Equal(40, first.Concat(rest).Select(m => m.Text).Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public async Task MessageCountOutsideOneToThirtyTwoIsRefused(int count)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.ReceiveAsync(_queue, count, Hide));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.PeekAsync(_queue, count));
    }

    [Fact]
    public async Task DeleteWithThePopReceiptRemovesTheMessage()
    {
        await _store.SendAsync(_queue, "done");
        var message = Assert.Single(await _store.ReceiveAsync(_queue, 1, TimeSpan.FromSeconds(1)));

        Assert.True(await _store.DeleteAsync(_queue, message.MessageId, message.PopReceipt));

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await _store.ReceiveAsync(_queue, 32, Hide));
        Assert.Equal(0, await _store.GetApproximateCountAsync(_queue));
        Assert.False(await _store.DeleteAsync(_queue, message.MessageId, message.PopReceipt));
    }

    [Fact]
    public async Task DeleteWithAStaleReceiptIsFalseAndKeepsTheMessage()
    {
        await _store.SendAsync(_queue, "contended");
        var first = Assert.Single(await _store.ReceiveAsync(_queue, 1, TimeSpan.FromSeconds(1)));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var second = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));

        Assert.False(await _store.DeleteAsync(_queue, first.MessageId, first.PopReceipt));
        Assert.True(await _store.DeleteAsync(_queue, second.MessageId, second.PopReceipt));
    }

    [Fact]
    public async Task UpdatedVisibilityBringsTheMessageBackAndItsNewReceiptDeletes()
    {
        await _store.SendAsync(_queue, "retry me");
        var message = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));

        var receipt = await _store.UpdateVisibilityAsync(_queue, message.MessageId, message.PopReceipt, TimeSpan.FromSeconds(1));

        Assert.NotEqual(message.PopReceipt, receipt);
        Assert.False(await _store.DeleteAsync(_queue, message.MessageId, message.PopReceipt));
        Assert.True(await _store.DeleteAsync(_queue, message.MessageId, receipt));
    }

    [Fact]
    public async Task UpdatedVisibilityMakesAHiddenMessageReappearEarly()
    {
        await _store.SendAsync(_queue, "back soon");
        var message = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));

        await _store.UpdateVisibilityAsync(_queue, message.MessageId, message.PopReceipt, TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var again = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));
        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal("back soon", again.Text);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task UpdatedVisibilityCanHideAMessageLonger()
    {
        await _store.SendAsync(_queue, "not yet");
        var message = Assert.Single(await _store.ReceiveAsync(_queue, 1, TimeSpan.FromSeconds(1)));

        var receipt = await _store.UpdateVisibilityAsync(_queue, message.MessageId, message.PopReceipt, Hide);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Empty(await _store.ReceiveAsync(_queue, 1, Hide));
        Assert.True(await _store.DeleteAsync(_queue, message.MessageId, receipt));
    }

    [Fact]
    public async Task UpdatingAMessageThatIsGoneIsNotFound()
    {
        await _store.SendAsync(_queue, "short");
        var message = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));
        await _store.DeleteAsync(_queue, message.MessageId, message.PopReceipt);

        await Assert.ThrowsAsync<StorageNotFoundException>(() =>
            _store.UpdateVisibilityAsync(_queue, message.MessageId, message.PopReceipt, Hide));
    }

    [Fact]
    public async Task UpdatingWithAStaleReceiptIsRefused()
    {
        await _store.SendAsync(_queue, "taken over");
        var first = Assert.Single(await _store.ReceiveAsync(_queue, 1, TimeSpan.FromSeconds(1)));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var second = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));

        // Azurite says 400 PopReceiptMismatch; Azure may say 404. Either way the caller no longer owns the message.
        var ex = await Assert.ThrowsAnyAsync<StorageException>(() =>
            _store.UpdateVisibilityAsync(_queue, first.MessageId, first.PopReceipt, Hide));
        Assert.Contains(ex.Status, new[] { 400, 404 });
        Assert.True(await _store.DeleteAsync(_queue, second.MessageId, second.PopReceipt));
    }

    [Fact]
    public async Task DequeueCountGrowsWithEachRedelivery()
    {
        await _store.SendAsync(_queue, "poison?");

        var first = Assert.Single(await _store.ReceiveAsync(_queue, 1, TimeSpan.FromSeconds(1)));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var second = Assert.Single(await _store.ReceiveAsync(_queue, 1, Hide));

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(1, first.DequeueCount);
        Assert.Equal(2, second.DequeueCount);
        Assert.NotEqual(first.PopReceipt, second.PopReceipt);
    }

    [Fact]
    public async Task CountAndPeekSeeMessagesWithoutHidingThem()
    {
        Assert.Equal(0, await _store.GetApproximateCountAsync(_queue));
        Assert.Empty(await _store.PeekAsync(_queue, 32));
        await _store.SendAsync(_queue, "a");
        await _store.SendAsync(_queue, "b");
        await _store.SendAsync(_queue, "c");

        var peeked = await _store.PeekAsync(_queue, 2);

        Assert.Equal(3, await _store.GetApproximateCountAsync(_queue));
        Assert.Equal(2, peeked.Count);
        Assert.All(peeked, m => Assert.Equal(string.Empty, m.PopReceipt));
        Assert.All(peeked, m => Assert.Equal(0, m.DequeueCount));
        Assert.Equal(3, (await _store.ReceiveAsync(_queue, 32, Hide)).Count);
    }

    [Fact]
    public async Task TextOverFortyEightKibibytesIsRefusedBeforeSending()
    {
        var largest = new string('x', AzureQueueStore.MaxMessageTextBytes);
        await _store.SendAsync(_queue, largest);

        // 16,385 three-byte characters: under 48 Ki characters, but over 48 KiB of UTF-8.
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SendAsync(_queue, new string('訂', (AzureQueueStore.MaxMessageTextBytes / 3) + 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SendAsync(_queue, largest + "x"));

        Assert.Equal(1, await _store.GetApproximateCountAsync(_queue));
        Assert.Equal(largest, Assert.Single(await _store.ReceiveAsync(_queue, 32, Hide)).Text);
    }

    [Fact]
    public async Task DelaysAndLifetimesOutOfRangeAreRefused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.SendAsync(_queue, "x", visibilityDelay: TimeSpan.FromDays(7.5)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.SendAsync(_queue, "x", visibilityDelay: TimeSpan.FromSeconds(-1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.SendAsync(_queue, "x", timeToLive: TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SendAsync(_queue, "x", TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.ReceiveAsync(_queue, 1, TimeSpan.Zero));
        Assert.Equal(0, await _store.GetApproximateCountAsync(_queue));
    }

    [Theory]
    [InlineData("Orders")]
    [InlineData("q")]
    [InlineData("order--events")]
    [InlineData("orders_poison")]
    public async Task InvalidQueueNamesAreRefusedBeforeSending(string queue)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateQueueIfNotExistsAsync(queue));
        Assert.Contains("queue name", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SendAsync(queue, "x"));
    }

    [Fact]
    public async Task OperationsOnAMissingQueueAreNotFound() =>
        await Assert.ThrowsAsync<StorageNotFoundException>(() => _store.SendAsync(Names.Lower("missing"), "x"));

    [Fact]
    public async Task TextIsSentAsBase64OfUtf8AndReadsBackFromARawClient()
    {
        var azurite = await Azurite.SharedAsync();
        var raw = new Azure.Storage.Queues.QueueClient(azurite.Account.ToConnectionString(), _queue,
            new Azure.Storage.Queues.QueueClientOptions(StorageClients.QueueServiceVersion));
        await _store.SendAsync(_queue, "hello 世界");

        var message = Assert.Single((await raw.PeekMessagesAsync(1)).Value);

        Assert.Equal("aGVsbG8g5LiW55WM", message.Body.ToString());
    }

    [Fact]
    public async Task AMessageThatIsNotBase64MovesToThePoisonQueueInsteadOfBlockingTheQueue()
    {
        var azurite = await Azurite.SharedAsync();
        var raw = new Azure.Storage.Queues.QueueClient(azurite.Account.ToConnectionString(), _queue,
            new Azure.Storage.Queues.QueueClientOptions(StorageClients.QueueServiceVersion));
        await raw.SendMessageAsync("plain text from another tool!");
        await _store.SendAsync(_queue, "fine");

        var received = await _store.ReceiveAsync(_queue, 32, Hide);

        Assert.Equal("fine", Assert.Single(received).Text);
        Assert.Equal("plain text from another tool!", Assert.Single(await _store.PeekAsync(_queue + "-poison", 32)).Text);
        Assert.Equal(1, await _store.GetApproximateCountAsync(_queue));
    }
}
