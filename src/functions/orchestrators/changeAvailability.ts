/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Orchestration steps that keep every request served while instances leave: the drained removal
 * (out of the backend pool, a durable wait of the front end's probe interval × threshold plus
 * requests in flight, then delete — or reimage and back into the pool —
 * src/domain/availability/drainedRemoval.ts), and what a change's
 * report says about the availability it kept.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { DEFAULT_POLL_SECONDS, type OperationProgress } from '../../azure/armOperations';
import type { StepOutcome } from '../../azure/armStep';
import { drainedRemovalPlan } from '../../domain/availability/drainedRemoval';
import type { FrontEndVerdict } from '../../domain/verification/verdicts';
import { ACTIVITY } from '../activities/names';
import type { SurgeRoom } from '../../azure/surgeRoom';
import { armActivity, armOperation } from './armActivity';

/** What a change's report states about the service it kept up while it ran. */
export interface ChangeAvailability {
  /** surge: new instances in rotation before old ones left; drained: out of rotation before removal; platformRolling / inPlace (the platform's rolling upgrade, instances restarted where they were): what runs recorded before every resize surged, kept so their reports still read. */
  method: 'surge' | 'drained' | 'platformRolling' | 'inPlace' | 'none';
  /** Fewest instances in the front end's rotation at any point of the change (as the change went, each batch's new ones verified and in rotation before old ones left). */
  minInRotation: number;
  /** The front end's check at the end of the change (the last verification's). */
  frontEnd: Pick<FrontEndVerdict, 'verdict' | 'reason'> | null;
  notes: string[];
}

/** What a drain waits on: the front end's probe, and how long a request may still be in flight. */
type DrainFacts = Pick<SurgeRoom, 'probe' | 'inFlightSeconds'>;

interface Target {
  resourceGroup: string;
  scaleSetName: string;
}

/**
 * Takes the instances out of the backend pool one by one, then waits (durably) until the front end
 * surely sends them nothing new and their requests in flight are done (FRIDAY_DRAIN_IN_FLIGHT_SECONDS).
 * `room`: the front end's probe and that setting, when the caller read them; otherwise they are read.
 */
export function* drainOut(
  context: OrchestrationContext,
  target: Target,
  options: { instanceIds: string[]; room?: DrainFacts; then: 'delete' | 'replace' | 'reimage' },
): Generator<Task, StepOutcome<{ writes: number; waitSeconds: number; warnings: string[] }>, any> {
  let facts = options.room;
  if (facts === undefined) {
    const room: StepOutcome<SurgeRoom> = yield* armActivity(context, ACTIVITY.readSurgeRoom, target);
    if (!room.ok) return room;
    facts = room.value;
  }
  const { probe, inFlightSeconds } = facts;
  let writes = 0;
  for (const instanceId of options.instanceIds) {
    const left: StepOutcome<{ written: boolean; operation?: OperationProgress }> = yield* armOperation(context, ACTIVITY.leaveBackendPool, { ...target, instanceId }, 'drain');
    if (!left.ok) return left;
    if (left.value.written) writes++;
  }
  // Counted from when the last one left the pool.
  const plan = drainedRemovalPlan({ instanceIds: options.instanceIds, probe, inFlightSeconds, then: options.then, now: context.df.currentUtcDateTime });
  const progress = context.df.customStatus;
  const base = progress !== null && typeof progress === 'object' && !Array.isArray(progress) ? (progress as Record<string, unknown>) : {};
  context.df.setCustomStatus({ ...base, message: `draining ${options.instanceIds.join(', ')}: ${plan.reason}`, drainingUntil: plan.deleteNotBefore });
  yield context.df.createTimer(new Date(plan.deleteNotBefore));
  context.df.setCustomStatus(progress);
  return { ok: true, value: { writes, waitSeconds: plan.waitSeconds, warnings: plan.warnings } };
}

/**
 * Puts instances a drained reimage took out of rotation back into the scale set model's backend
 * pools; the front end sends them new connections once its probe passes them.
 */
export function* rejoinRotation(context: OrchestrationContext, target: Target, instanceIds: string[]): Generator<Task, StepOutcome<{ writes: number }>, any> {
  let writes = 0;
  for (const instanceId of instanceIds) {
    const joined: StepOutcome<{ written: boolean; operation?: OperationProgress }> = yield* armOperation(context, ACTIVITY.joinBackendPool, { ...target, instanceId }, 'rejoin');
    if (!joined.ok) return joined;
    if (joined.value.written) writes++;
  }
  return { ok: true, value: { writes } };
}

/** Waits for someone else's delete of the same instances at most this many times (an hour at the default poll). */
const MAX_DELETE_WAITS = 240;

/** Drains the instances (drainOut), then deletes them; the scale set's capacity goes down by as many. */
export function* drainAndDelete(
  context: OrchestrationContext,
  target: Target,
  options: { instanceIds: string[]; room: DrainFacts; then: 'delete' | 'replace' },
): Generator<Task, StepOutcome<{ writes: number; waitSeconds: number; warnings: string[]; deleted: string[] }>, any> {
  const drained: StepOutcome<{ writes: number; waitSeconds: number; warnings: string[] }> = yield* drainOut(context, target, options);
  if (!drained.ok) return drained;
  // Until none of them is listed: a resumed or retried call finds some already Deleting (an
  // earlier attempt's delete, whose handle it does not have) and waits them out.
  const gone = new Set<string>();
  let writes = drained.value.writes;
  for (let call = 0; ; call++) {
    const deleted: StepOutcome<{ deleted: string[]; deleting: string[]; operation?: OperationProgress }> = yield* armOperation(context, ACTIVITY.deleteInstances, { ...target, instanceIds: options.instanceIds }, 'delete');
    if (!deleted.ok) return deleted;
    if (deleted.value.deleted.length > 0) writes++;
    for (const id of [...deleted.value.deleted, ...deleted.value.deleting]) gone.add(id);
    if (deleted.value.deleting.length === 0) break;
    if (call >= MAX_DELETE_WAITS) return { ok: false, failure: { step: 'delete', code: 'DeleteDidNotSettle', message: `instance(s) ${deleted.value.deleting.join(', ')} of ${target.scaleSetName} were still being deleted`, transient: false } };
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + DEFAULT_POLL_SECONDS * 1000));
  }
  return { ok: true, value: { ...drained.value, writes, deleted: options.instanceIds.filter((id) => gone.has(id)) } };
}
