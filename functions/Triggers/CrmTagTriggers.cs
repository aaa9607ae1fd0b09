using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Crm;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// CRM tags are recomputed every night at 03:00 China time (19:00 UTC): the timer fans out one queue message per chain,
/// and each message recomputes one chain, so a failing chain retries on its own and never stalls another.
/// </summary>
public sealed class CrmTagTriggers(CrmTagJobs jobs)
{
    [Function("CrmTagSchedule")]
    public Task Schedule([TimerTrigger("0 0 19 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.EnqueueAllChainsAsync(cancellationToken);

    [Function("CrmTagRecompute")]
    public Task Recompute([QueueTrigger(CrmTagJobs.QueueName)] string message, CancellationToken cancellationToken) =>
        jobs.RunAsync(message, cancellationToken);
}
