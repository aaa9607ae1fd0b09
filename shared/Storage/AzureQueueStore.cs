using System.Collections.Concurrent;
using System.Text;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Storage;

/// <summary>
/// <see cref="IQueueStore"/> on Azure.Storage.Queues. The clients come with <see cref="QueueMessageEncoding.Base64"/>
/// (see <see cref="StorageClients"/>): message text travels as base64 of its UTF-8 bytes, which is what the Functions
/// queue trigger expects. This adds the limits the service would only answer with a bare 400, and our exceptions.
/// </summary>
public sealed class AzureQueueStore : IQueueStore
{
    /// <summary>The most UTF-8 bytes of text a message may carry: 48 KiB is 64 KiB once base64-encoded.</summary>
    public const int MaxMessageTextBytes = 48 * 1024;

    /// <summary>The most messages one receive or peek returns.</summary>
    public const int MaxMessagesPerReceive = 32;

    /// <summary>The longest a message may be kept invisible (7 days).</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);

    /// <summary>Pass as time-to-live for a message that never expires.</summary>
    public static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    /// <summary>Where a message goes that is not base64 (the Functions host's poison-queue convention).</summary>
    public const string PoisonSuffix = "-poison";

    private readonly QueueServiceClient _service;
    private readonly ConcurrentDictionary<string, QueueClient> _queues = new(StringComparer.Ordinal);

    public AzureQueueStore(QueueServiceClient service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
    }

    /// <summary>For tools and tests that want one store without the app's container; the app registers <see cref="StorageClients"/> once.</summary>
    public AzureQueueStore(StorageConnection connection, ILogger<AzureQueueStore> logger)
        : this(new StorageClients(connection, logger).Queues)
    {
    }

