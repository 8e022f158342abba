/**
 * The load balancer and Application Gateway front ends behave as Azure's: probes on their own
 * interval (a manual clock here, so every probe round is the test's to release), members in and out
 * of rotation by the probe threshold, layer-4 flows pinned to a member, broken when it goes away and
 * kept when it is only probed down or taken out of the pool, and App Gateway connection draining.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock, InstanceDirectory } from '../../local/emulator/core/contract';
import { FrontEndProxy, type FrontEndTarget } from '../../local/emulator/network/frontEndProxy';
import { applicationGatewayTarget, loadBalancerTarget } from '../../local/emulator/network';
import { pageLatency } from '../../local/emulator/guest/instanceListener';

const POOL = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/web';
const INTERVAL = 5000;

/** Emulator time that only moves when the test says so. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let waiting: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => new Date(now),
    sleep: (ms) => new Promise<void>((resolve) => waiting.push({ at: now + ms, resolve })),
    advance(ms) {
      now += ms;
      const due = waiting.filter((w) => w.at <= now);
      waiting = waiting.filter((w) => w.at > now);
      due.forEach((w) => w.resolve());
    },
  };
}

interface Backend {
  name: string;
  server: Server;
  port: number;
  status: number;
  hits: number;
  /** Traffic held unanswered until released (a slow, in-flight request). */
  hold: boolean;
  held: Array<() => void>;
  inPool: boolean;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function backend(name: string): Promise<Backend> {
  const b: Backend = { name, server: createServer(), port: 0, status: 200, hits: 0, hold: false, held: [], inPool: true };
  b.server.on('request', (req, res) => {
    if (req.url === '/health') {
      res.writeHead(b.status);
      return void res.end();
    }
    b.hits += 1;
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`Running FRIDAY Web Service from host ${name} !`);
    };
    if (b.hold) b.held.push(answer);
    else answer();
  });
  await listen(b);
  open.push({ close: () => stop(b) });
  return b;
}

async function listen(b: Backend): Promise<void> {
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
  b.port = (b.server.address() as AddressInfo).port;
}

/** The instance goes away: its listener closes with every connection (a delete or a restart). */
async function stop(b: Backend): Promise<void> {
  if (!b.server.listening) return;
  b.server.closeAllConnections();
  await new Promise<void>((resolve) => b.server.close(() => resolve()));
}

function directory(all: () => Backend[]): InstanceDirectory {
  return {
    membersOfBackendPool: (id) => (id === POOL ? all().filter((b) => b.inPool).map((b) => ({ resourceId: b.name, privateIp: '10.0.0.4', port: b.port, running: b.server.listening })) : []),
    instance: (id) => {
      const b = all().find((m) => m.name === id);
      return b ? { port: b.port, running: b.server.listening } : undefined;
    },
  };
}

async function frontEnd(target: FrontEndTarget, members: () => Backend[]): Promise<{ proxy: FrontEndProxy; clock: ReturnType<typeof manualClock>; round: () => Promise<void> }> {
  const clock = manualClock();
  const proxy = new FrontEndProxy({ target, directory: () => directory(members), clock });
  await proxy.start();
  open.push(proxy);
  const settle = async (rounds: number): Promise<void> => {
    while (proxy.snapshot().probeRounds < rounds) await new Promise((r) => setTimeout(r, 2));
  };
  await settle(1); // the first round runs as the front end starts
  return {
    proxy,
    clock,
    /** One more probe interval of emulator time: the next round runs to its end. */
    round: async (): Promise<void> => {
      const before = proxy.snapshot().probeRounds;
      clock.advance(INTERVAL);
      await settle(before + 1);
    },
  };
}

/** A new connection per request (as the prober in the zero-failure tests opens one every 50 ms). */
function get(port: number, agent?: Agent): Promise<{ status: number; host: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: agent ?? false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, host: /host (\S+) !/.exec(body)?.[1] ?? '' }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const lbProbe = { requestPath: '/health', intervalInSeconds: INTERVAL / 1000, probeThreshold: 2 };

