import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { readSurgeRoom as read, type SurgeRoom } from '../../azure/surgeRoom';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** The instances, upgrade policy, front-end probe and free addresses a surge resize or a drained scale-in plans with (reads only). */
export async function readSurgeRoom(input: { resourceGroup: string; scaleSetName: string }): Promise<StepOutcome<SurgeRoom>> {
  const clients = armClientsFor(loadSettings());
  return armStep('availability', () => read(clients, input));
}

registerActivity(ACTIVITY.readSurgeRoom, { handler: readSurgeRoom });
