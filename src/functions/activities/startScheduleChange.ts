import type { InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { scrubSecrets } from '../../azure/armErrors';
import { saveRunRecord } from '../../azure/runReports';
import { changeInstanceId } from '../../domain/changeLock';
import { deferredRunRecord } from '../../domain/fleet/runRecord';
import { loadSettings } from '../../settings';
import { startUnderLock } from '../http/problemResponse';
import { ACTIVITY, ORCHESTRATOR } from './names';
import type { ApplyScheduleInput } from '../orchestrators/applySchedule';
import { durableClient, durableClientInput, registerActivity } from '../durable';

/** After a rolled-back resize, timer ticks leave the same change alone this long (POST /api/schedules/evaluate retries at once). */
export const ROLLED_BACK_HOLD_MINUTES = 60;

export interface StartedChange {
  status: 'started' | 'busy' | 'held';
  instanceId: string;
  /** When busy: the lock holder's runtime status and orchestration name. */
  runningStatus?: string;
  runningName?: string;
  /** When busy: the record kept of the deferred change (null if storage refused it). */
  deferredRecord?: string | null;
  /** When held: why. */
  detail?: string;
}

/**
 * Starts the schedule change for one scale set under its change lock id. If another change holds
 * the lock (a deployment, scaling, an Event Grid repair, an earlier schedule run) nothing is
 * started: the evaluation reports `busy`, the next timer tick tries again, and the deferral is kept
 * as a run record (`outcome: "deferred"`, naming what held the lock) — the evaluation's own output
 * is overwritten by the next evaluation, so it cannot be the only trace.
 */
export async function startScheduleChange(
  input: ApplyScheduleInput & { changes: Array<{ field: string; to: number | string }> },
  context: InvocationContext,
): Promise<StartedChange> {
  const settings = loadSettings();
  const client = durableClient(context);
  const instanceId = changeInstanceId({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName });
  if (input.trigger === 'timer') {
    const held = await heldAfterRollback(client, instanceId, input);
    if (held) return { status: 'held', instanceId, detail: held };
  }
  const { changes, ...rest } = input;
  const applyInput: ApplyScheduleInput = rest;
  const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.applySchedule, instanceId, input: applyInput });
  if (start.started) return { status: 'started', instanceId };
  const record = deferredRunRecord({
    scaleSet: { resourceGroup: input.resourceGroup, name: input.scaleSetName },
    lockId: instanceId,
    at: new Date(input.evaluatedAt),
    trigger: input.trigger,
    changes,
    heldBy: { instanceId, name: start.name, runtimeStatus: start.runtimeStatus },
  });
  let deferredRecord: string | null = null;
  try {
    deferredRecord = await saveRunRecord(settings, record);
  } catch (error) {
    context.warn(`deferred schedule change for ${input.resourceGroup}/${input.scaleSetName} not recorded: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`);
  }
  return { status: 'busy', instanceId, runningStatus: start.runtimeStatus, runningName: start.name, deferredRecord };
}

/**
 * A resize that failed a batch and was rolled back is not retried by every tick (that would flap
 * the tier every five minutes): the same change waits ROLLED_BACK_HOLD_MINUTES, or an operator's
 * POST /api/schedules/evaluate after fixing the cause.
 */
async function heldAfterRollback(client: df.DurableClient, instanceId: string, input: { evaluatedAt: string; changes: Array<{ field: string; to: number | string }> }): Promise<string | undefined> {
  let status: df.DurableOrchestrationStatus;
  try {
    status = await client.getStatus(instanceId);
  } catch {
    return undefined;
  }
  const output = status.output as { kind?: string; outcome?: string; changes?: Array<{ field: string; to: number | string }> } | null;
  if (status.name !== ORCHESTRATOR.applySchedule || output?.outcome !== 'rolledBack') return undefined;
  const key = (changes: Array<{ field: string; to: number | string }>): string => changes.map((c) => `${c.field}=${String(c.to)}`).sort().join(',');
  if (key(output.changes ?? []) !== key(input.changes)) return undefined;
  const since = new Date(input.evaluatedAt).getTime() - new Date(status.lastUpdatedTime).getTime();
  if (since >= ROLLED_BACK_HOLD_MINUTES * 60_000) return undefined;
  return `the same change was rolled back ${Math.round(since / 60_000)} min ago (run ${instanceId}); timer ticks retry after ${ROLLED_BACK_HOLD_MINUTES} min, POST /api/schedules/evaluate retries now`;
}

registerActivity(ACTIVITY.startScheduleChange, { extraInputs: [durableClientInput], handler: startScheduleChange });
