// Storage: the one account the app uses (AzureWebJobsStorage) — tables for state, queues for durable work, blob
// containers for media and the deployment package. Shared Key (account-key) access is off unless a parameter turns it
// on: the app, the Functions host and the Flex deployment all sign in with the app's managed identity. The app also creates these at start-up (idempotently); declaring
// them here makes a deployment complete before the first request and keeps names reviewable.

@description('Azure region for the storage account.')
param location string

@description('Storage account name: 3–24 lower-case letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Origins allowed to PUT review photos straight to Blob SAS URLs (the console and live-room origin).')
param corsOrigins array

@description('Tables the app keeps its state in.')
param tables array

@description('Queues the app works from; each gets its -poison twin.')
param queues array

@description('Blob containers for media (inspection reports, review photos, reports).')
param containers array

@description('Blob container that holds the deployment package (Flex Consumption reads it with the app\'s identity).')
param packageContainer string = 'deployments'

@description('Allow Shared Key (account key) and key-signed SAS requests. Off: only Microsoft Entra identities get in.')
param allowSharedKeyAccess bool = false

@description('Tags for every resource.')
param tags object = {}

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // The app signs in with its managed identity and issues user delegation SAS (AzureBlobStore); no key is needed.
    allowSharedKeyAccess: allowSharedKeyAccess
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      corsRules: [
        {
          allowedOrigins: corsOrigins
          // The same rule the app sets itself when it signs with a key (AzureBlobStore.SetCorsAsync); under an
          // identity its data roles cannot change service properties, so this template sets it.
          allowedMethods: [
            'GET'
            'PUT'
            'HEAD'
            'OPTIONS'
          ]
          allowedHeaders: [
            '*'
          ]
          exposedHeaders: [
            '*'
          ]
          maxAgeInSeconds: 3600
        }
      ]
    }
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [for c in concat(containers, [packageContainer]): {
  parent: blobService
  name: c
  properties: {
    publicAccess: 'None'
  }
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource stateTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [for t in tables: {
  parent: tableService
  name: t
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource workQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [for q in concat(queues, map(queues, q => '${q}-poison')): {
  parent: queueService
  name: q
}]

@description('The storage account name.')
output name string = account.name

@description('The storage account resource id.')
output id string = account.id

@description('The blob endpoint, e.g. https://<name>.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob
