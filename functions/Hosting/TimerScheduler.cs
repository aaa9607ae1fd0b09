using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Standalone mode's timer triggers: each schedule (6-field NCRONTAB, UTC) fires on the <see cref="TimeProvider"/>'s
/// clock. A failing run is logged and the next occurrence still fires. Under the Functions host this service is off.
/// </summary>
public sealed class TimerScheduler(TriggerCatalog catalog, TriggerInvoker invoker, TimeProvider clock, ILogger<TimerScheduler> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.Timers.Select(t => RunScheduleAsync(t, stoppingToken)));

    private async Task RunScheduleAsync(TimerTriggerDefinition trigger, CancellationToken ct)
    {
        var schedule = CronSchedule.Parse(trigger.Schedule);
        logger.LogInformation("Timer {FunctionName} scheduled '{Schedule}' (UTC)", trigger.FunctionName, trigger.Schedule);
        var after = clock.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            var next = schedule.GetNextOccurrence(after);
            if (next is null)
            {
                logger.LogWarning("Timer {FunctionName} has no future occurrence; it will not fire again", trigger.FunctionName);
                return;
            }

            var delay = next.Value - clock.GetUtcNow();
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, clock, ct);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var late = clock.GetUtcNow() - next.Value;
            try
            {
                await invoker.RunTimerAsync(trigger, new TimerInvocation(trigger.FunctionName, next.Value, late > TimeSpan.FromSeconds(5)), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Timer {FunctionName} failed for {ScheduledAt:o}; the next occurrence will run as planned", trigger.FunctionName, next.Value);
            }

            after = next.Value;
        }
    }
}
