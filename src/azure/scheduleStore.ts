/**
 * Where the schedule document comes from: `FRIDAY_SCHEDULES` (inline JSON) or the blob named by
 * `FRIDAY_SCHEDULES_BLOB` in the scripts container (read fresh on every evaluation, so operators
 * change schedules without a restart). Validation is the domain's; this only reads.
 */
import type { AppSettings } from '../settings';
import { parseScheduleConfig, type ScheduleConfig } from '../domain/schedule/schedule';
import { containerClient } from './scriptStore';

export type LoadedSchedules =
  | { ok: true; source: 'setting' | 'blob' | 'none'; config: ScheduleConfig }
  | { ok: false; source: 'setting' | 'blob'; errors: string[] };

export async function loadSchedules(settings: AppSettings): Promise<LoadedSchedules> {
  if (settings.FRIDAY_SCHEDULES && settings.FRIDAY_SCHEDULES_BLOB) {
    return { ok: false, source: 'setting', errors: ['FRIDAY_SCHEDULES and FRIDAY_SCHEDULES_BLOB are both set: keep one'] };
  }
  if (settings.FRIDAY_SCHEDULES) return parseDocument(settings.FRIDAY_SCHEDULES, 'setting', 'FRIDAY_SCHEDULES');
  if (settings.FRIDAY_SCHEDULES_BLOB) {
    const blob = containerClient(settings).getBlockBlobClient(settings.FRIDAY_SCHEDULES_BLOB);
    let text: string;
    try {
      text = (await blob.downloadToBuffer()).toString('utf8');
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        return { ok: false, source: 'blob', errors: [`FRIDAY_SCHEDULES_BLOB: blob '${settings.FRIDAY_SCHEDULES_BLOB}' not found in container '${settings.FRIDAY_SCRIPTS_CONTAINER}'`] };
      }
      throw error; // transient storage errors: the caller's retry policy handles them
    }
    return parseDocument(text, 'blob', `blob ${settings.FRIDAY_SCHEDULES_BLOB}`);
  }
  return { ok: true, source: 'none', config: { scaleSets: [] } };
}

function parseDocument(text: string, source: 'setting' | 'blob', where: string): LoadedSchedules {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    return { ok: false, source, errors: [`${where}: not valid JSON (${(error as Error).message})`] };
  }
  const parsed = parseScheduleConfig(json);
  return parsed.ok ? { ok: true, source, config: parsed.config } : { ok: false, source, errors: parsed.errors.map((e) => `${where}: ${e}`) };
}

/** Writes a schedule document to the configured blob after validating it (local cloud and operators' tooling). */
export async function saveSchedulesBlob(settings: AppSettings, document: unknown): Promise<{ ok: true } | { ok: false; errors: string[] }> {
  if (!settings.FRIDAY_SCHEDULES_BLOB) return { ok: false, errors: ['FRIDAY_SCHEDULES_BLOB is not set'] };
  const parsed = parseScheduleConfig(document);
  if (!parsed.ok) return parsed;
  const container = containerClient(settings);
  await container.createIfNotExists();
  const text = JSON.stringify(document, null, 2);
  await container.getBlockBlobClient(settings.FRIDAY_SCHEDULES_BLOB).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  return { ok: true };
}
