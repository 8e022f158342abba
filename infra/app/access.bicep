@description('The least-privilege custom role, defined and assigned on the target resource group only.')
targetScope = 'resourceGroup'

param principalId string
param roleDefinitionJson object

var roleName = '${roleDefinitionJson.Name} (${resourceGroup().name})'

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'friday-fleet-operator')
  properties: {
    roleName: roleName
    description: roleDefinitionJson.Description
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: roleDefinitionJson.Actions
        notActions: roleDefinitionJson.NotActions
        dataActions: roleDefinitionJson.DataActions
        notDataActions: roleDefinitionJson.NotDataActions
      }
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, role.id)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: role.id
  }
}

output roleDefinitionId string = role.id