describe('load balancer front end (layer 4, Standard LB probe behaviour)', () => {
  it('reads interval, threshold and timeout from the probe definition', () => {
    expect(loadBalancerTarget(POOL, 80, { requestPath: '/', intervalInSeconds: 5, numberOfProbes: 2 }).probe).toEqual({ path: '/', intervalMs: 5000, threshold: 2, timeoutMs: 5000 });
    expect(loadBalancerTarget(POOL, 80, { requestPath: '/', intervalInSeconds: 60, probeThreshold: 3, numberOfProbes: 2 }).probe).toEqual({ path: '/', intervalMs: 60000, threshold: 3, timeoutMs: 30000 });
    expect(loadBalancerTarget(POOL, 80, { requestPath: '/' }).probe).toMatchObject({ intervalMs: 15000, threshold: 1 });
  });

  it('sends nothing to a member until its probes have passed threshold times', async () => {
    const vm0 = await backend('VM0');
    const { proxy, round } = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => [vm0]);
    expect((await get(proxy.port)).status).toBe(503); // one probe passed, two are needed
    expect(vm0.hits).toBe(0);
    await round();
    expect(await get(proxy.port)).toEqual({ status: 200, host: 'VM0' });
  });

  it('drops a member whose probe fails — after threshold failed probes, not before — and takes it back after as many passes', async () => {
    const vm0 = await backend('VM0');
    const vm1 = await backend('VM1');
    const { proxy, round } = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => [vm0, vm1]);
    await round();
    vm0.status = 500;
    await round(); // one failed probe: still in rotation, as in Azure
    const before = vm0.hits;
    for (let i = 0; i < 6; i++) expect((await get(proxy.port)).status).toBe(200);
    expect(vm0.hits).toBeGreaterThan(before);
    await round(); // the second failed probe takes it out
    expect(proxy.snapshot().inRotation).toEqual(['VM1']);
    const out = vm0.hits;
    for (let i = 0; i < 10; i++) expect(await get(proxy.port)).toEqual({ status: 200, host: 'VM1' });
    expect(vm0.hits).toBe(out);
    vm0.status = 200;
    await round();
    expect(proxy.snapshot().inRotation).toEqual(['VM1']);
    await round();
    expect(proxy.snapshot().inRotation).toEqual(['VM0', 'VM1']);
  });

  it('answers 503 when every member is probed down, and serves all with noHealthyBackendsBehavior AllProbedUp', async () => {
    const vm0 = await backend('VM0');
    vm0.status = 503;
    const down = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => [vm0]);
    await down.round();
    expect((await get(down.proxy.port)).status).toBe(503);
    const up = await frontEnd(loadBalancerTarget(POOL, 80, { ...lbProbe, noHealthyBackendsBehavior: 'AllProbedUp' }), () => [vm0]);
    expect(await get(up.proxy.port)).toEqual({ status: 200, host: 'VM0' });
  });

  it('keeps an existing flow to a member probed down or taken out of the pool, and gives that member no new connection', async () => {
    const vm0 = await backend('VM0');
    const vm1 = await backend('VM1');
    const { proxy, round } = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => [vm0, vm1]);
    await round();
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(proxy.port, keepAlive);
    const pinned = first.host === 'VM0' ? vm0 : vm1;
    const other = pinned === vm0 ? vm1 : vm0;
    pinned.inPool = false; // out of the backend pool: no new flows, the open one goes on
    for (let i = 0; i < 6; i++) expect((await get(proxy.port)).host).toBe(other.name);
    expect((await get(proxy.port, keepAlive)).host).toBe(pinned.name);
    pinned.inPool = true;
    pinned.status = 500;
    await round();
    await round();
    expect(proxy.snapshot().inRotation).toEqual([other.name]);
    expect((await get(proxy.port, keepAlive)).host).toBe(pinned.name); // probe down: all TCP flows continue
    keepAlive.destroy();
  });

  it('breaks flows to a member that is deleted or restarted, in flight or idle, while new connections keep going to it until its probes fail', async () => {
    const vm0 = await backend('VM0');
    const { proxy, round } = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => [vm0]);
    await round();
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(proxy.port, keepAlive)).host).toBe('VM0');
    vm0.hold = true;
    const inFlight = get(proxy.port);
    while (vm0.held.length === 0) await new Promise((r) => setTimeout(r, 2));
    await stop(vm0); // restart: the listener goes away with its connections…
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    await listen(vm0); // …and comes back on a new one
    vm0.hold = false;
    await expect(get(proxy.port, keepAlive)).rejects.toThrow(/socket hang up|ECONNRESET/); // the idle flow is gone too
    keepAlive.destroy();
    // A member that is down but not yet probed down still gets new connections (they fail): that
    // is why a change must take a member out of rotation before it restarts it.
    await stop(vm0);
    await expect(get(proxy.port)).rejects.toThrow(/socket hang up|ECONNRESET/);
    await round();
    await round();
    expect((await get(proxy.port)).status).toBe(503);
  });
});

