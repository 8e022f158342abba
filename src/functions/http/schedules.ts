/**
 * GET /api/schedules[?at=ISO]  — per scheduled scale set: its current shape, what the schedule
 *                                 wants at `at` (default now) and why, the changes that would be
 *                                 made (a dry run: reads only), the next changes for 7 days in its
 *                                 time zone, whether a change holds its lock; and the last evaluation.
 * PUT /api/schedules {document} — validates a schedule document (400 lists every problem; each
 *                                 VM size it resizes to is checked as a deployment spec's is, against
 *                                 Azure's Resource SKUs API and the setup script's disk layout) and
 *                                 stores it in the FRIDAY_SCHEDULES_BLOB blob.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { armClientsFor } from '../../azure/armClients';
import { describeArmError } from '../../azure/armErrors';
import { saveSchedulesBlob } from '../../azure/scheduleStore';
import { setupScriptContent } from '../../azure/scriptStore';
import { listVmSkus } from '../../azure/vmSkus';
import { scriptDataDiskNumber, type VmSkuFacts } from '../../domain/deployment/vmSizeFit';
import { parseScheduleConfig } from '../../domain/schedule/schedule';
import { scheduledVmSizeProblems, scheduledVmSizes } from '../../domain/schedule/scheduleVmSizes';
import type { AppSettings } from '../../settings';
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

/**
 * The sizes a schedule document would resize to that the tier cannot run on (scheduleVmSizes.ts):
 * reads each scheduled scale set (its location and zones; one not deployed yet is not judged) and
 * the Resource SKUs API once per location. Undefined when the document is not valid JSON-wise
 * (saveSchedulesBlob reports that) or every size fits.
 */
async function scheduledSizeRefusal(settings: AppSettings, document: unknown): Promise<HttpResponseInit | undefined> {
  const parsed = parseScheduleConfig(document);
  if (!parsed.ok) return undefined;
  const sizes = scheduledVmSizes(parsed.config);
  if (sizes.length === 0) return undefined;
  const compute = armClientsFor(settings).compute();
  try {
    const scaleSets = new Map<string, { location: string; zones: string[] }>();
    const skusByLocation = new Map<string, VmSkuFacts[]>();
    for (const key of new Set(sizes.map((s) => `${s.resourceGroup}/${s.name}`))) {
      const [resourceGroup = '', name = ''] = key.split('/');
      const vmss = await compute.virtualMachineScaleSets.get(resourceGroup, name).catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      });
      if (!vmss) continue;
      const location = vmss.location.toLowerCase().replace(/\s+/g, '');
      scaleSets.set(key.toLowerCase(), { location, zones: vmss.zones ?? [] });
      if (!skusByLocation.has(location)) skusByLocation.set(location, await listVmSkus(armClientsFor(settings), location));
    }
    const problems = scheduledVmSizeProblems({ sizes, scaleSets, skusByLocation, ...withDiskNumber(scriptDataDiskNumber(setupScriptContent())) });
    return problems.length ? badRequest('InvalidSchedule', problems) : undefined;
  } catch (error) {
    const failure = describeArmError(error);
    return { status: 502, jsonBody: { error: 'SkuCheckFailed', code: failure.code, message: `could not read the scheduled scale sets or the Resource SKUs API to check the schedule's VM sizes: ${failure.message}` } };
  }
}

const withDiskNumber = (n: number | undefined): { scriptDiskNumber?: number } => (n !== undefined ? { scriptDiskNumber: n } : {});

export async function schedules(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method === 'PUT') {
    const settings = loadSettings();
    if (!settings.FRIDAY_SCHEDULES_BLOB) return badRequest('SchedulesNotInBlob', ['FRIDAY_SCHEDULES_BLOB is not set: schedules come from the FRIDAY_SCHEDULES setting (change it there) or are not configured']);
    const body = await readJson(request);
    if (!body.ok) return body.response;
    const refusal = await scheduledSizeRefusal(settings, body.value);
    if (refusal) return refusal;
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
