import { createAddressResolver } from '../../azure/addressResolver';
import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { collectScaleSetFacts, frontEndAddress, type ScaleSetFacts } from '../../azure/instanceFacts';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface CollectedFacts extends ScaleSetFacts {
  publicFrontEndUrl: string | null;
  /** The URL this process reaches the front end at (differs from the public one only in the local cloud). */
  frontEndUrl: string | null;
}

/** Everything ARM knows about the scale set's instances, from paged lists (see instanceFacts.ts). */
export async function collectInstanceFacts(input: {
  resourceGroup: string;
  scaleSetName: string;
  frontEndPublicIpId?: string;
  addresses?: Array<{ instanceId: string; privateIp: string }>;
}): Promise<StepOutcome<CollectedFacts>> {
  const settings = loadSettings();
  const clients = armClientsFor(settings);
  return armStep('verify', async () => {
    const facts = await collectScaleSetFacts(clients, input);
    const ip = await frontEndAddress(clients, { resourceGroup: input.resourceGroup, publicIpId: input.frontEndPublicIpId, backendPoolIds: facts.backendPoolIds });
    const frontEndUrl = ip ? `${(await createAddressResolver(settings.FRIDAY_ADDRESS_MAP_URL, [`${ip}:80`])).origin(ip)}/` : null;
    return { ...facts, publicFrontEndUrl: ip ? `http://${ip}/` : null, frontEndUrl };
  });
}

registerActivity(ACTIVITY.collectInstanceFacts, { handler: collectInstanceFacts });
