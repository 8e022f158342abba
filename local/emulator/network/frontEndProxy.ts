/**
 * A load balancer (or Application Gateway) front end as a real HTTP proxy on loopback. Requests
 * are spread round-robin over the backend pool's running members that pass the health probe
 * (HTTP GET on the probe path, 2xx = healthy). Probe results are cached briefly, standing in for
 * the probe interval; no healthy member → 503, as a Standard LB drops the flow.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InstanceDirectory } from '../core/contract';

export interface FrontEndTarget {
  backendPoolIds: string[];
  backendPort: number;
  probePath: string;
}

interface Member {
  resourceId: string;
  port: number;
}

const PROBE_CACHE_MS = 250;
const PROBE_TIMEOUT_MS = 1000;

export class FrontEndProxy {
  private server?: Server;
  private nextIndex = 0;
  private readonly health = new Map<number, { healthy: boolean; at: number }>();
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

  private probe(port: number): Promise<boolean> {
    const cached = this.health.get(port);
    if (cached && Date.now() - cached.at < PROBE_CACHE_MS) return Promise.resolve(cached.healthy);
    return new Promise((resolve) => {
      const done = (healthy: boolean): void => {
        this.health.set(port, { healthy, at: Date.now() });
        resolve(healthy);
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

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const members = this.members();
    const checks = await Promise.all(members.map(async (m) => ((await this.probe(m.port)) ? m : undefined)));
    const healthy = checks.filter((m): m is Member => m !== undefined);
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
