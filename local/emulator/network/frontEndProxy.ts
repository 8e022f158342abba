/**
 * A load balancer (or Application Gateway) front end as a real HTTP proxy on loopback, modelled on
 * how Azure's behave (sources in local/emulator/README.md, "Front ends"):
 *
 * - Health probes run on their own, every probe interval of the emulator's clock, whether traffic
 *   flows or not — never in a request's path. A member goes out of rotation after `threshold`
 *   consecutive failed probes and comes back after as many consecutive successes (Standard LB
 *   `probeThreshold`; App Gateway `unhealthyThreshold`). A member never probed yet is out of
 *   rotation: a fresh instance takes no traffic until its probes have passed.
 * - New connections go only to members in rotation. No member in rotation → 503 (the flow would be
 *   dropped in Azure; a status a client can count is kinder to read than a timeout, not to pass).
 *   Standard LB's `noHealthyBackendsBehavior: AllProbedUp` sends to all members instead.
 * - Load balancer (layer 4): a client connection is one flow, pinned to the member chosen for its
 *   first request. Probe down or removal from the pool stops NEW flows only: existing flows continue
 *   ("all probes down, all TCP flows continue"). A flow whose member was deleted or restarted
 *   (its listener gone) breaks: the client's connection is reset, mid-request or idle.
 * - Application Gateway (layer 7): every request is balanced on its own. A member that leaves the
 *   pool (or goes unhealthy) gets no new requests; with connection draining its in-flight requests
 *   may finish within the drain timeout, without it they are cut at once (502). A deleted or
 *   restarted member's in-flight requests fail (502).
 *
 * The probe's timing comes from the front end's own probe definition (`update()` keeps it current);
 * the emulator's `healthProbeIntervalMs` timing knob may replace the interval (the instant profile
 * uses a short one), never the thresholds.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock, InstanceDirectory } from '../core/contract';

/** Health probes in flight during one round over a pool. */
const PROBE_CONCURRENCY = 50;

/**
 * Probe rounds without a single request after which probing pauses until the next request (the
 * emulated instances share this machine's CPU, a 1000-member pool probed for nothing costs it).
 * Never kinder than Azure: paused, a member keeps its last state, so one that died meanwhile still
 * gets new connections (which fail) until resumed probes take it out; a new one waits for them.
 */
const IDLE_ROUNDS = 20;

/** A probe is given at least this much real time (see probe()). */
const MIN_REAL_PROBE_TIMEOUT_MS = 1000;

export interface HealthProbeDefinition {
  /** HTTP path probed (2xx = healthy for the App Gateway; 200 for the LB — both answered 200 by IIS). */
  path: string;
  /** Time between probes of one member, in emulator ms (Azure LB default 15 s, App Gateway 30 s). */
  intervalMs: number;
  /** Consecutive failures that take a member out of rotation (and successes that bring it back). */
  threshold: number;
  /** A probe not answered within this long failed (LB: the smaller of the interval and 30 s). */
  timeoutMs: number;
}

export interface FrontEndTarget {
  kind: 'loadBalancer' | 'applicationGateway';
  backendPoolIds: string[];
  backendPort: number;
  probe: HealthProbeDefinition;
  /** App Gateway connection draining (`connectionDraining.drainTimeoutInSec`) in emulator ms; 0 = off. */
  drainTimeoutMs: number;
  /** Standard LB `noHealthyBackendsBehavior`: `AllProbedUp` sends to every member when all are down. */
  allProbedDownSendsToAll?: boolean;
}

export interface FrontEndProxyOptions {
  target: FrontEndTarget;
  directory: () => InstanceDirectory;
  clock: Clock;
  /** When > 0, replaces every probe definition's interval (emulator ms): the instant timing profile. */
  probeIntervalOverrideMs?: () => number;
}

interface Member {
  resourceId: string;
  port: number;
  running: boolean;
}

interface Health {
  inRotation: boolean;
  /** Consecutive probe results that disagree with `inRotation`. */
  streak: number;
  probes: number;
}

/** One client connection to a load balancer front end: a flow, pinned to the member of its first request. */
interface Flow {
  memberId: string;
  /** The member's listener port when the flow began: a restart gives a new listener, and breaks the flow. */
  port: number;
}

/** What an observer can read about the front end (tests, the admin API). */
export interface FrontEndSnapshot {
  inRotation: string[];
  probeRounds: number;
}

