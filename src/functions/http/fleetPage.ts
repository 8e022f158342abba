/* eslint-disable @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start) */
/**
 * GET /api/fleet — the fleet page. The page itself is a shell with no data and no secret, so it
 * needs no key in its address (anonymous at the host): its data and reports need a viewer
 * (credentials.ts), which the page sends as a header or, signed in through App Service
 * authentication, as the session cookie.
 */
import { app, type HttpResponseInit } from '@azure/functions';
import { loadSettings } from '../../settings';
import { fleetPageHtml } from './fleetPageMarkup';

export function fleetPage(): HttpResponseInit {
  const nonce = (require('node:crypto') as typeof import('node:crypto')).randomBytes(16).toString('base64');
  return {
    status: 200,
    body: fleetPageHtml(nonce, loadSettings().FRIDAY_FLEET_AUTH),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      // Nothing of the page's address or data goes on as a referrer; nothing is cached.
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  };
}

app.http('fleetPage', { route: 'fleet', methods: ['GET'], authLevel: 'anonymous', handler: fleetPage });
