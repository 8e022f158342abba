@description('A web tier VNet made (or adopted) before the tier is deployed, peered with the app VNet, so the first deployment\'s probes reach its instances. Deployed in the tier\'s resource group.')
targetScope = 'resourceGroup'

@description('Tier VNets: [{ name, addressPrefix }] — the same name and address space as the tier spec\'s network.vnetName and network.addressSpace.')
param tierVirtualNetworks array
param location string
param appVirtualNetworkId string

// The VNet with its address space only. No `subnets` property: at api-version 2023-11-01 and later
// a VNet PUT without it keeps the subnets the tier deployment made (and the app's tier deployments
// keep subnets and peerings they do not own: src/domain/deployment/foreignSubnets.ts; a VNet PUT
// without virtualNetworkPeerings keeps them — Azure/arm-template-whatif#281).
resource vnets 'Microsoft.Network/virtualNetworks@2024-05-01' = [for tier in tierVirtualNetworks: {
  name: tier.name
  location: location
  // No tags: the tier deployment's VNet PUT carries none, and a PUT replaces tags (they would flip back and forth).
  properties: {
    addressSpace: { addressPrefixes: [tier.addressPrefix] }
  }
}]

resource peerings 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = [for (tier, i) in tierVirtualNetworks: {
  parent: vnets[i]
  name: 'peer-friday-app'
  properties: {
    remoteVirtualNetwork: { id: appVirtualNetworkId }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: false
    allowGatewayTransit: false
    useRemoteGateways: false
  }
}]

output virtualNetworks array = [for (tier, i) in tierVirtualNetworks: { name: vnets[i].name, id: vnets[i].id }]
