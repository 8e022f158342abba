// friday-fleet itself on Azure: a Flex Consumption Function App running as a user-assigned
// identity with only the rights it uses, storage for the Durable task hub and the setup script,
// Key Vault for secrets, Application Insights, and an Event Grid system topic on the web tier's
// resource group. Deploy with `azd up`, or `az deployment group create -g <app rg> -f infra/main.bicep -p infra/main.parameters.json`.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name.')
param environmentName string

@description('Region for the app resources.')
param location string = resourceGroup().location

@description('Resource group of the FRIDAY web tier (create it first). The app gets rights there only.')
param targetResourceGroupName string

@description('Source prefix allowed to reach instances over RDP; empty means no RDP rule.')
param rdpSourcePrefix string = ''

@description('Admin user name on the scale set instances.')
param adminUsername string = 'fridayadmin'

// azd generates these once per environment and keeps them in the environment's config (the
// `generate` metadata: pkg/infra/provisioning/bicep/bicep_provider.go) — never a new value per
// provision, never in an .env file. Without azd, pass them explicitly (README "Deploy to Azure").
@secure()
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
@description('Token the Azure Monitor autoscale webhook must present (letters and digits: it travels in a query string); stored in Key Vault.')
param autoscaleWebhookToken string

@secure()
@description('During a rotation: the token being replaced, still accepted until every autoscale setting carries the new one. Empty otherwise.')
param autoscaleWebhookTokenPrevious string = ''

@description('Name of the Event Grid function the system topic delivers to.')
param eventGridFunctionName string = 'scaleSetEvents'

@description('Create the Event Grid subscription (the function must already be deployed: azure.yaml\'s postdeploy hook provisions again with it on).')
param createEventSubscription bool = false

@description('Address space of the app\'s own VNet (Flex Consumption VNet integration); must not overlap a tier VNet.')
param appVnetAddressPrefix string = '10.240.0.0/22'

@description('The app\'s integration subnet, delegated to Microsoft.App/environments, inside appVnetAddressPrefix.')
param integrationSubnetPrefix string = '10.240.0.0/24'

@description('Web tier VNets in the target resource group to make (or adopt) and peer with the app VNet, before or after the tier is deployed: "name=addressPrefix" entries, comma-separated, each equal to a tier spec\'s network.vnetName and network.addressSpace (e.g. "vnet-friday=10.0.0.0/16").')
param tierVirtualNetworks string = ''

@description('Region of the tier VNets listed in tierVirtualNetworks (the tier spec\'s location); empty: the app\'s region.')
param tierLocation string = ''

@description('Schedules document (JSON) for right-sizing, inline; empty to use the schedules blob instead.')
param schedulesJson string = ''

@description('Blob in the scripts container holding the schedules document (written by PUT /api/schedules); used when schedulesJson is empty.')
param schedulesBlobName string = 'schedules.json'

@description('Client id of the Entra ID app registration that signs fleet page viewers in (App Service authentication); empty: no sign-in, the page then needs a viewer key (README, "Fleet page").')
param fleetAuthClientId string = ''

@allowed(['azureStorage', 'durableTaskScheduler'])
@description('Durable backend: the app\'s storage account (queues, tables, blobs), or the Durable Task Scheduler — see docs/durable-backend.md for when to choose which.')
param durableBackend string = 'azureStorage'

@allowed(['Consumption', 'Dedicated'])
@description('Durable Task Scheduler SKU (durableBackend = durableTaskScheduler).')
param durableTaskSchedulerSku string = 'Consumption'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, application: 'friday-fleet' }
var scriptsContainerName = 'friday-scripts'
var reportsContainerName = 'friday-reports'
var deploymentContainerName = 'app-package'
var functionAppName = 'func-friday-${resourceToken}'
var appVnetName = 'vnet-friday-app-${resourceToken}'

module identity 'app/identity.bicep' = {
  name: 'identity'
  params: { name: 'id-friday-${resourceToken}', location: location, tags: tags }
}

// The identity scale set instances read the setup script with (nothing in the model expires).
module instanceIdentity 'app/identity.bicep' = {
  name: 'instance-identity'
  params: { name: 'id-friday-instances-${resourceToken}', location: location, tags: tags }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'stfriday${resourceToken}'
    location: location
    tags: tags
    scriptsContainerName: scriptsContainerName
    reportsContainerName: reportsContainerName
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: { logAnalyticsName: 'log-friday-${resourceToken}', applicationInsightsName: 'appi-friday-${resourceToken}', location: location, tags: tags }
}

