/**
 * Event Grid trigger for the target resource group's system topic: scale-set writes, actions and
 * deletes (Event Grid schema or CloudEvents). Events for other topics, other resources or scale
 * sets friday-fleet does not manage are logged and ignored; malformed events are rejected with a
 * clear log line (never thrown: Event Grid would only redeliver them).
 */
import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { classifyScaleEvent, parseResourceEvent, scaleSetOf } from '../../domain/events/scaleEvents';
import { loadSettings } from '../../settings';
import { isManaged, signalWatch } from './scaleSetWatch';
import { durableClient, durableClientInput } from '../durable';

export async function scaleSetEvents(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const parsed = parseResourceEvent(event);
  if (!parsed.ok) {
    context.error(`scale event rejected: ${parsed.problems.join('; ')}`);
    return;
  }
  const settings = loadSettings();
  const client = durableClient(context);
  const allowedTopics = (settings.FRIDAY_EVENTGRID_ALLOWED_TOPICS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const classification = classifyScaleEvent(parsed.value, { subscriptionId: settings.AZURE_SUBSCRIPTION_ID, allowedTopics, managed: () => true });
  if (classification.decision === 'ignore' || !classification.scaleSet) {
    context.log(`scale event ${parsed.value.id} ignored: ${classification.reason}`);
    return;
  }
  if (!(await isManaged(client, settings, classification.scaleSet))) {
    context.log(`scale event ${parsed.value.id} ignored: scale set ${classification.scaleSet.resourceGroup}/${classification.scaleSet.name} is not managed by friday-fleet`);
    return;
  }
  const instanceId = scaleSetOf(parsed.value.subject)?.instanceId;
  const signal = await signalWatch({ client, settings, scaleSet: classification.scaleSet, event: { reason: classification.reason, eventId: parsed.value.id, ...(instanceId ? { instanceId } : {}) }, context });
  context.log(`scale event ${parsed.value.id}: ${classification.reason} → ${signal}`);
}

app.eventGrid('scaleSetEvents', { extraInputs: [durableClientInput], handler: scaleSetEvents });
