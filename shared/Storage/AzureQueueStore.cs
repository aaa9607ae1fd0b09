using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Storage;

/// <summary>
/// Queue Storage over its REST API (XML, SharedKey), as Azure and Azurite speak it. Message text travels as base64 of
/// its UTF-8 bytes, the encoding the Functions queue trigger expects.
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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly StorageRestClient _rest;
    private readonly string _baseUrl;

    public AzureQueueStore(StorageAccount account, ILogger<AzureQueueStore> logger, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        _rest = new StorageRestClient(account, StorageService.Queue, logger, options);
        _baseUrl = _rest.BaseUrl;
    }

    public async Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Put, QueuePath(queue));
        var response = await SendRequestAsync(message, cancellationToken);

        // 201 created, 204 already there with the same metadata, 409 already there with other metadata.
        if (response.Status == 409 && response.Headers.TryGetValue("x-ms-error-code", out var code) && code == "QueueAlreadyExists")
        {
            return;
        }

        response.EnsureSuccess($"Create queue {queue}");
    }

    public async Task<SentMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxMessageTextBytes)
        {
            throw new ArgumentException(
                $"A queue message holds at most {MaxMessageTextBytes:N0} bytes of UTF-8 text; this one has {bytes.Length:N0}. Store the payload in a blob and send its name.",
                nameof(text));
        }

        var delay = Seconds(visibilityDelay ?? TimeSpan.Zero, 0, nameof(visibilityDelay));
        long? ttl = null;
        if (timeToLive is { } t)
        {
            ttl = t == NeverExpires ? -1 : (long)Math.Ceiling(t.TotalSeconds);
            if (ttl is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "The time-to-live must be at least one second, or NeverExpires (-1 s).");
            }

            if (ttl > 0 && delay >= ttl)
            {
                throw new ArgumentException("The visibility delay must be shorter than the time-to-live, or the message would expire unseen.", nameof(visibilityDelay));
            }
        }

        using var message = CreateMessage(RequestMethod.Post, QueuePath(queue) + "/messages");
        message.Request.Uri.AppendQuery("visibilitytimeout", delay.ToString(CultureInfo.InvariantCulture));
        if (ttl is not null)
        {
            message.Request.Uri.AppendQuery("messagettl", ttl.Value.ToString(CultureInfo.InvariantCulture));
        }

        message.Request.Headers.SetValue("Content-Type", "application/xml");
        var body = new XElement("QueueMessage", new XElement("MessageText", Convert.ToBase64String(bytes)));
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting)));
        var response = (await SendRequestAsync(message, cancellationToken)).EnsureSuccess($"Send to {queue}");
        var sent = ParseMessages(response).FirstOrDefault()
                   ?? throw new StorageException(response.Status, null, $"Send to {queue} returned no message.");
        return new SentMessage(sent.MessageId, sent.PopReceipt, sent.NextVisibleOn);
    }

    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ValidateMaxMessages(maxMessages);
        var timeout = Seconds(visibilityTimeout, 1, nameof(visibilityTimeout));
        using var message = CreateMessage(RequestMethod.Get, QueuePath(queue) + "/messages");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        message.Request.Uri.AppendQuery("visibilitytimeout", timeout.ToString(CultureInfo.InvariantCulture));
        var response = (await SendRequestAsync(message, cancellationToken)).EnsureSuccess($"Receive from {queue}");
        return ParseMessages(response);
    }

    /// <remarks>Azurite answers a stale receipt with 400 PopReceiptMismatch, Azure with 404; both mean "not yours to delete".</remarks>
    public async Task<bool> DeleteAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        using var message = CreateMessage(RequestMethod.Delete, MessagePath(queue, messageId));
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        var response = await SendRequestAsync(message, cancellationToken);
        if (response.Status == 404 || IsPopReceiptMismatch(response))
        {
            return false;
        }

        response.EnsureSuccess($"Delete message from {queue}");
        return true;
    }

    /// <remarks>
    /// A message that is gone throws <see cref="StorageNotFoundException"/>; a stale receipt throws too (404 on Azure,
    /// 400 <c>PopReceiptMismatch</c> on Azurite): someone else received the message since.
    /// </remarks>
    public async Task<string> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var timeout = Seconds(visibilityTimeout, 0, nameof(visibilityTimeout));
        using var message = CreateMessage(RequestMethod.Put, MessagePath(queue, messageId));
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        message.Request.Uri.AppendQuery("visibilitytimeout", timeout.ToString(CultureInfo.InvariantCulture));
        var response = (await SendRequestAsync(message, cancellationToken)).EnsureSuccess($"Update visibility in {queue}");
        return response.Headers.TryGetValue("x-ms-popreceipt", out var receipt) && !string.IsNullOrEmpty(receipt)
            ? receipt
            : throw new StorageException(response.Status, null, "Update visibility returned no pop receipt.");
    }

    public async Task<int> GetApproximateCountAsync(string queue, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get, QueuePath(queue));
        message.Request.Uri.AppendQuery("comp", "metadata");
        var response = (await SendRequestAsync(message, cancellationToken)).EnsureSuccess($"Count {queue}");
        return response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count)
               && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new StorageException(response.Status, null, $"Count {queue} returned no message count.");
    }

    /// <remarks>Peeked messages have no pop receipt (<see cref="QueueMessage.PopReceipt"/> is empty) and cannot be deleted.</remarks>
    public async Task<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default)
    {
        ValidateMaxMessages(maxMessages);
        using var message = CreateMessage(RequestMethod.Get, QueuePath(queue) + "/messages");
        message.Request.Uri.AppendQuery("peekonly", "true");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        var response = (await SendRequestAsync(message, cancellationToken)).EnsureSuccess($"Peek {queue}");
        return ParseMessages(response);
    }

    private static List<QueueMessage> ParseMessages(Response response)
    {
        var root = XDocument.Load(response.Content.ToStream()).Root;
        if (root is null)
        {
            return [];
        }

        return root.Elements("QueueMessage")
            .Select(m => new QueueMessage(
                m.Element("MessageId")?.Value ?? throw new StorageException(response.Status, null, "A queue message came without an id."),
                m.Element("PopReceipt")?.Value ?? string.Empty,
                DecodeText(m.Element("MessageText")?.Value ?? string.Empty),
                (long?)m.Element("DequeueCount") ?? 0,
                Date(m.Element("InsertionTime")),
                Date(m.Element("ExpirationTime")),
                Date(m.Element("TimeNextVisible"))))
            .ToList();
    }

    /// <summary>
    /// Base64 of UTF-8 text, as we send it; anything that is not (plain text put by another tool, or base64 of bytes
    /// that are not UTF-8) is returned as it came.
    /// </summary>
    internal static string DecodeText(string raw)
    {
        var buffer = new byte[((raw.Length / 4) + 1) * 3];
        if (Convert.TryFromBase64String(raw, buffer, out var written))
        {
            try
            {
                return StrictUtf8.GetString(buffer, 0, written);
            }
            catch (DecoderFallbackException)
            {
                // Valid base64, but not of text: fall through to the raw form.
            }
        }

        return raw;
    }

    private static DateTimeOffset? Date(XElement? element) =>
        element is null || string.IsNullOrEmpty(element.Value)
            ? null
            : DateTimeOffset.Parse(element.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static bool IsPopReceiptMismatch(Response response) =>
        response.Status == 400 && response.Headers.TryGetValue("x-ms-error-code", out var code) && code == "PopReceiptMismatch";

    /// <summary>Whole seconds (rounded up, so a message is never shown early), between <paramref name="min"/> and 7 days.</summary>
    private static long Seconds(TimeSpan value, long min, string name)
    {
        var seconds = (long)Math.Ceiling(value.TotalSeconds);
        if (seconds < min || value > MaxVisibilityTimeout)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be between {min} s and 7 days.");
        }

        return seconds;
    }

    private static void ValidateMaxMessages(int maxMessages)
    {
        if (maxMessages is < 1 or > MaxMessagesPerReceive)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, $"Between 1 and {MaxMessagesPerReceive} messages at a time.");
        }
    }

    private HttpMessage CreateMessage(RequestMethod method, string path) => _rest.CreateMessage(method, path);

    private Task<Response> SendRequestAsync(HttpMessage message, CancellationToken cancellationToken) => _rest.SendAsync(message, cancellationToken);

    private static string QueuePath(string queue)
    {
        StorageNames.ValidateContainerOrQueueName(queue, "queue", nameof(queue));
        return queue;
    }

    private static string MessagePath(string queue, string messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        return QueuePath(queue) + "/messages/" + Uri.EscapeDataString(messageId);
    }
}
