import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface UpgradeInstancesInput {
  resourceGroup: string;
  scaleSetName: string;
  /** Instances per manualupgrade call. */
  batchSize: number;
}

/** Manual upgrade policy: brings every instance not on the latest model to it, a batch per call. */
export async function upgradeInstances(input: UpgradeInstancesInput): Promise<StepOutcome<{ upgraded: string[] }>> {
  const settings = loadSettings();
  const compute = armClientsFor(settings).compute();
  return armStep('upgrade', async () => {
    const stale: string[] = [];
    for await (const vm of compute.virtualMachineScaleSetVMs.list(input.resourceGroup, input.scaleSetName, { filter: 'properties/latestModelApplied eq false' })) {
      if (vm.instanceId) stale.push(vm.instanceId);
    }
    for (let i = 0; i < stale.length; i += input.batchSize) {
      await compute.virtualMachineScaleSets.updateInstances(input.resourceGroup, input.scaleSetName, { instanceIds: stale.slice(i, i + input.batchSize) });
    }
    return { upgraded: stale };
  });
}

registerActivity(ACTIVITY.upgradeInstances, { handler: upgradeInstances });
