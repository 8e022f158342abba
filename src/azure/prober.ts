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
    const req = (require('node:http') as typeof import('node:http')).request(target.url, { method: 'GET', agent: false, headers: { 'user-agent': 'friday-fleet-prober' } }, (res) => {
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
