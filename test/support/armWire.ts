/**
 * One ARM request over HTTPS with the emulator's CA, as the SDK sends it (bearer token, JSON body),
 * for tests that must control the wire itself: the api-version, an exact body from a spec example.
 */
import { request as httpsRequest } from 'node:https';

export interface ArmWireResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Parsed JSON, or undefined when the answer had no body. */
  body: unknown;
}

export function armWire(
  emulator: { armEndpoint: string; caCertPem: string },
  request: { method: string; path: string; apiVersion?: string; query?: Record<string, string>; body?: unknown },
): Promise<ArmWireResponse> {
  const url = new URL(request.path, emulator.armEndpoint);
  if (request.apiVersion !== undefined) url.searchParams.set('api-version', request.apiVersion);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  const text = request.body === undefined ? undefined : JSON.stringify(request.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: request.method,
        ca: emulator.caCertPem,
        headers: { authorization: 'Bearer test-token', ...(text !== undefined ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          let body: unknown;
          try {
            body = data ? (JSON.parse(data) as unknown) : undefined;
          } catch {
            body = data;
          }
          resolve({ status: res.statusCode ?? 0, headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
