/** The load balancer front end: real backends on loopback, health probed beside the traffic. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrontEndProxy } from '../../local/emulator/network/frontEndProxy';
import { pageLatency } from '../../local/emulator/guest/instanceListener';

interface Backend {
  server: Server;
  port: number;
  status: number;
  hits: number;
  /** Health probes held unanswered until the test releases them. */
  holdHealth: boolean;
  held: Array<() => void>;
  /** Held health probes the balancer gave up on (its probe timed out) before they were answered. */
  abandoned: number;
}

const POOL = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/web';
const backends: Backend[] = [];
let members: Backend[] = [];
let proxy: FrontEndProxy;

async function backend(name: string): Promise<Backend> {
  const b: Backend = { server: createServer(), port: 0, status: 200, hits: 0, holdHealth: false, held: [], abandoned: 0 };
  b.server.on('request', (req, res) => {
    const answer = (): void => {
      res.writeHead(b.status, { 'content-type': 'text/html' });
      res.end(`Running FRIDAY Web Service from host ${name} !`);
    };
    if (req.url !== '/health') b.hits += 1; // traffic, not the balancer's own probe
    else if (b.holdHealth) {
      res.on('close', () => {
        if (!res.writableEnded) b.abandoned += 1;
      });
      return void b.held.push(answer);
    }
    answer();
  });
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
  b.port = (b.server.address() as AddressInfo).port;
  backends.push(b);
  return b;
}

const get = async (): Promise<{ status: number; text: string }> => {
  const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  members = [await backend('VM0'), await backend('VM1')];
  proxy = new FrontEndProxy({ backendPoolIds: [POOL], backendPort: 80, probePath: '/health' }, () => ({
    membersOfBackendPool: (id) => (id === POOL ? members.map((m, i) => ({ resourceId: `vm${i}`, privateIp: `10.0.0.${4 + i}`, port: m.port, running: true })) : []),
  }));
  await proxy.start();
});

afterAll(async () => {
  await proxy.close();
  for (const b of backends) {
    b.server.closeAllConnections();
    await new Promise<void>((resolve) => b.server.close(() => resolve()));
  }
});

describe('front end proxy', () => {
  it('spreads requests over the healthy members, and a member added later is probed before it takes traffic', async () => {
    const hosts = new Set<string>();
    for (let i = 0; i < 4; i++) hosts.add(/host (\S+) !/.exec((await get()).text)?.[1] ?? '');
    expect([...hosts].sort()).toEqual(['VM0', 'VM1']);
    const fresh = await backend('VM2');
    fresh.status = 500; // never healthy: must never be chosen
    members = [...members, fresh];
    for (let i = 0; i < 6; i++) expect((await get()).status).toBe(200);
    expect(fresh.hits).toBe(0);
  });

  it('serves from the last known health while a probe sweep is still running', async () => {
    const [vm0] = members as [Backend];
    vm0.holdHealth = true;
    await new Promise((r) => setTimeout(r, 300)); // health is now stale: the next request starts a sweep
    const answer = await get();
    // The answer came while VM0's health probe was still open and unanswered: the request did not
    // wait for the sweep (a balancer probing in the request path would have timed the probe out first).
    expect(answer.status).toBe(200);
    expect(vm0.held.length).toBeGreaterThan(0);
    expect(vm0.abandoned).toBe(0);
    vm0.holdHealth = false;
    vm0.held.splice(0).forEach((release) => release());
  });

  it('takes a member out of rotation once a probe sweep sees it fail, without requests waiting for the sweep', async () => {
    const [vm0] = members as [Backend];
    vm0.status = 500;
    // Health is refreshed in the background at most every 250 ms: after that, VM0 gets nothing.
    await new Promise((r) => setTimeout(r, 300));
    await get(); // starts the sweep
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const before = vm0.hits;
      const answer = await get();
      if (vm0.hits === before) expect(answer.status).toBe(200);
    }
    const settled = vm0.hits;
    for (let i = 0; i < 6; i++) expect((await get()).text).toContain('host VM1 !');
    expect(vm0.hits).toBe(settled);
  });

  it('answers 503 when no member is healthy', async () => {
    for (const m of members) m.status = 503;
    await new Promise((r) => setTimeout(r, 300));
    let last = 0;
    for (let i = 0; i < 20 && last !== 503; i++) {
      last = (await get()).status;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(last).toBe(503);
  });
});

describe('page latency', () => {
  it('is the mean without jitter, and spreads uniformly within ± the jitter, never below 0', () => {
    expect(pageLatency({ pageLatencyMs: 20 })).toBe(20);
    expect(pageLatency({ pageLatencyMs: 20, pageLatencyJitterMs: 5 }, () => 0)).toBe(15);
    expect(pageLatency({ pageLatencyMs: 20, pageLatencyJitterMs: 5 }, () => 0.5)).toBe(20);
    expect(pageLatency({ pageLatencyMs: 20, pageLatencyJitterMs: 5 }, () => 0.999)).toBeCloseTo(24.99, 1);
    expect(pageLatency({ pageLatencyMs: 2, pageLatencyJitterMs: 5 }, () => 0)).toBe(0);
  });
});
