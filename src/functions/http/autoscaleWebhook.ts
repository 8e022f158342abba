/* eslint-disable @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start) */
/**
 * POST /api/autoscale-webhook?token=… — Azure Monitor autoscale's notification webhook (Scale
 * Out / Scale In with old and new capacity, no instance ids). Authenticated by the token in the
 * query string (the only credential autoscale can send); it starts or nudges the verification run.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { parseAutoscaleWebhook } from '../../domain/events/scaleEvents';
import { loadSettings } from '../../settings';
import { signalWatch } from '../eventGrid/scaleSetWatch';
import { badRequest, readJson } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';

function tokenMatches(expected: string | undefined, given: string | null): boolean {
  if (!expected || !given || expected.length !== given.length) return false;
  return (require('node:crypto') as typeof import('node:crypto')).timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

export async function autoscaleWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const settings = loadSettings();
  if (!tokenMatches(settings.FRIDAY_AUTOSCALE_WEBHOOK_TOKEN, request.query.get('token'))) return { status: 401, jsonBody: { error: 'Unauthorized: a valid token query parameter is required.' } };
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const parsed = parseAutoscaleWebhook(body.value);
  if (!parsed.ok) return badRequest('InvalidAutoscaleNotification', parsed.problems);
  const n = parsed.value;
  if (n.scaleSet.subscriptionId.toLowerCase() !== settings.AZURE_SUBSCRIPTION_ID.toLowerCase()) return { status: 202, jsonBody: { result: 'ignored', reason: 'another subscription' } };
  const signal = await signalWatch({ client: durableClient(context), settings, scaleSet: n.scaleSet, event: { reason: `autoscale ${n.operation} ${n.oldCapacity} → ${n.newCapacity}` }, context });
  return { status: 202, jsonBody: { result: signal } };
}

app.http('autoscaleWebhook', { route: 'autoscale-webhook', methods: ['POST'], authLevel: 'anonymous', extraInputs: [durableClientInput], handler: autoscaleWebhook });
