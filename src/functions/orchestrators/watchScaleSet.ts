/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Reacts to scale events: one run at a time per scale set (it runs under the scale set's change
 * lock id). Each round it takes the events kept for the scale set (azure/scaleSetState.ts: kept
 * durably as they arrive, whatever run held the lock), verifies the instances — each judged only
 * once ready; those that leave first are `gone` — and looks again at failing ones before calling
 * a failure real (FRIDAY_REPAIR_CONFIRMATIONS looks, FRIDAY_REPAIR_CONFIRM_SECONDS apart: a
 * flapping instance is not repaired). Confirmed failures are repaired in small batches, each
 * decided against the durable repair budget and the instances listed as active right before
 * acting, and only while the scale set still carries friday-fleet's mark. The round's events are
 * then removed from the store — its report lists every one — and if more arrived meanwhile, it
 * goes round again (continue-as-new, small history), so a burst ends with the latest state verified.
 *
 * Its limits (looks, their spacing, the repair budget, the minimum healthy) come from the app
 * settings, read by an activity at the start of each round (readRepairLimits: deterministic on
 * replay), never from its input — an input can be crafted by anyone holding the durable system key.
 */
import type * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import type { RepairTargets } from '../../azure/managedScaleSets';
import type { KeptEvent } from '../../azure/scaleSetState';
import type { RepairDecision } from '../../domain/repair/planRepairs';
import type { InstanceVerdict } from '../../domain/verification/verdicts';
import type { ReserveRepairsInput } from '../activities/reserveRepairs';
import type { RepairLimits } from '../activities/readRepairLimits';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { failureText, type VerificationReport, type VerifyScaleSetInput } from './verifyScaleSet';
import { repairInstances } from './scaleSetOperations';
import { armActivity, armRetry } from './armActivity';
import { registerOrchestration } from '../durable';
import { checkedInput, checkWatchInput } from './inputChecks';

export interface WatchInput {
  resourceGroup: string;
  scaleSetName: string;
  /** Instances verified as passing (not reported again next round unless an event names them). */
  verified: string[];
  actions: WatchAction[];
  rounds: number;
  /** Event ids already handled (the last 500): at-least-once redeliveries change nothing. */
  seenEventIds?: string[];
  /** Every event this run has accounted for so far (earlier generations included). */
  events?: HandledEvent[];
  /** How many events this run has accounted for (listed or not). */
  eventsCounted?: number;
  reasons?: string[];
  /** When this run's first generation started: with the round and batch, a reservation key no other run shares. */
  startedAt?: string;
}

export interface WatchAction {
  at: string;
  instanceId: string;
  action: 'verify' | 'reimage' | 'replace' | 'none';
  result: string;
}

/** An event as the run's report accounts for it. */
export interface HandledEvent {
  eventId: string;
  reason: string;
  receivedAt: string;
  /** The round (1-based) that handled it. */
  round: number;
  /** A redelivery of an event already handled: nothing more done for it. */
  duplicate?: true;
}

const SEEN_EVENT_IDS = 500;
/** Events listed in the report; a storm beyond this is counted, not listed one by one. */
const LISTED_EVENTS = 2000;
/** Repair batches per round (each at most 20 % of the capacity). */
const MAX_REPAIR_BATCHES = 10;
/** How long a round waits for further events before finishing, in seconds: a burst settles into one more round, not one per event. */
const SETTLE_SECONDS = 2;

