using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Events;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Api;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Reports;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Creates the tables, blob containers and queues the app uses before it serves anything (idempotent). Retries for a
/// while so the app may start alongside Azurite; then fails start-up with a message that says which storage it could
/// not reach.
/// </summary>
public sealed class StorageInitializer(ITableStore tables, IBlobStore blobs, IQueueStore queues,  AppSettings settings, ILogger<StorageInitializer> logger) : IHostedService
{
    public static readonly IReadOnlyList<string> Tables =
    [
        .. ChainTables.All, .. CatalogueTables.All, .. CampaignTables.All, LiveRoomService.Table, LiveRoomService.ViewersTable, EventLog.Table, SystemStatus.Table,
        .. FollowUpTables.All, .. ServerlessCommerce.Growth.GrowthTables.All, .. ServerlessCommerce.Crm.CrmTables.All,
        .. ServerlessCommerce.FollowUp.ReviewWallTables.All,
        .. ServerlessCommerce.Gatherings.GatheringTables.All,
        ServerlessCommerce.Clearance.ClearanceService.Table,
        ServerlessCommerce.Functions.Series.SeriesService.Table,
        .. ServerlessCommerce.Outreach.OutreachTables.All,
        .. ServerlessCommerce.AfterSales.AfterSaleTables.All,
    ];

    public static readonly IReadOnlyList<string> Containers = [.. CatalogueTables.Containers];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                foreach (var table in Tables)
                {
                    await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
                }

                foreach (var container in Containers)
                {
                    await blobs.CreateContainerIfNotExistsAsync(container, cancellationToken);
                }

                // Browsers PUT review photos straight to SAS URLs: the Blob service must allow the app's origin. Under a
                // managed identity the Bicep sets that rule: the app's data-plane role may not change service properties.
                if (settings.Storage.CredentialKind == StorageCredentialKind.SharedKey)
                {
                    await blobs.SetCorsAsync(CorsOrigins(settings), cancellationToken);
                }

                foreach (var queue in Local.FunctionCatalog.App.Queues.Select(q => q.Queue.QueueName).Distinct())
                {
                    await queues.CreateQueueIfNotExistsAsync(queue, cancellationToken);
                    await queues.CreateQueueIfNotExistsAsync(Local.LocalQueues.PoisonQueueName(queue), cancellationToken);
                }

                logger.LogInformation("Storage ready at {Account}", settings.Storage.TableEndpoint.GetLeftPart(UriPartial.Authority));
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or StorageException or Azure.RequestFailedException && DateTimeOffset.UtcNow < deadline)
            {
                logger.LogWarning("Storage not reachable yet (attempt {Attempt}): {Reason}", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or StorageException or Azure.RequestFailedException)
            {
                throw new InvalidOperationException(
                    $"Storage at {settings.Storage.TableEndpoint.GetLeftPart(UriPartial.Authority)} could not be reached: {ex.Message}. " +
                    "Locally, start Azurite (bash infra/run.sh does); in Azure, check AzureWebJobsStorage.", ex);
            }
        }
    }

    /// <summary>The origin (scheme://host[:port]) people reach the app at: <c>PublicBaseUrl</c>, else the local default.</summary>
    public static string PublicOrigin(AppSettings settings) =>
        new Uri(settings.PublicBaseUrl ?? ServerlessCommerceApp.DefaultUrl).GetLeftPart(UriPartial.Authority);

    /// <summary>
    /// Origins allowed to PUT to Blob SAS URLs: in Azure exactly the public origin. On Azurite (development storage,
    /// <see cref="AppSettings.IsLocalDevelopment"/>) any origin: the rule belongs to the whole Blob service, so apps
    /// sharing one Azurite (parallel test apps, a second local instance on another port, localhost vs 127.0.0.1) would
    /// otherwise overwrite each other's origin; Azurite is local and its SAS URLs still carry their signatures.
    /// </summary>
    public static IReadOnlyList<string> CorsOrigins(AppSettings settings) =>
        settings.IsLocalDevelopment ? ["*"] : [PublicOrigin(settings)];

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
