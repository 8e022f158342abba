/**
 * An instance's web server: a real HTTP listener on loopback serving what the guest's IIS would
 * serve. No listener before IIS is installed (connection refused), IIS's default document for `/`,
 * 404 for anything missing. Guest faults make the page answer 500, hang, reset the connection, or
 * name another host.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorTiming } from '../core/contract';
import { defaultDocument } from './powershell';
import { WWWROOT, type WindowsGuest } from './windowsGuest';

/** One answer's latency: the configured mean, spread uniformly by the jitter (never below 0). */
export function pageLatency(timing: Pick<EmulatorTiming, 'pageLatencyMs' | 'pageLatencyJitterMs'>, random: () => number = Math.random): number {
  const jitter = timing.pageLatencyJitterMs ?? 0;
  if (jitter <= 0) return timing.pageLatencyMs;
  return Math.max(0, timing.pageLatencyMs + (random() * 2 - 1) * jitter);
}

export interface ListenerOptions {
  guest: () => WindowsGuest;
  fault: () => 'page500' | 'hang' | 'close' | 'wrongHost' | undefined;
  latencyMs: () => number;
}

export class InstanceListener {
  private server?: Server;
  port = 0;

  constructor(private readonly options: ListenerOptions) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((req, res) => {
      const fault = this.options.fault();
      if (fault === 'hang') return; // accept, never answer
      if (fault === 'close') {
        req.socket.destroy();
        return;
      }
      const respond = (): void => {
        if (fault === 'page500') {
          res.writeHead(500, { 'content-type': 'text/html' });
          res.end('<h1>500 - Internal server error.</h1>');
          return;
        }
        const guest = this.options.guest();
        const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
        let body = path === '/' ? defaultDocument(guest) : guest.readFile(`${WWWROOT}${path.replace(/\//g, '\\')}`);
        if (body === undefined) {
          res.writeHead(404, { 'content-type': 'text/html' });
          res.end('<h1>404 - File or directory not found.</h1>');
          return;
        }
        if (fault === 'wrongHost') body = body.replace(guest.env.COMPUTERNAME ?? '', 'SOMEOTHERHOST');
        res.writeHead(200, { 'content-type': 'text/html', server: 'Microsoft-IIS/10.0' });
        res.end(body);
      };
      const latency = this.options.latencyMs();
      if (latency > 0) setTimeout(respond, latency);
      else respond();
    });
    server.keepAliveTimeout = 2000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Also the connections of requests it never answered (a `hang` fault).
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
