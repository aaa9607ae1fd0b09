namespace ServerlessCommerce.Storage;

/// <summary>A received message: its text (already decoded), and what is needed to delete or hide it again.</summary>
public sealed record QueueMessage(
    string MessageId,
    string PopReceipt,
    string Text,
    long DequeueCount,
    DateTimeOffset? InsertedOn,
    DateTimeOffset? ExpiresOn,
    DateTimeOffset? NextVisibleOn);

/// <summary>The receipt of a sent message.</summary>
public sealed record SentMessage(string MessageId, string PopReceipt, DateTimeOffset? NextVisibleOn);

/// <summary>
/// Azure Queue Storage, as the app needs it: work that must survive a crash. Message text is sent base64-encoded
/// (UTF-8), which is what the Functions queue trigger decodes by default; receive decodes it again.
/// Queue names are 3–63 lower-case letters, digits and dashes.
/// </summary>
public interface IQueueStore
{
    Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a message (≤ 48 KiB of text, so it fits 64 KiB once base64-encoded), invisible for
    /// <paramref name="visibilityDelay"/> (0–7 days) and kept for <paramref name="timeToLive"/> (default 7 days; -1 s = never expires).
    /// </summary>
    Task<SentMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32) messages, hiding each for <paramref name="visibilityTimeout"/>.</summary>
    Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Deletes a received message; false when it was already gone (or the pop receipt is stale).</summary>
    Task<bool> DeleteAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default);

    /// <summary>Hides a received message for <paramref name="visibilityTimeout"/> more; returns the new pop receipt.</summary>
    Task<string> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>The approximate number of messages in the queue.</summary>
    Task<int> GetApproximateCountAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Up to 32 messages without hiding them (operators look at poison queues this way).</summary>
    Task<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default);
}
