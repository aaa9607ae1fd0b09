using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Hosting.Local;

/// <summary>
/// The local host's queue triggers: polls each <c>[QueueTrigger]</c> queue (backing off when idle), hands each
/// message's text to its function, deletes it on success, and applies the Functions host's poison policy: a message
/// that has failed <c>QueueMaxDequeueCount</c> (5) times moves to <c>&lt;queue&gt;-poison</c>, logged, never dropped.
/// Like the Functions host (<c>batchSize</c> 16, <c>newBatchThreshold</c> 8), it fetches more as soon as the messages
/// in hand drop to the threshold, not when a whole batch is done: one slow message (a long cancellation, a re-plan
/// waiting on storage) never holds up another campaign's work behind it.
/// </summary>
public sealed class LocalQueues(FunctionCatalog catalog, IServiceScopeFactory scopes, IQueueStore queues, AppSettings settings, ILogger<LocalQueues> logger) : BackgroundService
{
    internal const int BatchSize = 16;
    internal const int NewBatchThreshold = 8;
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(50);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.Queues.Select(q => PumpAsync(q.Function, q.Queue, stoppingToken)));

    private async Task PumpAsync(LocalFunction function, QueueTriggerAttribute trigger, CancellationToken ct)
    {
        Invocation.Validate(function, _ => false);
        var maxPoll = TimeSpan.FromMilliseconds(settings.QueueMaxPollingIntervalMilliseconds);
        var idle = MinPoll;
        var visibility = TimeSpan.FromSeconds(settings.QueueVisibilityTimeoutSeconds);
        var running = new HashSet<Task>();
        while (!ct.IsCancellationRequested)
        {
            running.RemoveWhere(t => t.IsCompleted);
            if (running.Count > NewBatchThreshold)
            {
                try
                {
                    await Task.WhenAny(running).WaitAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }

                continue;
            }

            IReadOnlyList<QueueMessage> messages;
            try
            {
                messages = await queues.ReceiveAsync(trigger.QueueName, BatchSize - running.Count, visibility, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Receiving from queue {Queue} failed; retrying in {DelayMs} ms", trigger.QueueName, maxPoll.TotalMilliseconds);
                await DelayAsync(maxPoll, ct);
                continue;
            }

            if (messages.Count == 0)
            {
                await DelayAsync(idle, ct);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, maxPoll.Ticks));
                continue;
            }

            idle = MinPoll;
            foreach (var message in messages)
            {
                running.Add(DeliverAsync(function, trigger.QueueName, message, ct));
            }
        }

        await Task.WhenAll(running); // each delivery ends on the stopping token; its message reappears if unfinished
    }

    /// <summary>One delivery on its own task; whatever it throws is logged, and the pump goes on.</summary>
    private async Task DeliverAsync(LocalFunction function, string queueName, QueueMessage message, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await ProcessAsync(function, queueName, message, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Storage gone mid-housekeeping (e.g. moving a message to poison): the message reappears after its
            // visibility timeout. The pump itself must never end, or the queue is never read again (issue 14).
            logger.LogWarning(ex, "Handling message {MessageId} from queue {Queue} failed; it will be redelivered", message.MessageId, queueName);
        }
    }

    /// <summary>One delivery: run, then delete; or, past the dequeue limit, move to the poison queue.</summary>
    internal async Task ProcessAsync(LocalFunction function, string queueName, QueueMessage message, CancellationToken ct)
    {
        if (message.DequeueCount > settings.QueueMaxDequeueCount)
        {
            await MoveToPoisonAsync(queueName, message, "dequeue count exceeded before processing", ct);
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            using var _ = logger.BeginScope(new Dictionary<string, object> { ["FunctionName"] = function.Name, ["CorrelationId"] = message.MessageId });
            await Invocation.InvokeAsync(function, scope.ServiceProvider, p => p == function.TriggerParameter ? message.Text : null, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the message reappears after its visibility timeout
        }
        catch (Exception ex)
        {
            if (message.DequeueCount >= settings.QueueMaxDequeueCount)
            {
                logger.LogError(ex, "Message {MessageId} on {Queue} failed on delivery {DequeueCount}", message.MessageId, queueName, message.DequeueCount);
                await MoveToPoisonAsync(queueName, message, ex.GetType().Name, ct);
            }
            else
            {
                var backoff = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, message.DequeueCount)));
                logger.LogWarning(ex, "Message {MessageId} on {Queue} failed on delivery {DequeueCount}; retrying in {BackoffSeconds} s",
                    message.MessageId, queueName, message.DequeueCount, backoff.TotalSeconds);
                await TryAsync(() => queues.UpdateVisibilityAsync(queueName, message.MessageId, message.PopReceipt, backoff, ct));
            }

            return;
        }

        await TryAsync(() => queues.DeleteAsync(queueName, message.MessageId, message.PopReceipt, ct));
    }

    private async Task MoveToPoisonAsync(string queue, QueueMessage message, string reason, CancellationToken ct)
    {
        var poison = PoisonQueueName(queue);
        await queues.CreateQueueIfNotExistsAsync(poison, ct);
        await queues.SendAsync(poison, message.Text, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: ct);
        await queues.DeleteAsync(queue, message.MessageId, message.PopReceipt, ct);
        logger.LogError("Message {MessageId} moved from {Queue} to {PoisonQueue} after {DequeueCount} deliveries ({Reason})",
            message.MessageId, queue, poison, message.DequeueCount, reason);
    }

    public static string PoisonQueueName(string queue) => queue + "-poison";

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        // Storage unreachable surfaces as a RequestFailedException with no status (the adapters wrap answers only).
        catch (Exception ex) when (ex is StorageException or HttpRequestException or Azure.RequestFailedException)
        {
            // The message simply reappears after its visibility timeout: at-least-once, never lost.
            logger.LogWarning(ex, "Queue housekeeping failed; the message will be redelivered");
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