describe('probing while idle', () => {
  it('pauses after 20 rounds without a request, keeps the last state meanwhile, and resumes with the next request', async () => {
    const vm0 = await backend('VM0');
    const { proxy, clock, round } = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => [vm0]);
    for (let i = 0; i < 19; i++) await round();
    expect(proxy.snapshot().probeRounds).toBe(20);
    clock.advance(INTERVAL);
    await new Promise((r) => setTimeout(r, 30));
    expect(proxy.snapshot().probeRounds).toBe(20); // paused
    vm0.status = 500; // dies while nobody probes: still in rotation, its new connections fail
    const answer = await get(proxy.port);
    expect(answer.status).toBe(200); // the page itself still answers; only its probe fails
    while (proxy.snapshot().probeRounds < 21) await new Promise((r) => setTimeout(r, 2)); // the request resumed probing
    await round();
    expect(proxy.snapshot().inRotation).toEqual([]);
  });
});

describe('deleted members', () => {
  it('a deleted instance keeps getting new connections, which fail, until its probes take it out; one taken out of the pool gets none at once', async () => {
    const vm0 = await backend('VM0');
    const vm1 = await backend('VM1');
    let all = [vm0, vm1];
    const { proxy, round } = await frontEnd(loadBalancerTarget(POOL, 80, lbProbe), () => all);
    await round();
    all = [vm1]; // deleted: gone from the pool listing and from the directory…
    await stop(vm0); // …and its listener with it
    const results = await Promise.all(Array.from({ length: 6 }, () => get(proxy.port).then((r) => r.host, () => 'reset')));
    expect(results).toContain('reset');
    await round();
    await round();
    for (let i = 0; i < 6; i++) expect((await get(proxy.port)).host).toBe('VM1');
    vm1.inPool = false; // exists, but out of the backend pool
    expect((await get(proxy.port)).status).toBe(503);
  });
});

describe('Application Gateway front end (layer 7, connection draining)', () => {
  const probe = { path: '/health', interval: INTERVAL / 1000, timeout: 5, unhealthyThreshold: 2 };

  it('reads probe and connection draining from its definition', () => {
    expect(applicationGatewayTarget(POOL, { port: 80, connectionDraining: { enabled: true, drainTimeoutInSec: 60 } }, probe)).toMatchObject({ kind: 'applicationGateway', drainTimeoutMs: 60000, probe: { intervalMs: 5000, threshold: 2, timeoutMs: 5000 } });
    expect(applicationGatewayTarget(POOL, { port: 80 }, {})).toMatchObject({ drainTimeoutMs: 0, probe: { intervalMs: 30000, threshold: 3, timeoutMs: 30000 } });
  });

  it('with draining, a request in flight to a member taken out of the pool finishes; without, it is cut (502)', async () => {
    for (const draining of [true, false]) {
      const vm0 = await backend('VM0');
      const vm1 = await backend('VM1');
      const settings = { port: 80, ...(draining ? { connectionDraining: { enabled: true, drainTimeoutInSec: 30 } } : {}) };
      const { proxy, round } = await frontEnd(applicationGatewayTarget(POOL, settings, probe), () => [vm0, vm1]);
      await round();
      vm0.hold = true;
      vm1.hold = true;
      const a = get(proxy.port);
      const b = get(proxy.port);
      while (vm0.held.length + vm1.held.length < 2) await new Promise((r) => setTimeout(r, 2));
      vm0.inPool = false;
      await round(); // the gateway sees the member gone from the pool
      vm1.hold = false;
      vm0.hold = false;
      for (const release of [...vm0.held.splice(0), ...vm1.held.splice(0)]) release();
      const answers = (await Promise.all([a, b])).map((r) => r.status).sort();
      expect(answers).toEqual(draining ? [200, 200] : [200, 502]);
      for (let i = 0; i < 4; i++) expect((await get(proxy.port)).host).toBe('VM1');
    }
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
