import { activeInstanceIds } from '../../azure/activeInstances';
import { armClientsFor } from '../../azure/armClients';
import type { OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { listStaleInstances, setScaleSetVmSize, upgradeInstanceBatch } from '../../azure/scaleSetSizing';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

interface Target {
  resourceGroup: string;
  scaleSetName: string;
}

/** Starts PATCHing the model's VM size, and the upgrade mode when given (no write when both match); the orchestration polls the operation. */
export async function setVmSize(input: Target & { vmSize: string; upgradeMode?: 'Manual' | 'Automatic' | 'Rolling' }): Promise<StepOutcome<{ before: string; beforeMode: 'Manual' | 'Automatic' | 'Rolling'; written: boolean; operation?: OperationProgress }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('vmSize', () => setScaleSetVmSize(clients, input));
}

/** Instances not on the latest model (one filtered, paged list). */
export async function listStale(input: Target): Promise<StepOutcome<string[]>> {
  const clients = armClientsFor(loadSettings());
  return armStep('vmSize', () => listStaleInstances(clients, input));
}

/**
 * Starts bringing one batch to the latest model (manual upgrade: resize with a restart); the
 * orchestration polls the operation. Only the batch's instances still active right before the
 * upgrade are named (activeInstances.ts): one scaled in since the batch was planned is left out.
 */
export async function upgradeBatch(input: Target & { instanceIds: string[] }): Promise<StepOutcome<{ upgraded: string[]; operation: OperationProgress }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('vmSize', async () => {
    const active = await activeInstanceIds(clients, input);
    const upgraded = input.instanceIds.filter((id) => active.has(id));
    return { upgraded, operation: await upgradeInstanceBatch(clients, { ...input, instanceIds: upgraded }) };
  });
}

registerActivity(ACTIVITY.setVmSize, { handler: setVmSize });
registerActivity(ACTIVITY.listStaleInstances, { handler: listStale });
registerActivity(ACTIVITY.upgradeInstanceBatch, { handler: upgradeBatch });
