// The function app: the .NET 10 isolated worker on Flex Consumption (FC1) (AZURE-CONTRACTS.md "Deploying"). Linux
// Consumption (Y1) offers no .NET 10, gets no new features and retires on 2028-09-30.
// - Code: a zip in the storage account's deployment container, read (and written by the publish endpoint) with the
//   app's system-assigned identity; infra/deploy.sh publishes it with `az functionapp deployment source config-zip`.
// - Storage: identity-based AzureWebJobsStorage__* settings (no account key anywhere); the identity's data roles are
//   granted by modules/storageAccess.bicep.
// - Flex sets the runtime in functionAppConfig: no FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
//   WEBSITE_RUN_FROM_PACKAGE, linuxFxVersion or functionAppScaleLimit here.
// The two keys that remain (SignalR's access key, the Event Grid topic key) are read with listKeys(); secrets never
// appear in outputs.

@description('Required. Azure region for the plan and the app.')
param location string

@description('Required. Function app name: globally unique, becomes <name>.azurewebsites.net.')
param name string

@description('Required. Storage account name (AzureWebJobsStorage: state, queues, media, the deployment container).')
param storageAccountName string

@description('Required. Blob container the platform reads the app\'s package from.')
param deploymentContainer string

@description('Required. Application Insights component name.')
param insightsName string

@description('Required. Azure SignalR Service name (the live room in Azure).')
param signalRName string

@description('Required. Event Grid topic name (domain events as CloudEvents).')
param eventGridTopicName string

@description('Required. The platform operator key: creates chains. At least 32 characters.')
@secure()
@minLength(32)
param platformAdminKey string

@description('Required. The key member tokens are signed with (HMAC). At least 32 characters; changing it signs every member out.')
@secure()
@minLength(32)
param tokenSigningKey string

@description('Required. The origin people reach the pages at (also the Blob CORS origin for photo uploads).')
param publicBaseUrl string

@description('Optional. on: joining needs a one-time SMS code sent through the webhook below; off: one call joins.')
@allowed([
  'on'
  'off'
])
param memberVerification string = 'on'

@description('Optional. The https URL that receives each one-time code as signed JSON (the chain\'s SMS or WeChat bridge). Required while memberVerification is on, or the app refuses to start.')
param messageWebhookUrl string = ''

@description('Optional. The HMAC key of the webhook\'s X-Signature header: at least 32 characters when messageWebhookUrl is set.')
@secure()
param messageWebhookSecret string = ''

@description('Optional. Upper bound on instances Flex scales out to (a cost guard for a small chain).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Optional. Memory of each instance in MB (512, 2048 or 4096); GB-s are billed by it.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Always-ready instances for the durable group (orchestrations and activities); 0 lets it scale to zero.')
@minValue(0)
@maxValue(10)
param durableAlwaysReadyInstances int = 1

@description('Optional. Tags for every resource.')
param tags object = {}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalRName
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: eventGridTopicName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

// One list, so the config contract test can check it against what the app and the host read (AppSettings.Names).
var appSettings = [
  { name: 'AzureWebJobsDisableHomepage', value: 'true' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  // Identity-based storage: the service URIs work in every Azure cloud (an account name alone implies core.windows.net).
  // The host, the Durable Task extension and the app (StorageConnection.FromIdentity) all read these three.
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'PlatformAdminKey', value: platformAdminKey }
  { name: 'TokenSigningKey', value: tokenSigningKey }
  // Our SignalR REST client signs its JWTs with the access key (AZURE-CONTRACTS.md "Azure SignalR Service").
  { name: 'AzureSignalRConnectionString', value: signalR.listKeys().primaryConnectionString }
  { name: 'EventGridTopicEndpoint', value: topic.properties.endpoint }
  // The outbox publishes with the topic key (AzureKeyCredential): the app has no identity path for Event Grid yet.
  { name: 'EventGridTopicKey', value: topic.listKeys().key1 }
  { name: 'QueueMaxDequeueCount', value: '5' }
  { name: 'QueueVisibilityTimeoutSeconds', value: '60' }
  { name: 'QueueMaxPollingIntervalMilliseconds', value: '2000' }
  { name: 'PublicBaseUrl', value: publicBaseUrl }
  // Joining (README "Joining and verification"): codes go out through the chain's webhook; the limits keep their defaults.
  { name: 'MemberVerification', value: memberVerification }
  { name: 'MessageSender', value: empty(messageWebhookUrl) ? '' : 'webhook' }
  { name: 'MessageWebhookUrl', value: messageWebhookUrl }
  { name: 'MessageWebhookSecret', value: messageWebhookSecret }
  // The campaign lifecycle's task hub (host.json extensions.durableTask.hubName says the same to the Functions host).
  { name: 'DurableTaskHubName', value: 'ServerlessCommerce' }
  { name: 'DurableTaskPartitionCount', value: '4' }
  // Reported: .NET 10 isolated apps on Flex crashing at cold start in placeholder mode; this is the workaround. It
  // costs some cold-start time; remove it once the platform fixes the placeholder.
  { name: 'WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED', value: '0' }
]

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // The durable group (orchestrators, activities) keeps warm instances so campaign timers fire on time and a
        // burst of orders is not held up by a cold start of the lifecycle.
        alwaysReady: [
          {
            name: 'durable'
            instanceCount: durableAlwaysReadyInstances
          }
        ]
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

@description('The function app name.')
output name string = site.name

@description('The app\'s default host name, e.g. <name>.azurewebsites.net.')
output hostName string = site.properties.defaultHostName
