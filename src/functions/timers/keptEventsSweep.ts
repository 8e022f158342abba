/**
 * Every five minutes: hand over scale events that nobody is waiting for any more. An event is kept
 * in Blob before anything else happens to it (azure/scaleSetState.ts) and normally leaves with the
 * watch or hand-over run started for it. A few paths leave one behind — an event kept in the instant
 * a hand-over run decided to end, a watch that failed before its report, a hand-over that gave up
 * after a day — and without this sweep it would wait for the next event on that scale set, which on
 * a quiet tier may never come. For each scale set whose oldest kept event is older than
 * STALE_AFTER_SECONDS, this starts its hand-over run (race-safe: one already running is left alone),
 * which starts a watch as soon as the scale set's lock is free.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { listScaleSetsWithWaitingEvents } from '../../azure/scaleSetState';
import { handOverInstanceId } from '../../domain/changeLock';
import { loadSettings } from '../../settings';
import { ORCHESTRATOR } from '../activities/names';
import { startUnderLock } from '../http/problemResponse';
import type { HandOverInput } from '../orchestrators/handOverEvents';
import { durableClient, durableClientInput } from '../durable';

/** A live hand-over looks every few seconds; an event this old has no run coming for it. */
export const STALE_AFTER_SECONDS = 120;

export async function keptEventsSweep(_timer: Timer, context: InvocationContext): Promise<void> {
  const settings = loadSettings();
  const receivedBefore = new Date(Date.now() - STALE_AFTER_SECONDS * 1000);
  const { scaleSets, unnamed } = await listScaleSetsWithWaitingEvents(settings, receivedBefore);
  if (unnamed > 0) context.warn(`${unnamed} kept scale event(s) name no scale set (kept by an older version): they wait for the next event on their scale set`);
  if (scaleSets.length === 0) return;
  const client = durableClient(context);
  for (const s of scaleSets) {
    const identity = { subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: s.resourceGroup, scaleSetName: s.scaleSetName };
    const input: HandOverInput = { resourceGroup: s.resourceGroup, scaleSetName: s.scaleSetName, polls: 0 };
    const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.handOverScaleEvents, instanceId: handOverInstanceId(identity), input });
    context.log(
      start.started
        ? `${s.events} scale event(s) for ${s.resourceGroup}/${s.scaleSetName} waiting since ${s.oldestReceivedAt}: hand-over started`
        : `${s.events} scale event(s) for ${s.resourceGroup}/${s.scaleSetName} waiting: its hand-over is already ${start.runtimeStatus}`,
    );
  }
}

app.timer('keptEventsSweep', { schedule: '30 */5 * * * *', extraInputs: [durableClientInput], handler: keptEventsSweep });
