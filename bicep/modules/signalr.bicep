// Azure SignalR Service in Serverless mode: the live room in Azure. The Functions host passes no WebSockets, so
// browsers connect to the Service; the app pushes events over the Service's REST API (AzureSignalRConnectionString).

@description('Azure region for the SignalR Service.')
param location string

@description('SignalR Service name: globally unique.')
param name string

@description('Free_F1 (20 concurrent connections, 20k messages/day: a small pilot) or Standard_S1 (1,000 connections per unit).')
@allowed([
  'Free_F1'
  'Standard_S1'
])
param skuName string = 'Free_F1'

@description('Units (Standard_S1 only; Free_F1 is always 1).')
@minValue(1)
@maxValue(100)
param capacity int = 1

@description('Origins whose pages may connect (the console and live-room origin).')
param allowedOrigins array

@description('Where the Service posts client connection events (the app counts live-room viewers from them): the function app\'s POST /api/live/connection-events, which checks the X-ASRS-Signature made with this Service\'s access key.')
param connectionEventsUrl string

@description('Tags for every resource.')
param tags object = {}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    tier: skuName == 'Free_F1' ? 'Free' : 'Standard'
    capacity: skuName == 'Free_F1' ? 1 : capacity
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    cors: {
      allowedOrigins: allowedOrigins
    }
    tls: {
      clientCertEnabled: false
    }
    // Serverless mode has no connection-count API: the Service tells the app who connects and disconnects.
    // Unverified until deployed: the app implements the documented upstream protocol (see README, live room).
    upstream: {
      templates: [
        {
          urlTemplate: connectionEventsUrl
          hubPattern: 'live'
          categoryPattern: 'connections'
          eventPattern: 'connected,disconnected'
        }
      ]
    }
  }
}

@description('SignalR Service resource id (the function app module reads its connection string; keys are never outputs).')
output id string = signalR.id

@description('SignalR Service host name, e.g. <name>.service.signalr.net.')
output hostName string = signalR.properties.hostName
