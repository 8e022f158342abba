/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * One schedule evaluation (a timer tick, or POST /api/schedules/evaluate): reads the schedule
 * document and each scheduled scale set's shape (GETs only), decides with the pure domain at the
 * orchestration's time, and starts one change run per scale set that must change. Nothing to
 * change → no ARM write at all. A dry run decides and reports without starting anything.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { decideScaleSet } from '../../domain/schedule/schedulePlan';
import type { ScheduledScaleSets } from '../activities/readScheduledScaleSets';
import type { StartedChange } from '../activities/startScheduleChange';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { armRetry } from './armActivity';
import { registerOrchestration } from '../durable';
import { checkedInput, checkEvaluateSchedulesInput } from './inputChecks';

export interface EvaluateSchedulesInput {
  trigger: 'timer' | 'http';
  dryRun?: boolean;
}

export interface ScheduleEvaluation {
  evaluatedAt: string;
  trigger: 'timer' | 'http';
  dryRun: boolean;
  source: string;
  outcome: 'evaluated' | 'invalidConfig';
  errors: string[];
  scaleSets: Array<{
    resourceGroup: string;
    name: string;
    /** none: already as desired (no write); started: a change run began; busy: another change holds the lock (next tick retries); held: the same resize was just rolled back; wouldChange: dry run. */
    action: 'none' | 'started' | 'busy' | 'held' | 'wouldChange' | 'error';
    reason: string;
    changes: Array<{ field: string; from: number | string; to: number | string }>;
    changeInstanceId?: string;
  }>;
}

export const evaluateSchedulesOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<EvaluateSchedulesInput | null>() ?? { trigger: 'timer' };
  const now = context.df.currentUtcDateTime;
  const base = { evaluatedAt: now.toISOString(), trigger: input.trigger, dryRun: input.dryRun === true };
  context.df.setCustomStatus({ step: 'read', message: 'reading schedules and scale sets' });
  const read: ScheduledScaleSets = yield context.df.callActivityWithRetry(ACTIVITY.readScheduledScaleSets, armRetry(), {});
  if (!read.ok) {
    const report: ScheduleEvaluation = { ...base, source: read.source, outcome: 'invalidConfig', errors: read.errors, scaleSets: [] };
    context.df.setCustomStatus({ step: 'done', message: `schedule document invalid: ${read.errors.length} problem(s)` });
    return report;
  }
  const decisions = read.scaleSets.map((entry) => decideScaleSet(entry, now, 0));
  const toChange = decisions.filter((d) => d.action === 'change');
  let started: StartedChange[] = [];
  if (!base.dryRun && toChange.length > 0) {
    context.df.setCustomStatus({ step: 'start', message: `starting ${toChange.length} change run(s)` });
    started = yield context.df.Task.all(
      toChange.map((d) => context.df.callActivityWithRetry(ACTIVITY.startScheduleChange, armRetry(), { resourceGroup: d.resourceGroup, scaleSetName: d.name, trigger: input.trigger, evaluatedAt: base.evaluatedAt, changes: d.changes })),
    );
  }
  const report: ScheduleEvaluation = {
    ...base,
    source: read.source,
    outcome: 'evaluated',
    errors: [],
    scaleSets: decisions.map((d) => {
      const start = d.action === 'change' && !base.dryRun ? started[toChange.indexOf(d)] : undefined;
      const action = d.action === 'change' ? (base.dryRun ? 'wouldChange' : (start?.status ?? 'busy')) : d.action;
      return {
        resourceGroup: d.resourceGroup,
        name: d.name,
        action,
        reason:
          action === 'busy'
            ? `another change is running (${start?.instanceId ?? ''}); the next tick tries again — wanted: ${d.reason}`
            : action === 'held'
              ? `held: ${start?.detail ?? ''} — wanted: ${d.reason}`
              : d.reason,
        changes: d.changes,
        ...(start ? { changeInstanceId: start.instanceId } : {}),
      };
    }),
  };
  context.df.setCustomStatus({ step: 'done', message: report.scaleSets.map((s) => `${s.name}: ${s.action}`).join(', ') || 'no schedules' });
  return report;
};

registerOrchestration(ORCHESTRATOR.evaluateSchedules, checkedInput(ORCHESTRATOR.evaluateSchedules, checkEvaluateSchedulesInput, evaluateSchedulesOrchestrator));
