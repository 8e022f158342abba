/**
 * A load balancer (or Application Gateway) front end as a real HTTP proxy on loopback. Requests
 * are spread round-robin over the backend pool's running members that pass the health probe
 * (HTTP GET on the probe path, 2xx = healthy); no healthy member → 503, as a Standard LB drops the
 * flow. As in Azure, probing runs beside the traffic, not in its path: a request uses the last
 * known health and, when that is older than the probe interval, starts one sweep of the pool
 * (bounded concurrency) in the background. Only members never probed yet (new instances) make a
 * request wait for the sweep, so a fresh member is checked before it takes traffic.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InstanceDirectory } from '../core/contract';

/** Health probes in flight during one sweep of a pool. */
const SWEEP_CONCURRENCY = 50;

export interface FrontEndTarget {
  backendPoolIds: string[];
  backendPort: number;
  probePath: string;
}

interface Member {
  resourceId: string;
  port: number;
}

/** Stands in for the probe interval (Azure: 5 s by default), shortened for tests. */
const PROBE_INTERVAL_MS = 250;
const PROBE_TIMEOUT_MS = 1000;

export class FrontEndProxy {
  private server?: Server;
  private nextIndex = 0;
  private readonly health = new Map<number, { healthy: boolean; at: number }>();
  private sweep?: Promise<void>;
  private sweptAt = 0;
  port = 0;

  constructor(private target: FrontEndTarget, private readonly directory: () => InstanceDirectory) {}

  update(target: FrontEndTarget): void {
    this.target = target;
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.forward(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private members(): Member[] {
    const seen = new Set<string>();
    const out: Member[] = [];
    for (const poolId of this.target.backendPoolIds) {
      for (const m of this.directory().membersOfBackendPool(poolId)) {
        if (!m.running || seen.has(m.resourceId)) continue;
        seen.add(m.resourceId);
        out.push({ resourceId: m.resourceId, port: m.port });
      }
    }
    return out;
  }

  private probe(port: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (healthy: boolean): void => {
        this.health.set(port, { healthy, at: Date.now() });
        resolve();
      };
      const req = request({ host: '127.0.0.1', port, path: this.target.probePath, method: 'GET', timeout: PROBE_TIMEOUT_MS, agent: false }, (res) => {
        res.resume();
        done((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 300);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => done(false));
      req.end();
    });
  }

  /** One sweep at a time, however many requests ask for it. */
  private startSweep(members: Member[]): Promise<void> {
    this.sweep ??= (async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < members.length) await this.probe((members[next++] as Member).port);
      };
      await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, members.length) }, worker));
      this.sweptAt = Date.now();
    })().finally(() => {
      this.sweep = undefined;
    });
    return this.sweep;
  }

  private async healthyMembers(): Promise<Member[]> {
    const members = this.members();
    const neverProbed = members.some((m) => !this.health.has(m.port));
    if (neverProbed || Date.now() - this.sweptAt >= PROBE_INTERVAL_MS) {
      const sweep = this.startSweep(members);
      if (neverProbed) await sweep;
    }
    return members.filter((m) => this.health.get(m.port)?.healthy === true);
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const healthy = await this.healthyMembers();
    if (healthy.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('No healthy backend instance behind this front end.');
      return;
    }
    const member = healthy[this.nextIndex++ % healthy.length] as Member;
    const upstream = request(
      { host: '127.0.0.1', port: member.port, path: req.url, method: req.method, headers: req.headers, agent: false, timeout: 30_000 },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      this.health.set(member.port, { healthy: false, at: Date.now() });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Backend instance did not answer.');
    });
    req.pipe(upstream);
  }
}
