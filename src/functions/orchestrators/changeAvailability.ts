/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Orchestration steps that keep every request served while instances leave: the drained removal
 * (out of the backend pool, a durable wait of the front end's probe interval × threshold plus
 * requests in flight, then delete — or reimage and back into the pool —
 * src/domain/availability/drainedRemoval.ts), and what a change's
 * report says about the availability it kept.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { OperationProgress } from '../../azure/armOperations';
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

/** Drains the instances (drainOut), then deletes them; the scale set's capacity goes down by as many. */
export function* drainAndDelete(
  context: OrchestrationContext,
  target: Target,
  options: { instanceIds: string[]; room: DrainFacts; then: 'delete' | 'replace' },
): Generator<Task, StepOutcome<{ writes: number; waitSeconds: number; warnings: string[]; deleted: string[] }>, any> {
  const drained: StepOutcome<{ writes: number; waitSeconds: number; warnings: string[] }> = yield* drainOut(context, target, options);
  if (!drained.ok) return drained;
  const deleted: StepOutcome<{ deleted: string[]; operation?: OperationProgress }> = yield* armOperation(context, ACTIVITY.deleteInstances, { ...target, instanceIds: options.instanceIds }, 'delete');
  if (!deleted.ok) return deleted;
  return { ok: true, value: { ...drained.value, writes: drained.value.writes + (deleted.value.deleted.length > 0 ? 1 : 0), deleted: deleted.value.deleted } };
}
