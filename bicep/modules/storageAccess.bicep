// The data roles the function app's system-assigned identity needs on the storage account, scoped to that account:
// Blob Data Owner (media, the deployment container, Durable Task leases), Queue Data Contributor (work queues and the
// task hub's queues), Table Data Contributor (state and the task hub's history). Durable Functions needs all three.

@description('Required. Storage account name.')
param storageAccountName string

@description('Required. Function app whose system-assigned identity gets the roles.')
param functionAppName string

// Built-in role definition ids (the same in every tenant and cloud).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// Named from the account, the app and the role (all known before the deployment starts): deploying again finds the
// same assignments. An app deleted and re-created under the same name gets a new identity: delete its old
// assignments first (Azure refuses to move an assignment to another principal).
resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(storage.id, site.id, role.value)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: site.identity.principalId
    // A new identity may not have replicated yet: naming its type lets the assignment succeed at once.
    principalType: 'ServicePrincipal'
  }
}]

@description('The role definition ids granted, by name.')
output roleDefinitionIds object = roles
