import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { readSurgeRoom as read, type SurgeRoom } from '../../azure/surgeRoom';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** The instances, upgrade policy, front-end probe, free addresses and in-flight time a surge resize or a drained removal plans with (reads only); with `toSize`, the vCPU quota a surge to it counts against. */
export async function readSurgeRoom(input: { resourceGroup: string; scaleSetName: string; toSize?: string }): Promise<StepOutcome<SurgeRoom>> {
  const settings = loadSettings();
  const clients = armClientsFor(settings);
  return armStep('availability', () => read(clients, { ...input, inFlightSeconds: settings.FRIDAY_DRAIN_IN_FLIGHT_SECONDS }));
}

registerActivity(ACTIVITY.readSurgeRoom, { handler: readSurgeRoom });
