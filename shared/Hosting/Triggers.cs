namespace ServerlessCommerce.Hosting;

/// <summary>A timer firing: which function, for which scheduled instant, and whether it is late.</summary>
public sealed record TimerInvocation(string FunctionName, DateTimeOffset ScheduledAt, bool IsPastDue);

/// <summary>A queue message delivered to a handler (at least once: handlers must tolerate redelivery).</summary>
public sealed record QueueInvocation(string FunctionName, string QueueName, string Text, long DequeueCount, string? MessageId, DateTimeOffset? InsertedOn);

/// <summary>Application code behind a timer trigger. Same code in both hosting modes.</summary>
public interface ITimerHandler
{
    Task RunAsync(TimerInvocation timer, CancellationToken cancellationToken);
}

/// <summary>Application code behind a queue trigger. Throwing means "retry later"; it must be idempotent.</summary>
public interface IQueueHandler
{
    Task HandleAsync(QueueInvocation message, CancellationToken cancellationToken);
}

/// <summary>A non-HTTP function: its name (the function folder under the Functions host) and its handler.</summary>
public abstract record TriggerDefinition(string FunctionName, Type HandlerType);

/// <summary>A timer trigger with a 6-field NCRONTAB schedule in UTC.</summary>
public sealed record TimerTriggerDefinition(string FunctionName, string Schedule, Type HandlerType) : TriggerDefinition(FunctionName, HandlerType);

/// <summary>A queue trigger on <see cref="QueueName"/> (in the <c>AzureWebJobsStorage</c> account).</summary>
public sealed record QueueTriggerDefinition(string FunctionName, string QueueName, Type HandlerType) : TriggerDefinition(FunctionName, HandlerType);

/// <summary>Every timer and queue trigger of the app, declared once; both hosting modes and function.json come from it.</summary>
public sealed class TriggerCatalog
{
    public TriggerCatalog(IEnumerable<TriggerDefinition> triggers)
    {
        All = triggers.ToList();
        var duplicate = All.GroupBy(t => t.FunctionName, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Function name '{duplicate.Key}' is declared twice.");
        }

        foreach (var timer in All.OfType<TimerTriggerDefinition>())
        {
            CronSchedule.Parse(timer.Schedule);
        }
    }

    public IReadOnlyList<TriggerDefinition> All { get; }

    public IEnumerable<TimerTriggerDefinition> Timers => All.OfType<TimerTriggerDefinition>();

    public IEnumerable<QueueTriggerDefinition> Queues => All.OfType<QueueTriggerDefinition>();

    public TriggerDefinition? Find(string functionName) =>
        All.FirstOrDefault(t => string.Equals(t.FunctionName, functionName, StringComparison.OrdinalIgnoreCase));
}
