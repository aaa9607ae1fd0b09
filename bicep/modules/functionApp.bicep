// The function app: the .NET isolated worker on Linux Consumption (Y1) (AZURE-CONTRACTS.md "Deploying"). Y1 offers no
// .NET 10 and retires in 2028: moving to Flex Consumption (FC1) with a managed identity is issue 13. The package is a zip in Blob Storage read through WEBSITE_RUN_FROM_PACKAGE = its
// SAS URL (on Linux Consumption the value 1 is not supported). Every setting the app reads is set here; the secrets
// come from secure parameters or listKeys() and never appear in outputs.

@description('Azure region for the plan and the app.')
param location string

@description('Function app name: globally unique, becomes <name>.azurewebsites.net.')
param name string

@description('Storage account name (AzureWebJobsStorage: state, queues, media).')
param storageAccountName string

@description('Application Insights component name.')
param insightsName string

@description('Azure SignalR Service name (the live room in Azure).')
param signalRName string

@description('Event Grid topic name (domain events as CloudEvents).')
param eventGridTopicName string

@description('SAS URL of the package zip; empty deploys the app without code (the deploy script always passes one).')
@secure()
param packageUrl string = ''

@description('The platform operator key: creates chains. At least 32 characters.')
@secure()
@minLength(32)
param platformAdminKey string

@description('The key member tokens are signed with (HMAC). At least 32 characters; changing it signs every member out.')
@secure()
@minLength(32)
param tokenSigningKey string

@description('The origin people reach the pages at (also the Blob CORS origin for photo uploads).')
param publicBaseUrl string

@description('Upper bound on instances the Consumption plan scales out to (cost guard for a small chain).')
@minValue(1)
@maxValue(200)
param maximumInstances int = 10

@description('Tags for every resource.')
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
    name: 'Y1'
    tier: 'Dynamic'
  }
  properties: {
    reserved: true // Linux
  }
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'

// One list, so the config contract test can check it against what the app reads (AppSettings.Names).
var appSettings = [
  { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated' }
  { name: 'AzureWebJobsDisableHomepage', value: 'true' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'WEBSITE_RUN_FROM_PACKAGE', value: packageUrl }
  { name: 'AzureWebJobsStorage', value: storageConnection }
  { name: 'PlatformAdminKey', value: platformAdminKey }
  { name: 'TokenSigningKey', value: tokenSigningKey }
  { name: 'AzureSignalRConnectionString', value: signalR.listKeys().primaryConnectionString }
  { name: 'EventGridTopicEndpoint', value: topic.properties.endpoint }
  { name: 'EventGridTopicKey', value: topic.listKeys().key1 }
  { name: 'QueueMaxDequeueCount', value: '5' }
  { name: 'QueueVisibilityTimeoutSeconds', value: '60' }
  { name: 'QueueMaxPollingIntervalMilliseconds', value: '2000' }
  { name: 'PublicBaseUrl', value: publicBaseUrl }
  // The campaign lifecycle's task hub (host.json extensions.durableTask.hubName says the same to the Functions host).
  { name: 'DurableTaskHubName', value: 'ServerlessCommerce' }
  { name: 'DurableTaskPartitionCount', value: '4' }
]

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'DOTNET-ISOLATED|10.0'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      functionAppScaleLimit: maximumInstances
      appSettings: appSettings
    }
  }
}

@description('The function app name.')
output name string = site.name

@description('The app\'s default host name, e.g. <name>.azurewebsites.net.')
output hostName string = site.properties.defaultHostName
