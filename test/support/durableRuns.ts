/** Start a run through the app's HTTP API and wait for it through the app's own status route (GET /api/deployments/{id}). */
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
  return waitForStatus(cloud, statusQueryGetUri, route, timeoutMs);
}

/** Polls GET /api/deployments/{id} (with the function key) until the run ends; `output` is its report or error. */
export async function waitForStatus(cloud: { functionKey: string }, statusUri: string, what = statusUri, timeoutMs = 120_000): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(statusUri, { headers: { 'x-functions-key': cloud.functionKey } });
    expect(res.status, `${what}: status route`).toBe(200);
    const body = (await res.json()) as { runtimeStatus: string; progress?: unknown; report?: unknown; error?: unknown };
    const s: RunStatus = { runtimeStatus: body.runtimeStatus, output: body.report ?? body.error ?? null, customStatus: body.progress };
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`${what}: still ${s.runtimeStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
