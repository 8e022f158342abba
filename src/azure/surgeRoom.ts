/**
 * What a surge resize needs to know before it adds anything: the instances (with zones), the
 * upgrade policy (and whether a Rolling one allows maxSurge), the front end's probe, and the room
 * to add instances — free private addresses in the scale set's subnet. One scale set GET, one VM
 * list, one VNet GET (its subnets) and one front-end read.
 *
 * Given the size a surge moves to (`toSize`), also the vCPU quota it counts against (Compute usages
 * and Resource SKUs: two more reads); when those reads fail, the plan says the quota was not checked.
 */
import type { FrontEndProbe } from '../domain/availability/frontEndProbe';
import type { ArmClients } from './armClients';
import { readQuotaFacts, type QuotaFacts } from './computeQuota';
import { describeArmError } from './armErrors';
import { frontEndOf } from './instanceFacts';

export interface SurgeRoom {
  vmSize: string;
  capacity: number;
  upgradeMode: 'Manual' | 'Automatic' | 'Rolling';
  rollingMaxSurge: boolean;
  instances: Array<{ instanceId: string; zone: string | null; vmSize: string }>;
  probe: FrontEndProbe | null;
  /** Addresses in the subnet not held by this scale set's instances (other users of the subnet not counted); null when unknown. */
  freeAddresses: number | null;
  /** Longest a user's request to the tier takes (FRIDAY_DRAIN_IN_FLIGHT_SECONDS): a drained instance is given this long after the front end stopped sending it new ones. */
  inFlightSeconds: number;
  /** The vCPUs per size and the quotas a surge to `toSize` counts against (only when asked); null when they could not be read (`quotaUnread` says why). */
  quota?: QuotaFacts | null;
  quotaUnread?: string;
}

/** Usable addresses of an IPv4 prefix: Azure keeps the first four and the last. */
export function usableAddresses(prefix: string): number | null {
  const bits = Number(/\/(\d+)$/.exec(prefix)?.[1]);
  if (!Number.isInteger(bits) || bits < 0 || bits > 29) return null;
  return 2 ** (32 - bits) - 5;
}

export async function readSurgeRoom(clients: ArmClients, options: { resourceGroup: string; scaleSetName: string; inFlightSeconds: number; toSize?: string }): Promise<SurgeRoom> {
  const compute = clients.compute();
  const vmss = await compute.virtualMachineScaleSets.get(options.resourceGroup, options.scaleSetName);
  const instances: SurgeRoom['instances'] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(options.resourceGroup, options.scaleSetName)) if (vm.instanceId) instances.push({ instanceId: vm.instanceId, zone: vm.zones?.[0] ?? null, vmSize: vm.hardwareProfile?.vmSize ?? vm.sku?.name ?? '' });
  const ipConfig = vmss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0];
  const pools = [...(ipConfig?.loadBalancerBackendAddressPools ?? []), ...(ipConfig?.applicationGatewayBackendAddressPools ?? [])].map((p) => p.id ?? '').filter(Boolean);
  const { probe } = await frontEndOf(clients, { resourceGroup: options.resourceGroup, backendPoolIds: pools });
  let freeAddresses: number | null = null;
  const subnet = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(ipConfig?.subnet?.id ?? '');
  if (subnet?.[1] && subnet[2] && subnet[3]) {
    // The VNet's read carries its subnets (the role needs no subnet read of its own).
    const vnet = await clients.network().virtualNetworks.get(subnet[1], subnet[2]);
    const found = (vnet.subnets ?? []).find((s) => (s.name ?? '').toLowerCase() === (subnet[3] ?? '').toLowerCase());
    const usable = usableAddresses(found?.addressPrefix ?? '');
    if (usable !== null) freeAddresses = Math.max(0, usable - instances.length);
  }
  let quota: QuotaFacts | null | undefined;
  let quotaUnread: string | undefined;
  if (options.toSize) {
    try {
      quota = await readQuotaFacts(clients, { location: vmss.location, fromSize: vmss.sku?.name ?? '', toSize: options.toSize });
    } catch (error) {
      // Throttling and server errors go to the step's retries; a refusal (no usages read in the role) leaves it unchecked, said so.
      const failure = describeArmError(error);
      if (failure.transient) throw error;
      quota = null;
      quotaUnread = `vCPU quota not read (${failure.statusCode ?? ''} ${failure.code}: ${failure.message}): not checked`;
    }
  }
  const mode = vmss.upgradePolicy?.mode;
  return {
    vmSize: vmss.sku?.name ?? '',
    capacity: vmss.sku?.capacity ?? instances.length,
    upgradeMode: mode === 'Automatic' || mode === 'Rolling' ? mode : 'Manual',
    rollingMaxSurge: vmss.upgradePolicy?.rollingUpgradePolicy?.maxSurge === true,
    instances: instances.sort((a, b) => Number(a.instanceId) - Number(b.instanceId)),
    probe,
    freeAddresses,
    inFlightSeconds: options.inFlightSeconds,
    ...(quota !== undefined ? { quota } : {}),
    ...(quotaUnread ? { quotaUnread } : {}),
  };
}
