import { createAddressResolver } from '../../azure/addressResolver';
import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { listInstanceAddressPages, type InstanceAddress } from '../../azure/instanceFacts';
import { probeAsListed, processProbeGate, type ProbeTarget } from '../../azure/prober';
import type { ProbeResult } from '../../domain/verification/verdicts';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface ListedProbes {
  /** Every instance's private IP (all of them, also when only some were probed). */
  addresses: InstanceAddress[];
  probes: ProbeResult[];
}

/**
 * Lists the instances' addresses from the scale set's paged NIC list and probes each page of them
 * as soon as it is read, with at most FRIDAY_PROBE_CONCURRENCY probes in flight in this process
 * (shared with other verifications running here) and a hard timeout per request; a probe that got
 * no answer is asked once more before it counts. One activity, not a list then batches: the first probes overlap the slow ARM paging.
 * `instanceIds`: probe only these (e.g. the new instances after a scale-out).
 */
export async function probeListedInstances(input: { resourceGroup: string; scaleSetName: string; instanceIds?: string[] }): Promise<StepOutcome<ListedProbes>> {
  const settings = loadSettings();
  const clients = armClientsFor(settings);
  // Read the local address map (if any) while the first NIC page is on its way.
  const resolving = createAddressResolver(settings.FRIDAY_ADDRESS_MAP_URL);
  resolving.catch(() => undefined); // observed below; never an unhandled rejection meanwhile
  const wanted = input.instanceIds ? new Set(input.instanceIds) : undefined;
  return armStep('verify', async () => {
    const addresses: InstanceAddress[] = [];
    async function* targets(): AsyncGenerator<ProbeTarget[]> {
      for await (const page of listInstanceAddressPages(clients, input)) {
        const resolver = await resolving;
        addresses.push(...page);
        yield page.filter((a) => !wanted || wanted.has(a.instanceId)).map((a) => ({ instanceId: a.instanceId, url: `${resolver.origin(a.privateIp)}/` }));
      }
    }
    // FRIDAY_PROBE_CONCURRENCY bounds the probes of every verification this process runs together.
    const probes = await probeAsListed(targets(), { concurrency: settings.FRIDAY_PROBE_CONCURRENCY, timeoutMs: settings.FRIDAY_PROBE_TIMEOUT_MS, gate: processProbeGate(settings.FRIDAY_PROBE_CONCURRENCY) });
    return { addresses, probes };
  });
}

registerActivity(ACTIVITY.probeListedInstances, { handler: probeListedInstances });
