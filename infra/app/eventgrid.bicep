@description('Event Grid system topic on the target resource group, delivering scale-set events to the app.')
targetScope = 'resourceGroup'

param functionAppId string
param functionName string
@description('The event subscription needs the function to exist: azd creates it after the code is deployed (postdeploy hook).')
param createEventSubscription bool

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = {
  name: 'friday-fleet-${uniqueString(resourceGroup().id)}'
  location: 'global'
  properties: {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2024-06-01-preview' = if (createEventSubscription) {
  parent: topic
  name: 'friday-fleet-scale-sets'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        maxEventsPerBatch: 10
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
        'Microsoft.Resources.ResourceActionSuccess'
        'Microsoft.Resources.ResourceDeleteSuccess'
      ]
      advancedFilters: [
        {
          operatorType: 'StringContains'
          key: 'subject'
          values: ['Microsoft.Compute/virtualMachineScaleSets']
        }
      ]
    }
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
}

output topicName string = topic.name
output topicSource string = resourceGroup().id
