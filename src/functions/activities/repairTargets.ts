import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { readRepairTargets, type RepairTargets } from '../../azure/managedScaleSets';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/**
 * Read right before a repair: is the scale set still marked as friday-fleet's, its capacity, and
 * which instances are listed as active now (with provisioning states). Nothing else is a target.
 */
export async function repairTargets(input: { resourceGroup: string; scaleSetName: string }): Promise<StepOutcome<RepairTargets>> {
  const clients = armClientsFor(loadSettings());
  return armStep('repair', () => readRepairTargets(clients, input));
}

registerActivity(ACTIVITY.repairTargets, { handler: repairTargets });
