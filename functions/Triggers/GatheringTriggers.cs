using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Gatherings;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// Gathering reminders (24 h and 2 h before the start) every 5 minutes: whatever became due since the last run goes
/// out, each exactly once (<see cref="GatheringReminders"/>), however many instances run the timer.
/// </summary>
public sealed class GatheringTriggers(GatheringReminders reminders)
{
    [Function("GatheringReminders")]
    public Task Remind([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        reminders.RunAsync(null, cancellationToken);
}
