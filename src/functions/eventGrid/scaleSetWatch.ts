/**
 * Starts or nudges the one verification run per scale set. It runs under the scale set's change
 * lock id: if a run (or a deployment, scaling, schedule change) is already going, the event is
 * passed to it as `recheck` instead of starting another — duplicates and bursts collapse into one
 * run that ends by verifying the latest state. A start that loses a race to another start becomes
 * a recheck too.
 */
import type { InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { changeInstanceId } from '../../domain/changeLock';
import type { ScaleSetRef } from '../../domain/events/scaleEvents';
import type { AppSettings } from '../../settings';
import { ORCHESTRATOR } from '../activities/names';
import type { RecheckEvent, WatchInput } from '../orchestrators/watchScaleSet';

export type WatchSignal = 'started' | 'rechecked' | 'unmanaged' | 'duplicate';

/** A scale set friday-fleet manages has a change history under its lock id (no ARM call needed). */
export async function isManaged(client: DurableClient, settings: AppSettings, ref: ScaleSetRef): Promise<boolean> {
  try {
    await client.getStatus(changeInstanceId({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: ref.resourceGroup, scaleSetName: ref.name }));
    return true;
  } catch {
    return false;
  }
}

export async function signalWatch(options: { client: DurableClient; settings: AppSettings; scaleSet: ScaleSetRef; event: RecheckEvent; context: InvocationContext }): Promise<WatchSignal> {
  const { client, settings, scaleSet, event } = options;
  const instanceId = changeInstanceId({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: scaleSet.resourceGroup, scaleSetName: scaleSet.name });
  let previous: { runtimeStatus: string; name: string; output: unknown } | undefined;
  try {
    const status = await client.getStatus(instanceId);
    previous = { runtimeStatus: String(status.runtimeStatus), name: status.name, output: status.output };
  } catch {
    return 'unmanaged';
  }
  const recheck = async (): Promise<WatchSignal> => {
    await client.raiseEvent(instanceId, 'recheck', event);
    return 'rechecked';
  };
  if (['Running', 'Pending', 'ContinuedAsNew'].includes(previous.runtimeStatus)) return recheck();
  const carried = previous.name === ORCHESTRATOR.watchScaleSet ? (previous.output as Partial<WatchInput> | null) : null;
  // A redelivery of an event the last run already handled changes nothing.
  if (event.eventId && carried?.seenEventIds?.includes(event.eventId)) return 'duplicate';
  const input: WatchInput = {
    resourceGroup: scaleSet.resourceGroup,
    scaleSetName: scaleSet.name,
    reasons: [event.reason],
    verified: (carried?.verified ?? []).filter((id) => id !== event.instanceId),
    repairHistory: carried?.repairHistory ?? [],
    limits: { maxRepairsPerHour: settings.FRIDAY_REPAIR_MAX_PER_HOUR, minHealthy: settings.FRIDAY_REPAIR_MIN_HEALTHY },
    actions: [],
    rounds: 0,
    seenEventIds: [...(carried?.seenEventIds ?? []), ...(event.eventId ? [event.eventId] : [])].slice(-500),
  };
  try {
    await client.startNew(ORCHESTRATOR.watchScaleSet, { instanceId, input });
    options.context.log(`scale-set watch started for ${scaleSet.resourceGroup}/${scaleSet.name}: ${event.reason}`);
    return 'started';
  } catch {
    // Another event started it a moment ago.
    return recheck();
  }
}
