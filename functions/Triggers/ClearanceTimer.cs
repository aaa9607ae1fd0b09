using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Clearance;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// 晚市特惠: every 5 minutes, each enabled store whose evening hour is within half an hour (or has come, before closing)
/// gets its day's clearance campaign with the items it flagged. Stores keep different hours, hence a short beat rather
/// than one daily time. Idempotent across instances and re-runs (one natural-key row per store and day); a store that
/// fails is skipped and the others proceed. The campaign's own lifecycle takes it live and closes it.
/// </summary>
public sealed class ClearanceTimer(ClearanceService clearance, TimeProvider clock)
{
    public const string FunctionName = "ClearanceSchedule";

    [Function(FunctionName)]
    public Task Run([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        RunAtAsync(clock.GetUtcNow(), cancellationToken);

    /// <summary>The timer's work at an explicit instant (tests call it as the timer would).</summary>
    public Task<ClearanceRunResult> RunAtAsync(DateTimeOffset now, CancellationToken cancellationToken) => clearance.RunDueAsync(now, cancellationToken);
}
