using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Functions.Series;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// 系列直播: every 10 minutes, each active series whose next live start is within its proposeDaysAhead gets a proposal
/// for it (<see cref="SeriesService.ProposeDueAsync"/>). One row per series and live start, inserted if absent, so every
/// instance may run it at once and a rerun proposes nothing twice. Nothing becomes a campaign here: the leader confirms.
/// </summary>
public sealed class SeriesTimer(SeriesService series, TimeProvider clock, ILogger<SeriesTimer> logger)
{
    [Function("ProposeSeriesOccurrences")]
    public async Task Run([TimerTrigger("0 */10 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var made = await series.ProposeDueAsync(clock.GetUtcNow(), cancellationToken);
        if (made.Count > 0)
        {
            logger.LogInformation("Proposed {Count} series occurrences", made.Count);
        }
    }
}
