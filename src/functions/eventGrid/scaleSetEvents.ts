/**
 * Event Grid trigger for the target resource group's system topic: scale-set writes, actions and
 * deletes (Event Grid schema or CloudEvents). Events for other topics, other resources, or scale
 * sets that do not carry friday-fleet's mark (domain/managedMark.ts) are logged and ignored;
 * malformed events are rejected with a clear log line (never thrown: Event Grid would only
 * redeliver them). Everything else is kept and handed to the scale set's watch (scaleSetWatch.ts).
 */
import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { armClientsFor } from '../../azure/armClients';
import { cachedScaleSetMark } from '../../azure/managedScaleSets';
import { classifyScaleEvent, parseResourceEvent, scaleSetOf } from '../../domain/events/scaleEvents';
import { loadSettings } from '../../settings';
import { signalWatch } from './scaleSetWatch';
import { durableClient, durableClientInput } from '../durable';

export async function scaleSetEvents(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const parsed = parseResourceEvent(event);
  if (!parsed.ok) {
    context.error(`scale event rejected: ${parsed.problems.join('; ')}`);
    return;
  }
  const settings = loadSettings();
  const allowedTopics = (settings.FRIDAY_EVENTGRID_ALLOWED_TOPICS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  // Topic, subscription and resource type first (no ARM call for anything that is not even ours to ask about)…
  const classification = classifyScaleEvent(parsed.value, { subscriptionId: settings.AZURE_SUBSCRIPTION_ID, allowedTopics, managed: () => true });
  if (classification.decision === 'ignore' || !classification.scaleSet) {
    context.log(`scale event ${parsed.value.id} ignored: ${classification.reason}`);
    return;
  }
  // …then the mark on the scale set itself.
  const ref = classification.scaleSet;
  const mark = await cachedScaleSetMark(armClientsFor(settings), { resourceGroup: ref.resourceGroup, scaleSetName: ref.name }, Date.now());
  if (!mark.managed) {
    context.log(`scale event ${parsed.value.id} ignored: scale set ${ref.resourceGroup}/${ref.name} ${mark.exists ? 'does not carry the managed-by: friday-fleet mark' : 'does not exist'}`);
    return;
  }
  const instanceId = scaleSetOf(parsed.value.subject)?.instanceId;
  const signal = await signalWatch({ client: durableClient(context), settings, scaleSet: ref, event: { reason: classification.reason, eventId: parsed.value.id, ...(instanceId ? { instanceId } : {}) }, context, now: new Date() });
  context.log(`scale event ${parsed.value.id}: ${classification.reason} → ${signal}`);
}

app.eventGrid('scaleSetEvents', { extraInputs: [durableClientInput], handler: scaleSetEvents });
