@description('The scale set instances read the setup script with their own identity (no expiring SAS in the model): read access on the scripts container only, and the app may assign that identity to scale sets.')
param instancePrincipalId string
param instanceIdentityName string
param appPrincipalId string
param storageAccountName string
param scriptsContainerName string

var builtIn = {
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  managedIdentityOperator: 'f1a07417-d97a-45cb-824c-7a7467783830'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource scriptsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: scriptsContainerName
}

resource instanceIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: instanceIdentityName
}

resource scriptReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scriptsContainer.id, instancePrincipalId, builtIn.storageBlobDataReader)
  scope: scriptsContainer
  properties: {
    principalId: instancePrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtIn.storageBlobDataReader)
  }
}

// Assigning a user-assigned identity to a scale set needs .../userAssignedIdentities/assign/action on it.
resource assignIdentity 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(instanceIdentity.id, appPrincipalId, builtIn.managedIdentityOperator)
  scope: instanceIdentity
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtIn.managedIdentityOperator)
  }
}
