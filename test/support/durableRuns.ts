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

/** A durable timer in a run's history: when it fires, and how long after the orchestration's time it was asked for. */
export interface PendingTimer {
  FireAt: string;
  /** FireAt minus the orchestration's own time when it created the timer (`currentUtcDateTime`, the episode's start): the wait asked for, exactly. */
  waitMs: number;
}

interface HistoryEvent {
  EventType: string;
  Timestamp: string;
  FireAt?: string;
}

/**
 * The durable timers run `id` has created, each with the wait the orchestration asked for: FireAt
 * minus the orchestration's time in that episode (its OrchestratorStarted event) — exact, unlike
 * the time the event was written, which a loaded machine delays.
 */
export function timersIn(history: HistoryEvent[]): PendingTimer[] {
  let episodeStart = Number.NaN;
  const timers: PendingTimer[] = [];
  for (const e of history) {
    if (e.EventType === 'OrchestratorStarted') episodeStart = Date.parse(e.Timestamp);
    else if (e.EventType === 'TimerCreated' && e.FireAt) timers.push({ FireAt: e.FireAt, waitMs: Date.parse(e.FireAt) - episodeStart });
  }
  return timers;
}

/**
 * Waits until run `id` has created a durable timer longer than a minute — a long throttle's wait,
 * not an operation poll's or a retry's (those wait seconds) — and returns it. Throws if the run ends
 * without one: a wait removed, or slept inside an activity, never shows as a timer in the history.
 */
export async function longTimerOf(cloud: { baseUrl: string; masterKey: string }, id: string, timeoutMs = 60_000): Promise<PendingTimer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}&showHistory=true`);
    const s = res.status === 404 ? undefined : ((await res.json()) as { runtimeStatus: string; output: unknown; historyEvents?: HistoryEvent[] });
    const timer = timersIn(s?.historyEvents ?? []).find((t) => t.waitMs > 60_000);
    if (timer) return timer;
    if (s && ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) throw new Error(`${id} ended ${s.runtimeStatus} without waiting on a durable timer: ${JSON.stringify(s.output).slice(0, 500)}`);
    if (Date.now() > deadline) throw new Error(`${id} created no long durable timer within ${timeoutMs} ms (status ${s?.runtimeStatus ?? 'absent'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
