// Event Grid: the custom topic our outbox publishes domain events to, as CloudEvents 1.0. Subscribers (SMS, WeChat
// senders, analytics) attach to it outside this template.

@description('Azure region for the topic.')
param location string

@description('Event Grid topic name.')
param name string

@description('Tags for every resource.')
param tags object = {}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    publicNetworkAccess: 'Enabled'
    // The app publishes with the topic key (aeg-sas-key); see the README's deploy section on identity.
    disableLocalAuth: false
  }
}

@description('Topic resource id (the function app module reads its key; keys are never outputs).')
output id string = topic.id

@description('Topic endpoint the app publishes to.')
output endpoint string = topic.properties.endpoint
