/** Start a run through the app's HTTP API and wait for it through the durable status URL. */
import { expect } from 'vitest';

export interface RunStatus {
  runtimeStatus: string;
  output: unknown;
  customStatus?: unknown;
}

export async function runToEnd(cloud: { baseUrl: string; functionKey: string }, route: string, body: unknown, timeoutMs = 120_000): Promise<RunStatus> {
  const res = await fetch(`${cloud.baseUrl}/api/${route}`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await (await fetch(statusQueryGetUri)).json()) as RunStatus;
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`${route}: still ${s.runtimeStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
