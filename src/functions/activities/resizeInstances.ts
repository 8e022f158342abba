import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { listStaleInstances, setScaleSetVmSize, upgradeInstanceBatch } from '../../azure/scaleSetSizing';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

interface Target {
  resourceGroup: string;
  scaleSetName: string;
}

/** PATCHes the model's VM size (no write when it already matches). */
export async function setVmSize(input: Target & { vmSize: string }): Promise<StepOutcome<{ before: string; written: boolean }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('vmSize', () => setScaleSetVmSize(clients, input));
}

/** Instances not on the latest model (one filtered, paged list). */
export async function listStale(input: Target): Promise<StepOutcome<string[]>> {
  const clients = armClientsFor(loadSettings());
  return armStep('vmSize', () => listStaleInstances(clients, input));
}

/** Brings one batch to the latest model (manual upgrade: resize with a restart). */
export async function upgradeBatch(input: Target & { instanceIds: string[] }): Promise<StepOutcome<{ upgraded: string[] }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('vmSize', async () => {
    await upgradeInstanceBatch(clients, input);
    return { upgraded: input.instanceIds };
  });
}

registerActivity(ACTIVITY.setVmSize, { handler: setVmSize });
registerActivity(ACTIVITY.listStaleInstances, { handler: listStale });
registerActivity(ACTIVITY.upgradeInstanceBatch, { handler: upgradeBatch });
