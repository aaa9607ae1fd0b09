// ServerlessCommerce: one resource group per chain (or per group of chains) holding everything the app needs.
// Deploy with infra/deploy.sh (parameters: main.bicepparam), which also publishes the package and creates the first
// chain. The app runs on Flex Consumption with its system-assigned managed identity: no storage account key is used.
// Safe to deploy twice: every resource is declared with a stable name derived from the resource group.

targetScope = 'resourceGroup'

@description('Azure region for every resource (defaults to the resource group\'s).')
param location string = resourceGroup().location

@description('Short lower-case prefix for resource names (2–8 letters or digits).')
@minLength(2)
@maxLength(8)
param namePrefix string = 'sc'

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param storageSku string = 'Standard_LRS'

@description('Azure SignalR Service tier: Free_F1 for a pilot (20 concurrent viewers), Standard_S1 for real live rooms (1,000 connections per unit).')
@allowed([
  'Free_F1'
  'Standard_S1'
])
param signalRSku string = 'Free_F1'

@description('Azure SignalR Service units (Standard_S1 only).')
@minValue(1)
@maxValue(100)
param signalRCapacity int = 1

@description('The platform operator key that creates chains: at least 32 random characters, kept by the operator.')
@secure()
@minLength(32)
param platformAdminKey string

@description('The member-token signing key: at least 32 random characters; changing it signs every member out.')
@secure()
@minLength(32)
param tokenSigningKey string

@description('on: joining needs a one-time SMS code sent through messageWebhookUrl; off: one call joins.')
@allowed([
  'on'
  'off'
])
param memberVerification string = 'on'

@description('The https URL that receives each one-time code as signed JSON (the chain\'s SMS or WeChat bridge); required while memberVerification is on.')
param messageWebhookUrl string = ''

@description('The HMAC key of the webhook\'s X-Signature header (at least 32 characters when messageWebhookUrl is set).')
@secure()
param messageWebhookSecret string = ''

@description('Upper bound on function app instances Flex Consumption scales out to (a cost guard).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Memory of each function app instance in MB: 512, 2048 or 4096 (execution GB-s are billed by it).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the durable group (orchestrations, activities); billed while idle, 0 scales to zero.')
@minValue(0)
@maxValue(10)
param durableAlwaysReadyInstances int = 1

@description('Allow Shared Key (account key) access to the storage account, e.g. for a tool that only knows keys. The app never needs it.')
param allowStorageSharedKeyAccess bool = false

@description('Days to keep logs in Log Analytics.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Tags for every resource.')
param tags object = {
  app: 'serverlesscommerce'
}

var suffix = uniqueString(resourceGroup().id, namePrefix)
var baseName = '${namePrefix}-${suffix}'
var storageAccountName = take(toLower('${namePrefix}${suffix}'), 24)
var functionAppName = '${baseName}-app'
var insightsName = '${baseName}-insights'
var signalRName = '${baseName}-live'
var eventGridTopicName = '${baseName}-events'
var publicBaseUrl = 'https://${functionAppName}.azurewebsites.net'

// What the app uses (StorageInitializer and the trigger table); the config contract test keeps these in step.
var tables = [
  'Chains'
  'Stores'
  'Leaders'
  'Members'
  'Products'
  'Campaigns'
  'CampaignIndex'
  'MemberCampaigns'
  'LiveRoom'
  'LiveViewers'
  'Events'
  'SystemStatus'
  'FollowUp'
  'Points'
  'Crm'
  'MemberTags'
  'Trials'
  'Growth'
  'ReviewWall'
  'Gatherings'
  'Clearance'
  'Series'
  'Outreach'
  'AfterSales'
]
var queues = [
  'domain-events'
  'campaign-outbox'
  'campaign-work'
  'crm-tags'
  'outreach'
]
var containers = [
  'media'
]
var packageContainer = 'deployments'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: '${baseName}-logs'
    insightsName: insightsName
    retentionInDays: logRetentionDays
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    name: storageAccountName
    skuName: storageSku
    corsOrigins: [
      publicBaseUrl
    ]
    tables: tables
    queues: queues
    containers: containers
    packageContainer: packageContainer
    allowSharedKeyAccess: allowStorageSharedKeyAccess
    tags: tags
  }
}

module signalR 'modules/signalr.bicep' = {
  name: 'signalr'
  params: {
    location: location
    name: signalRName
    skuName: signalRSku
    capacity: signalRCapacity
    allowedOrigins: [
      publicBaseUrl
    ]
    connectionEventsUrl: '${publicBaseUrl}/api/live/connection-events'
    tags: tags
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    location: location
    name: eventGridTopicName
    tags: tags
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    name: functionAppName
    // Names known before the deployment starts (not module outputs), so What-If predicts precisely; dependsOn
    // orders the modules instead.
    storageAccountName: storageAccountName
    deploymentContainer: packageContainer
    insightsName: insightsName
    signalRName: signalRName
    eventGridTopicName: eventGridTopicName
    platformAdminKey: platformAdminKey
    tokenSigningKey: tokenSigningKey
    publicBaseUrl: publicBaseUrl
    memberVerification: memberVerification
    messageWebhookUrl: messageWebhookUrl
    messageWebhookSecret: messageWebhookSecret
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    tags: tags
  }
  dependsOn: [
    monitoring
    storage
    signalR
    eventGrid
  ]
}

module storageAccess 'modules/storageAccess.bicep' = {
  name: 'storageaccess'
  params: {
    storageAccountName: storageAccountName
    functionAppName: functionAppName
  }
  dependsOn: [
    storage
    functionApp
  ]
}

// Outputs: names and URLs only, never keys or connection strings.

@description('The leader console (also where chain admins sign in).')
output CONSOLE_URL string = 'https://${functionApp.outputs.hostName}/'

@description('Live-room URL pattern: replace {campaignId}.')
output LIVE_ROOM_URL_TEMPLATE string = 'https://${functionApp.outputs.hostName}/live/{campaignId}'

@description('Health endpoint the deploy script waits on.')
output HEALTH_URL string = 'https://${functionApp.outputs.hostName}/api/health'

@description('The function app name.')
output FUNCTION_APP_NAME string = functionApp.outputs.name

@description('The storage account name.')
output STORAGE_ACCOUNT_NAME string = storageAccountName

@description('The blob container Flex Consumption runs the package from (the publish endpoint writes it).')
output PACKAGE_CONTAINER string = packageContainer

@description('The Azure SignalR Service host name.')
output SIGNALR_HOST_NAME string = signalR.outputs.hostName

@description('The Event Grid topic endpoint (subscribe SMS/WeChat senders here).')
output EVENT_GRID_TOPIC_ENDPOINT string = eventGrid.outputs.endpoint

@description('The Application Insights component name.')
output APPLICATION_INSIGHTS_NAME string = insightsName
