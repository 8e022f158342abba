import { probeAll } from '../../azure/prober';
import { pageNamesHost } from '../../domain/verification/verdicts';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface FrontEndAnswer {
  status: number | null;
  host?: string;
  error?: string;
}

/**
 * Requests the front end repeatedly (a few at a time, as separate connections so the balancer can
 * choose again), stopping early once every expected host has answered.
 */
export async function probeFrontEnd(input: { url: string; requests: number; expectedHosts: string[] }): Promise<FrontEndAnswer[]> {
  const settings = loadSettings();
  const wanted = new Set(input.expectedHosts.map((h) => h.toUpperCase()));
  const seen = new Set<string>();
  const answers: FrontEndAnswer[] = [];
  const round = Math.max(1, Math.min(settings.FRIDAY_PROBE_CONCURRENCY, 10));
  while (answers.length < input.requests) {
    const count = Math.min(round, input.requests - answers.length);
    const results = await probeAll(
      Array.from({ length: count }, (_, i) => ({ instanceId: String(answers.length + i), url: input.url })),
      { concurrency: count, timeoutMs: settings.FRIDAY_PROBE_TIMEOUT_MS },
    );
    for (const r of results) {
      const host = r.status === 200 ? pageNamesHost(r.body) : undefined;
      if (host) seen.add(host.toUpperCase());
      answers.push({ status: r.status, ...(host ? { host } : {}), ...(r.error ? { error: r.error } : {}) });
    }
    if (wanted.size > 0 && [...wanted].every((h) => seen.has(h))) break;
  }
  return answers;
}

registerActivity(ACTIVITY.probeFrontEnd, { handler: probeFrontEnd });
