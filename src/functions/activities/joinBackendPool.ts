import { armClientsFor } from '../../azure/armClients';
import type { OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { returnToBackendPools } from '../../azure/backendPools';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** Starts putting one instance back into the backend pools of the scale set's model (after a drained reimage). */
export async function joinBackendPool(input: { resourceGroup: string; scaleSetName: string; instanceId: string }): Promise<StepOutcome<{ written: boolean; operation?: OperationProgress }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('rejoin', () => returnToBackendPools(clients, input));
}

registerActivity(ACTIVITY.joinBackendPool, { handler: joinBackendPool });
