import { createAddressResolver } from '../../azure/addressResolver';
import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { collectScaleSetFacts, frontEndOf, type ScaleSetFacts } from '../../azure/instanceFacts';
import type { FrontEndProbe } from '../../domain/availability/frontEndProbe';
import type { ScaleSetReader } from '../../azure/scaleSetReads';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface CollectedFacts extends ScaleSetFacts {
  publicFrontEndUrl: string | null;
  /** The URL this process reaches the front end at (differs from the public one only in the local cloud). */
  frontEndUrl: string | null;
  /** FRIDAY_READINESS_DEADLINE_SECONDS, handed to the verification through its history (orchestrations read no settings). */
  readinessDeadlineSeconds?: number;
  /** The front end's health probe, when the LB or gateway was read (not when the public IP was given). */
  frontEndProbe: FrontEndProbe | null;
}

export interface FactsInput {
  resourceGroup: string;
  scaleSetName: string;
  frontEndPublicIpId?: string;
  addresses?: Array<{ instanceId: string; privateIp: string }>;
}

/** Everything ARM knows about the scale set's instances, from paged lists (see instanceFacts.ts). */
export async function collectInstanceFacts(input: FactsInput): Promise<StepOutcome<CollectedFacts>> {
  return collectInstanceFactsWith(input, {});
}

/** The same, reading the scale set's model with `readScaleSet` when given (the fleet page shares its reads). */
export async function collectInstanceFactsWith(input: FactsInput, options: { readScaleSet?: ScaleSetReader }): Promise<StepOutcome<CollectedFacts>> {
  const settings = loadSettings();
  const clients = armClientsFor(settings);
  return armStep('verify', async () => {
    const facts = await collectScaleSetFacts(clients, { ...input, ...options });
    const { ip, probe } = await frontEndOf(clients, { resourceGroup: input.resourceGroup, publicIpId: input.frontEndPublicIpId, backendPoolIds: facts.backendPoolIds });
    const frontEndUrl = ip ? `${(await createAddressResolver(settings.FRIDAY_ADDRESS_MAP_URL, [`${ip}:80`])).origin(ip)}/` : null;
    return { ...facts, publicFrontEndUrl: ip ? `http://${ip}/` : null, frontEndUrl, readinessDeadlineSeconds: settings.FRIDAY_READINESS_DEADLINE_SECONDS, frontEndProbe: probe };
  });
}

registerActivity(ACTIVITY.collectInstanceFacts, { handler: collectInstanceFacts });
