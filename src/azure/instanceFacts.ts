/**
 * Facts about every instance of a scale set from paged list calls only: one scale set GET, the VM
 * list with instance views, and the scale set's NIC list — never one ARM call per instance (the
 * classic way to hit Compute's HighCostGet throttling).
 */
import { probeWithDefaults, type FrontEndProbe } from '../domain/availability/frontEndProbe';
import { parseDataVolumeReport } from '../domain/verification/dataVolume';
import type { InstanceFacts } from '../domain/verification/verdicts';
import type { ArmClients } from './armClients';
import { armScaleSetReader, type ScaleSetReader } from './scaleSetReads';

export interface ScaleSetFacts {
  name: string;
  resourceGroup: string;
  vmSize: string;
  capacity: number;
  upgradePolicy: string;
  zones: string[];
  backendPoolIds: string[];
  instances: InstanceFacts[];
}

export interface InstanceAddress {
  instanceId: string;
  privateIp: string;
}

/**
 * Private IP per instance id, page by page from the scale set's NIC list, each instance once: its
 * primary NIC's address as soon as it is listed; an instance whose only NICs are secondary gets the
 * first of those at the end.
 */
export async function* listInstanceAddressPages(clients: ArmClients, options: { resourceGroup: string; scaleSetName: string }): AsyncGenerator<InstanceAddress[]> {
  const given = new Set<string>();
  const secondary = new Map<string, string>();
  for await (const page of clients.network().networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(options.resourceGroup, options.scaleSetName).byPage()) {
    const fresh: InstanceAddress[] = [];
    for (const nic of page) {
      const instanceId = /\/virtualMachines\/([^/]+)$/i.exec(nic.virtualMachine?.id ?? '')?.[1];
      const ip = nic.ipConfigurations?.find((c) => c.primary !== false)?.privateIPAddress ?? nic.ipConfigurations?.[0]?.privateIPAddress;
      if (!instanceId || !ip || given.has(instanceId)) continue;
      if (nic.primary === false) {
        if (!secondary.has(instanceId)) secondary.set(instanceId, ip);
        continue;
      }
      given.add(instanceId);
      fresh.push({ instanceId, privateIp: ip });
    }
    if (fresh.length) yield fresh;
  }
  const rest = [...secondary].filter(([id]) => !given.has(id)).map(([instanceId, privateIp]) => ({ instanceId, privateIp }));
  if (rest.length) yield rest;
}

/** Private IP per instance id, from the scale set's paged NIC list. */
export async function listInstanceAddresses(clients: ArmClients, options: { resourceGroup: string; scaleSetName: string }): Promise<InstanceAddress[]> {
  const all: InstanceAddress[] = [];
  for await (const page of listInstanceAddressPages(clients, options)) all.push(...page);
  return all;
}

/**
 * Facts for every instance. Pass `addresses` when they were already listed (the verification lists
 * them first so probes can start while the VM list is read); otherwise the NIC list is read here.
 * `readScaleSet`: how the scale set's model is read (default: a GET).
 */
export async function collectScaleSetFacts(
  clients: ArmClients,
  options: { resourceGroup: string; scaleSetName: string; addresses?: Array<{ instanceId: string; privateIp: string }>; readScaleSet?: ScaleSetReader },
): Promise<ScaleSetFacts> {
  const { resourceGroup: rg, scaleSetName: name } = options;
  const vmss = await (options.readScaleSet ?? armScaleSetReader(clients))({ resourceGroup: rg, scaleSetName: name });
  const addresses = options.addresses ?? (await listInstanceAddresses(clients, options));
  const ipById = new Map(addresses.map((a) => [a.instanceId, a.privateIp]));
  const instances: InstanceFacts[] = [];
  for await (const vm of clients.compute().virtualMachineScaleSetVMs.list(rg, name, { expand: 'instanceView' })) {
    const view = vm.instanceView;
    const codes = view?.statuses?.map((s) => s.code ?? '') ?? [];
    instances.push({
      instanceId: vm.instanceId ?? '',
      computerName: vm.osProfile?.computerName ?? view?.computerName ?? '',
      zone: vm.zones?.[0] ?? null,
      privateIp: ipById.get(vm.instanceId ?? '') ?? null,
      vmSize: vm.hardwareProfile?.vmSize ?? vm.sku?.name ?? '',
      latestModelApplied: vm.latestModelApplied ?? false,
      provisioningState: vm.provisioningState ?? 'Unknown',
      powerState: codes.find((c) => c.startsWith('PowerState/')) ?? null,
      // Only a failure's message is ever reported; a success's output would be ~200 bytes per
      // instance carried through the orchestration history for nothing.
      extensions: (view?.extensions ?? []).map((e) => {
        const code = e.statuses?.[0]?.code ?? 'unknown';
        const message = /^ProvisioningState\/succeeded/i.test(code) ? undefined : e.statuses?.[0]?.message;
        return { name: e.name ?? '', code, ...(message ? { message } : {}) };
      }),
      dataDiskLuns: (vm.storageProfile?.dataDisks ?? []).map((d) => d.lun),
      dataDiskSizeGB: vm.storageProfile?.dataDisks?.find((d) => d.lun === 0)?.diskSizeGB ?? null,
      // The setup command's volume report, from the extension's StdOut substatus (already in this page).
      dataVolume:
        (view?.extensions ?? [])
          .flatMap((e) => e.substatuses ?? [])
          .filter((s) => /\/StdOut\//i.test(s.code ?? ''))
          .map((s) => parseDataVolumeReport(s.message))
          .find((r) => r !== null) ?? null,
    });
  }
  const ipConfig = vmss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0];
  return {
    name,
    resourceGroup: rg,
    vmSize: vmss.sku?.name ?? '',
    capacity: vmss.sku?.capacity ?? instances.length,
    upgradePolicy: vmss.upgradePolicy?.mode ?? 'Manual',
    zones: vmss.zones ?? [],
    backendPoolIds: [...(ipConfig?.loadBalancerBackendAddressPools ?? []), ...(ipConfig?.applicationGatewayBackendAddressPools ?? [])].map((p) => p.id ?? '').filter(Boolean),
    instances: instances.sort((a, b) => Number(a.instanceId) - Number(b.instanceId)),
  };
}

