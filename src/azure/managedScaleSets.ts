/**
 * Is a scale set friday-fleet's? Read from its mark (domain/managedMark.ts) on the scale set
 * itself — one GET — never inferred from friday-fleet's own history.
 *
 * Events read it through a short cache: a storm of events for one scale set costs one GET, not one
 * per event (ARM reads are throttled per subscription, and the app's own runs need them). The cache
 * is only a filter in front of the run: every write an event leads to is preceded by a fresh read
 * (`readRepairTargets`), so a mark removed a moment ago still stops any write.
 */
import { isMarkedManaged } from '../domain/managedMark';
import type { ActiveInstance } from '../domain/repair/planRepairs';
import type { ArmClients } from './armClients';
import { describeArmError } from './armErrors';

export interface ScaleSetMark {
  exists: boolean;
  managed: boolean;
}

export async function readScaleSetMark(clients: ArmClients, ref: { resourceGroup: string; scaleSetName: string }): Promise<ScaleSetMark> {
  try {
    const vmss = await clients.compute().virtualMachineScaleSets.get(ref.resourceGroup, ref.scaleSetName);
    return { exists: true, managed: isMarkedManaged(vmss.tags) };
  } catch (error) {
    const failure = describeArmError(error);
    if (failure.statusCode === 404) return { exists: false, managed: false };
    throw error;
  }
}

const CACHE_MS = 5_000;
const CACHE_ENTRIES = 500;
const cache = new Map<string, { at: number; mark: ScaleSetMark }>();

/** readScaleSetMark through a 5 s cache (the event path only). */
export async function cachedScaleSetMark(clients: ArmClients, ref: { resourceGroup: string; scaleSetName: string }, nowMs: number): Promise<ScaleSetMark> {
  const key = `${ref.resourceGroup}/${ref.scaleSetName}`.toLowerCase();
  const hit = cache.get(key);
  if (hit && nowMs - hit.at < CACHE_MS) return hit.mark;
  const mark = await readScaleSetMark(clients, ref);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, { at: nowMs, mark });
  return mark;
}

export interface RepairTargets {
  managed: boolean;
  capacity: number;
  /** Instances listed right now, with their provisioning state (what a repair may target). */
  active: ActiveInstance[];
}

/** Right before a repair: the mark, the capacity and the instances listed as active (paged list, no instance views). */
export async function readRepairTargets(clients: ArmClients, ref: { resourceGroup: string; scaleSetName: string }): Promise<RepairTargets> {
  const compute = clients.compute();
  const vmss = await compute.virtualMachineScaleSets.get(ref.resourceGroup, ref.scaleSetName);
  const active: ActiveInstance[] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(ref.resourceGroup, ref.scaleSetName)) {
    if (vm.instanceId) active.push({ instanceId: vm.instanceId, provisioningState: vm.provisioningState ?? 'Unknown' });
  }
  return { managed: isMarkedManaged(vmss.tags), capacity: vmss.sku?.capacity ?? active.length, active };
}
