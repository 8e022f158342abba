/**
 * Finished runs' records in Blob storage (`FRIDAY_REPORTS_CONTAINER`), one blob per run under
 * `<resource group>/<scale set>/`, so the history survives the change lock id being reused by the
 * next run, and every report has a stable link.
 */
import { runRecordName, type RunRecord } from '../domain/fleet/runRecord';
import type { AppSettings } from '../settings';
import { containerClient } from './scriptStore';

const reports = (settings: AppSettings) => containerClient(settings, settings.FRIDAY_REPORTS_CONTAINER);
let containerReady = false;

export async function saveRunRecord(settings: AppSettings, record: RunRecord): Promise<string> {
  const container = reports(settings);
  if (!containerReady) {
    await container.createIfNotExists();
    containerReady = true;
  }
  const name = runRecordName(record);
  const text = JSON.stringify(record);
  await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  return name;
}

/** Names of a scale set's records, newest first. */
export async function listRunRecordNames(settings: AppSettings, scaleSet: { resourceGroup: string; name: string }): Promise<string[]> {
  const prefix = runRecordName({ scaleSet, startedAt: '', kind: 'deploy', runId: '' }).replace(/[^/]*$/, '');
  const names: string[] = [];
  try {
    for await (const blob of reports(settings).listBlobsFlat({ prefix })) names.push(blob.name);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return []; // no run recorded yet
    throw error;
  }
  return names.sort().reverse();
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
        if (ss.kind === 'prefix') out.push({ resourceGroup: rg.name.replace(/\/$/, ''), name: ss.name.slice(rg.name.length).replace(/\/$/, '') });
      }
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return out;
}

export async function readRunRecord(settings: AppSettings, name: string): Promise<RunRecord | null> {
  try {
    return JSON.parse((await reports(settings).getBlockBlobClient(name).downloadToBuffer()).toString('utf8')) as RunRecord;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}