export class FrontEndProxy {
  private server?: Server;
  private nextIndex = 0;
  private readonly health = new Map<string, Health>();
  private readonly flows = new Map<Socket, Flow>();
  /** In-flight App Gateway requests per member, so a member leaving the pool can cut or drain them. */
  private readonly inFlight = new Map<string, Set<{ abort: () => void; draining: boolean }>>();
  private target: FrontEndTarget;
  private running = false;
  private loop?: Promise<void>;
  /** Resolves when the front end closes, so the probe loop stops without waiting out its interval. */
  private stopped: Promise<void> = Promise.resolve();
  private stop: () => void = () => undefined;
  private roundsSinceTraffic = 0;
  private wake?: () => void;
  private probeRounds = 0;
  port = 0;

  constructor(private readonly options: FrontEndProxyOptions) {
    this.target = options.target;
  }

  update(target: FrontEndTarget): void {
    this.target = target;
  }

  snapshot(): FrontEndSnapshot {
    return { inRotation: [...this.health.entries()].filter(([, h]) => h.inRotation).map(([id]) => id).sort(), probeRounds: this.probeRounds };
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.forward(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
    });
    server.keepAliveTimeout = 1000;
    server.on('connection', (socket: Socket) => socket.on('close', () => this.flows.delete(socket)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.running = true;
    this.stopped = new Promise<void>((resolve) => (this.stop = resolve));
    this.loop = this.probeLoop();
    return this.port;
  }

  async close(): Promise<void> {
    this.running = false;
    this.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await this.loop;
  }

  private members(): Member[] {
    const seen = new Set<string>();
    const out: Member[] = [];
    for (const poolId of this.target.backendPoolIds) {
      for (const m of this.options.directory().membersOfBackendPool(poolId)) {
        if (seen.has(m.resourceId)) continue;
        seen.add(m.resourceId);
        out.push({ resourceId: m.resourceId, port: m.port, running: m.running });
        this.lastPort.set(m.resourceId, m.port);
      }
    }
    // A deleted instance is not out of rotation until its probes say so: the balancer keeps
    // sending it new connections (which fail) for up to interval × threshold. One merely taken
    // out of the pool (it still exists) gets none.
    for (const [id, h] of this.health) {
      if (seen.has(id) || !h.inRotation || this.options.directory().instance(id) !== undefined) continue;
      out.push({ resourceId: id, port: this.lastPort.get(id) ?? 0, running: false });
    }
    return out;
  }

  /** The listener port each member had when last listed (a deleted one's, for the connections it still gets). */
  private readonly lastPort = new Map<string, number>();

  private intervalMs(): number {
    const override = this.options.probeIntervalOverrideMs?.() ?? 0;
    return override > 0 ? override : this.target.probe.intervalMs;
  }

  /** Probes every member once per interval, as the platform does, until the front end closes. */
  private async probeLoop(): Promise<void> {
    while (this.running) {
      if (this.roundsSinceTraffic++ >= IDLE_ROUNDS) {
        await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), this.stopped]);
        continue;
      }
      const interval = this.intervalMs();
      await Promise.race([Promise.all([this.probeRound(), this.options.clock.sleep(interval)]), this.stopped]);
    }
  }

  private async probeRound(): Promise<void> {
    const members = this.members();
    const present = new Set(members.map((m) => m.resourceId));
    for (const id of [...this.health.keys()]) {
      if (!present.has(id)) {
        this.health.delete(id);
        this.lastPort.delete(id);
      }
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < members.length && this.running) {
        const m = members[next++] as Member;
        const ok = m.running && m.port > 0 ? await this.probe(m.port) : false;
        this.record(m.resourceId, ok);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, members.length) }, worker));
    this.probeRounds++;
    this.breakFlowsToGoneMembers();
    this.cutRequestsToMembersOutOfPool(present);
  }

  private record(resourceId: string, ok: boolean): void {
    const h = this.health.get(resourceId) ?? { inRotation: false, streak: 0, probes: 0 };
    h.probes++;
    if (ok === h.inRotation) h.streak = 0;
    else if (++h.streak >= Math.max(1, this.target.probe.threshold)) {
      h.inRotation = ok;
      h.streak = 0;
    }
    this.health.set(resourceId, h);
  }

  private probe(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (healthy: boolean): void => {
        if (settled) return;
        settled = true;
        resolve(healthy);
      };
      const req = request({ host: '127.0.0.1', port, path: this.target.probe.path, method: 'GET', agent: false }, (res) => {
        res.resume();
        const status = res.statusCode ?? 500;
        done(this.target.kind === 'loadBalancer' ? status === 200 : status >= 200 && status < 400);
      });
      req.on('error', () => done(false));
      req.end();
      // The timeout runs on the emulator's clock, like the interval — but never under a real second:
      // on a scaled clock a 5 s timeout is a few real ms, which a loaded machine's scheduling alone
      // exceeds, while a healthy Azure instance answers its probe in ms, far inside 5 s.
      const timedOut = Promise.all([this.options.clock.sleep(this.target.probe.timeoutMs), new Promise((resolve) => setTimeout(resolve, MIN_REAL_PROBE_TIMEOUT_MS))]);
      void Promise.race([timedOut, this.stopped]).then(() => {
        if (!settled) {
          done(false);
          req.destroy();
        }
      });
    });
  }

  /** A flow whose member is gone (deleted, stopped, restarted on a new listener) is reset. */
  private breakFlowsToGoneMembers(): void {
    for (const [socket, flow] of this.flows) {
      if (this.flowAlive(flow)) continue;
      this.flows.delete(socket);
      socket.destroy();
    }
  }

  /** Out of the pool or out of rotation is not gone: an LB keeps existing flows to a member it no longer balances to. */
  private flowAlive(flow: Flow): boolean {
    const instance = this.options.directory().instance(flow.memberId);
    return instance !== undefined && instance.running && instance.port === flow.port;
  }

  /** App Gateway: requests in flight to a member that left the pool are cut, or drained for the drain timeout. */
  private cutRequestsToMembersOutOfPool(present: Set<string>): void {
    for (const [memberId, set] of this.inFlight) {
      if (present.has(memberId)) continue;
      for (const r of set) {
        if (r.draining) continue;
        r.draining = true;
        if (this.target.drainTimeoutMs > 0) void this.options.clock.sleep(this.target.drainTimeoutMs).then(r.abort);
        else r.abort();
      }
    }
  }

  private rotation(members: Member[]): Member[] {
    const up = members.filter((m) => this.health.get(m.resourceId)?.inRotation === true);
    if (up.length === 0 && this.target.allProbedDownSendsToAll) return members;
    return up;
  }

  private noBackend(res: ServerResponse): void {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('No healthy backend instance behind this front end.');
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.roundsSinceTraffic = 0;
    this.wake?.();
    this.wake = undefined;
    const members = this.members();
    const socket = req.socket;
    let member: Member | undefined;
    if (this.target.kind === 'loadBalancer') {
      const flow = this.flows.get(socket);
      if (flow) {
        // The flow keeps its member while that member lives, in rotation or not, in the pool or not.
        if (!this.flowAlive(flow)) {
          this.flows.delete(socket);
          socket.destroy();
          return;
        }
        member = { resourceId: flow.memberId, port: flow.port, running: true };
      }
    } else {
      this.cutRequestsToMembersOutOfPool(new Set(members.map((m) => m.resourceId)));
    }
    if (!member) {
      const rotation = this.rotation(members);
      const picked = rotation[this.nextIndex++ % Math.max(1, rotation.length)];
      if (!picked) return this.noBackend(res);
      member = picked;
      if (this.target.kind === 'loadBalancer') this.flows.set(socket, { memberId: member.resourceId, port: member.port });
    }
    const chosen = member;
    const upstream = request(
      { host: '127.0.0.1', port: chosen.port, path: req.url, method: req.method, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    const failed = (): void => {
      if (this.target.kind === 'loadBalancer') {
        // Layer 4: the client's connection to a member that went away is simply reset.
        this.flows.delete(socket);
        socket.destroy();
        return;
      }
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Backend instance did not answer.');
    };
    upstream.on('error', failed);
    if (this.target.kind === 'applicationGateway') {
      const set = this.inFlight.get(chosen.resourceId) ?? new Set();
      this.inFlight.set(chosen.resourceId, set);
      const entry = { abort: (): void => void upstream.destroy(new Error('member left the backend pool')), draining: false };
      set.add(entry);
      res.on('close', () => {
        set.delete(entry);
        if (set.size === 0) this.inFlight.delete(chosen.resourceId);
      });
    }
    req.pipe(upstream);
  }
}
