using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace ServerlessCommerce.Functions.Hosting.Local;

/// <summary>
/// The local host's timer triggers: each <c>[TimerTrigger]</c> schedule (6-field NCRONTAB, UTC, parsed by NCrontab as
/// the Functions host does) fires on the <see cref="TimeProvider"/>'s clock. A failing run is logged and the next
/// occurrence still fires. Under the Functions host the host owns the timers.
/// </summary>
public sealed class LocalTimers(FunctionCatalog catalog, IServiceScopeFactory scopes, TimeProvider clock, ILogger<LocalTimers> logger) : BackgroundService
{
    public static CrontabSchedule Parse(string schedule) =>
        CrontabSchedule.Parse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.Timers.Select(t => RunScheduleAsync(t.Function, t.Timer, stoppingToken)));

    private async Task RunScheduleAsync(LocalFunction function, TimerTriggerAttribute trigger, CancellationToken ct)
    {
        Invocation.Validate(function, _ => false);
        var schedule = Parse(trigger.Schedule);
        logger.LogDebug("Timer {FunctionName} scheduled '{Schedule}' (UTC)", function.Name, trigger.Schedule);
        var last = clock.GetUtcNow().UtcDateTime;
        while (!ct.IsCancellationRequested)
        {
            var next = schedule.GetNextOccurrence(last);
            try
            {
                var delay = new DateTimeOffset(next, TimeSpan.Zero) - clock.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, clock, ct);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var late = clock.GetUtcNow() - new DateTimeOffset(next, TimeSpan.Zero);
            var info = new TimerInfo
            {
                IsPastDue = late > TimeSpan.FromSeconds(5),
                ScheduleStatus = new ScheduleStatus { Last = next, Next = schedule.GetNextOccurrence(next), LastUpdated = clock.GetUtcNow().UtcDateTime },
            };
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                using var _ = logger.BeginScope(new Dictionary<string, object> { ["FunctionName"] = function.Name, ["CorrelationId"] = Guid.NewGuid().ToString("N") });
                await Invocation.InvokeAsync(function, scope.ServiceProvider, p => p == function.TriggerParameter ? info : null, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Timer {FunctionName} failed for {ScheduledAt:o}; the next occurrence will run as planned", function.Name, next);
            }

            last = next;
        }
    }
}
