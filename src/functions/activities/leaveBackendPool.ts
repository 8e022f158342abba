import { armClientsFor } from '../../azure/armClients';
import type { OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { takeOutOfBackendPools } from '../../azure/backendPools';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** Starts taking one instance out of its front end's backend pools (no new connection reaches it; its own go on). */
export async function leaveBackendPool(input: { resourceGroup: string; scaleSetName: string; instanceId: string }): Promise<StepOutcome<{ written: boolean; operation?: OperationProgress }>> {
  const clients = armClientsFor(loadSettings());
  return armStep('drain', () => takeOutOfBackendPools(clients, input));
}

registerActivity(ACTIVITY.leaveBackendPool, { handler: leaveBackendPool });