export const watchScaleSetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<WatchInput>();
  const now = (): string => context.df.currentUtcDateTime.toISOString();
  const round = input.rounds + 1;
  const startedAt = input.startedAt ?? now();
  const actions = [...input.actions];
  const verifiedSet = new Set(input.verified);
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  const seen = new Set(input.seenEventIds ?? []);
  const handled = [...(input.events ?? [])];
  let eventsCounted = input.eventsCounted ?? handled.length;
  context.df.setCustomStatus({ step: 'events', round });
  // This round's limits, from the app settings (whatever the input carries).
  const limits: RepairLimits = yield context.df.callActivityWithRetry(ACTIVITY.readRepairLimits, armRetry(), null);

  // The events waiting for this scale set: this round accounts for them.
  const kept: KeptEvent[] = yield context.df.callActivityWithRetry(ACTIVITY.listKeptEvents, armRetry(), target);
  const fresh = kept.filter((e) => !seen.has(e.eventId));
  for (const e of kept) {
    eventsCounted += 1;
    if (handled.length < LISTED_EVENTS) handled.push({ eventId: e.eventId, reason: e.reason, receivedAt: e.receivedAt, round, ...(seen.has(e.eventId) ? { duplicate: true as const } : {}) });
    seen.add(e.eventId);
  }
  const reasons = [...(input.reasons ?? []), ...fresh.map((e) => e.reason)].slice(-20);
  for (const e of fresh) if (e.instanceId) verifiedSet.delete(e.instanceId);

  let verifyCalls = 0;
  const verify = function* (ids?: string[]): Generator<df.Task, VerificationReport, VerificationReport> {
    const verifyInput: VerifyScaleSetInput = { ...target, ...(ids ? { instanceIds: ids } : {}) };
    return yield context.df.callSubOrchestrator(ORCHESTRATOR.verifyScaleSet, verifyInput, `${context.df.instanceId}-v${input.rounds}-${verifyCalls++}`);
  };

  // The verdict each instance ends this round with (after repairs), for the run's record.
  const finalVerdicts = new Map<string, InstanceVerdict>();
  let stillFailing: InstanceVerdict[] = [];
  let lastReport: VerificationReport | undefined;
  // A round started only by redeliveries has nothing new to look at.
  if (fresh.length > 0 || input.rounds === 0) {
    context.df.setCustomStatus({ step: 'verify', round, reasons: reasons.slice(-5) });
    const report: VerificationReport = yield* verify();
    lastReport = report;
    for (const i of report.instances) {
      finalVerdicts.set(i.instanceId, i);
      if (!verifiedSet.has(i.instanceId) || i.verdict !== 'pass') actions.push({ at: now(), instanceId: i.instanceId, action: 'verify', result: `${i.verdict}: ${i.reason}` });
      if (i.verdict === 'pass') verifiedSet.add(i.instanceId);
      else verifiedSet.delete(i.instanceId);
    }

    // Confirm: a failure is real only if it is still there on every look, spaced over a window.
    let failing = report.instances.filter((i) => i.verdict === 'fail');
    const looks = Math.max(1, limits.confirmations);
    for (let look = 2; look <= looks && failing.length > 0; look++) {
      context.df.setCustomStatus({ step: 'confirm', round, look, of: looks, instances: failing.map((f) => f.instanceId) });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + limits.spacingSeconds * 1000));
      const again: VerificationReport = yield* verify(failing.map((f) => f.instanceId));
      const next: InstanceVerdict[] = [];
      for (const i of again.instances) {
        finalVerdicts.set(i.instanceId, i);
        const result = i.verdict === 'pass' ? `pass on look ${look} of ${looks} after failing: not repaired` : `${i.verdict} (look ${look} of ${looks}): ${i.reason}`;
        actions.push({ at: now(), instanceId: i.instanceId, action: 'verify', result });
        if (i.verdict === 'pass') verifiedSet.add(i.instanceId);
        if (i.verdict === 'fail') next.push(i);
      }
      failing = next;
    }

    // Repair confirmed failures, a batch at a time.
    let healthy = [...finalVerdicts.values()].filter((v) => v.verdict === 'pass').length;
    let remaining = failing.map((f) => ({ instanceId: f.instanceId, reason: f.reason }));
    for (let batch = 0; batch < MAX_REPAIR_BATCHES && remaining.length > 0; batch++) {
      // Right before acting: still ours? which instances are active now?
      const targets: StepOutcome<RepairTargets> = yield* armActivity(context, ACTIVITY.repairTargets, target);
      if (!targets.ok) throw new Error(failureText(targets));
      if (!targets.value.managed) {
        for (const f of remaining) actions.push({ at: now(), instanceId: f.instanceId, action: 'none', result: 'the scale set no longer carries the managed-by: friday-fleet mark: no repair' });
        break;
      }
      const reserveInput: ReserveRepairsInput = { ...target, failing: remaining, active: targets.value.active, capacity: targets.value.capacity, healthy, now: now(), reservationKey: `${startedAt}:${round}-${batch}` };
      const { decisions }: { decisions: RepairDecision[] } = yield context.df.callActivityWithRetry(ACTIVITY.reserveRepairs, armRetry(), reserveInput);
      const waiting = decisions.filter((d) => d.action === 'none' && d.nextBatch);
      for (const d of decisions.filter((x) => x.action === 'none' && !x.nextBatch)) actions.push({ at: now(), instanceId: d.instanceId, action: 'none', result: d.reason });
      const next: Array<{ instanceId: string; reason: string }> = [];
      let acted = 0;
      for (const action of ['reimage', 'replace'] as const) {
        const ids = decisions.filter((d) => d.action === action).map((d) => d.instanceId);
        if (ids.length === 0) continue;
        acted += ids.length;
        context.df.setCustomStatus({ step: action, round, batch: batch + 1, instances: ids });
        // Replace restores the capacity read above, before its delete (never a re-read after it).
        const repaired: StepOutcome<{ newInstanceIds: string[] }> = yield* repairInstances(context, { ...target, action, instanceIds: ids, capacity: targets.value.capacity });
        // Azure ends a reimage (or the scale-out of a replace) Failed with VMExtensionProvisioningError
        // when the setup extension fails again on the instance: the operation ran, the instance
        // exists — verify it and report its reason (a failing reimage then leads to a replace).
        const extensionFailed = !repaired.ok && repaired.failure.code === 'VMExtensionProvisioningError';
        if (!repaired.ok && !extensionFailed) throw new Error(failureText(repaired));
        if (!repaired.ok && action === 'replace') {
          for (const id of ids) actions.push({ at: now(), instanceId: id, action, result: `fail: ${repaired.failure.code} — ${repaired.failure.message}` });
          continue;
        }
        const checkIds = action === 'reimage' || !repaired.ok ? ids : repaired.value.newInstanceIds;
        const after: InstanceVerdict[] = checkIds.length ? (yield* verify(checkIds)).instances : [];
        if (action === 'replace') for (const id of ids) {
          finalVerdicts.delete(id);
          verifiedSet.delete(id);
        }
        for (const i of after) {
          finalVerdicts.set(i.instanceId, i);
          const replacedBy = action === 'replace' ? ` (replaces ${ids.join(', ')})` : '';
          actions.push({ at: now(), instanceId: i.instanceId, action, result: `${i.verdict}${replacedBy}: ${i.reason}` });
          if (i.verdict === 'pass') {
            verifiedSet.add(i.instanceId);
            healthy += 1;
          } else if (i.verdict === 'fail' && action === 'reimage') next.push({ instanceId: i.instanceId, reason: i.reason });
        }
      }
      if (acted === 0) {
        for (const d of waiting) actions.push({ at: now(), instanceId: d.instanceId, action: 'none', result: d.reason });
        break;
      }
      remaining = [...next, ...waiting.map((d) => ({ instanceId: d.instanceId, reason: remaining.find((r) => r.instanceId === d.instanceId)?.reason ?? d.reason }))];
    }
    stillFailing = [...finalVerdicts.values()].filter((v) => v.verdict === 'fail');
  }

  // The round has accounted for its events: they leave the store.
  if (kept.length > 0) yield context.df.callActivityWithRetry(ACTIVITY.dropKeptEvents, armRetry(), { names: kept.map((e) => e.name) });

  // More events while we worked? Let a burst settle, then look at the store again.
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + SETTLE_SECONDS * 1000));
  const waitingNow: KeptEvent[] = yield context.df.callActivityWithRetry(ACTIVITY.listKeptEvents, armRetry(), target);
  const state: WatchInput = {
    ...input,
    verified: [...verifiedSet].sort((a, b) => Number(a) - Number(b)),
    actions: actions.slice(-200),
    rounds: round,
    seenEventIds: [...seen].slice(-SEEN_EVENT_IDS),
    events: handled,
    eventsCounted,
    reasons,
    startedAt,
  };
  if (waitingNow.length > 0) {
    context.df.continueAsNew(state);
    return undefined;
  }
  const finalFailing = stillFailing.map((f) => ({ instanceId: f.instanceId, reason: f.reason }));
  context.df.setCustomStatus({ step: 'done', rounds: round, failing: finalFailing.length });
  const instances = [...finalVerdicts.values()].sort((a, b) => Number(a.instanceId) - Number(b.instanceId));
  const passed = instances.filter((i) => i.verdict === 'pass').length;
  const failed = instances.filter((i) => i.verdict === 'fail').length;
  return {
    kind: 'watch',
    outcome: finalFailing.length === 0 ? 'succeeded' : 'failed',
    reason: `scale events: ${reasons.slice(-3).join('; ') || 'redeliveries only'}`,
    scaleSet: { resourceGroup: input.resourceGroup, name: input.scaleSetName },
    rounds: round,
    reasons,
    actions: state.actions,
    failing: finalFailing,
    verified: state.verified,
    seenEventIds: state.seenEventIds,
    events: handled,
    eventsCounted,
    instances,
    totals: { instances: instances.length, passed, failed, gone: instances.length - passed - failed },
    verifiedAt: context.df.currentUtcDateTime.toISOString(),
    limits,
    ...(lastReport ? { lastReport } : {}),
  };
};

registerOrchestration(ORCHESTRATOR.watchScaleSet, checkedInput(ORCHESTRATOR.watchScaleSet, checkWatchInput, recordedRun<WatchInput>('repair', (i) => ({ resourceGroup: i.resourceGroup, name: i.scaleSetName }), watchScaleSetOrchestrator)));
