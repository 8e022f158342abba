/**
 * Hands a scale event to the one verification run per scale set, losing none:
 *
 * 1. The event is kept durably first (azure/scaleSetState.ts), under its event id — a redelivery
 *    of an event still waiting is recognised there.
 * 2. The watch is started under the scale set's change lock id, race-safe: when two events race,
 *    the runtime starts one and the other sees the lock held.
 * 3. If any run holds the lock — a deployment, scaling, schedule change, or a watch (which reads the
 *    store again before it ends, but may be past that point) — a hand-over run
 *    (orchestrators/handOverEvents.ts) waits for the lock to be free and starts a watch for
 *    whatever is still kept. Events are never raised to a run that does not listen for them.
 */
import type { InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { keepEvent } from '../../azure/scaleSetState';
import { changeInstanceId, handOverInstanceId, holdsLock, scaleSetKey, type ScaleSetIdentity } from '../../domain/changeLock';
import type { ScaleSetRef } from '../../domain/events/scaleEvents';
import type { AppSettings } from '../../settings';
import { ORCHESTRATOR } from '../activities/names';
import { startUnderLock } from '../http/problemResponse';
import type { HandOverInput } from '../orchestrators/handOverEvents';
import type { WatchInput } from '../orchestrators/watchScaleSet';

export type WatchSignal = 'started' | 'queued' | 'duplicate';

export interface ScaleEventNotice {
  reason: string;
  /** Event Grid's event id; autoscale notifications get one when they arrive. */
  eventId: string;
  instanceId?: string;
}

/** A new watch's input: what the last watch verified carries over (only if nothing else ran since). Its limits are not input: the run reads them from the settings. */
export function watchInputAfter(previous: { name: string; output: unknown } | undefined, scaleSet: { resourceGroup: string; scaleSetName: string }): WatchInput {
  const carried = previous?.name === ORCHESTRATOR.watchScaleSet ? (previous.output as Partial<WatchInput> | null) : null;
  return {
    ...scaleSet,
    verified: carried?.verified ?? [],
    actions: [],
    rounds: 0,
    seenEventIds: carried?.seenEventIds ?? [],
  };
}

async function statusOf(client: DurableClient, instanceId: string): Promise<{ name: string; runtimeStatus: string; output: unknown } | undefined> {
  try {
    const s = await client.getStatus(instanceId);
    return { name: s.name, runtimeStatus: String(s.runtimeStatus), output: s.output };
  } catch {
    return undefined;
  }
}

export async function signalWatch(options: { client: DurableClient; settings: AppSettings; scaleSet: ScaleSetRef; event: ScaleEventNotice; context: InvocationContext; now: Date }): Promise<WatchSignal> {
  const { client, settings, scaleSet, event } = options;
  const identity: ScaleSetIdentity = { subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: scaleSet.resourceGroup, scaleSetName: scaleSet.name };
  const lockId = changeInstanceId(identity);
  const previous = await statusOf(client, lockId);
  // A redelivery of an event the last watch already handled changes nothing.
  const carried = previous && !holdsLock(previous.runtimeStatus) && previous.name === ORCHESTRATOR.watchScaleSet ? (previous.output as Partial<WatchInput> | null) : null;
  if (carried?.seenEventIds?.includes(event.eventId)) return 'duplicate';
  const kept = await keepEvent(settings, scaleSetKey(identity), { eventId: event.eventId, reason: event.reason, receivedAt: options.now.toISOString(), scaleSet: { resourceGroup: scaleSet.resourceGroup, scaleSetName: scaleSet.name }, ...(event.instanceId ? { instanceId: event.instanceId } : {}) });
  if (kept === 'duplicate') return 'duplicate';
  const target = { resourceGroup: scaleSet.resourceGroup, scaleSetName: scaleSet.name };
  const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.watchScaleSet, instanceId: lockId, input: watchInputAfter(previous, target) });
  if (start.started) {
    options.context.log(`scale-set watch started for ${scaleSet.resourceGroup}/${scaleSet.name}: ${event.reason}`);
    return 'started';
  }
  // The lock is held: the event waits in the store, and a hand-over run starts a watch once it is free.
  const handOver: HandOverInput = { ...target, polls: 0 };
  await startUnderLock(client, { orchestrator: ORCHESTRATOR.handOverScaleEvents, instanceId: handOverInstanceId(identity), input: handOver });
  options.context.log(`scale event for ${scaleSet.resourceGroup}/${scaleSet.name} kept until ${start.name} run ${lockId} (${start.runtimeStatus}) releases the lock`);
  return 'queued';
}
