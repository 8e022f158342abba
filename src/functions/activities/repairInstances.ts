import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface RepairInput {
  resourceGroup: string;
  scaleSetName: string;
  action: 'reimage' | 'replace';
  instanceIds: string[];
}

/**
 * Reimage keeps the instance (id, IP, data disk) and reruns its setup. Replace deletes it — which
 * lowers the capacity — and restores the capacity so the scale set creates a fresh instance.
 */
export async function repairInstances(input: RepairInput): Promise<StepOutcome<{ newInstanceIds: string[] }>> {
  const compute = armClientsFor(loadSettings()).compute();
  return armStep('repair', async () => {
    if (input.action === 'reimage') {
      await compute.virtualMachineScaleSets.reimage(input.resourceGroup, input.scaleSetName, { vmScaleSetReimageInput: { instanceIds: input.instanceIds } });
      return { newInstanceIds: [] };
    }
    const ids = async (): Promise<Set<string>> => {
      const out = new Set<string>();
      for await (const vm of compute.virtualMachineScaleSetVMs.list(input.resourceGroup, input.scaleSetName)) if (vm.instanceId) out.add(vm.instanceId);
      return out;
    };
    const capacity = (await compute.virtualMachineScaleSets.get(input.resourceGroup, input.scaleSetName)).sku?.capacity ?? 0;
    await compute.virtualMachineScaleSets.deleteInstances(input.resourceGroup, input.scaleSetName, { instanceIds: input.instanceIds });
    const before = await ids();
    await compute.virtualMachineScaleSets.update(input.resourceGroup, input.scaleSetName, { sku: { capacity } });
    const after = await ids();
    return { newInstanceIds: [...after].filter((id) => !before.has(id)) };
  });
}

registerActivity(ACTIVITY.repairInstances, { handler: repairInstances });
