/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Scale-set changes that take Azure minutes, as orchestration steps: each starts its operation in
 * a short activity and waits for it between durable timers (armOperation), so every activity ends
 * well inside the Functions time limit at any capacity and any operation length.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { DEFAULT_POLL_SECONDS } from '../../azure/armOperations';
import type { StepOutcome } from '../../azure/armStep';
import type { RepairInput, RepairPhase } from '../activities/repairInstances';
import type { CapacityChange, CapacityStart } from '../activities/setCapacity';
import type { UpgradeBatch, UpgradeInstancesInput } from '../activities/upgradeInstances';
import { ACTIVITY } from '../activities/names';
import { armActivity, armOperation } from './armActivity';
import { drainOut, rejoinRotation } from './changeAvailability';

/** Waits for someone else's operation on the scale set at most this many times before giving up. */
const MAX_BUSY_WAITS = 240;
/** More batches than any scale set has (1000 instances, one at a time). */
const MAX_BATCHES = 1000;

interface Target {
  resourceGroup: string;
  scaleSetName: string;
}

/**
 * Sets the capacity and reports the new instances: start the write, poll it, then list what is
 * new. A scale set found mid-operation is waited for, not written (ARM would answer 409).
 */
export function* changeCapacity(context: OrchestrationContext, input: Target & { capacity: number; add?: number }): Generator<Task, StepOutcome<CapacityChange>, any> {
  for (let call = 0; call < MAX_BUSY_WAITS; call++) {
    const started: StepOutcome<CapacityStart> = yield* armOperation(context, ACTIVITY.setCapacity, input, 'capacity');
    if (!started.ok) return started;
    const { before, after, written, existing, busy } = started.value;
    if (busy) {
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + DEFAULT_POLL_SECONDS * 1000));
      continue;
    }
    if (!written) return { ok: true, value: { before, after, newInstanceIds: [], written } };
    const fresh: StepOutcome<string[]> = yield* armActivity(context, ACTIVITY.listNewInstances, { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName, existing });
    if (!fresh.ok) return fresh;
    return { ok: true, value: { before, after, newInstanceIds: fresh.value, written } };
  }
  return { ok: false, failure: { step: 'capacity', code: 'ScaleSetBusy', message: `${input.scaleSetName} stayed busy with another operation`, transient: false } };
}

/** Manual upgrade policy: one batch per activity, each polled to the end before the next starts. */
export function* manualUpgrade(context: OrchestrationContext, input: UpgradeInstancesInput): Generator<Task, StepOutcome<{ upgraded: string[]; batches: number }>, any> {
  const upgraded: string[] = [];
  for (let batches = 0; batches < MAX_BATCHES; batches++) {
    const batch: StepOutcome<UpgradeBatch> = yield* armOperation(context, ACTIVITY.upgradeInstances, input, 'upgrade');
    if (!batch.ok) return batch;
    upgraded.push(...batch.value.upgraded);
    if (batch.value.upgraded.length === 0) return { ok: true, value: { upgraded, batches } };
    if (batch.value.remaining === 0) return { ok: true, value: { upgraded, batches: batches + 1 } };
  }
  return { ok: false, failure: { step: 'upgrade', code: 'UpgradeDidNotSettle', message: `instances of ${input.scaleSetName} were still not on the latest model after ${MAX_BATCHES} batches`, transient: false } };
}

/**
 * Reimage (drained out of the front end's rotation first, back in after), or replace: drain the
 * instances out of the front end's rotation (changeAvailability.ts), delete them, then restore the capacity to `capacity` — the value the
 * orchestration read before the delete, so a retried or resumed replace never restores to the
 * lowered capacity — then list the instances that are new.
 */
export function* repairInstances(context: OrchestrationContext, input: RepairInput & { capacity: number }): Generator<Task, StepOutcome<{ newInstanceIds: string[] }>, any> {
  const { capacity, ...repair } = input;
  const scaleSet = { resourceGroup: repair.resourceGroup, scaleSetName: repair.scaleSetName };
  if (repair.action === 'reimage') {
    // A reimage restarts the instance: out of rotation first (a failing instance the probe passes
    // is in it), and back in afterwards — also when the reimage failed, so the instance is where
    // the model says and the front end's probe decides (the replace that follows drains it again).
    const drainedFirst: StepOutcome<unknown> = yield* drainOut(context, scaleSet, { instanceIds: repair.instanceIds, then: 'reimage' });
    if (!drainedFirst.ok) return drainedFirst;
    const reimaged: StepOutcome<RepairPhase> = yield* armOperation(context, ACTIVITY.repairInstances, { ...repair, phase: 'reimage' }, 'repair');
    const rejoined: StepOutcome<unknown> = yield* rejoinRotation(context, scaleSet, repair.instanceIds);
    if (!reimaged.ok) return reimaged;
    if (!rejoined.ok) return rejoined;
    return { ok: true, value: { newInstanceIds: [] } };
  }
  // Drained first: a failing instance the front end's probe still passes (a wrong page answers 200)
  // is in rotation; deleted at once it would take new connections it can no longer answer.
  const drained: StepOutcome<unknown> = yield* drainOut(context, scaleSet, { instanceIds: repair.instanceIds, then: 'replace' });
  if (!drained.ok) return drained;
  // Delete, until none of the instances is listed: a resumed or retried phase finds some already
  // Deleting (an earlier attempt's operation, whose handle it does not have) and waits them out.
  let existing: string[] = [];
  for (let call = 0; ; call++) {
    const deleted: StepOutcome<RepairPhase> = yield* armOperation(context, ACTIVITY.repairInstances, { ...repair, phase: 'delete' }, 'repair');
    if (!deleted.ok) return deleted;
    existing = deleted.value.existing ?? [];
    if (!deleted.value.deleting?.length) break;
    if (call >= MAX_BUSY_WAITS) return { ok: false, failure: { step: 'repair', code: 'DeleteDidNotSettle', message: `instance(s) ${deleted.value.deleting.join(', ')} of ${repair.scaleSetName} were still being deleted`, transient: false } };
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + DEFAULT_POLL_SECONDS * 1000));
  }
  // Restore the capacity the orchestration read before the delete; a scale set busy with an
  // earlier attempt's write is waited for, then found at the target (no second write).
  for (let call = 0; ; call++) {
    const restored: StepOutcome<RepairPhase> = yield* armOperation(context, ACTIVITY.repairInstances, { ...repair, phase: 'restore', capacity }, 'repair');
    if (!restored.ok) return restored;
    if (!restored.value.busy) break;
    if (call >= MAX_BUSY_WAITS) return { ok: false, failure: { step: 'repair', code: 'ScaleSetBusy', message: `${repair.scaleSetName} stayed busy with another operation`, transient: false } };
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + DEFAULT_POLL_SECONDS * 1000));
  }
  // The new instances: listed now and not among those that stayed through the delete.
  const fresh: StepOutcome<string[]> = yield* armActivity(context, ACTIVITY.listNewInstances, { resourceGroup: repair.resourceGroup, scaleSetName: repair.scaleSetName, existing });
  if (!fresh.ok) return fresh;
  return { ok: true, value: { newInstanceIds: fresh.value } };
}
