import { armClientsFor } from '../../azure/armClients';
import type { OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { listStaleInstances, upgradeInstanceBatch } from '../../azure/scaleSetSizing';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface UpgradeInstancesInput {
  resourceGroup: string;
  scaleSetName: string;
  /** Instances per manualupgrade call. */
  batchSize: number;
}

export interface UpgradeBatch {
  /** The batch this call started (empty: every instance is on the latest model). */
  upgraded: string[];
  /** Instances still on an older model after this batch. */
  remaining: number;
  operation?: OperationProgress;
}

/**
 * Manual upgrade policy, one batch per call: lists the instances not on the latest model and
 * starts a manual upgrade of the first `batchSize` of them, returning the operation's handle. The
 * orchestration polls it and calls again until none is left.
 */
export async function upgradeInstances(input: UpgradeInstancesInput): Promise<StepOutcome<UpgradeBatch>> {
  const clients = armClientsFor(loadSettings());
  return armStep('upgrade', async () => {
    const stale = await listStaleInstances(clients, input);
    const batch = stale.slice(0, input.batchSize);
    if (batch.length === 0) return { upgraded: [], remaining: 0 };
    const operation = await upgradeInstanceBatch(clients, { ...input, instanceIds: batch });
    return { upgraded: batch, remaining: stale.length - batch.length, operation };
  });
}

registerActivity(ACTIVITY.upgradeInstances, { handler: upgradeInstances });