module vault 'app/keyvault.bicep' = {
  name: 'vault'
  params: {
    name: 'kv-friday-${resourceToken}'
    location: location
    tags: tags
    autoscaleWebhookToken: autoscaleWebhookToken
    autoscaleWebhookTokenPrevious: autoscaleWebhookTokenPrevious
  }
}

module network 'app/network.bicep' = {
  name: 'network'
  params: { name: appVnetName, location: location, tags: tags, addressPrefix: appVnetAddressPrefix, integrationSubnetPrefix: integrationSubnetPrefix }
}

// "name=prefix" entries → [{ name, addressPrefix }].
var tierVnets = [for entry in filter(split(tierVirtualNetworks, ','), e => !empty(trim(e))): {
  name: trim(split(entry, '=')[0])
  addressPrefix: trim(last(split(entry, '=')))
}]

module tierNetwork 'app/tier-network.bicep' = {
  name: 'tier-network'
  scope: resourceGroup(targetResourceGroupName)
  params: { tierVirtualNetworks: tierVnets, location: empty(tierLocation) ? location : tierLocation, appVirtualNetworkId: network.outputs.id }
}

resource appVnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: appVnetName
}

// App side of each peering (the tier side is in tier-network.bicep); after both VNets exist.
resource appPeerings 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = [for (tier, i) in tierVnets: {
  parent: appVnet
  name: 'peer-${tier.name}'
  properties: {
    remoteVirtualNetwork: { id: tierNetwork.outputs.virtualNetworks[i].id }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: false
    allowGatewayTransit: false
    useRemoteGateways: false
  }
  dependsOn: [network]
}]

// Every setting the app reads (src/settings.ts SETTING_NAMES), plus the host's own.
var appSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  TASK_HUB_NAME: 'fridayfleet'
  AZURE_SUBSCRIPTION_ID: subscription().subscriptionId
  AZURE_CLIENT_ID: identity.outputs.clientId
  FRIDAY_ARM_ENDPOINT: environment().resourceManager
  FRIDAY_ARM_CA_CERT_FILE: ''
  FRIDAY_ARM_AUTH: 'azure'
  FRIDAY_ARM_MAX_INLINE_WAIT_SECONDS: '30'
  FRIDAY_ARM_REQUEST_TIMEOUT_SECONDS: '100'
  FRIDAY_ADDRESS_MAP_URL: ''
  FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: ''
  FRIDAY_SCRIPTS_ACCOUNT_URL: storage.outputs.blobEndpoint
  FRIDAY_SCRIPTS_CONTAINER: scriptsContainerName
  FRIDAY_REPORTS_CONTAINER: reportsContainerName
  FRIDAY_SCRIPT_ACCESS: 'managedIdentity'
  FRIDAY_INSTANCE_IDENTITY_ID: instanceIdentity.outputs.id
  FRIDAY_INSTANCE_IDENTITY_CLIENT_ID: instanceIdentity.outputs.clientId
  FRIDAY_SCRIPT_SAS_MINUTES: '60'
  FRIDAY_ADMIN_USERNAME: adminUsername
  FRIDAY_RDP_SOURCE_PREFIX: rdpSourcePrefix
  FRIDAY_PROBE_CONCURRENCY: '50'
  FRIDAY_PROBE_TIMEOUT_MS: '5000'
  FRIDAY_SCHEDULES: schedulesJson
  FRIDAY_SCHEDULES_BLOB: empty(schedulesJson) ? schedulesBlobName : ''
  FRIDAY_EVENTGRID_ALLOWED_TOPICS: '/subscriptions/${subscription().subscriptionId}/resourceGroups/${targetResourceGroupName}'
  FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: '@Microsoft.KeyVault(SecretUri=${vault.outputs.autoscaleWebhookTokenSecretUri})'
  FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS: empty(autoscaleWebhookTokenPrevious) ? '' : '@Microsoft.KeyVault(SecretUri=${vault.outputs.autoscaleWebhookTokenPreviousSecretUri})'
  FRIDAY_KEY_VAULT_URI: vault.outputs.uri
  FRIDAY_REPAIR_MAX_PER_HOUR: '5'
  FRIDAY_REPAIR_MIN_HEALTHY: ''
  FRIDAY_REPAIR_CONFIRMATIONS: '3'
  FRIDAY_REPAIR_CONFIRM_SECONDS: '60'
  FRIDAY_DRAIN_IN_FLIGHT_SECONDS: '30'
  FRIDAY_READINESS_DEADLINE_SECONDS: '1800'
  FRIDAY_PUBLIC_BASE_URL: 'https://${functionAppName}.azurewebsites.net'
  FRIDAY_DEFAULT_RESOURCE_GROUP: targetResourceGroupName
  FRIDAY_FLEET_AUTH: empty(fleetAuthClientId) ? 'key' : 'appService'
  FRIDAY_FLEET_VIEWER_KEY: ''
  FRIDAY_FLEET_VIEWER_ROLE: 'Fleet.Viewer'
}

