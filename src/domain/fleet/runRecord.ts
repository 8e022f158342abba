/**
 * What is kept of every finished run (deploy, scale, schedule change, repair, on-demand verify):
 * a small summary, the instance verdicts it established, and the full report. Pure: built from the
 * orchestration's result or error and the times it passes in.
 */
import type { InstanceVerdict } from '../verification/verdicts';

export type RunKind = 'deploy' | 'scale' | 'schedule' | 'repair' | 'verify';

/** An instance's verdict as a run established it. */
export type RecordedVerdict = Pick<InstanceVerdict, 'instanceId' | 'computerName' | 'privateIp' | 'zone' | 'verdict' | 'reason'>;

export interface RunRecord {
  runId: string;
  kind: RunKind;
  scaleSet: { resourceGroup: string; name: string };
  runtimeStatus: 'Completed' | 'Failed';
  /** succeeded | failed | rolledBack | unchanged | error */
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

/** Blob name: per scale set, ordered by start time (names sort chronologically). */
export function runRecordName(record: Pick<RunRecord, 'scaleSet' | 'startedAt' | 'kind' | 'runId'>): string {
  const safe = (s: string): string => s.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
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
