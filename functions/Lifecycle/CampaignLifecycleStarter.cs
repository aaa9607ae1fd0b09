using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Lifecycle;

/// <summary>
/// Tells a campaign's orchestration to re-plan, or starts it. Safe to repeat (a redelivered message raises one more
/// harmless Replan) and to race (two instances scheduling one instance id: one wins, the other raises the event).
/// </summary>
public static class CampaignLifecycleStarter
{
    public static async Task ReplanAsync(DurableTaskClient durable, ITableStore tables, string campaignId, ILogger logger, CancellationToken ct)
    {
        var instanceId = CampaignLifecycleFunctions.InstanceId(campaignId);
        for (var attempt = 1; ; attempt++)
        {
            var instance = await durable.GetInstanceAsync(instanceId, ct);
            if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended })
            {
                await durable.RaiseEventAsync(instanceId, CampaignLifecycleFunctions.ReplanEvent, "replan", ct);
                return;
            }

            // No orchestration, or one that ended (finished, failed, terminated): start one if the campaign has a next step.
            var row = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, cancellationToken: ct);
            if (row is null || LifecyclePlan.Next(CampaignTables.ToCampaign(row)) is null)
            {
                return;
            }

            try
            {
                await durable.ScheduleNewOrchestrationInstanceAsync(CampaignLifecycleFunctions.Orchestrator, campaignId, new StartOrchestrationOptions(instanceId), ct);
                logger.LogInformation("Campaign {CampaignId}: lifecycle orchestration {InstanceId} started", campaignId, instanceId);
                return;
            }
            catch (Exception ex) when (attempt == 1 && ex is not OperationCanceledException)
            {
                // Most likely "already exists": another instance started it a moment ago. Look again and raise the event
                // on it; anything else fails the second attempt and the queue retries the message.
                logger.LogDebug(ex, "Campaign {CampaignId}: starting {InstanceId} failed; looking again", campaignId, instanceId);
            }
        }
    }
}
