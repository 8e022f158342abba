/**
 * Finished runs' records in Blob storage (`FRIDAY_REPORTS_CONTAINER`), one blob per run under
 * `<resource group>/<scale set>/`, so the history survives the change lock id being reused by the
 * next run, and every report has a stable link.
 *
 * The fleet page never needs whole reports (at 1000 instances one is ~0.5 MB): each record blob
 * carries its summary as blob metadata, so one listing gives the recent runs, and its verdicts sit
 * in a small blob beside it (`….verdicts.json`), read only until every current instance has one.
 */
import { isVerdictsBlobName, nameFromRecordPart, runRecordName, summaryOf, verdictsBlobName, verdictsOf, type RunKind, type RunRecord, type RunSummary, type RunVerdicts } from '../domain/fleet/runRecord';
import type { AppSettings } from '../settings';
import { containerClient } from './scriptStore';

const reports = (settings: AppSettings) => containerClient(settings, settings.FRIDAY_REPORTS_CONTAINER);
let containerReady = false;

/** Azure keeps at most 8 KB of metadata per blob; the summary text gets what the fixed fields leave. */
const SUMMARY_METADATA_CHARS = 4000;

/** A summary as blob metadata: lowercase keys (Azure lowercases them), URI-encoded values (header-safe). */
export function summaryMetadata(summary: RunSummary): Record<string, string> {
  let text = summary.summary;
  while (encodeURIComponent(text).length > SUMMARY_METADATA_CHARS) text = text.slice(0, Math.floor(text.length * 0.9));
  const fields: Record<string, string | number | null> = {
    runid: summary.runId,
    kind: summary.kind,
    resourcegroup: summary.scaleSet.resourceGroup,
    scaleset: summary.scaleSet.name,
    runtimestatus: summary.runtimeStatus,
    outcome: summary.outcome,
    summary: text,
    startedat: summary.startedAt,
    finishedat: summary.finishedAt,
    durationms: summary.durationMs,
    verifiedat: summary.verifiedAt,
    verdictcount: summary.verdictCount,
  };
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === null ? '' : encodeURIComponent(String(v))]));
}

const KINDS: readonly RunKind[] = ['deploy', 'scale', 'schedule', 'repair', 'verify'];

/** The summary back from blob metadata; null when it is missing or not ours (e.g. a record written before metadata was kept). */
export function summaryFromMetadata(metadata: Record<string, string> | undefined): RunSummary | null {
  if (!metadata) return null;
  const lower = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
  const text = (key: string): string | undefined => {
    const raw = lower[key];
    if (raw === undefined) return undefined;
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  };
  const [runId, kind, resourceGroup, name, runtimeStatus, outcome, summary, startedAt, finishedAt] = ['runid', 'kind', 'resourcegroup', 'scaleset', 'runtimestatus', 'outcome', 'summary', 'startedat', 'finishedat'].map(text);
  const durationMs = Number(text('durationms'));
  const verdictCount = Number(text('verdictcount'));
  if (!runId || !resourceGroup || !name || outcome === undefined || summary === undefined || !startedAt || !finishedAt) return null;
  if (!KINDS.includes(kind as RunKind) || (runtimeStatus !== 'Completed' && runtimeStatus !== 'Failed')) return null;
  if (!Number.isFinite(durationMs) || !Number.isInteger(verdictCount) || verdictCount < 0) return null;
  return { runId, kind: kind as RunKind, scaleSet: { resourceGroup, name }, runtimeStatus, outcome, summary, startedAt, finishedAt, durationMs, verifiedAt: text('verifiedat') || null, verdictCount };
}

export async function saveRunRecord(settings: AppSettings, record: RunRecord): Promise<string> {
  const container = reports(settings);
  if (!containerReady) {
    await container.createIfNotExists();
    containerReady = true;
  }
  const name = runRecordName(record);
  const json = { blobHTTPHeaders: { blobContentType: 'application/json' } };
  // Verdicts first: a record that says it has verdicts then always has them beside it.
  if (record.instances.length > 0) {
    const verdicts = JSON.stringify(verdictsOf(record));
    await container.getBlockBlobClient(verdictsBlobName(name)).upload(verdicts, Buffer.byteLength(verdicts), json);
  }
  const text = JSON.stringify(record);
  await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), { ...json, metadata: summaryMetadata(summaryOf(record)) });
  return name;
}

/** Names of a scale set's records, newest first, each with its summary when the blob carries one. */
export async function listRunSummaries(settings: AppSettings, scaleSet: { resourceGroup: string; name: string }): Promise<Array<{ name: string; summary: RunSummary | null }>> {
  const prefix = runRecordName({ scaleSet, startedAt: '', kind: 'deploy', runId: '' }).replace(/[^/]*$/, '');
  const out: Array<{ name: string; summary: RunSummary | null }> = [];
  try {
    for await (const blob of reports(settings).listBlobsFlat({ prefix, includeMetadata: true })) {
      if (!isVerdictsBlobName(blob.name)) out.push({ name: blob.name, summary: summaryFromMetadata(blob.metadata) });
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return []; // no run recorded yet
    throw error;
  }
  return out.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
}

/** Every scale set with at least one recorded run. */
export async function listRecordedScaleSets(settings: AppSettings): Promise<Array<{ resourceGroup: string; name: string }>> {
  // Two levels of "folders" (resource group, scale set): never a listing of every run.
  const container = reports(settings);
  const out: Array<{ resourceGroup: string; name: string }> = [];
  try {
    for await (const rg of container.listBlobsByHierarchy('/')) {
      if (rg.kind !== 'prefix') continue;
      for await (const ss of container.listBlobsByHierarchy('/', { prefix: rg.name })) {
        if (ss.kind === 'prefix') out.push({ resourceGroup: nameFromRecordPart(rg.name.replace(/\/$/, '')), name: nameFromRecordPart(ss.name.slice(rg.name.length).replace(/\/$/, '')) });
      }
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return out;
}

async function readJson<T>(settings: AppSettings, name: string): Promise<T | null> {
  try {
    return JSON.parse((await reports(settings).getBlockBlobClient(name).downloadToBuffer()).toString('utf8')) as T;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

export function readRunRecord(settings: AppSettings, name: string): Promise<RunRecord | null> {
  return readJson<RunRecord>(settings, name);
}

/** A run's verdicts: the small blob beside its record, or the record itself if there is none (older records). */
export async function readRunVerdicts(settings: AppSettings, recordName: string): Promise<RunVerdicts | null> {
  const verdicts = await readJson<RunVerdicts>(settings, verdictsBlobName(recordName));
  if (verdicts) return verdicts;
  const record = await readRunRecord(settings, recordName);
  return record ? verdictsOf(record) : null;
}
