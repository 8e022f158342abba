/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Reacts to scale events: one run at a time per scale set (it runs under the scale set's change
 * lock id), verifying every instance not yet verified, repairing failures (reimage, then replace,
 * within limits), and — if more events arrived meanwhile — going round again, so a burst always
 * ends with the latest state verified. State carries over with continue-as-new (small history).
 */
import type * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import { planRepairs, type RepairHistoryEntry } from '../../domain/repair/planRepairs';
import type { InstanceVerdict } from '../../domain/verification/verdicts';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { failureText, type VerificationReport, type VerifyScaleSetInput } from './verifyScaleSet';
import { armActivity } from './armActivity';
import { registerOrchestration } from '../durable';

export interface WatchInput {
  resourceGroup: string;
  scaleSetName: string;
  reasons: string[];
  /** Instances verified as passing (skipped next round unless an event names them). */
  verified: string[];
  repairHistory: RepairHistoryEntry[];
  limits: { maxRepairsPerHour: number; minHealthy: number };
  actions: WatchAction[];
  rounds: number;
  /** How long to wait for further events before finishing, in seconds. */
  settleSeconds?: number;
  /** Event Grid event ids already handled (the last 500): at-least-once redeliveries are dropped. */
  seenEventIds?: string[];
}

export interface WatchAction {
  at: string;
  instanceId: string;
  action: 'verify' | 'reimage' | 'replace' | 'none';
  result: string;
}

export interface RecheckEvent {
  reason: string;
  instanceId?: string;
  /** The Event Grid event id, when the recheck comes from one. */
  eventId?: string;
}

const SEEN_EVENT_IDS = 500;
/** Events arriving during a round are collected for at most this many waits before going round again. */
const MAX_COLLECT_WAITS = 10;

