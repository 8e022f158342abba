/**
 * The fleet page's data: per scale set what ARM says now, joined with the verdicts its runs
 * established, the schedule's next changes, its recent runs and what is running. Pure: every
 * input is passed in, so the page shows exactly what the reports say.
 */
import type { ScaleSetDecision } from '../schedule/schedulePlan';
import type { RunKind, RunSummary, RunVerdicts } from './runRecord';

export interface FleetInstanceFacts {
  instanceId: string;
  computerName: string;
  zone: string | null;
  privateIp: string | null;
  vmSize: string;
  powerState: string | null;
  provisioningState: string;
}

export interface ScaleSetNow {
  vmSize: string;
  capacity: number;
  upgradePolicy: string;
  zones: string[];
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  instances: FleetInstanceFacts[];
}

export interface RunningOrchestration {
  instanceId: string;
  name: string;
  createdTime: string;
  customStatus: unknown;
}

export interface FleetInstance extends FleetInstanceFacts {
  verdict: 'pass' | 'fail' | 'unverified';
  reason: string;
  verifiedAt: string | null;
  verifiedBy: string | null;
}

export interface FleetGoneInstance {
  instanceId: string;
  computerName: string;
  zone: string | null;
  privateIp: string | null;
  lastVerdict: 'pass' | 'fail';
  reason: string;
  verifiedAt: string | null;
}

/** At most this many gone instances are listed (the total is always given). */
const GONE_LISTED = 500;

export interface FleetScaleSet {
  resourceGroup: string;
  name: string;
  exists: boolean;
  error: string | null;
  vmSize: string | null;
  capacity: number | null;
  upgradePolicy: string | null;
  zones: string[];
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  instances: FleetInstance[];
  /**
   * Instances the newest verdicts know that ARM no longer lists (removed or replaced since their
   * last verification, and no run has verified the scale set since): they need a look.
   */
  gone: FleetGoneInstance[];
  totals: { instances: number; passed: number; failed: number; unverified: number; gone: number };
  schedule: { timeZone: string; desired: ScaleSetDecision['desired']; action: ScaleSetDecision['action']; reason: string; nextChanges: ScaleSetDecision['nextChanges'] } | null;
  runs: Array<{ runId: string; kind: RunKind; runtimeStatus: string; outcome: string; summary: string; startedAt: string; finishedAt: string; durationMs: number; reportUrl: string }>;
  running: Array<{ instanceId: string; kind: string; startedAt: string; step: string; message: string; done: number | null; total: number | null }>;
}

const KIND_BY_ORCHESTRATOR: Record<string, string> = {
  deployTier: 'deploy',
  scaleScaleSet: 'scale',
  applySchedule: 'schedule',
  watchScaleSet: 'repair',
  verifyScaleSet: 'verify',
  evaluateSchedules: 'evaluation',
};

/** A running orchestration's progress, from the custom status the orchestrators set. */
export function describeRunning(r: RunningOrchestration): FleetScaleSet['running'][number] {
  const s = (r.customStatus ?? {}) as { step?: string; message?: string; instancesProbed?: number; instancesTotal?: number; batch?: number; batches?: number; steps?: string[]; stepsDone?: string[] };
  const pair: [number, number] | null =
    s.batches !== undefined ? [(s.batch ?? 1) - 1, s.batches] : s.instancesTotal !== undefined ? [s.instancesProbed ?? 0, s.instancesTotal] : s.steps ? [s.stepsDone?.length ?? 0, s.steps.length] : null;
  return {
    instanceId: r.instanceId,
    kind: KIND_BY_ORCHESTRATOR[r.name] ?? r.name,
    startedAt: r.createdTime,
    step: s.step ?? 'running',
    message: s.message ?? '',
    done: pair ? pair[0] : null,
    total: pair ? pair[1] : null,
  };
}

/** An instance id reused by a recreated scale set is another machine: its computer name tells. */
export function verdictIsFor(verdict: { computerName?: string }, instance: { computerName: string }): boolean {
  return !verdict.computerName || verdict.computerName.toLowerCase() === instance.computerName.toLowerCase();
}

/**
 * The verdicts of the newest verifying runs, read one at a time through `read` and only until
 * every given instance has its verdict (usually the newest run covers them all).
 */
