/**
 * The ARM resources a spec asks for, in the order they must exist, as the SDK models the
 * adapters send. Pure: ids are derived from the subscription, group and names; secrets (admin
 * password, script SAS URL) are not here — the adapter adds them at write time.
 */
import { MANAGED_TAGS } from '../managedMark';
import type { DeploymentSpec } from './spec';

export type ResourceKind =
  | 'resourceGroup'
  | 'networkSecurityGroup'
  | 'publicIPAddress'
  | 'natGateway'
  | 'virtualNetwork'
  | 'loadBalancer'
  | 'applicationGateway'
  | 'virtualMachineScaleSet'
  | 'autoscaleSetting';

export interface DesiredResource {
  /** The deployment step this resource belongs to. */
  step: TierStep;
  kind: ResourceKind;
  name: string;
  id: string;
  body: Record<string, unknown>;
}

export type TierStep = 'resourceGroup' | 'network' | 'frontEnd' | 'scaleSet' | 'autoscale';

export interface TierContext {
  subscriptionId: string;
  adminUsername: string;
  /** From the spec or FRIDAY_RDP_SOURCE_PREFIX; undefined → no RDP rule at all. */
  rdpSourcePrefix?: string;
  /** `powershell … -File setup-friday-<hash>.ps1` (no secret: the SAS URL goes in protected settings). */
  setupCommand: string;
  /** User-assigned identity the instances read the setup script with (managedIdentity access). */
  instanceIdentityId?: string;
  /** The app's autoscale webhook, without its token (the adapter appends it). */
  autoscaleWebhookUrl?: string;
}

export const EXTENSION_NAME = 'friday-setup';

export function tierNames(spec: DeploymentSpec) {
  const s = spec.scaleSet.name;
  return {
    nsg: `nsg-${s}`,
    natPublicIp: `pip-nat-${s}`,
    natGateway: `nat-${s}`,
    lbPublicIp: `pip-lb-${s}`,
    loadBalancer: `lb-${s}`,
    agwPublicIp: `pip-agw-${s}`,
    applicationGateway: `agw-${s}`,
    agwSubnet: 'snet-appgw',
    autoscale: `autoscale-${s}`,
  };
}

export function networkId(ctx: TierContext, spec: DeploymentSpec, type: string, name: string): string {
  return `/subscriptions/${ctx.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Network/${type}/${name}`;
}

export function scaleSetId(ctx: TierContext, spec: DeploymentSpec): string {
  return `/subscriptions/${ctx.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${spec.scaleSet.name}`;
}

/** Where the web tier is reached from: the LB's public IP, else the App Gateway's. */
export function frontEndPublicIpId(ctx: TierContext, spec: DeploymentSpec): string {
  const n = tierNames(spec);
  return networkId(ctx, spec, 'publicIPAddresses', spec.frontEnd.loadBalancer ? n.lbPublicIp : n.agwPublicIp);
}

function securityRules(ctx: TierContext): Array<Record<string, unknown>> {
  const allow = (name: string, priority: number, port: string, source: string) => ({
    name,
    priority,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefix: source,
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: port,
  });
  const rules = [allow('allow-http', 100, '80', 'Internet'), allow('allow-https', 110, '443', 'Internet')];
  if (ctx.rdpSourcePrefix) rules.push(allow('allow-rdp', 120, '3389', ctx.rdpSourcePrefix));
  return rules;
}

