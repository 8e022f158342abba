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
 * Probes targets as a paged list yields them, so the first pages are probed while later ones are
 * still being read (ARM list pages take far longer than a page probe). At most `concurrency`
 * probes are in flight overall. If listing fails, probing stops and the error is thrown once the
 * probes in flight have settled.
 */
export async function probeAsListed(pages: AsyncIterable<ProbeTarget[]>, options: { concurrency: number; timeoutMs: number }): Promise<ProbeResult[]> {
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
    for (let target = await nextTarget(); target; target = await nextTarget()) results.push(await probeOnce(target, options.timeoutMs));
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
  return results;
}
