@description('The app\'s own network: a VNet whose subnet is delegated to Flex Consumption VNet integration, outbound through a NAT gateway, peered (main.bicep, tier-network.bicep) with each web tier VNet so probes reach instances on their private IPs.')
param name string
param location string
param tags object = {}
@description('Address space of the app VNet; must not overlap any tier VNet it is peered with.')
param addressPrefix string
@description('The integration subnet (inside addressPrefix). Flex Consumption takes one address per instance: a /24 covers maximumInstanceCount 40 with room.')
param integrationSubnetPrefix string

// NAT gateway: the integration subnet's outbound path (ARM, Storage, Key Vault, App Insights are
// public endpoints; new subnets get no default outbound access, so it is set off explicitly and
// the NAT gateway carries the traffic).
resource natIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${name}'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: { publicIPAllocationMethod: 'Static' }
}

resource nat 'Microsoft.Network/natGateways@2024-05-01' = {
  name: 'nat-${name}'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: { publicIpAddresses: [{ id: natIp.id }], idleTimeoutInMinutes: 4 }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'snet-functions'
        properties: {
          addressPrefix: integrationSubnetPrefix
          // Flex Consumption VNet integration: the subnet is delegated to Microsoft.App/environments
          // (not Microsoft.Web/serverFarms, which the older plans use).
          delegations: [{ name: 'flex-consumption', properties: { serviceName: 'Microsoft.App/environments' } }]
          natGateway: { id: nat.id }
          defaultOutboundAccess: false
        }
      }
    ]
  }
}

output id string = vnet.id
output name string = vnet.name
output integrationSubnetId string = vnet.properties.subnets[0].id