export function desiredTier(spec: DeploymentSpec, ctx: TierContext): DesiredResource[] {
  const n = tierNames(spec);
  const loc = spec.location;
  const id = (type: string, name: string): string => networkId(ctx, spec, type, name);
  const out: DesiredResource[] = [];
  const add = (step: TierStep, kind: ResourceKind, name: string, resourceId: string, body: Record<string, unknown>): void => {
    out.push({ step, kind, name, id: resourceId, body });
  };
  if (spec.createResourceGroup) {
    add('resourceGroup', 'resourceGroup', spec.resourceGroup, `/subscriptions/${ctx.subscriptionId}/resourceGroups/${spec.resourceGroup}`, {
      location: loc,
      tags: { 'managed-by': 'friday-fleet' },
    });
  }
  add('network', 'networkSecurityGroup', n.nsg, id('networkSecurityGroups', n.nsg), { location: loc, securityRules: securityRules(ctx) });
  if (spec.network.natGateway) {
    add('network', 'publicIPAddress', n.natPublicIp, id('publicIPAddresses', n.natPublicIp), { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' });
    add('network', 'natGateway', n.natGateway, id('natGateways', n.natGateway), {
      location: loc,
      sku: { name: 'Standard' },
      publicIpAddresses: [{ id: id('publicIPAddresses', n.natPublicIp) }],
    });
  }
  const subnets: Array<Record<string, unknown>> = [
    {
      name: spec.network.subnetName,
      addressPrefix: spec.network.subnetPrefix,
      networkSecurityGroup: { id: id('networkSecurityGroups', n.nsg) },
      ...(spec.network.natGateway ? { natGateway: { id: id('natGateways', n.natGateway) } } : {}),
    },
  ];
  if (spec.frontEnd.applicationGateway) subnets.push({ name: n.agwSubnet, addressPrefix: spec.frontEnd.applicationGateway.subnetPrefix });
  add('network', 'virtualNetwork', spec.network.vnetName, id('virtualNetworks', spec.network.vnetName), {
    location: loc,
    addressSpace: { addressPrefixes: [spec.network.addressSpace] },
    subnets,
  });
  const lbId = id('loadBalancers', n.loadBalancer);
  if (spec.frontEnd.loadBalancer) {
    add('frontEnd', 'publicIPAddress', n.lbPublicIp, id('publicIPAddresses', n.lbPublicIp), { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static', zones: spec.scaleSet.zones });
    add('frontEnd', 'loadBalancer', n.loadBalancer, lbId, {
      location: loc,
      sku: { name: 'Standard' },
      frontendIPConfigurations: [{ name: 'frontend', publicIPAddress: { id: id('publicIPAddresses', n.lbPublicIp) } }],
      backendAddressPools: [{ name: 'web' }],
      probes: [{ name: 'http', protocol: 'Http', port: 80, requestPath: '/', intervalInSeconds: 5, numberOfProbes: 2 }],
      loadBalancingRules: [
        {
          name: 'http',
          protocol: 'Tcp',
          frontendPort: 80,
          backendPort: 80,
          frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/frontend` },
          backendAddressPool: { id: `${lbId}/backendAddressPools/web` },
          probe: { id: `${lbId}/probes/http` },
          disableOutboundSnat: true,
        },
      ],
      inboundNatPools: [
        { name: 'rdp', protocol: 'Tcp', frontendPortRangeStart: 50000, frontendPortRangeEnd: 50119, backendPort: 3389, frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/frontend` } },
      ],
    });
  }
  const agwId = id('applicationGateways', n.applicationGateway);
  if (spec.frontEnd.applicationGateway) {
    add('frontEnd', 'publicIPAddress', n.agwPublicIp, id('publicIPAddresses', n.agwPublicIp), { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' });
    add('frontEnd', 'applicationGateway', n.applicationGateway, agwId, {
      location: loc,
      sku: { name: 'WAF_v2', tier: 'WAF_v2', capacity: spec.frontEnd.applicationGateway.capacity },
      gatewayIPConfigurations: [{ name: 'gateway', subnet: { id: `${id('virtualNetworks', spec.network.vnetName)}/subnets/${n.agwSubnet}` } }],
      frontendIPConfigurations: [{ name: 'frontend', publicIPAddress: { id: id('publicIPAddresses', n.agwPublicIp) } }],
      frontendPorts: [{ name: 'http', port: 80 }],
      backendAddressPools: [{ name: 'web' }],
      probes: [{ name: 'friday', protocol: 'Http', path: '/', host: '127.0.0.1', interval: 10, timeout: 5, unhealthyThreshold: 3 }],
      backendHttpSettingsCollection: [{ name: 'http', port: 80, protocol: 'Http', requestTimeout: 20, probe: { id: `${agwId}/probes/friday` } }],
      httpListeners: [{ name: 'http', protocol: 'Http', frontendIPConfiguration: { id: `${agwId}/frontendIPConfigurations/frontend` }, frontendPort: { id: `${agwId}/frontendPorts/http` } }],
      requestRoutingRules: [
        {
          name: 'web',
          ruleType: 'Basic',
          priority: 100,
          httpListener: { id: `${agwId}/httpListeners/http` },
          backendAddressPool: { id: `${agwId}/backendAddressPools/web` },
          backendHttpSettings: { id: `${agwId}/backendHttpSettingsCollection/http` },
        },
      ],
      webApplicationFirewallConfiguration: { enabled: true, firewallMode: 'Prevention', ruleSetType: 'OWASP', ruleSetVersion: '3.2' },
    });
  }
  const ss = spec.scaleSet;
  const policy = ss.upgradePolicy;
  add('scaleSet', 'virtualMachineScaleSet', ss.name, scaleSetId(ctx, spec), {
    location: loc,
    // The mark events and repairs check (deploying over an existing scale set adopts it).
    tags: { ...MANAGED_TAGS },
    sku: { name: ss.vmSize, tier: 'Standard', capacity: ss.capacity },
    ...(ss.zones?.length ? { zones: ss.zones } : {}),
    ...(ss.faultDomainCount !== undefined ? { platformFaultDomainCount: ss.faultDomainCount } : {}),
    ...(ctx.instanceIdentityId ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [ctx.instanceIdentityId]: {} } } } : {}),
    overprovision: ss.overprovision,
    scaleInPolicy: { rules: [ss.scaleInPolicy] },
    upgradePolicy: {
      mode: policy.mode,
      ...(policy.mode === 'Rolling'
        ? {
            rollingUpgradePolicy: {
              maxBatchInstancePercent: policy.maxBatchInstancePercent,
              maxUnhealthyInstancePercent: policy.maxUnhealthyInstancePercent,
              maxUnhealthyUpgradedInstancePercent: policy.maxUnhealthyUpgradedInstancePercent,
              pauseTimeBetweenBatches: policy.pauseTimeBetweenBatches,
            },
          }
        : {}),
    },
    virtualMachineProfile: {
      osProfile: {
        computerNamePrefix: ss.computerNamePrefix,
        adminUsername: ctx.adminUsername,
        windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: true },
      },
      storageProfile: {
        imageReference: ss.image,
        osDisk: { createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Premium_LRS' } },
        dataDisks: [{ lun: 0, createOption: 'Empty', diskSizeGB: ss.dataDiskSizeGB, managedDisk: { storageAccountType: 'Premium_LRS' } }],
      },
      networkProfile: {
        ...(policy.mode === 'Rolling' ? { healthProbe: { id: `${lbId}/probes/http` } } : {}),
        networkInterfaceConfigurations: [
          {
            name: 'nic',
            primary: true,
            ipConfigurations: [
              {
                name: 'ipconfig',
                subnet: { id: `${id('virtualNetworks', spec.network.vnetName)}/subnets/${spec.network.subnetName}` },
                ...(spec.frontEnd.loadBalancer
                  ? { loadBalancerBackendAddressPools: [{ id: `${lbId}/backendAddressPools/web` }], loadBalancerInboundNatPools: [{ id: `${lbId}/inboundNatPools/rdp` }] }
                  : {}),
                ...(spec.frontEnd.applicationGateway ? { applicationGatewayBackendAddressPools: [{ id: `${agwId}/backendAddressPools/web` }] } : {}),
              },
            ],
          },
        ],
      },
      extensionProfile: {
        extensions: [
          {
            name: EXTENSION_NAME,
            publisher: 'Microsoft.Compute',
            typePropertiesType: 'CustomScriptExtension',
            typeHandlerVersion: '1.10',
            autoUpgradeMinorVersion: true,
            settings: { commandToExecute: ctx.setupCommand },
          },
        ],
      },
    },
  });
  if (spec.autoscale) {
    const a = spec.autoscale;
    const metric = (operator: 'GreaterThan' | 'LessThan', threshold: number, direction: 'Increase' | 'Decrease') => ({
      metricTrigger: {
        metricName: 'Percentage CPU',
        metricResourceUri: scaleSetId(ctx, spec),
        timeGrain: 'PT1M',
        statistic: 'Average',
        timeWindow: 'PT5M',
        timeAggregation: 'Average',
        operator,
        threshold,
      },
      scaleAction: { direction, type: 'ChangeCount', value: '1', cooldown: 'PT5M' },
    });
    add('autoscale', 'autoscaleSetting', n.autoscale, `/subscriptions/${ctx.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Insights/autoscalesettings/${n.autoscale}`, {
      location: loc,
      enabled: true,
      targetResourceUri: scaleSetId(ctx, spec),
      profiles: [
        {
          name: 'cpu',
          capacity: { minimum: String(a.minimum), maximum: String(a.maximum), default: String(a.default) },
          rules: [metric('GreaterThan', a.scaleOutCpuPercent, 'Increase'), metric('LessThan', a.scaleInCpuPercent, 'Decrease')],
        },
      ],
      ...(a.notifyWebhook && ctx.autoscaleWebhookUrl ? { notifications: [{ operation: 'Scale', email: {}, webhooks: [{ serviceUri: ctx.autoscaleWebhookUrl }] }] } : {}),
    });
  }
  return out;
}
