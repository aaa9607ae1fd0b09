using System.Diagnostics;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>Runs a trigger's handler in its own DI scope with a correlation id in the log scope.</summary>
public sealed class TriggerInvoker(IServiceScopeFactory scopes, ILogger<TriggerInvoker> logger)
{
    public async Task RunTimerAsync(TimerTriggerDefinition trigger, TimerInvocation invocation, CancellationToken ct)
    {
        using var scope = scopes.CreateAsyncScope();
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["FunctionName"] = trigger.FunctionName, ["CorrelationId"] = Guid.NewGuid().ToString("N") });
        var started = Stopwatch.GetTimestamp();
        var handler = (ITimerHandler)scope.ServiceProvider.GetRequiredService(trigger.HandlerType);
        await handler.RunAsync(invocation, ct);
        logger.LogInformation("Timer {FunctionName} for {ScheduledAt:o} ran in {ElapsedMs} ms", trigger.FunctionName, invocation.ScheduledAt, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public async Task RunQueueAsync(QueueTriggerDefinition trigger, QueueInvocation invocation, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["FunctionName"] = trigger.FunctionName, ["CorrelationId"] = invocation.MessageId ?? Guid.NewGuid().ToString("N") });
        var handler = (IQueueHandler)scope.ServiceProvider.GetRequiredService(trigger.HandlerType);
        await handler.HandleAsync(invocation, ct);
        logger.LogDebug("Queue {FunctionName} handled message {MessageId} (delivery {DequeueCount})", trigger.FunctionName, invocation.MessageId, invocation.DequeueCount);
    }
}
