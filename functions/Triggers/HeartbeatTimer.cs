using ServerlessCommerce.Functions.Api;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// Records that timers fire at all (a silently dead scheduler is the classic serverless outage); <c>/api/health</c>
/// shows the time. Idempotent: an upsert of the same row.
/// </summary>
public sealed class HeartbeatTimer(ITableStore tables, TimeProvider clock) : ITimerHandler
{
    public Task RunAsync(TimerInvocation timer, CancellationToken cancellationToken) =>
        tables.UpsertAsync(SystemStatus.Table, new TableEntity(SystemStatus.TimersPartition, timer.FunctionName)
        {
            ["LastRunAt"] = clock.GetUtcNow(),
            ["ScheduledAt"] = timer.ScheduledAt,
            ["IsPastDue"] = timer.IsPastDue,
        }, cancellationToken: cancellationToken);
}
