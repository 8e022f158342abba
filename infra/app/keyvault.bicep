@description('Key Vault (RBAC mode) holding the autoscale webhook token. (No instance password: each scale set gets a generated one nobody keeps.)')
param name string
param location string
param tags object = {}
@secure()
param autoscaleWebhookToken string
@secure()
@description('The token being rotated out; written only during a rotation (empty: no secret, and the app setting is empty).')
param autoscaleWebhookTokenPrevious string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource tokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'friday-autoscale-webhook-token'
  properties: { value: autoscaleWebhookToken }
}

resource previousTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(autoscaleWebhookTokenPrevious)) {
  parent: vault
  name: 'friday-autoscale-webhook-token-previous'
  properties: { value: autoscaleWebhookTokenPrevious }
}

output id string = vault.id
output uri string = vault.properties.vaultUri
output name string = vault.name
output autoscaleWebhookTokenSecretUri string = tokenSecret.properties.secretUri
// Empty when no rotation is under way: the app setting is then empty too (no reference to resolve).
output autoscaleWebhookTokenPreviousSecretUri string = empty(autoscaleWebhookTokenPrevious) ? '' : previousTokenSecret!.properties.secretUri
