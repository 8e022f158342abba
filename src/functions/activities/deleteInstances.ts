import { armClientsFor } from '../../azure/armClients';
import type { OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { deleteScaleSetInstances } from '../../azure/backendPools';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** Starts deleting instances already drained out of rotation; the scale set's capacity goes down by as many. */
export async function deleteInstances(input: { resourceGroup: string; scaleSetName: string; instanceIds: string[] }): Promise<StepOutcome<{ deleted: string[]; deleting: string[]; operation?: OperationProgress }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('delete', () => deleteScaleSetInstances(clients, input));
}

registerActivity(ACTIVITY.deleteInstances, { handler: deleteInstances });
