/** The prober against real loopback HTTP servers: streaming from a paged list, bounded concurrency, timeouts. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAsListed, ProbeGate, type ProbeTarget } from '../../src/azure/prober';

let server: Server;
let origin = '';
let inFlight = 0;
let maxInFlight = 0;
const served: string[] = [];
/** Pages whose connection the prober closed (timed out) before they were answered. */
const abandoned: string[] = [];
const releases: Array<() => void> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const id = (req.url ?? '/').slice(1);
    served.push(id);
    res.on('close', () => {
      if (!res.writableEnded) abandoned.push(id);
    });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = (): void => {
      inFlight -= 1;
      res.end(`Running FRIDAY Web Service from host HOST${id} !`);
    };
    // `held-…` pages answer only when the test releases them; `drop-once-…` close their first
    // connection unanswered; `drop-…` every one; the rest answer after 5 ms.
    if (id.startsWith('held-')) releases.push(answer);
    else if (id.startsWith('drop-once-') ? served.filter((s) => s === id).length === 1 : id.startsWith('drop-')) {
      inFlight -= 1;
      req.socket.destroy();
    }
    else setTimeout(answer, 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const targets = (ids: string[]): ProbeTarget[] => ids.map((id) => ({ instanceId: id, url: `${origin}/${id}` }));

describe('probeAsListed', () => {
  it('probes the first page while the next one is still being listed', async () => {
    served.length = 0;
    let firstPageProbedBeforeSecondListed = false;
    async function* pages(): AsyncGenerator<ProbeTarget[]> {
      yield targets(['held-a', 'held-b']);
      // The second page is "listed" only once the first page's probes have reached the server.
      while (served.length < 2) await new Promise((r) => setTimeout(r, 2));
      firstPageProbedBeforeSecondListed = served.includes('held-a') && served.includes('held-b');
      releases.splice(0).forEach((release) => release());
      yield targets(['c', 'd', 'e']);
    }
    const results = await probeAsListed(pages(), { concurrency: 4, timeoutMs: 2000 });
    expect(firstPageProbedBeforeSecondListed).toBe(true);
    expect(results.map((r) => r.instanceId).sort()).toEqual(['c', 'd', 'e', 'held-a', 'held-b']);
    expect(results.every((r) => r.status === 200 && r.body === `Running FRIDAY Web Service from host HOST${r.instanceId} !`)).toBe(true);
  });

  it('never has more probes in flight than its concurrency', async () => {
    maxInFlight = 0;
    async function* pages(): AsyncGenerator<ProbeTarget[]> {
      for (let p = 0; p < 5; p++) yield targets(Array.from({ length: 20 }, (_, i) => `p${p}-${i}`));
    }
    const results = await probeAsListed(pages(), { concurrency: 7, timeoutMs: 2000 });
    expect(results).toHaveLength(100);
    expect(new Set(results.map((r) => r.instanceId)).size).toBe(100);
    expect(maxInFlight).toBeLessThanOrEqual(7);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('times out a page that never answers, and throws a listing failure after the probes in flight settle', async () => {
    async function* pages(): AsyncGenerator<ProbeTarget[]> {
      yield targets(['held-x']);
      throw new Error('ARM list failed on page 2');
    }
    await expect(probeAsListed(pages(), { concurrency: 3, timeoutMs: 300 })).rejects.toThrow('ARM list failed on page 2');
    // The held probe was allowed to settle (its timeout closed the connection) before the error
    // surfaced: by the time the server has handled pending I/O, that connection is gone. (Had the
    // error come first, the probe would still be waiting out its 300 ms.)
    await new Promise((r) => setTimeout(r, 20));
    expect(abandoned).toContain('held-x');
    releases.splice(0).forEach((release) => release());

    async function* hung(): AsyncGenerator<ProbeTarget[]> {
      yield targets(['held-y']);
    }
    const [result] = await probeAsListed(hung(), { concurrency: 3, timeoutMs: 200 });
    expect(result).toMatchObject({ instanceId: 'held-y', status: null, error: 'timed out after 200 ms' });
    releases.splice(0).forEach((release) => release());
  });

  it('asks again once a page that gave no answer, and reports one that never answers with its attempts', async () => {
    served.length = 0;
    async function* pages(): AsyncGenerator<ProbeTarget[]> {
      yield targets(['drop-once-a', 'drop-b', 'c']);
    }
    const results = await probeAsListed(pages(), { concurrency: 3, timeoutMs: 2000, retryPauseMs: 1 });
    const byId = Object.fromEntries(results.map((r) => [r.instanceId, r]));
    expect(byId['drop-once-a']).toMatchObject({ status: 200 });
    expect(byId['drop-once-a']?.attempts).toBeUndefined();
    expect(byId['drop-b']).toMatchObject({ status: null, error: 'connection closed without an answer', attempts: 2 });
    expect(byId.c).toMatchObject({ status: 200 });
    // A page that answered is never asked twice.
    expect(served.filter((s) => s === 'c')).toHaveLength(1);
    expect(served.filter((s) => s === 'drop-b')).toHaveLength(2);
  });

  it('shares one bound between runs that use the same gate (verifications of several scale sets at once)', async () => {
    maxInFlight = 0;
    const gate = new ProbeGate(5);
    const run = (prefix: string) =>
      probeAsListed(
        (async function* (): AsyncGenerator<ProbeTarget[]> {
          yield targets(Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`));
        })(),
        { concurrency: 5, timeoutMs: 2000, gate },
      );
    const all = await Promise.all(['r1', 'r2', 'r3', 'r4'].map(run));
    expect(all.flat().filter((r) => r.status === 200)).toHaveLength(120);
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBeGreaterThan(1);
  });
});
