import type { InvocationContext } from '@azure/functions';
import { listKeptEvents } from '../../azure/scaleSetState';
import { changeInstanceId, scaleSetKey } from '../../domain/changeLock';
import { loadSettings } from '../../settings';
import { watchInputAfter } from '../eventGrid/scaleSetWatch';
import { startUnderLock } from '../http/problemResponse';
import { ACTIVITY, ORCHESTRATOR } from './names';
import { durableClient, durableClientInput, registerActivity } from '../durable';

export interface HandOverResult {
  /** waiting: a run still holds the lock; started: a watch now has the kept events; nothing: no event is waiting. */
  state: 'waiting' | 'started' | 'nothing';
  /** What holds the lock (when waiting). */
  holder?: { name: string; runtimeStatus: string };
  events: number;
}

/**
 * One look by the hand-over run: if the scale set's lock is free and events are kept for it, start
 * a watch (race-safe: a start lost to another run means "still waiting").
 */
export async function handOverEvents(input: { resourceGroup: string; scaleSetName: string }, context: InvocationContext): Promise<HandOverResult> {
  const settings = loadSettings();
  const client = durableClient(context);
  const identity = { subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  const lockId = changeInstanceId(identity);
  const events = (await listKeptEvents(settings, scaleSetKey(identity))).length;
  if (events === 0) return { state: 'nothing', events };
  let previous: { name: string; output: unknown } | undefined;
  try {
    const s = await client.getStatus(lockId);
    previous = { name: s.name, output: s.output };
  } catch {
    previous = undefined;
  }
  const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.watchScaleSet, instanceId: lockId, input: watchInputAfter(previous, input) });
  if (start.started) return { state: 'started', events };
  return { state: 'waiting', holder: { name: start.name, runtimeStatus: start.runtimeStatus }, events };
}

registerActivity(ACTIVITY.handOverEvents, { extraInputs: [durableClientInput], handler: handOverEvents });
