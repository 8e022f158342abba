/* eslint-disable @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start) */
/** GET /api/fleet — the fleet page (function key required; the page passes it on to /api/fleet/data). */
import { app, type HttpResponseInit } from '@azure/functions';
import { fleetPageHtml } from './fleetPageMarkup';

export function fleetPage(): HttpResponseInit {
  const nonce = (require('node:crypto') as typeof import('node:crypto')).randomBytes(16).toString('base64');
  return {
    status: 200,
    body: fleetPageHtml(nonce),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      // The address carries the function key: never send it on as a referrer, never cache the page.
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  };
}

app.http('fleetPage', { route: 'fleet', methods: ['GET'], authLevel: 'function', handler: fleetPage });
