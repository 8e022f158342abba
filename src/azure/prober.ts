/* eslint-disable @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start) */
/**
 * Fetches instance pages with a hard timeout and bounded concurrency. An instance that accepts and
 * never answers, resets the connection, or answers slowly yields a result, never a hung run.
 */
import type { ProbeResult } from '../domain/verification/verdicts';
import { mapWithLimit } from './boundedMap';

export interface ProbeTarget {
  instanceId: string;
  url: string;
}

const BODY_LIMIT = 4096;

/**
 * One agent for every probe, without keep-alive: each instance is probed once per run, so a
 * connection is never reused, and `agent: false` would build a whole Agent per request.
 */
let probeAgent: import('node:http').Agent | undefined;
function agent(): import('node:http').Agent {
  probeAgent ??= new (require('node:http') as typeof import('node:http')).Agent({ keepAlive: false, maxSockets: Infinity });
  return probeAgent;
}

export function probeOnce(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<ProbeResult, 'instanceId' | 'elapsedMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ instanceId: target.instanceId, elapsedMs: Math.round(performance.now() - started), ...result });
    };
    const req = (require('node:http') as typeof import('node:http')).request(target.url, { method: 'GET', agent: agent(), headers: { 'user-agent': 'friday-fleet-prober' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < BODY_LIMIT) body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? null, body: body.slice(0, BODY_LIMIT).trim() }));
      res.on('error', (e) => done({ status: null, error: describe(e) }));
    });
    const timer = setTimeout(() => {
      done({ status: null, error: `timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => done({ status: null, error: describe(e) }));
    req.end();
  });
}

function describe(error: Error & { code?: string }): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ECONNRESET' || error.message === 'socket hang up') return 'connection closed without an answer';
  return error.message;
}

/** Probes every target with at most `concurrency` requests in flight. */
export function probeAll(targets: ProbeTarget[], options: { concurrency: number; timeoutMs: number }): Promise<ProbeResult[]> {
  return mapWithLimit(targets, options.concurrency, (target) => probeOnce(target, options.timeoutMs));
}

/**
 * Probes in flight in this process, shared by every verification running in it. Ten scale sets
 * verified at once each ran their own FRIDAY_PROBE_CONCURRENCY probes (500 sockets at once): on a
 * loaded host a third of them timed out and those instances were judged failed. Waiters are served
 * in arrival order, so runs that started together share the slots evenly.
 */
export class ProbeGate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private limit: number) {}

  /** Widens or narrows the gate (the setting is read per activity; the gate lives per process). */
  resize(limit: number): void {
    this.limit = Math.max(1, limit);
    this.wake();
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.wake();
    }
  }

  private wake(): void {
    while (this.inFlight < this.limit && this.waiting.length) {
      this.inFlight++;
      this.waiting.shift()?.();
    }
  }
}

const processGates = new Map<string, ProbeGate>();
/** The process's gate for instance probes (one per name), sized by the latest caller. */
export function processProbeGate(limit: number, name = 'instances'): ProbeGate {
  let gate = processGates.get(name);
  if (!gate) processGates.set(name, (gate = new ProbeGate(limit)));
  else gate.resize(limit);
  return gate;
}

/** A probe that got no HTTP answer is asked again once after this pause, before that counts against the instance. */
const NO_ANSWER_RETRY_MS = 500;

/**
 * Probes targets as a paged list yields them, so the first pages are probed while later ones are
 * still being read (ARM list pages take far longer than a page probe). At most `concurrency`
 * probes are in flight overall — across every call sharing `gate` (default: one gate per call).
 * A probe that got no HTTP answer (refused, reset, timed out) is tried once more after the sweep:
 * a dropped connection or a moment of overload is not an instance's failure; one that fails both
 * times is reported with `attempts: 2`. If listing fails, probing stops and the error is thrown
 * once the probes in flight have settled.
 */
export async function probeAsListed(pages: AsyncIterable<ProbeTarget[]>, options: { concurrency: number; timeoutMs: number; gate?: ProbeGate; retryPauseMs?: number }): Promise<ProbeResult[]> {
  const gate = options.gate ?? new ProbeGate(options.concurrency);
  const probe = (target: ProbeTarget): Promise<ProbeResult> => gate.run(() => probeOnce(target, options.timeoutMs));
  const queue: ProbeTarget[] = [];
  let head = 0;
  let listed = false;
  let stopped = false;
  const waiting: Array<() => void> = [];
  const wakeAll = (): void => waiting.splice(0).forEach((wake) => wake());
  const results: ProbeResult[] = [];
  const nextTarget = async (): Promise<ProbeTarget | undefined> => {
    for (;;) {
      if (stopped) return undefined;
      if (head < queue.length) return queue[head++];
      if (listed) return undefined;
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const worker = async (): Promise<void> => {
    for (let target = await nextTarget(); target; target = await nextTarget()) results.push(await probe(target));
  };
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, worker);
  let failure: { error: unknown } | undefined;
  try {
    for await (const page of pages) {
      queue.push(...page);
      wakeAll();
    }
  } catch (error) {
    failure = { error };
    stopped = true;
  } finally {
    listed = true;
    wakeAll();
  }
  await Promise.all(workers);
  if (failure) throw failure.error;
  const unanswered = results.filter((r) => r.status === null);
  if (unanswered.length === 0) return results;
  const urls = new Map(queue.map((t) => [t.instanceId, t.url]));
  await new Promise((r) => setTimeout(r, options.retryPauseMs ?? NO_ANSWER_RETRY_MS));
  const again = new Map((await mapWithLimit(unanswered, options.concurrency, (r) => probe({ instanceId: r.instanceId, url: urls.get(r.instanceId) ?? '' }))).map((r) => [r.instanceId, r]));
  return results.map((r) => {
    const second = again.get(r.instanceId);
    if (!second) return r;
    return second.status === null ? { ...second, attempts: 2 } : second;
  });
}
