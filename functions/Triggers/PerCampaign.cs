namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// A scheduled job's walk over campaigns, one campaign at a time: a campaign whose work throws (bad data, a bug its
/// rows trigger) is logged and skipped, and the others proceed. Without this, one poisoned campaign stops the job
/// for every chain on every run. Cancellation (the host shutting down) still ends the walk.
/// </summary>
public static class PerCampaign
{
    /// <summary>Runs <paramref name="work"/> for each campaign id; returns how many failed.</summary>
    public static async Task<int> ForEachAsync(IAsyncEnumerable<string> campaignIds, Func<string, Task> work, ILogger logger, string job, CancellationToken cancellationToken)
    {
        var failed = 0;
        await foreach (var campaignId in campaignIds.WithCancellation(cancellationToken))
        {
            try
            {
                await work(campaignId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed++;
                logger.LogError(ex, "{Job}: campaign {CampaignId} failed and was skipped; the other campaigns proceed", job, campaignId);
            }
        }

        return failed;
    }
}
