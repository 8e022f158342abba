import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface CapacityChange {
  before: number;
  after: number;
  /** Instance ids that exist after the change and did not before (the ones to verify). */
  newInstanceIds: string[];
  written: boolean;
}

/** Sets `sku.capacity` (no write when it already matches) and reports the new instances. */
export async function setCapacity(input: { resourceGroup: string; scaleSetName: string; capacity: number }): Promise<StepOutcome<CapacityChange>> {
  const compute = armClientsFor(loadSettings()).compute();
  return armStep('capacity', async () => {
    const ids = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const vm of compute.virtualMachineScaleSetVMs.list(input.resourceGroup, input.scaleSetName)) if (vm.instanceId) out.push(vm.instanceId);
      return out;
    };
    const vmss = await compute.virtualMachineScaleSets.get(input.resourceGroup, input.scaleSetName);
    const before = vmss.sku?.capacity ?? 0;
    if (before === input.capacity) return { before, after: before, newInstanceIds: [], written: false };
    const existing = new Set(await ids());
    await compute.virtualMachineScaleSets.update(input.resourceGroup, input.scaleSetName, { sku: { capacity: input.capacity } });
    const after = await ids();
    return { before, after: input.capacity, newInstanceIds: after.filter((id) => !existing.has(id)), written: true };
  });
}

registerActivity(ACTIVITY.setCapacity, { handler: setCapacity });
