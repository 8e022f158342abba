/* eslint-disable @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start) */
/**
 * Credentials the app checks itself (the host checks function keys): the autoscale webhook's
 * token and the fleet page's read-only viewer access.
 *
 * Secrets are compared as SHA-256 digests with timingSafeEqual: both sides are always 32 bytes,
 * so the compare takes the same time whatever was sent, leaks no length, and cannot throw on a
 * multi-byte value (timingSafeEqual throws when two buffers differ in length — comparing the raw
 * strings made a token like `é…` a 500).
 *
 * Fleet viewers, read-only by construction — the fleet routes are GETs that read, and none of
 * these credentials is a function key, so none of them opens any route that changes anything:
 * - `FRIDAY_FLEET_VIEWER_KEY`, sent as the `x-friday-viewer-key` header (the page keeps it in
 *   sessionStorage; it never appears in an address).
 * - In Azure with `FRIDAY_FLEET_AUTH=appService`: App Service authentication (Entra ID) in front
 *   of the app signs the person in and passes their principal in `x-ms-client-principal`; they
 *   need the app role `FRIDAY_FLEET_VIEWER_ROLE` (default `Fleet.Viewer`). App Service removes
 *   that header from incoming requests and sets it itself, so it is trusted only in that mode —
 *   anywhere else it is a header anyone can send, and is ignored.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { AppSettings } from '../../settings';

const digest = (text: string): Buffer => (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(text, 'utf8').digest();

/** Constant-time equality of a configured secret and what a caller sent; false when either is missing. */
export function secretMatches(expected: string | undefined, given: string | null | undefined): boolean {
  if (!expected || !given) return false;
  return (require('node:crypto') as typeof import('node:crypto')).timingSafeEqual(digest(expected), digest(given));
}

export const VIEWER_KEY_HEADER = 'x-friday-viewer-key';

export type ViewerAccess = { ok: true; via: 'viewerKey' | 'appService'; who?: string } | { ok: false; response: HttpResponseInit };

interface ClientPrincipal {
  auth_typ?: string;
  role_typ?: string;
  claims?: Array<{ typ?: string; val?: string }>;
}

/** The App Service principal's roles (claims of the role type, or `roles`). */
export function principalRoles(header: string): { roles: string[]; name?: string } | undefined {
  try {
    const principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as ClientPrincipal;
    const roleTypes = new Set(['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', principal.role_typ].filter(Boolean));
    const claims = principal.claims ?? [];
    return {
      roles: claims.filter((c) => c.typ && roleTypes.has(c.typ) && typeof c.val === 'string').map((c) => c.val as string),
      name: claims.find((c) => c.typ === 'name' || c.typ === 'preferred_username')?.val,
    };
  } catch {
    return undefined;
  }
}

/** Whether this request may read the fleet page's data; a 401/403 answer when not. */
export function fleetViewerAccess(request: HttpRequest, settings: AppSettings): ViewerAccess {
  if (settings.FRIDAY_FLEET_AUTH === 'appService') {
    const header = request.headers.get('x-ms-client-principal');
    if (header) {
      const principal = principalRoles(header);
      if (principal?.roles.includes(settings.FRIDAY_FLEET_VIEWER_ROLE)) return { ok: true, via: 'appService', ...(principal.name ? { who: principal.name } : {}) };
      return { ok: false, response: { status: 403, jsonBody: { error: 'Forbidden', message: `Signed in, but without the ${settings.FRIDAY_FLEET_VIEWER_ROLE} app role.` } } };
    }
  }
  if (secretMatches(settings.FRIDAY_FLEET_VIEWER_KEY, request.headers.get(VIEWER_KEY_HEADER))) return { ok: true, via: 'viewerKey' };
  const how = settings.FRIDAY_FLEET_AUTH === 'appService' ? 'sign in (App Service authentication) or send the viewer key' : `send the viewer key in the ${VIEWER_KEY_HEADER} header`;
  return { ok: false, response: { status: 401, headers: { 'cache-control': 'no-store' }, jsonBody: { error: 'Unauthorized', message: `Fleet data needs a viewer: ${how}.` } } };
}
