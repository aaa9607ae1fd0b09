using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Standalone mode's queue triggers: polls each queue (backing off when idle), hands messages to their handler,
/// deletes them on success, and applies the same poison policy as the Functions host: a message that has failed
/// <c>QueueMaxDequeueCount</c> times moves to <c>&lt;queue&gt;-poison</c>, logged, never dropped.
/// </summary>
public sealed class QueuePump(TriggerCatalog catalog, TriggerInvoker invoker, IQueueStore queues, AppSettings settings, ILogger<QueuePump> logger) : BackgroundService
{
    private const int BatchSize = 16;
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(50);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.Queues.Select(q => PumpAsync(q, stoppingToken)));

    private async Task PumpAsync(QueueTriggerDefinition trigger, CancellationToken ct)
    {
        var maxPoll = TimeSpan.FromMilliseconds(settings.QueueMaxPollingIntervalMilliseconds);
        var idle = MinPoll;
        var visibility = TimeSpan.FromSeconds(settings.QueueVisibilityTimeoutSeconds);
        while (!ct.IsCancellationRequested)
        {
            IReadOnlyList<QueueMessage> messages;
            try
            {
                messages = await queues.ReceiveAsync(trigger.QueueName, BatchSize, visibility, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
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
            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
                (message, token) => new ValueTask(ProcessAsync(trigger, message, token)));
        }
    }

    /// <summary>One delivery: run, then delete; or, past the dequeue limit, move to the poison queue.</summary>
    internal async Task ProcessAsync(QueueTriggerDefinition trigger, QueueMessage message, CancellationToken ct)
    {
        if (message.DequeueCount > settings.QueueMaxDequeueCount)
        {
            await MoveToPoisonAsync(trigger.QueueName, message, "dequeue count exceeded before processing", ct);
            return;
        }

        try
        {
            await invoker.RunQueueAsync(trigger,
                new QueueInvocation(trigger.FunctionName, trigger.QueueName, message.Text, message.DequeueCount, message.MessageId, message.InsertedOn), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the message reappears after its visibility timeout
        }
        catch (Exception ex)
        {
            if (message.DequeueCount >= settings.QueueMaxDequeueCount)
            {
                logger.LogError(ex, "Message {MessageId} on {Queue} failed on delivery {DequeueCount}", message.MessageId, trigger.QueueName, message.DequeueCount);
                await MoveToPoisonAsync(trigger.QueueName, message, ex.GetType().Name, ct);
            }
            else
            {
                var backoff = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, message.DequeueCount)));
                logger.LogWarning(ex, "Message {MessageId} on {Queue} failed on delivery {DequeueCount}; retrying in {BackoffSeconds} s",
                    message.MessageId, trigger.QueueName, message.DequeueCount, backoff.TotalSeconds);
                await TryAsync(() => queues.UpdateVisibilityAsync(trigger.QueueName, message.MessageId, message.PopReceipt, backoff, ct));
            }

            return;
        }

        await TryAsync(() => queues.DeleteAsync(trigger.QueueName, message.MessageId, message.PopReceipt, ct));
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
        catch (Exception ex) when (ex is StorageException or HttpRequestException)
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