export async function verdictsCovering(options: {
  /** Newest first. */
  runs: Array<{ name: string; summary: Pick<RunSummary, 'verdictCount'> }>;
  instances: Array<{ instanceId: string; computerName: string }>;
  read: (name: string) => Promise<RunVerdicts | null>;
}): Promise<RunVerdicts[]> {
  const uncovered = new Map(options.instances.map((i) => [i.instanceId, i]));
  const verdicts: RunVerdicts[] = [];
  for (const run of options.runs) {
    if (uncovered.size === 0) break;
    if (run.summary.verdictCount === 0) continue;
    const v = await options.read(run.name);
    if (!v) continue;
    verdicts.push(v);
    for (const verdict of v.instances) {
      const instance = uncovered.get(verdict.instanceId);
      if (instance && verdictIsFor(verdict, instance)) uncovered.delete(verdict.instanceId);
    }
  }
  return verdicts;
}

export function buildScaleSetView(options: {
  resourceGroup: string;
  name: string;
  now: ScaleSetNow | { error: string };
  /** Recent runs, newest first, each with the link to its full report. */
  runs: Array<{ summary: RunSummary; reportUrl: string }>;
  /** Verdicts of runs that verified instances, newest first (as many as it takes to cover the instances). */
  verdicts: RunVerdicts[];
  schedule?: ScaleSetDecision;
  running: RunningOrchestration[];
}): FleetScaleSet {
  // One index per run: at 10 scale sets × 1000 instances a search per instance would be 10 million steps.
  const indexed = options.verdicts.map((run) => ({ run, byId: new Map(run.instances.map((i) => [i.instanceId, i])) }));
  const verdictOf = (instance: FleetInstanceFacts): Pick<FleetInstance, 'verdict' | 'reason' | 'verifiedAt' | 'verifiedBy'> => {
    for (const { run, byId } of indexed) {
      const v = byId.get(instance.instanceId);
      if (v && verdictIsFor(v, instance)) return { verdict: v.verdict, reason: v.reason, verifiedAt: run.verifiedAt, verifiedBy: run.runId };
    }
    return { verdict: 'unverified', reason: 'not verified yet', verifiedAt: null, verifiedBy: null };
  };
  const current = 'error' in options.now ? null : options.now;
  const creating = options.running.some((r) => r.name === 'deployTier');
  const instances = (current?.instances ?? []).map((i) => ({ ...i, ...verdictOf(i) }));
  const count = (v: FleetInstance['verdict']): number => instances.filter((i) => i.verdict === v).length;
  const gone: FleetGoneInstance[] = [];
  if (current) {
    const listed = new Map(current.instances.map((i) => [i.instanceId, i]));
    const seen = new Set<string>();
    for (const { run } of indexed) {
      for (const v of run.instances) {
        if (seen.has(v.instanceId)) continue;
        seen.add(v.instanceId);
        const now = listed.get(v.instanceId);
        if (now && verdictIsFor(v, now)) continue;
        gone.push({ instanceId: v.instanceId, computerName: v.computerName, zone: v.zone ?? null, privateIp: v.privateIp ?? null, lastVerdict: v.verdict, reason: v.reason, verifiedAt: run.verifiedAt });
      }
    }
  }
  return {
    resourceGroup: options.resourceGroup,
    name: options.name,
    exists: current !== null,
    error: 'error' in options.now ? (creating ? 'not there yet: a deployment is creating it' : options.now.error) : null,
    vmSize: current?.vmSize ?? null,
    capacity: current?.capacity ?? null,
    upgradePolicy: current?.upgradePolicy ?? null,
    zones: current?.zones ?? [],
    frontEndUrl: current?.frontEndUrl ?? null,
    publicFrontEndUrl: current?.publicFrontEndUrl ?? null,
    instances,
    gone: gone.slice(0, GONE_LISTED),
    totals: { instances: instances.length, passed: count('pass'), failed: count('fail'), unverified: count('unverified'), gone: gone.length },
    schedule: options.schedule
      ? { timeZone: options.schedule.timeZone, desired: options.schedule.desired, action: options.schedule.action, reason: options.schedule.reason, nextChanges: options.schedule.nextChanges }
      : null,
    runs: options.runs.map(({ summary, reportUrl }) => ({
      runId: summary.runId,
      kind: summary.kind,
      runtimeStatus: summary.runtimeStatus,
      outcome: summary.outcome,
      summary: summary.summary,
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      durationMs: summary.durationMs,
      reportUrl,
    })),
    running: options.running.map(describeRunning),
  };
}
