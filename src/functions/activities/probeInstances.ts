import { createAddressResolver } from '../../azure/addressResolver';
import { probeAll } from '../../azure/prober';
import type { ProbeResult } from '../../domain/verification/verdicts';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/**
 * Probes one batch of instances' pages with bounded concurrency and a hard timeout per request.
 * `shareOf`: how many batches run together — the configured concurrency is split between them.
 */
export async function probeInstances(input: { targets: Array<{ instanceId: string; privateIp: string }>; shareOf?: number }): Promise<ProbeResult[]> {
  const settings = loadSettings();
  const resolver = await createAddressResolver(settings.FRIDAY_ADDRESS_MAP_URL);
  return probeAll(
    input.targets.map((t) => ({ instanceId: t.instanceId, url: `${resolver.origin(t.privateIp)}/` })),
    { concurrency: Math.max(1, Math.ceil(settings.FRIDAY_PROBE_CONCURRENCY / Math.max(1, input.shareOf ?? 1))), timeoutMs: settings.FRIDAY_PROBE_TIMEOUT_MS },
  );
}

registerActivity(ACTIVITY.probeInstances, { handler: probeInstances });
