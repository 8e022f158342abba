/**
 * GET /api/schedules[?at=ISO]  — per scheduled scale set: its current shape, what the schedule
 *                                 wants at `at` (default now) and why, the changes that would be
 *                                 made (a dry run: reads only), the next changes for 7 days in its
 *                                 time zone, whether a change holds its lock; and the last evaluation.
 * PUT /api/schedules {document} — validates a schedule document (400 lists every problem) and
 *                                 stores it in the FRIDAY_SCHEDULES_BLOB blob.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { saveSchedulesBlob } from '../../azure/scheduleStore';
import { changeInstanceId, SCHEDULE_EVALUATION_ID } from '../../domain/changeLock';
import { decideScaleSet } from '../../domain/schedule/schedulePlan';
import { loadSettings } from '../../settings';
import type { ScaleSetReader } from '../../azure/scaleSetReads';
import { readScheduledScaleSetsWith } from '../activities/readScheduledScaleSets';
import { badRequest, readJson, runningInstance } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';

export interface ScheduleView {
  at: string;
  source: string;
  valid: boolean;
  errors: string[];
  scaleSets: Array<ReturnType<typeof decideScaleSet> & { busy: { instanceId: string; runtimeStatus: string } | null }>;
  lastEvaluation: { instanceId: string; runtimeStatus: string; createdTime: string; output: unknown } | null;
}

/**
 * The schedule view at an instant (shared with the fleet page). Reads only. `lockHolders`: the
 * orchestrations known to hold locks right now (the fleet page lists them once for every scale
 * set), instead of one status read per scheduled scale set.
 */
export async function scheduleView(options: { at: Date; client: df.DurableClient; readScaleSet?: ScaleSetReader; lockHolders?: Map<string, { runtimeStatus: string }> }): Promise<ScheduleView> {
  const settings = loadSettings();
  const read = await readScheduledScaleSetsWith(null, options);
  let lastEvaluation: ScheduleView['lastEvaluation'] = null;
  try {
    const s = await options.client.getStatus(SCHEDULE_EVALUATION_ID);
    lastEvaluation = { instanceId: SCHEDULE_EVALUATION_ID, runtimeStatus: String(s.runtimeStatus), createdTime: new Date(s.createdTime).toISOString(), output: s.output };
  } catch {
    lastEvaluation = null;
  }
  if (!read.ok) return { at: options.at.toISOString(), source: read.source, valid: false, errors: read.errors, scaleSets: [], lastEvaluation };
  const scaleSets = await Promise.all(
    read.scaleSets.map(async (entry) => {
      const lockId = changeInstanceId({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: entry.schedule.resourceGroup, scaleSetName: entry.schedule.name });
      const running = options.lockHolders ? options.lockHolders.get(lockId) : await runningInstance(options.client, lockId);
      return { ...decideScaleSet(entry, options.at), busy: running ? { instanceId: lockId, runtimeStatus: running.runtimeStatus } : null };
    }),
  );
  return { at: options.at.toISOString(), source: read.source, valid: true, errors: [], scaleSets, lastEvaluation };
}

export async function schedules(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method === 'PUT') {
    const settings = loadSettings();
    if (!settings.FRIDAY_SCHEDULES_BLOB) return badRequest('SchedulesNotInBlob', ['FRIDAY_SCHEDULES_BLOB is not set: schedules come from the FRIDAY_SCHEDULES setting (change it there) or are not configured']);
    const body = await readJson(request);
    if (!body.ok) return body.response;
    const saved = await saveSchedulesBlob(settings, body.value);
    if (!saved.ok) return badRequest('InvalidSchedule', saved.errors);
    context.log(`schedule document stored in blob ${settings.FRIDAY_SCHEDULES_BLOB}`);
    return { status: 200, jsonBody: { stored: settings.FRIDAY_SCHEDULES_BLOB } };
  }
  const atText = request.query.get('at');
  const at = atText ? new Date(atText) : new Date();
  if (Number.isNaN(at.getTime())) return badRequest('InvalidRequest', [`at: '${atText ?? ''}' is not an ISO date-time (e.g. 2026-11-25T19:30:00Z)`]);
  return { status: 200, jsonBody: await scheduleView({ at, client: durableClient(context) }) };
}

app.http('schedules', { route: 'schedules', methods: ['GET', 'PUT'], authLevel: 'function', extraInputs: [durableClientInput], handler: schedules });