/** The public front end of a scale set: the first backend pool's load balancer / gateway public IP. */
export async function frontEndAddress(clients: ArmClients, options: { resourceGroup: string; publicIpId?: string | undefined; backendPoolIds: string[] }): Promise<string | null> {
  return (await frontEndOf(clients, options)).ip;
}

type NetworkClient = ReturnType<ArmClients['network']>;
type LoadBalancer = Awaited<ReturnType<NetworkClient['loadBalancers']['get']>>;
type ApplicationGateway = Awaited<ReturnType<NetworkClient['applicationGateways']['get']>>;

const sameId = (a: string | undefined, b: string | undefined): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase() && a !== undefined;

/** The health probe of the LB rule that serves `pool` (the first rule naming it). */
export function loadBalancerProbe(lb: LoadBalancer, pool: string): FrontEndProbe {
  const rule = (lb.loadBalancingRules ?? []).find((r) => sameId(r.backendAddressPool?.id, pool) || (r.backendAddressPools ?? []).some((p) => sameId(p.id, pool)));
  const probe = (lb.probes ?? []).find((p) => sameId(p.id, rule?.probe?.id));
  return probeWithDefaults('loadBalancer', { intervalSeconds: probe?.intervalInSeconds, threshold: probe?.probeThreshold ?? probe?.numberOfProbes });
}

/** The probe and connection draining of the App Gateway routing rule that serves `pool`. */
export function applicationGatewayProbe(agw: ApplicationGateway, pool: string): FrontEndProbe {
  const rule = (agw.requestRoutingRules ?? []).find((r) => sameId(r.backendAddressPool?.id, pool));
  const settings = (agw.backendHttpSettingsCollection ?? []).find((s) => sameId(s.id, rule?.backendHttpSettings?.id));
  const probe = (agw.probes ?? []).find((p) => sameId(p.id, settings?.probe?.id));
  const draining = settings?.connectionDraining;
  return probeWithDefaults('applicationGateway', { intervalSeconds: probe?.interval, threshold: probe?.unhealthyThreshold, drainSeconds: draining?.enabled ? draining.drainTimeoutInSec : 0 });
}

/**
 * The public front end of a scale set — the first backend pool's load balancer / gateway public IP
 * — and the health probe that decides which instances it sends traffic to (null when the public IP
 * was given, or no pool names a front end). The LB or gateway is read once for both.
 */
export async function frontEndOf(clients: ArmClients, options: { resourceGroup: string; publicIpId?: string | undefined; backendPoolIds: string[] }): Promise<{ ip: string | null; probe: FrontEndProbe | null }> {
  let pipId = options.publicIpId;
  let probe: FrontEndProbe | null = null;
  const pool = options.backendPoolIds[0];
  const m = pool ? /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(loadBalancers|applicationGateways)\/([^/]+)\//i.exec(pool) : null;
  // A known public IP saves the LB read (verification counts its ARM calls); the probe is then unknown.
  if (!pipId && pool && m?.[1] && m[3]) {
    if (m[2]?.toLowerCase() === 'loadbalancers') {
      // One call: ARM embeds the front end's public IP (with its address) when asked to expand it.
      const lb = await clients.network().loadBalancers.get(m[1], m[3], { expand: 'frontendIPConfigurations/publicIPAddress' });
      probe = loadBalancerProbe(lb, pool);
      const embedded = lb.frontendIPConfigurations?.[0]?.publicIPAddress;
      if (embedded?.ipAddress) return { ip: embedded.ipAddress, probe };
      pipId = embedded?.id;
    } else {
      const agw = await clients.network().applicationGateways.get(m[1], m[3]);
      probe = applicationGatewayProbe(agw, pool);
      pipId = agw.frontendIPConfigurations?.[0]?.publicIPAddress?.id;
    }
  }
  const pm = pipId ? /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/publicIPAddresses\/([^/]+)$/i.exec(pipId) : null;
  if (!pm?.[1] || !pm[2]) return { ip: null, probe };
  const pip = await clients.network().publicIPAddresses.get(pm[1], pm[2]);
  return { ip: pip.ipAddress ?? null, probe };
}
