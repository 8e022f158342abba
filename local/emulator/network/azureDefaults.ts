/**
 * What the Network resource provider fills in on a write, so that answers carry the properties
 * Azure's own answers carry (the parity fixtures under test/parity compare them with the
 * azure-rest-api-specs examples named here). Only absent properties are filled: what a client sent
 * is kept as sent.
 */
type SubDoc = { name?: string; id?: string; type?: string; properties?: Record<string, unknown> };

const items = (value: unknown): SubDoc[] => (Array.isArray(value) ? (value as SubDoc[]) : []);
const idOf = (value: unknown): string | undefined => (value && typeof value === 'object' ? (value as { id?: string }).id : undefined);
const same = (a: string | undefined, b: string | undefined): boolean => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * The six rules every NSG has (examples/NetworkSecurityGroupCreateWithRule.json, Network 2026-01-01;
 * learn.microsoft.com network-security-groups-overview "Default security rules").
 */
const DEFAULT_SECURITY_RULES: Array<[string, string, string, string, 'Allow' | 'Deny', number, 'Inbound' | 'Outbound']> = [
  ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', 'Allow', 65000, 'Inbound'],
  ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 'AzureLoadBalancer', '*', 'Allow', 65001, 'Inbound'],
  ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
  ['AllowVnetOutBound', 'Allow outbound traffic from all VMs to all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', 'Allow', 65000, 'Outbound'],
  ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', '*', 'Internet', 'Allow', 65001, 'Outbound'],
  ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
];

/** Rules of the load balancer that name `id` in `property` (the back-references Azure lists on frontends, pools and probes). */
const rulesNaming = (rules: SubDoc[], property: string, id: string | undefined): Array<{ id: string }> =>
  rules.filter((r) => same(idOf(r.properties?.[property]), id)).map((r) => ({ id: r.id ?? '' }));

export function fillNetworkDefaults(type: string, doc: { id: string; properties: Record<string, unknown> }): void {
  const p = doc.properties;
  switch (type) {
    case 'virtualNetworks':
      // examples/VirtualNetworkCreateSubnet.json
      p.virtualNetworkPeerings ??= [];
      break;
    case 'networkSecurityGroups':
      p.defaultSecurityRules ??= DEFAULT_SECURITY_RULES.map(([name, description, source, destination, access, priority, direction]) => ({
        name,
        id: `${doc.id}/defaultSecurityRules/${name}`,
        properties: { provisioningState: 'Succeeded', description, protocol: '*', sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: source, destinationAddressPrefix: destination, access, priority, direction },
      }));
      break;
    case 'publicIPAddresses':
      // examples/PublicIpAddressCreateCustomizedValues.json
      p.ddosSettings ??= { protectionMode: 'VirtualNetworkInherited' };
      break;
    case 'loadBalancers': {
      // examples/LoadBalancerCreateStandardSku.json: every child carries its type; frontends, pools
      // and probes list the rules that use them; rules carry their SNAT and tracking flags.
      for (const collection of ['frontendIPConfigurations', 'backendAddressPools', 'probes', 'loadBalancingRules', 'inboundNatPools', 'inboundNatRules', 'outboundRules']) {
        for (const child of items(p[collection])) child.type ??= `Microsoft.Network/loadBalancers/${collection}`;
      }
      const rules = items(p.loadBalancingRules);
      const natRules = items(p.inboundNatRules);
      for (const rule of rules) {
        rule.properties ??= {};
        rule.properties.disableOutboundSnat ??= false;
        rule.properties.enableConnectionTracking ??= false;
      }
      for (const fe of items(p.frontendIPConfigurations)) {
        fe.properties ??= {};
        fe.properties.privateIPAllocationMethod ??= 'Dynamic';
        fe.properties.privateIPAddressVersion ??= 'IPv4';
        const usedBy = rulesNaming(rules, 'frontendIPConfiguration', fe.id);
        if (usedBy.length) fe.properties.loadBalancingRules = usedBy;
        const nat = rulesNaming(natRules, 'frontendIPConfiguration', fe.id);
        if (nat.length) fe.properties.inboundNatRules = nat;
      }
      for (const pool of items(p.backendAddressPools)) {
        const usedBy = rulesNaming(rules, 'backendAddressPool', pool.id);
        if (usedBy.length) (pool.properties ??= {}).loadBalancingRules = usedBy;
      }
      for (const probe of items(p.probes)) {
        const usedBy = rulesNaming(rules, 'probe', probe.id);
        if (usedBy.length) (probe.properties ??= {}).loadBalancingRules = usedBy;
      }
      break;
    }
    case 'applicationGateways':
      // examples/ApplicationGatewayGet.json
      for (const fe of items(p.frontendIPConfigurations)) (fe.properties ??= {}).privateIPAllocationMethod ??= 'Dynamic';
      p.probes ??= [];
      break;
    default:
  }
}

/**
 * The frontend a public IP is attached to, as Azure shows it on the address
 * (`properties.ipConfiguration`, examples/PublicIpAddressGet.json): found at read time among the
 * load balancers and Application Gateways of the subscription, so it follows their changes.
 */
export function publicIpAttachment(pipId: string, frontEndOwners: Array<{ properties: Record<string, unknown> }>): { id: string } | undefined {
  for (const owner of frontEndOwners) {
    for (const fe of items(owner.properties.frontendIPConfigurations)) {
      if (same(idOf(fe.properties?.publicIPAddress), pipId) && fe.id) return { id: fe.id };
    }
  }
  return undefined;
}
