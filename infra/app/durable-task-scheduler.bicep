// The Durable Task Scheduler as the durable backend (durableBackend = 'durableTaskScheduler'): a
// scheduler with one task hub, and the app's identity allowed to run orchestrations on it.
// Microsoft now recommends it as the storage provider for Durable Functions ("Durable Task
// Scheduler", learn.microsoft.com/azure/durable-task/scheduler/durable-task-scheduler). Resource
// types and api-version: Microsoft.DurableTask/schedulers[/taskHubs]@2025-11-01 (the stable
// management API, Azure.ResourceManager.DurableTask 1.0.0).
param name string
param location string
param tags object
@allowed(['Consumption', 'Dedicated'])
param skuName string
param taskHubName string
@description('Principal id of the app\'s user-assigned identity.')
param principalId string

// Durable Task Data Contributor: all data operations on the scheduler (what a Functions app needs).
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: skuName }
    // An empty allow-list refuses every caller; access is by identity (the role below) either way.
    ipAllowlist: ['0.0.0.0/0']
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

resource dataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, principalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