export const watchScaleSetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<WatchInput>();
  const now = (): string => context.df.currentUtcDateTime.toISOString();
  const actions = [...input.actions];
  const history = [...input.repairHistory];
  const verifiedSet = new Set(input.verified);
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  context.df.setCustomStatus({ step: 'verify', round: input.rounds + 1, reasons: input.reasons.slice(-5) });

  const verify = function* (ids?: string[]): Generator<df.Task, VerificationReport, VerificationReport> {
    const verifyInput: VerifyScaleSetInput = { ...target, ...(ids ? { instanceIds: ids } : {}) };
    return yield context.df.callSubOrchestrator(ORCHESTRATOR.verifyScaleSet, verifyInput, `${context.df.instanceId}-v${input.rounds}-${actions.length}`);
  };

  const report: VerificationReport = yield* verify();
  const pending = report.instances.filter((i) => !verifiedSet.has(i.instanceId) || i.verdict === 'fail');
  for (const i of pending) actions.push({ at: now(), instanceId: i.instanceId, action: 'verify', result: `${i.verdict}: ${i.reason}` });
  let failing: InstanceVerdict[] = report.instances.filter((i) => i.verdict === 'fail');
  for (const i of report.instances) if (i.verdict === 'pass') verifiedSet.add(i.instanceId);
  let healthy = report.totals.passed;
  // The verdict each instance ends this round with (after repairs), for the run's record.
  const finalVerdicts = new Map(report.instances.map((i) => [i.instanceId, i]));

  // Repair: reimage, verify; still failing → replace, verify the replacement.
  for (let pass = 0; pass < 2 && failing.length > 0; pass++) {
    const decisions = planRepairs({ verdicts: failing, healthy, history, now: context.df.currentUtcDateTime, limits: input.limits });
    for (const d of decisions.filter((x) => x.action === 'none')) actions.push({ at: now(), instanceId: d.instanceId, action: 'none', result: d.reason });
    const next: InstanceVerdict[] = [];
    for (const action of ['reimage', 'replace'] as const) {
      const ids = decisions.filter((d) => d.action === action).map((d) => d.instanceId);
      if (ids.length === 0) continue;
      context.df.setCustomStatus({ step: action, instances: ids });
      const repaired: StepOutcome<{ newInstanceIds: string[] }> = yield* armActivity(context, ACTIVITY.repairInstances, { ...target, action, instanceIds: ids });
      if (!repaired.ok) throw new Error(failureText(repaired));
      for (const id of ids) history.push({ instanceId: id, action, at: now() });
      const checkIds = action === 'reimage' ? ids : repaired.value.newInstanceIds;
      const after: VerificationReport = yield* verify(checkIds);
      if (action === 'replace') for (const id of ids) finalVerdicts.delete(id);
      for (const i of after.instances) {
        finalVerdicts.set(i.instanceId, i);
        const replacedBy = action === 'replace' ? ` (replaces ${ids.join(', ')})` : '';
        actions.push({ at: now(), instanceId: i.instanceId, action, result: `${i.verdict}${replacedBy}: ${i.reason}` });
        if (i.verdict === 'pass') {
          verifiedSet.add(i.instanceId);
          healthy += 1;
        } else next.push(i);
      }
      for (const id of ids) if (action === 'replace') verifiedSet.delete(id);
    }
    failing = next;
  }

  // More events while we worked? Collect them until they stop for a moment (redeliveries of
  // events already handled are dropped), then go round again to verify the latest state.
  const seen = new Set(input.seenEventIds ?? []);
  const fresh: RecheckEvent[] = [];
  for (let waits = 0; waits < MAX_COLLECT_WAITS; waits++) {
    const recheck = context.df.waitForExternalEvent('recheck');
    const settle = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + (input.settleSeconds ?? 2) * 1000));
    const winner: unknown = yield context.df.Task.any([recheck, settle]);
    if (winner !== recheck) break;
    if (!settle.isCompleted) settle.cancel();
    const event = (recheck.result as RecheckEvent | undefined) ?? { reason: 'recheck' };
    if (event.eventId && seen.has(event.eventId)) continue;
    if (event.eventId) seen.add(event.eventId);
    fresh.push(event);
  }
  const seenEventIds = [...seen].slice(-SEEN_EVENT_IDS);
  const state: WatchInput = {
    ...input,
    verified: [...verifiedSet].sort((a, b) => Number(a) - Number(b)),
    repairHistory: history.filter((h) => Date.parse(h.at) > context.df.currentUtcDateTime.getTime() - 3600_000),
    actions: actions.slice(-200),
    rounds: input.rounds + 1,
    seenEventIds,
  };
  if (fresh.length > 0) {
    const named = new Set(fresh.map((e) => e.instanceId).filter((id): id is string => id !== undefined));
    state.verified = state.verified.filter((id) => !named.has(id));
    state.reasons = [...input.reasons, ...fresh.map((e) => e.reason)].slice(-20);
    context.df.continueAsNew(state);
    return undefined;
  }
  const finalFailing = failing.map((f) => ({ instanceId: f.instanceId, reason: f.reason }));
  context.df.setCustomStatus({ step: 'done', rounds: state.rounds, failing: finalFailing.length });
  const instances = [...finalVerdicts.values()].sort((a, b) => Number(a.instanceId) - Number(b.instanceId));
  const passed = instances.filter((i) => i.verdict === 'pass').length;
  return {
    kind: 'watch',
    outcome: finalFailing.length === 0 ? 'succeeded' : 'failed',
    reason: `scale events: ${state.reasons.slice(-3).join('; ')}`,
    scaleSet: target,
    rounds: state.rounds,
    reasons: state.reasons,
    actions: state.actions,
    failing: finalFailing,
    repairHistory: state.repairHistory,
    verified: state.verified,
    seenEventIds,
    instances,
    totals: { instances: instances.length, passed, failed: instances.length - passed },
    verifiedAt: context.df.currentUtcDateTime.toISOString(),
    lastReport: report,
  };
};

registerOrchestration(ORCHESTRATOR.watchScaleSet, recordedRun<WatchInput>('repair', (i) => ({ resourceGroup: i.resourceGroup, name: i.scaleSetName }), watchScaleSetOrchestrator));
