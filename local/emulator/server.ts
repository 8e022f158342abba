/**
 * The emulator's HTTPS front door. Every ARM request passes the same steps, in this order:
 *   1. request log start (time)          5. throttling (token buckets, Compute policies)
 *   2. admin dispatch (/_emulator/*)      6. fault injection (route faults)
 *   3. route match (404/405 ARM bodies)   7. body parse (400 InvalidRequestContent)
 *   4. api-version per type + bearer auth 8. handler → response (+ rate-limit headers) → log end
 * A list page (a 200 whose body has a `value` array) is answered after ARM's list-page latency
 * (timing.listPageMs ± listPageJitterMs, on the emulator's clock).
 * Admin routes are not logged or throttled. Nothing a client sends may produce a 500: handlers
 * throw ArmError for bad input; anything else is a bug and is reported on stderr.
 */
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ArmError } from './core/contract';
import type { ArmRequest, ArmResponse, OperationKind, ProviderContext } from './core/contract';
import { armErrors, errorBody } from './core/errors';
import type { FaultController } from './core/faults';
import type { RequestLog } from './core/requestLog';
import type { RouteTable } from './core/router';
import type { Throttler } from './core/throttling';
import { listPageLatency } from './core/armLatency';
import { checkApiVersion } from './core/apiVersions';

export interface AdminApi {
  handle(method: string, path: string, url: URL, body: unknown): Promise<ArmResponse | undefined>;
}

export interface ServerParts {
  routes: RouteTable;
  requestLog: RequestLog;
  throttler: Throttler;
  faults: FaultController;
  context: ProviderContext;
  admin: AdminApi;
  tls: { cert: string; key: string };
  onBaseUrl(baseUrl: string): void;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ArmError(413, 'RequestEntityTooLarge', 'The request body is larger than the emulator accepts (4 MiB).'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: ArmResponse, extraHeaders: Record<string, string>): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': crypto.randomUUID(),
    'x-ms-correlation-request-id': crypto.randomUUID(),
    ...extraHeaders,
    ...(response.headers ?? {}),
  };
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const ARM_METHODS = new Set(['GET', 'PUT', 'PATCH', 'POST', 'DELETE', 'HEAD']);

/**
 * The admin API also listens on plain HTTP (loopback only) so tools, tests and the local prober
 * can read it with a bare `fetch`, without handing them the emulator's CA.
 */
export function createAdminServer(admin: AdminApi): import('node:http').Server {
  return createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    readBody(req)
      .then(async (text) => {
        let body: unknown;
        try {
          body = text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          send(res, { status: 400, body: { error: 'body is not valid JSON' } }, {});
          return;
        }
        const answer = await admin.handle(method, url.pathname, url, body);
        send(res, answer ?? { status: 404, body: { error: `no admin route ${method} ${url.pathname}` } }, {});
      })
      .catch(() => {
        if (!res.headersSent) send(res, { status: 500, body: { error: 'admin request failed' } }, {});
      });
  });
}

export function createEmulatorServer(parts: ServerParts): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }

    // 2. Admin API: not ARM, not logged.
    if (path.startsWith('/_emulator')) {
      let body: unknown;
      try {
        const text = await readBody(req);
        body = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        send(res, { status: 400, body: { error: 'body is not valid JSON' } }, {});
        return;
      }
      const answer = await parts.admin.handle(method, path, url, body);
      send(res, answer ?? { status: 404, body: { error: `no admin route ${method} ${path}` } }, {});
      return;
    }

    let template = '(unmatched)';
    let action = '';
    let kind: OperationKind | 'unknown' = 'unknown';
    let injected = false;
    const apiVersion = url.searchParams.get('api-version') ?? '';
    let response: ArmResponse;
    let rateHeaders: Record<string, string> = {};
    try {
      if (!ARM_METHODS.has(method)) throw armErrors.methodNotAllowed(method);
      // 3. Route.
      const matched = parts.routes.match(method === 'HEAD' ? 'HEAD' : method, path);
      if (!matched) throw armErrors.noRoute(method, path);
      if ('methodNotAllowed' in matched) throw armErrors.methodNotAllowed(method);
      template = matched.spec.template;
      action = matched.spec.action;
      kind = matched.spec.kind;
      // 4. api-version and auth.
      if (!apiVersion) throw armErrors.missingApiVersion();
      // ARM names the location in its refusal: the one in the path, else the resource group's.
      const location =
        matched.params.location ??
        (matched.params.resourceGroupName ? parts.context.store.getResourceGroup(matched.params.subscriptionId ?? '', matched.params.resourceGroupName)?.location : undefined) ??
        'global';
      checkApiVersion({ rule: matched.apiVersions, apiVersion, location });
      const auth = req.headers.authorization;
      if (!auth || !/^Bearer\s+\S+/i.test(auth)) throw armErrors.authenticationFailed();
      // 5. Throttling, 6. faults: both answer before the handler, as ARM's front door would.
      const subscriptionId = matched.params.subscriptionId ?? '';
      injected = true;
      rateHeaders = parts.throttler.check(subscriptionId, matched.spec.kind, matched.spec.computePolicies);
      parts.faults.checkRoute(method, template, path);
      if (parts.faults.takeHang(method, template, path)) {
        // Accepted and never answered, as a black-holed connection: logged now (status 0), the
        // socket left open until the client gives up.
        parts.requestLog.append({ time: new Date().toISOString(), method, path, template, action, kind, status: 0, latencyMs: 0, apiVersion, injected: true });
        req.resume();
        return;
      }
      injected = false;
      // 7. Body.
      const text = await readBody(req);
      let body: unknown;
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch (error) {
          throw armErrors.invalidRequestContent((error as Error).message);
        }
      }
      const armRequest: ArmRequest = {
        method: method as ArmRequest['method'],
        path,
        params: matched.params,
        query: url.searchParams,
        headers: req.headers,
        body,
        apiVersion,
        subscriptionId,
        resourceGroupName: matched.params.resourceGroupName,
        baseUrl: parts.context.baseUrl,
      };
      // 8. Handler.
      response = await matched.spec.handler(armRequest);
    } catch (error) {
      if (error instanceof ArmError) {
        response = { status: error.status, body: errorBody(error), headers: error.headers };
      } else {
        console.error(`[emulator] internal error on ${method} ${path}:`, error);
        response = { status: 500, body: errorBody(armErrors.internal(error instanceof Error ? error.message : String(error))) };
        injected = false;
      }
    }
    if (method === 'HEAD') response = { status: response.status, headers: response.headers };
    if (method === 'GET' && response.status === 200 && Array.isArray((response.body as { value?: unknown } | undefined)?.value)) {
      const latency = listPageLatency(parts.context.timing);
      if (latency > 0) await parts.context.clock.sleep(latency);
    }
    send(res, response, rateHeaders);
    const errorCode =
      response.status >= 400 && typeof response.body === 'object' && response.body !== null
        ? ((response.body as { error?: { code?: string } }).error?.code ?? undefined)
        : undefined;
    parts.requestLog.append({
      time: new Date().toISOString(),
      method,
      path,
      template,
      action,
      kind,
      status: response.status,
      latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
      apiVersion,
      ...(errorCode ? { errorCode } : {}),
      ...(injected && response.status >= 400 ? { injected: true } : {}),
      ...(response.linkedActions?.length && response.status < 400 ? { linkedActions: response.linkedActions } : {}),
    });
  };

  return createServer({ cert: parts.tls.cert, key: parts.tls.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[emulator] request failed:', error);
      if (!res.headersSent) send(res, { status: 500, body: errorBody(armErrors.internal('unexpected failure')) }, {});
    });
  });
}
