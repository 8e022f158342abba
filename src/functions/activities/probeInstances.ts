import { createAddressResolver } from '../../azure/addressResolver';
import { probeAll } from '../../azure/prober';
import type { ProbeResult } from '../../domain/verification/verdicts';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** Probes one batch of instances' pages with bounded concurrency and a hard timeout per request. */
export async function probeInstances(input: { targets: Array<{ instanceId: string; privateIp: string }> }): Promise<ProbeResult[]> {
  const settings = loadSettings();
  const resolver = await createAddressResolver(settings.FRIDAY_ADDRESS_MAP_URL);
  return probeAll(
    input.targets.map((t) => ({ instanceId: t.instanceId, url: `${resolver.origin(t.privateIp)}/` })),
    { concurrency: settings.FRIDAY_PROBE_CONCURRENCY, timeoutMs: settings.FRIDAY_PROBE_TIMEOUT_MS },
  );
}

registerActivity(ACTIVITY.probeInstances, { handler: probeInstances });
