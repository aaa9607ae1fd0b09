using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the storage connection, its three SDK service clients (built once, on first use) and the three ports
    /// on them. Table, queue and container clients are cached per name inside the adapters.
    /// </summary>
    public static IServiceCollection AddAppStorage(this IServiceCollection services, StorageConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        services.AddSingleton(connection);
        services.AddSingleton(sp => new StorageClients(connection, sp.GetRequiredService<ILogger<StorageClients>>()));
        services.AddSingleton<ITableStore>(sp => new AzureTableStore(sp.GetRequiredService<StorageClients>().Tables));
        services.AddSingleton<IQueueStore>(sp => new AzureQueueStore(sp.GetRequiredService<StorageClients>().Queues));
        services.AddSingleton<IBlobStore>(sp => new AzureBlobStore(sp.GetRequiredService<StorageClients>().Blobs, sp.GetService<TimeProvider>()));
        return services;
    }
}