module durableScheduler 'app/durable-task-scheduler.bicep' = if (durableBackend == 'durableTaskScheduler') {
  name: 'durable-task-scheduler'
  params: {
    name: 'dts-friday-${resourceToken}'
    location: location
    tags: tags
    skuName: durableTaskSchedulerSku
    taskHubName: 'fridayfleet'
    principalId: identity.outputs.principalId
  }
}

// With the Durable Task Scheduler, host.json's durable storage provider and extension bundle are
// overridden through app settings (AzureFunctionsJobHost__… overrides the host.json value of the
// same path), so host.json and the local runner stay as they are. The connection is identity-based:
// Endpoint + Authentication=ManagedIdentity + the app identity's ClientID, no secret. The bundle:
// non-.NET apps get the azureManaged provider from the main extension bundle 4.32.0 on
// ("Quickstart: Configure a Durable Functions app to use Durable Task Scheduler",
// learn.microsoft.com/azure/durable-task/scheduler/quickstart-durable-task-scheduler, 2026-05-26:
// Microsoft.Azure.Functions.ExtensionBundle [4.32.0, 5.0.0); earlier 4.x bundles fail at start-up
// with "Storage provider type (azureManaged) was not found"). The preview bundle
// (microsoft/vscode-azurefunctions#4394, [4.29.0, 5.0.0)) was only needed while it was in preview.
var durableSchedulerSettings = durableBackend == 'durableTaskScheduler' ? {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableScheduler!.outputs.endpoint};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
  AzureFunctionsJobHost__extensionBundle__id: 'Microsoft.Azure.Functions.ExtensionBundle'
  AzureFunctionsJobHost__extensionBundle__version: '[4.32.0, 5.0.0)'
} : {}

module functionApp 'app/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: functionAppName
    planName: 'plan-friday-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    appSettings: union(appSettings, durableSchedulerSettings)
    integrationSubnetId: network.outputs.integrationSubnetId
  }
}

// Entra ID sign-in in front of the fleet page (only with an app registration to sign in with).
module fleetAuth 'app/fleet-auth.bicep' = if (!empty(fleetAuthClientId)) {
  name: 'fleet-auth'
  params: { siteName: functionApp.outputs.name, clientId: fleetAuthClientId }
}

module appAccess 'app/app-access.bicep' = {
  name: 'app-access'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module instanceAccess 'app/instance-access.bicep' = {
  name: 'instance-access'
  params: {
    instancePrincipalId: instanceIdentity.outputs.principalId
    instanceIdentityName: 'id-friday-instances-${resourceToken}'
    appPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    scriptsContainerName: scriptsContainerName
  }
}

module targetAccess 'app/access.bicep' = {
  name: 'target-access'
  scope: resourceGroup(targetResourceGroupName)
  params: {
    principalId: identity.outputs.principalId
    roleDefinitionJson: loadJsonContent('role/friday-fleet-operator.json')
  }
}

module events 'app/eventgrid.bicep' = {
  name: 'events'
  scope: resourceGroup(targetResourceGroupName)
  params: {
    functionAppId: functionApp.outputs.id
    functionName: eventGridFunctionName
    createEventSubscription: createEventSubscription
  }
}

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_CLIENT_ID string = identity.outputs.clientId
output TARGET_RESOURCE_GROUP string = targetResourceGroupName
output EVENT_GRID_TOPIC string = events.outputs.topicName
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output APP_VIRTUAL_NETWORK_ID string = network.outputs.id