    public async Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default)
    {
        var client = Client(queue);
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == "QueueAlreadyExists")
        {
            // Already there with other metadata: still the queue we want.
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Create queue {queue}");
        }
    }

    public async Task<SentMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var client = Client(queue);
        var length = Encoding.UTF8.GetByteCount(text);
        if (length > MaxMessageTextBytes)
        {
            throw new ArgumentException(
                $"A queue message holds at most {MaxMessageTextBytes:N0} bytes of UTF-8 text; this one has {length:N0}. Store the payload in a blob and send its name.",
                nameof(text));
        }

        var delay = Seconds(visibilityDelay ?? TimeSpan.Zero, 0, nameof(visibilityDelay));
        TimeSpan? ttl = null;
        if (timeToLive is { } t)
        {
            var seconds = t == NeverExpires ? -1 : (long)Math.Ceiling(t.TotalSeconds);
            if (seconds is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "The time-to-live must be at least one second, or NeverExpires (-1 s).");
            }

            if (seconds > 0 && delay >= TimeSpan.FromSeconds(seconds))
            {
                throw new ArgumentException("The visibility delay must be shorter than the time-to-live, or the message would expire unseen.", nameof(visibilityDelay));
            }

            ttl = TimeSpan.FromSeconds(seconds);
        }

        try
        {
            var receipt = (await client.SendMessageAsync(text, delay, ttl, cancellationToken)).Value;
            return new SentMessage(receipt.MessageId, receipt.PopReceipt, receipt.TimeNextVisible);
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Send to {queue}");
        }
    }

    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ValidateMaxMessages(maxMessages);
        var timeout = Seconds(visibilityTimeout, 1, nameof(visibilityTimeout));
        var client = Client(queue);
        try
        {
            var messages = (await client.ReceiveMessagesAsync(maxMessages, timeout, cancellationToken)).Value;
            return Array.ConvertAll(messages, m => new QueueMessage(
                m.MessageId, m.PopReceipt, Text(m.Body), m.DequeueCount, m.InsertedOn, m.ExpiresOn, m.NextVisibleOn));
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Receive from {queue}");
        }
    }

    /// <remarks>Azurite answers a stale receipt with 400 PopReceiptMismatch, Azure with 404; both mean "not yours to delete".</remarks>
    public async Task<bool> DeleteAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var client = Client(queue);
        try
        {
            await client.DeleteMessageAsync(messageId, popReceipt, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404 || ex.ErrorCode == "PopReceiptMismatch")
        {
            return false;
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Delete message from {queue}");
        }
    }

    /// <remarks>
    /// A message that is gone throws <see cref="StorageNotFoundException"/>; a stale receipt throws too (404 on Azure,
    /// 400 <c>PopReceiptMismatch</c> on Azurite): someone else received the message since.
    /// </remarks>
    public async Task<string> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var timeout = Seconds(visibilityTimeout, 0, nameof(visibilityTimeout));
        var client = Client(queue);
        try
        {
            // No message text: only the visibility changes, the content stays.
            var receipt = (await client.UpdateMessageAsync(messageId, popReceipt, (string?)null, timeout, cancellationToken)).Value;
            return receipt.PopReceipt;
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Update visibility in {queue}");
        }
    }

    public async Task<int> GetApproximateCountAsync(string queue, CancellationToken cancellationToken = default)
    {
        var client = Client(queue);
        try
        {
            return (await client.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Count {queue}");
        }
    }

    /// <remarks>Peeked messages have no pop receipt (<see cref="QueueMessage.PopReceipt"/> is empty) and cannot be deleted.</remarks>
    public async Task<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default)
    {
        ValidateMaxMessages(maxMessages);
        var client = Client(queue);
        try
        {
            var messages = (await client.PeekMessagesAsync(maxMessages, cancellationToken)).Value;
            return Array.ConvertAll(messages, m => new QueueMessage(
                m.MessageId, string.Empty, Text(m.Body), m.DequeueCount, m.InsertedOn, m.ExpiresOn, NextVisibleOn: null));
        }
        catch (RequestFailedException ex) when (StorageException.IsAnswer(ex))
        {
            throw StorageException.From(ex, $"Peek {queue}");
        }
    }

    /// <summary>
    /// A received message that is not base64 (put by another tool without encoding) would otherwise make every receive
    /// of its queue fail, or be skipped for ever: it moves, raw, to <c>&lt;queue&gt;-poison</c> where operators see it.
    /// A peeked one is only logged.
    /// </summary>
    internal static async Task OnUndecodableMessageAsync(QueueMessageDecodingFailedEventArgs args, ILogger logger)
    {
        var queue = args.Queue;
        if (args.ReceivedMessage is not { } message)
        {
            logger.LogWarning("Queue {Queue}: peeked message {MessageId} is not base64 text", queue.Name, args.PeekedMessage?.MessageId);
            return;
        }

        logger.LogWarning("Queue {Queue}: message {MessageId} is not base64 text; moving it to {PoisonQueue}", queue.Name, message.MessageId, queue.Name + PoisonSuffix);
        if (queue.Name.EndsWith(PoisonSuffix, StringComparison.Ordinal))
        {
            return; // already where operators look
        }

        var poison = queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + PoisonSuffix);
        if (args.IsRunningSynchronously)
        {
            poison.CreateIfNotExists(cancellationToken: args.CancellationToken);
            poison.SendMessage(message.Body.ToString(), cancellationToken: args.CancellationToken);
            queue.DeleteMessage(message.MessageId, message.PopReceipt, args.CancellationToken);
        }
        else
        {
            await poison.CreateIfNotExistsAsync(cancellationToken: args.CancellationToken);
            await poison.SendMessageAsync(message.Body.ToString(), args.CancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
        }
    }

    private QueueClient Client(string queue) =>
        _queues.TryGetValue(queue, out var client)
            ? client
            : _queues.GetOrAdd(StorageNames.ContainerOrQueue(queue, "queue", nameof(queue)), _service.GetQueueClient);

    private static string Text(BinaryData? body) => body is null ? string.Empty : body.ToString();

    /// <summary>Whole seconds (rounded up, so a message is never shown early), between <paramref name="min"/> and 7 days.</summary>
    private static TimeSpan Seconds(TimeSpan value, long min, string name)
    {
        var seconds = (long)Math.Ceiling(value.TotalSeconds);
        if (seconds < min || value > MaxVisibilityTimeout)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be between {min} s and 7 days.");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static void ValidateMaxMessages(int maxMessages)
    {
        if (maxMessages is < 1 or > MaxMessagesPerReceive)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, $"Between 1 and {MaxMessagesPerReceive} messages at a time.");
        }
    }
}
