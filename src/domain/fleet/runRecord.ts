/**
 * What is kept of every finished run (deploy, scale, schedule change, repair, on-demand verify):
 * a small summary, the instance verdicts it established, and the full report. Pure: built from the
 * orchestration's result or error and the times it passes in.
 */
import type { InstanceVerdict } from '../verification/verdicts';

export type RunKind = 'deploy' | 'scale' | 'schedule' | 'repair' | 'verify';

/** An instance's verdict as a run established it. */
export type RecordedVerdict = Pick<InstanceVerdict, 'instanceId' | 'computerName' | 'privateIp' | 'zone' | 'reason'> & {
  /** Instances that were `gone` before they were judged are not kept: there is nothing left to show. */
  verdict: 'pass' | 'fail';
};

export interface RunRecord {
  runId: string;
  kind: RunKind;
  scaleSet: { resourceGroup: string; name: string };
  runtimeStatus: 'Completed' | 'Failed';
  /** succeeded | failed | rolledBack | unchanged | deferred | error */
  outcome: string;
  summary: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** When the verdicts below were established (null: the run verified nothing). */
  verifiedAt: string | null;
  instances: RecordedVerdict[];
  report: unknown;
}

interface ReportShape {
  outcome?: string;
  reason?: string;
  instances?: Array<Partial<RecordedVerdict>>;
  totals?: { instances: number; passed: number; failed: number };
  verifiedAt?: string;
  verification?: { verifiedAt?: string };
  actions?: Array<{ action: string; instanceId: string; result: string }>;
  after?: number;
}

export function runRecordFrom(options: {
  runId: string;
  kind: RunKind;
  scaleSet: { resourceGroup: string; name: string };
  startedAt: Date;
  finishedAt: Date;
  result?: unknown;
  error?: string;
}): RunRecord {
  const base = {
    runId: options.runId,
    kind: options.kind,
    scaleSet: options.scaleSet,
    startedAt: options.startedAt.toISOString(),
    finishedAt: options.finishedAt.toISOString(),
    durationMs: Math.max(0, options.finishedAt.getTime() - options.startedAt.getTime()),
  };
  if (options.error !== undefined) {
    return { ...base, runtimeStatus: 'Failed', outcome: 'error', summary: options.error.slice(0, 2000), verifiedAt: null, instances: [], report: { error: options.error } };
  }
  const report = (options.result ?? {}) as ReportShape;
  const instances: RecordedVerdict[] = (report.instances ?? [])
    .filter((i) => typeof i.instanceId === 'string' && (i.verdict === 'pass' || i.verdict === 'fail'))
    .map((i) => ({ instanceId: String(i.instanceId), computerName: i.computerName ?? '', privateIp: i.privateIp ?? null, zone: i.zone ?? null, verdict: i.verdict as 'pass' | 'fail', reason: i.reason ?? '' }));
  const verifiedAt = instances.length ? (report.verification?.verifiedAt ?? report.verifiedAt ?? base.finishedAt) : null;
  const outcome = report.outcome ?? (report.totals ? (report.totals.failed === 0 ? 'succeeded' : 'failed') : 'succeeded');
  const totals = report.totals ? `${report.totals.passed}/${report.totals.instances} instances passed` : '';
  const repairs = (report.actions ?? []).filter((a) => a.action === 'reimage' || a.action === 'replace').length;
  const summary = [report.reason, totals, repairs ? `${repairs} repair action(s)` : ''].filter(Boolean).join('; ') || outcome;
  return { ...base, runtimeStatus: 'Completed', outcome, summary, verifiedAt, instances, report: options.result ?? null };
}

/**
 * A schedule change that could not start because another run held the scale set's lock. It is kept
 * as a run of its own (the evaluation that decided it is overwritten by the next one), saying what
 * held the lock; the next timer tick tries again.
 */
export function deferredRunRecord(options: {
  scaleSet: { resourceGroup: string; name: string };
  lockId: string;
  at: Date;
  trigger: 'timer' | 'http';
  changes: Array<{ field: string; to: number | string }>;
  heldBy: { instanceId: string; name: string; runtimeStatus: string };
}): RunRecord {
  const wanted = options.changes.map((c) => `${c.field} → ${String(c.to)}`).join(', ') || 'a change';
  const reason = `deferred: ${options.heldBy.name} run ${options.heldBy.instanceId} (${options.heldBy.runtimeStatus}) held the lock; wanted ${wanted}; the next tick tries again`;
  const at = options.at.toISOString();
  return {
    runId: `${options.lockId}-deferred-${at.replace(/[-:.]/g, '').toLowerCase()}`,
    kind: 'schedule',
    scaleSet: options.scaleSet,
    runtimeStatus: 'Completed',
    outcome: 'deferred',
    summary: reason,
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    verifiedAt: null,
    instances: [],
    report: { kind: 'schedule', outcome: 'deferred', reason, trigger: options.trigger, evaluatedAt: at, changes: options.changes, heldBy: options.heldBy },
  };
}

/**
 * A name part that keeps distinct ARM names distinct: lower-cased (ARM names are case-insensitive),
 * letters, digits, `.` and `-` kept, anything else (`_`, `(`, `)`) written as `_` + its code in four hex digits —
 * mapping them all to `-` made `web_fe` and `web-fe` share one history.
 */
export function recordNamePart(name: string): string {
  return [...name.toLowerCase()].map((c) => (/[a-z0-9.-]/.test(c) ? c : `_${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)).join('');
}

/** The name back from a record path part (lower-cased: ARM reads it case-insensitively). */
export function nameFromRecordPart(part: string): string {
  return part.replace(/_([0-9a-f]{4})/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}

/** Blob name: per scale set, ordered by start time (names sort chronologically). */
export function runRecordName(record: Pick<RunRecord, 'scaleSet' | 'startedAt' | 'kind' | 'runId'>): string {
  const safe = recordNamePart;
  return `${safe(record.scaleSet.resourceGroup)}/${safe(record.scaleSet.name)}/${record.startedAt.replace(/[-:.]/g, '').toLowerCase()}_${record.kind}_${safe(record.runId)}.json`;
}

/** A run without its verdicts and report: what the fleet page lists, small enough to keep beside the record. */
export type RunSummary = Omit<RunRecord, 'instances' | 'report'> & {
  /** How many instance verdicts the run established (0: nothing to read for verdicts). */
  verdictCount: number;
};

/** The verdicts a run established, kept apart from its report so the page never reads whole reports. */
export interface RunVerdicts {
  runId: string;
  verifiedAt: string | null;
  instances: RecordedVerdict[];
}

export function summaryOf(record: RunRecord): RunSummary {
  const { instances, report: _report, ...summary } = record;
  return { ...summary, verdictCount: instances.length };
}

export function verdictsOf(record: Pick<RunRecord, 'runId' | 'verifiedAt' | 'instances'>): RunVerdicts {
  return { runId: record.runId, verifiedAt: record.verifiedAt, instances: record.instances };
}

/** The blob beside a record that holds only its verdicts. */
export function verdictsBlobName(recordName: string): string {
  return recordName.replace(/\.json$/, '.verdicts.json');
}

export function isVerdictsBlobName(name: string): boolean {
  return name.endsWith('.verdicts.json');
}
