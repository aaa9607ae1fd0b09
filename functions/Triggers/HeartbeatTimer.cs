using ServerlessCommerce.Functions.Api;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// Records that timers fire at all (a silently dead scheduler is the classic serverless outage); <c>/api/health</c>
/// shows the time. Idempotent: an upsert of the same row.
/// </summary>
public sealed class HeartbeatTimer(ITableStore tables, TimeProvider clock)
{
    public const string FunctionName = "Heartbeat";

    [Function(FunctionName)]
    public Task Run([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        tables.UpsertAsync(SystemStatus.Table, new TableEntity(SystemStatus.TimersPartition, FunctionName)
        {
            ["LastRunAt"] = clock.GetUtcNow(),
            ["ScheduledAt"] = timer.ScheduleStatus?.Last is { } last ? new DateTimeOffset(last, TimeSpan.Zero) : clock.GetUtcNow(),
            ["IsPastDue"] = timer.IsPastDue,
        }, cancellationToken: cancellationToken);
}
