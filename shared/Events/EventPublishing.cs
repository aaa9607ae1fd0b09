using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Events;

public static class EventPublishing
{
    /// <summary>
    /// Registers the one <see cref="IEventPublisher"/>: Event Grid when both <c>EventGridTopicEndpoint</c> and
    /// <c>EventGridTopicKey</c> are set (its client is built here, once), otherwise <see cref="LocalOnlyPublisher"/>.
    /// </summary>
    public static IServiceCollection AddEventPublisher(this IServiceCollection services, AppSettings settings)
    {
        if (settings.EventGridTopicEndpoint is { } endpoint && settings.EventGridTopicKey is { } key)
        {
            var client = EventGridPublisher.CreateClient(new Uri(endpoint), key);
            services.AddSingleton<IEventPublisher>(sp => new EventGridPublisher(client, sp.GetRequiredService<ILogger<EventGridPublisher>>()));
        }
        else
        {
            services.AddSingleton<IEventPublisher, LocalOnlyPublisher>();
        }

        return services;
    }
}
