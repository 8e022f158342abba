/**
 * POST /api/autoscale-webhook?token=… — Azure Monitor autoscale's notification webhook (Scale
 * Out / Scale In with old and new capacity, no instance ids). Authenticated by the token in the
 * query string (the only credential autoscale can send). A scale set without friday-fleet's mark
 * is ignored; otherwise the notification is kept and handed to the scale set's watch, like an
 * Event Grid event (it carries no event id, so it gets one here: every notification counts).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { armClientsFor } from '../../azure/armClients';
import { cachedScaleSetMark } from '../../azure/managedScaleSets';
import { parseAutoscaleWebhook } from '../../domain/events/scaleEvents';
import { loadSettings } from '../../settings';
import { signalWatch } from '../eventGrid/scaleSetWatch';
import { badRequest, readJson } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';
import { webhookTokenMatches } from './webhookToken';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start)
const crypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto');

export async function autoscaleWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const settings = loadSettings();
  if (!webhookTokenMatches([settings.FRIDAY_AUTOSCALE_WEBHOOK_TOKEN, settings.FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS], request.query.get('token'))) return { status: 401, jsonBody: { error: 'Unauthorized: a valid token query parameter is required.' } };
  // Autoscale's notification is a couple of KB.
  const body = await readJson(request, { maxBytes: 32 * 1024 });
  if (!body.ok) return body.response;
  const parsed = parseAutoscaleWebhook(body.value);
  if (!parsed.ok) return badRequest('InvalidAutoscaleNotification', parsed.problems);
  const n = parsed.value;
  if (n.scaleSet.subscriptionId.toLowerCase() !== settings.AZURE_SUBSCRIPTION_ID.toLowerCase()) return { status: 202, jsonBody: { result: 'ignored', reason: 'another subscription' } };
  const mark = await cachedScaleSetMark(armClientsFor(settings), { resourceGroup: n.scaleSet.resourceGroup, scaleSetName: n.scaleSet.name }, Date.now());
  if (!mark.managed) return { status: 202, jsonBody: { result: 'ignored', reason: mark.exists ? 'the scale set does not carry the managed-by: friday-fleet mark' : 'no such scale set' } };
  const eventId = `autoscale-${crypto().randomUUID()}`;
  const signal = await signalWatch({ client: durableClient(context), settings, scaleSet: n.scaleSet, event: { reason: `autoscale ${n.operation} ${n.oldCapacity} → ${n.newCapacity}`, eventId }, context, now: new Date() });
  return { status: 202, jsonBody: { result: signal, eventId } };
}

app.http('autoscaleWebhook', { route: 'autoscale-webhook', methods: ['POST'], authLevel: 'anonymous', extraInputs: [durableClientInput], handler: autoscaleWebhook });
