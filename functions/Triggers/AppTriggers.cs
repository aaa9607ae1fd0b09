using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Events;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>
/// Every timer and queue trigger of the app — the single table both hosting modes and the generated function.json
/// files are built from.
/// </summary>
public static class AppTriggers
{
    public static readonly IReadOnlyList<TriggerDefinition> All =
    [
        new TimerTriggerDefinition("Heartbeat", "0 */1 * * * *", typeof(HeartbeatTimer)),
        new QueueTriggerDefinition("DomainEvents", QueuedDomainEvents.QueueName, typeof(DomainEventsHandler)),
        new QueueTriggerDefinition("CampaignOutbox", CampaignOutbox.QueueName, typeof(CampaignOutboxHandler)),
        new QueueTriggerDefinition("CampaignWork", CampaignCommitEffects.WorkQueueName, typeof(CampaignWorkHandler)),
        new TimerTriggerDefinition("OutboxSweeper", "30 */1 * * * *", typeof(OutboxSweeper)),
        new TimerTriggerDefinition("ViewerCount", "*/10 * * * * *", typeof(ViewerCountTimer)),
    ];

    public static IServiceCollection AddAppTriggers(this IServiceCollection services)
    {
        services.AddSingleton(new TriggerCatalog(All));
        foreach (var trigger in All)
        {
            services.AddScoped(trigger.HandlerType);
        }

        return services;
    }
}
