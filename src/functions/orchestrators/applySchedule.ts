/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Brings one scale set to what its schedule wants now, under the scale set's change lock id.
 * It re-reads the schedule and the scale set (the world may have moved since the tick decided),
 * decides again at the orchestration's time, then applies the changes in the domain's order:
 * - capacity: set `sku.capacity` (the scale set's scale-in policy picks who goes), verify the new
 *   instances after a scale-out, all of them after a scale-in;
 * - capacity down: drained (the instances the scale-in policy would pick leave the backend pool,
 *   the probe and requests in flight are waited out, then they are deleted);
 * - VM size: a surge under every upgrade policy (a Rolling or Automatic scale set goes Manual with
 *   the size and back at the end, so the platform restarts nothing in place): per batch of the
 *   schedule's percentage, new instances on the new size are added and verified (the FRIDAY page
 *   with the right host name, the new size, in the front end's rotation) before as many old ones
 *   are drained and deleted. A failing batch halts the change: its new instances are removed, the
 *   size rolls back and instances moved earlier surge back, with a report naming the instances and
 *   reasons.
 */
import type * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import { decideScaleSet, type ScaleSetDecision, type ScaleSetShape } from '../../domain/schedule/schedulePlan';
import type { InstanceVerdict } from '../../domain/verification/verdicts';
import type { ScheduledScaleSets } from '../activities/readScheduledScaleSets';
import type { CapacityChange } from '../activities/setCapacity';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { failureText, type VerificationReport, type VerifyScaleSetInput } from './verifyScaleSet';
import { armActivity, armOperation } from './armActivity';
import { changeCapacity } from './scaleSetOperations';
import { drainAndDelete, type ChangeAvailability } from './changeAvailability';
import { scaleInVictims } from '../../domain/availability/drainedRemoval';
import { planSurgeResize, type SurgeResizePlan } from '../../domain/availability/surgeResize';
import type { SurgeRoom } from '../../azure/surgeRoom';
import { registerOrchestration } from '../durable';
import { checkedInput, checkApplyScheduleInput } from './inputChecks';

export interface ApplyScheduleInput {
  resourceGroup: string;
  scaleSetName: string;
  trigger: 'timer' | 'http';
  /** When the evaluation that started this run decided (the run decides again at its own time). */
  evaluatedAt: string;
  rollingPollSeconds?: number;
}

export interface ResizeBatch {
  index: number;
  instanceIds: string[];
  passed: number;
  failed: Array<{ instanceId: string; computerName: string; reason: string }>;
}

export interface ScheduleStep {
  field: 'capacity' | 'vmSize' | 'rollback';
  from: number | string;
  to: number | string;
  status: 'succeeded' | 'failed';
  writes: number;
  detail: string;
}

export interface ScheduleRunReport {
  kind: 'schedule';
  runId: string;
  scaleSet: { resourceGroup: string; name: string };
  trigger: 'timer' | 'http';
  evaluatedAt: string;
  startedAt: string;
  durationMs: number;
  /** unchanged: nothing to do (no ARM write); rolledBack: a resize batch failed and the size was restored. */
  outcome: 'unchanged' | 'succeeded' | 'failed' | 'rolledBack';
  reason: string;
  changes: ScaleSetDecision['changes'];
  steps: ScheduleStep[];
  batches: ResizeBatch[];
  rollback: { to: string; instances: string[]; passed: number; failed: number } | null;
  armWrites: number;
  frontEndUrl: string | null;
  instances: Array<Pick<InstanceVerdict, 'instanceId' | 'computerName' | 'privateIp' | 'zone' | 'vmSize' | 'verdict' | 'reason'>>;
  totals: { instances: number; passed: number; failed: number };
  /** The availability the change kept: how, the fewest instances in rotation meanwhile, the front end's check. */
  availability: ChangeAvailability;
}

const failuresOf = (v: VerificationReport): ResizeBatch['failed'] => v.instances.filter((i) => i.verdict === 'fail').map((i) => ({ instanceId: i.instanceId, computerName: i.computerName, reason: i.reason }));

export const applyScheduleOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ApplyScheduleInput>();
  const now = (): Date => context.df.currentUtcDateTime;
  const startedAt = now();
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  const steps: ScheduleStep[] = [];
  const batches: ResizeBatch[] = [];
  let rollback: ScheduleRunReport['rollback'] = null;
  let armWrites = 0;
  let verifications = 0;
  let last: VerificationReport | null = null;
  const status = (step: string, message: string, extra: Record<string, unknown> = {}): void => context.df.setCustomStatus({ step, message, ...extra });

  /** `anyModel`: the size is what counts (instances a surge rollback never touched are on an older model version of the same size). */
  const verify = function* (options: { instanceIds?: string[]; vmSize?: string; anyModel?: boolean }): Generator<df.Task, VerificationReport, unknown> {
    const verifyInput: VerifyScaleSetInput = {
      ...target,
      ...(options.instanceIds ? { instanceIds: options.instanceIds } : {}),
      ...(options.vmSize ? { expect: { vmSize: options.vmSize, latestModelApplied: options.anyModel !== true } } : {}),
    };
    const report = (yield context.df.callSubOrchestrator(ORCHESTRATOR.verifyScaleSet, verifyInput, `${context.df.instanceId}-s${verifications++}`)) as VerificationReport;
    last = report;
    return report;
  };
  const must = <T,>(outcome: StepOutcome<T>): T => {
    if (!outcome.ok) throw new Error(failureText(outcome, `. Done so far: ${steps.map((s) => `${s.field} ${s.from} → ${s.to} (${s.status})`).join('; ') || 'nothing'}.`));
    return outcome.value;
  };
  const finish = (outcome: ScheduleRunReport['outcome'], decision: Pick<ScaleSetDecision, 'reason' | 'changes'>): ScheduleRunReport => {
    const instances = last?.instances ?? [];
    const report: ScheduleRunReport = {
      kind: 'schedule',
      runId: context.df.instanceId,
      scaleSet: { resourceGroup: input.resourceGroup, name: input.scaleSetName },
      trigger: input.trigger,
      evaluatedAt: input.evaluatedAt,
      startedAt: startedAt.toISOString(),
      durationMs: now().getTime() - startedAt.getTime(),
      outcome,
      reason: decision.reason,
      changes: decision.changes,
      steps,
      batches,
      rollback,
      armWrites,
      frontEndUrl: last?.frontEndUrl ?? null,
      instances: instances.map((i) => ({ instanceId: i.instanceId, computerName: i.computerName, privateIp: i.privateIp, zone: i.zone, vmSize: i.vmSize, verdict: i.verdict, reason: i.reason })),
      totals: last?.totals ?? { instances: 0, passed: 0, failed: 0 },
      availability: { ...availability, frontEnd: last ? { verdict: last.frontEnd.verdict, reason: last.frontEnd.reason } : null },
    };
    status('done', `${outcome}: ${decision.reason}`);
    return report;
  };

  status('read', 'reading the schedule and the scale set');
  const read: ScheduledScaleSets = yield* armActivity(context, ACTIVITY.readScheduledScaleSets, { only: { resourceGroup: input.resourceGroup, name: input.scaleSetName } });
  if (!read.ok) throw new Error(`Schedule document invalid: ${read.errors.join('; ')}`);
  const entry = read.scaleSets[0];
  if (!entry) return finish('unchanged', { reason: 'no schedule for this scale set any more', changes: [] });
  const decision = decideScaleSet(entry, now(), 0);
  if (decision.action === 'error') throw new Error(`Cannot apply the schedule: ${decision.reason}`);
  if (decision.action === 'none') return finish('unchanged', decision);
  let shape = decision.current as ScaleSetShape;
  const availability: ChangeAvailability = { method: 'none', minInRotation: shape.capacity, frontEnd: null, notes: [] };
  /** Instances in the front end's rotation as the change goes (old ones until drained, new ones once verified in it). */
  let inRotation = shape.capacity;
  const rotationNow = (count: number): void => {
    inRotation = count;
    availability.minInRotation = Math.min(availability.minInRotation, count);
  };

  /** `toSize`: also the vCPU quota a surge to that size counts against. */
  const readRoom = function* (toSize?: string): Generator<df.Task, SurgeRoom, unknown> {
    return must((yield* armActivity(context, ACTIVITY.readSurgeRoom, { ...target, ...(toSize ? { toSize } : {}) })) as StepOutcome<SurgeRoom>);
  };

  /** Drains (out of the backend pool, probe interval × threshold + in flight) and deletes instances. */
  const drain = function* (instanceIds: string[], room: SurgeRoom): Generator<df.Task, string[], unknown> {
    status('drain', `taking ${instanceIds.join(', ')} out of rotation before deleting them`);
    const gone = must((yield* drainAndDelete(context, target, { instanceIds, room, then: 'delete' })) as StepOutcome<{ writes: number; waitSeconds: number; warnings: string[]; deleted: string[] }>);
    armWrites += gone.writes;
    for (const w of gone.warnings) if (!availability.notes.includes(w)) availability.notes.push(w);
    return gone.deleted;
  };

  /** Surge plan from the instances not yet on `toSize` (all of them going forward; the moved ones when rolling back). */
  const surgePlan = function* (fromSize: string, toSize: string): Generator<df.Task, { room: SurgeRoom; plan: SurgeResizePlan }, unknown> {
    const room = yield* readRoom(toSize);
    const stay = (i: { vmSize: string }): boolean => i.vmSize.toLowerCase() === toSize.toLowerCase();
    const moving = room.instances.filter((i) => !stay(i));
    const plan = planSurgeResize({
      instances: moving,
      capacity: moving.length,
      fromSize,
      toSize,
      maxBatchInstancePercent: entry.schedule.resize.maxBatchInstancePercent,
      upgradeMode: room.upgradeMode,
      // The platform's MaxSurge upgrade is not asked for: it deletes the old instances itself, with
      // no say in draining them out of the backend pool first (a Standard load balancer breaks their
      // flows on delete); the app's surge drains each, so it is used under every upgrade policy.
      rollingMaxSurge: false,
      // The quota as Azure's usages API says it now (this scale set's instances included): the new
      // instances of a batch must fit beside the old ones still running.
      vcpus: room.quota?.vcpus ?? { from: null, to: null },
      quotas: room.quota?.quotas ?? null,
      freeAddresses: room.freeAddresses,
    });
    if (room.quotaUnread && !availability.notes.includes(room.quotaUnread)) availability.notes.push(room.quotaUnread);
    return { room, plan };
  };

  /**
   * Surge: per batch, new instances on the model's size are added, verified and in the front end's
   * rotation before as many old ones are drained and deleted. Returns the failing batch's
   * verification (its new instances already removed; old ones untouched), or null.
   */
  const surge = function* (room: SurgeRoom, plan: Extract<SurgeResizePlan, { kind: 'surge' }>, toSize: string, haltOnFailure: boolean): Generator<df.Task, VerificationReport | null, unknown> {
    let capacity = room.capacity;
    for (const batch of plan.batches) {
      status('vmSize', `${haltOnFailure ? 'resizing' : 'rolling back'}: batch ${batch.index}/${plan.batches.length} to ${toSize} (add ${batch.add}, then retire ${batch.remove.length})`, { batch: batch.index, batches: plan.batches.length });
      if (batch.add > 0) {
        const added = must<CapacityChange>(yield* changeCapacity(context, { ...target, capacity: capacity + batch.add, add: batch.add }));
        if (added.written) armWrites++;
        capacity = added.after;
        const v = yield* verify({ instanceIds: added.newInstanceIds, vmSize: toSize });
        const failed = failuresOf(v);
        const frontFailed = v.frontEnd.verdict === 'fail';
        if (haltOnFailure) batches.push({ index: batch.index, instanceIds: added.newInstanceIds, passed: v.totals.passed, failed: frontFailed ? [...failed, { instanceId: '*', computerName: '', reason: `front end: ${v.frontEnd.reason}` }] : failed });
        if (haltOnFailure && (failed.length > 0 || frontFailed)) {
          // The failing batch goes again — drained, as any of it may be in rotation; the old instances were never touched.
          const gone = yield* drain(added.newInstanceIds, room);
          capacity -= gone.length;
          return v;
        }
        rotationNow(inRotation + added.newInstanceIds.length - failed.length);
      }
      if (batch.remove.length > 0) {
        rotationNow(inRotation - batch.remove.length);
        const gone = yield* drain(batch.remove, room);
        capacity -= gone.length;
      }
    }
    return null;
  };

  for (const field of decision.order) {
    const change = decision.changes.find((c) => c.field === field);
    if (!change) continue;
    if (field === 'capacity' && Number(change.to) < shape.capacity) {
      // Scale-in, drained: the instances the default scale-in policy would pick leave the rotation first.
      status('capacity', `capacity ${change.from} → ${change.to}, drained`);
      const room = yield* readRoom();
      const victims = scaleInVictims({ instances: room.instances, capacity: Number(change.to) });
      rotationNow(room.instances.length - victims.length);
      const writesBefore = armWrites;
      const gone = yield* drain(victims, room);
      if (availability.method === 'none') availability.method = 'drained';
      shape = { ...shape, capacity: room.instances.length - gone.length };
      const vmSize = decision.order.indexOf('vmSize') < decision.order.indexOf('capacity') ? String(decision.changes.find((c) => c.field === 'vmSize')?.to ?? '') : '';
      const v = yield* verify({ ...(vmSize ? { vmSize } : {}) });
      const ok = v.totals.failed === 0 && v.frontEnd.verdict !== 'fail';
      steps.push({ field, from: room.instances.length, to: shape.capacity, status: ok ? 'succeeded' : 'failed', writes: armWrites - writesBefore, detail: `${gone.length} instance(s) drained out of rotation, then deleted; ${v.totals.passed}/${v.totals.instances} remaining instance(s) verified${ok ? '' : `; failing: ${[...failuresOf(v).map((f) => `${f.instanceId} (${f.reason})`), ...(v.frontEnd.verdict === 'fail' ? [`front end: ${v.frontEnd.reason}`] : [])].join('; ')}`}` });
      if (!ok) return finish('failed', decision);
      continue;
    }
    if (field === 'capacity') {
      status('capacity', `capacity ${change.from} → ${change.to}`);
      const result = must<CapacityChange>(yield* changeCapacity(context, { ...target, capacity: Number(change.to) }));
      if (result.written) armWrites++;
      shape = { ...shape, capacity: result.after };
      const scaledOut = result.after > result.before;
      const vmSize = decision.order.indexOf('vmSize') < decision.order.indexOf('capacity') ? String(decision.changes.find((c) => c.field === 'vmSize')?.to ?? '') : '';
      const v = yield* verify({ ...(scaledOut ? { instanceIds: result.newInstanceIds } : {}), ...(vmSize ? { vmSize } : {}) });
      const ok = v.totals.failed === 0;
      steps.push({ field, from: result.before, to: result.after, status: ok ? 'succeeded' : 'failed', writes: result.written ? 1 : 0, detail: `${v.totals.passed}/${v.totals.instances} ${scaledOut ? 'new ' : ''}instance(s) verified${ok ? '' : `; failing: ${failuresOf(v).map((f) => `${f.instanceId} (${f.reason})`).join('; ')}`}` });
      if (!ok) return finish('failed', decision);
      continue;
    }
    const to = String(change.to);
    const from = String(change.from);
    status('vmSize', `VM size ${from} → ${to}`);
    const { room, plan } = yield* surgePlan(from, to);
    if (plan.kind !== 'surge') {
      const detail = plan.kind === 'impossible' ? `${plan.reason}; the fallback, ${plan.fallback.cost}, was not taken` : plan.reason;
      steps.push({ field, from, to, status: 'failed', writes: 0, detail });
      availability.notes.push(detail);
      return finish('failed', decision);
    }
    availability.method = 'surge';
    availability.notes.push(...plan.notes);
    // A Rolling or Automatic scale set would restart its instances in place as soon as the model
    // changes: it goes Manual in the same write as the size, and back once the change is over.
    const switchedFrom = plan.switchToManualFrom;
    if (switchedFrom) {
      availability.notes.push(
        `${switchedFrom} upgrade policy: set to Manual with the size so the platform restarts no instance in place, and back to ${switchedFrom} at the end${room.rollingMaxSurge ? "; its maxSurge is not used: the platform's MaxSurge upgrade deletes old instances itself, and the app drains each out of the backend pool first" : ''}`,
      );
    }
    const written = must((yield* armOperation(context, ACTIVITY.setVmSize, { ...target, vmSize: to, ...(switchedFrom ? { upgradeMode: 'Manual' } : {}) }, 'vmSize')) as StepOutcome<{ before: string; written: boolean }>);
    if (written.written) armWrites++;
    /** Gives the scale set its upgrade mode back (no write when it was Manual); `vmSize`: the model's size now. */
    const restoreMode = function* (vmSize: string): Generator<df.Task, void, unknown> {
      if (!switchedFrom) return;
      status('vmSize', `upgrade mode back to ${switchedFrom}`);
      const restored = must((yield* armOperation(context, ACTIVITY.setVmSize, { ...target, vmSize, upgradeMode: switchedFrom }, 'vmSize')) as StepOutcome<{ written: boolean }>);
      if (restored.written) armWrites++;
    };
    /** The model's size as last written (what the mode goes back with if the change stops on an error). */
    let modelSize = to;
    try {
      let failing = yield* surge(room, plan, to, true);
      // Instances added meanwhile on the old model (an autoscale write during the change) go the same way.
      for (let round = 0; round < 3 && !failing; round++) {
        const again = yield* surgePlan(from, to);
        if (again.plan.kind !== 'surge' || again.plan.batches.length === 0) break;
        failing = yield* surge(again.room, again.plan, to, true);
      }
      if (!failing) {
        const added = batches.reduce((n, b) => n + b.instanceIds.length, 0);
        steps.push({ field, from, to, status: 'succeeded', writes: written.written ? 1 : 0, detail: `${added} new instance(s) on ${to} in ${batches.length} verified batch(es), each in rotation before ${plan.batches.reduce((n, b) => n + b.remove.length, 0)} old one(s) were drained and deleted` });
        shape = { ...shape, capacity: room.capacity };
        // The tier as it ends: every instance on the new size, and the front end reaching them.
        const end = yield* verify({ vmSize: to });
        if (end.totals.failed > 0 || end.frontEnd.verdict === 'fail') {
          const lastStep = steps[steps.length - 1];
          if (lastStep) Object.assign(lastStep, { status: 'failed', detail: `${lastStep.detail}; at the end ${end.totals.failed} instance(s) fail${end.frontEnd.verdict === 'fail' ? `, front end: ${end.frontEnd.reason}` : ''}` });
          yield* restoreMode(to);
          return finish('failed', decision);
        }
        yield* restoreMode(to);
        continue;
      }
      const bad = batches[batches.length - 1];
      steps.push({ field, from, to, status: 'failed', writes: written.written ? 1 : 0, detail: `batch ${bad?.index ?? '?'} failed: ${(bad?.failed ?? []).map((f) => `${f.instanceId}${f.computerName ? ` ${f.computerName}` : ''}: ${f.reason}`).join('; ')}; its new instances were removed, the old ones never touched` });
      status('rollback', `rolling the size back to ${written.before}`);
      const back = must((yield* armOperation(context, ACTIVITY.setVmSize, { ...target, vmSize: written.before }, 'rollback')) as StepOutcome<{ before: string; written: boolean }>);
      modelSize = written.before;
      if (back.written) armWrites++;
      // Instances earlier batches moved go back the same way: old size added first, then they retire.
      const moved = batches.slice(0, -1).flatMap((b) => b.instanceIds);
      if (moved.length > 0) {
        const reverse = yield* surgePlan(to, written.before);
        if (reverse.plan.kind === 'surge') yield* surge(reverse.room, reverse.plan, written.before, false);
      }
      yield* restoreMode(written.before);
      const after = yield* verify({ vmSize: written.before, anyModel: true });
      rollback = { to: written.before, instances: batches.flatMap((b) => b.instanceIds), passed: after.totals.passed, failed: after.totals.failed };
      steps.push({ field: 'rollback', from: to, to: written.before, status: after.totals.failed === 0 ? 'succeeded' : 'failed', writes: back.written ? 1 : 0, detail: `${after.totals.passed}/${after.totals.instances} instance(s) pass on ${written.before}${moved.length ? `; ${moved.length} instance(s) moved earlier were surged back` : ''}` });
      return finish('rolledBack', decision);
    } catch (error) {
      // An ARM error (not a failing batch) stopped the change: the scale set must not stay Manual
      // without anyone saying so — the mode goes back (best effort), and the run's error says what happened.
      if (!switchedFrom) throw error;
      const cause = error instanceof Error ? error.message : String(error);
      let again: StepOutcome<{ written: boolean }>;
      try {
        again = (yield* armOperation(context, ACTIVITY.setVmSize, { ...target, vmSize: modelSize, upgradeMode: switchedFrom }, 'vmSize')) as StepOutcome<{ written: boolean }>;
      } catch (restoreError) {
        again = { ok: false, failure: { step: 'vmSize', code: 'Error', message: restoreError instanceof Error ? restoreError.message : String(restoreError), transient: true } };
      }
      if (again.ok) {
        if (again.value.written) armWrites++;
        throw new Error(`${cause} Upgrade mode restored to ${switchedFrom} after the error (the model is on ${modelSize}; instances not on it are upgraded by the platform's ${switchedFrom} policy).`);
      }
      // A write ARM accepted whose operation then ended Failed still changed the model: read what the mode is now.
      let modeNow: string | null = null;
      try {
        const room = (yield* armActivity(context, ACTIVITY.readSurgeRoom, target)) as StepOutcome<SurgeRoom>;
        if (room.ok) modeNow = room.value.upgradeMode;
      } catch {
        modeNow = null;
      }
      if (modeNow === switchedFrom) {
        throw new Error(`${cause} Upgrade mode is ${switchedFrom} again, though the write that set it reported: ${failureText(again, '')}.`);
      }
      throw new Error(
        `${cause} The upgrade mode was left Manual (it was ${switchedFrom}; putting it back failed: ${failureText(again, '')}${modeNow === null ? '; the mode now could not be read' : ''}). Put it back with: az vmss update --resource-group ${input.resourceGroup} --name ${input.scaleSetName} --set upgradePolicy.mode=${switchedFrom}`,
      );
    }
  }
  return finish('succeeded', decision);
};

registerOrchestration(ORCHESTRATOR.applySchedule, checkedInput(ORCHESTRATOR.applySchedule, checkApplyScheduleInput, recordedRun<ApplyScheduleInput>('schedule', (i) => ({ resourceGroup: i.resourceGroup, name: i.scaleSetName }), applyScheduleOrchestrator)));
