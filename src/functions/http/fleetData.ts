/**
 * GET /api/fleet/data — the fleet page's JSON: every scale set friday-fleet has run something on
 * or has a schedule for, with what ARM says now (paged lists only), each instance's last verdict,
 * the schedule's next changes, recent runs with report links, and running orchestrations.
 * Answers are cached for a few seconds so open pages refreshing do not multiply ARM reads.
 * Read-only viewers only (credentials.ts): anonymous at the host, checked here.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { armClientsFor } from '../../azure/armClients';
import { describeArmError } from '../../azure/armErrors';
import { mapWithLimit } from '../../azure/boundedMap';
import { listRecordedScaleSets, listRunSummaries, readRunRecord, readRunVerdicts } from '../../azure/runReports';
import { armScaleSetReader, readingEachOnce } from '../../azure/scaleSetReads';
import { changeInstanceId, SCHEDULE_EVALUATION_ID, verifyInstanceId } from '../../domain/changeLock';
import { buildScaleSetView, describeRunning, verdictsCovering, type FleetScaleSet, type RunningOrchestration } from '../../domain/fleet/fleetView';
import { summaryOf, verdictsOf, type RunSummary, type RunVerdicts } from '../../domain/fleet/runRecord';
import { loadSettings, type AppSettings } from '../../settings';
import { collectInstanceFactsWith } from '../activities/collectInstanceFacts';
import { fleetViewerAccess } from './credentials';
import { scheduleView } from './schedules';
import { durable, durableClient, durableClientInput } from '../durable';

export interface FleetData {
  generatedAt: string;
  scaleSets: FleetScaleSet[];
  scheduleErrors: string[];
  evaluation: ReturnType<typeof describeRunning> | null;
}

const RUNS_SHOWN = 8;
const CACHE_MS = 3000;
let cache: { at: number; data: FleetData } | undefined;

/** The scale set a running orchestration works on, from its input (deployments carry a spec). */
function scaleSetOfRun(input: unknown): { resourceGroup: string; name: string } | undefined {
  const i = (input ?? {}) as { spec?: { resourceGroup?: unknown; scaleSet?: { name?: unknown } }; resourceGroup?: unknown; scaleSetName?: unknown };
  const resourceGroup = i.spec?.resourceGroup ?? i.resourceGroup;
  const name = i.spec?.scaleSet?.name ?? i.scaleSetName;
  return typeof resourceGroup === 'string' && typeof name === 'string' ? { resourceGroup, name } : undefined;
}

/** The recent runs of a scale set from one listing: their summaries ride on the blobs' metadata. */
async function recentRuns(settings: AppSettings, target: { resourceGroup: string; name: string }): Promise<Array<{ name: string; summary: RunSummary; verdicts?: RunVerdicts }>> {
  const listed = (await listRunSummaries(settings, target)).slice(0, RUNS_SHOWN);
  // Records kept before summaries were put in metadata: read once here, and their verdicts kept.
  const runs = await Promise.all(
    listed.map(async ({ name, summary }) => {
      if (summary) return { name, summary };
      const record = await readRunRecord(settings, name);
      return record ? { name, summary: summaryOf(record), verdicts: verdictsOf(record) } : null;
    }),
  );
  return runs.filter((r) => r !== null);
}

export async function loadFleet(client: df.DurableClient, now: Date): Promise<FleetData> {
  const settings = loadSettings();
  // A scheduled scale set's model serves both its schedule view and its facts: one GET per refresh.
  const readScaleSet = readingEachOnce(armScaleSetReader(armClientsFor(settings)));
  const [recorded, schedules, active] = await Promise.all([
    listRecordedScaleSets(settings),
    scheduleView({ at: now, client, readScaleSet }),
    client.getStatusBy({ runtimeStatus: [durable().OrchestrationRuntimeStatus.Running, durable().OrchestrationRuntimeStatus.Pending, durable().OrchestrationRuntimeStatus.ContinuedAsNew] }),
  ]);
  const running: RunningOrchestration[] = active.map((s) => ({ instanceId: s.instanceId, name: s.name, createdTime: new Date(s.createdTime).toISOString(), customStatus: s.customStatus }));
  const key = (rg: string, name: string): string => `${rg}/${name}`.toLowerCase();
  const targets = new Map<string, { resourceGroup: string; name: string }>();
  for (const s of schedules.scaleSets) targets.set(key(s.resourceGroup, s.name), { resourceGroup: s.resourceGroup, name: s.name });
  for (const s of recorded) if (!targets.has(key(s.resourceGroup, s.name))) targets.set(key(s.resourceGroup, s.name), s);
  // A first deployment still running has no record yet: its input names the scale set.
  for (const s of active) {
    const target = scaleSetOfRun(s.input);
    if (target && !targets.has(key(target.resourceGroup, target.name))) targets.set(key(target.resourceGroup, target.name), target);
  }

  const scaleSets = await mapWithLimit([...targets.values()], 4, async (target): Promise<FleetScaleSet> => {
    const [facts, runs] = await Promise.all([
      collectInstanceFactsWith({ resourceGroup: target.resourceGroup, scaleSetName: target.name }, { readScaleSet }).catch((e: unknown) => ({ ok: false as const, failure: { ...describeArmError(e), step: 'read' } })),
      recentRuns(settings, target),
    ]);
    const read = (name: string): Promise<RunVerdicts | null> => Promise.resolve(runs.find((r) => r.name === name)?.verdicts ?? readRunVerdicts(settings, name));
    const verdicts = await verdictsCovering({ runs, instances: facts.ok ? facts.value.instances : [], read });
    const ids = new Set([changeInstanceId, verifyInstanceId].map((f) => f({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: target.resourceGroup, scaleSetName: target.name })));
    return buildScaleSetView({
      ...target,
      now: facts.ok
        ? { ...facts.value, instances: facts.value.instances.map((i) => ({ instanceId: i.instanceId, computerName: i.computerName, zone: i.zone, privateIp: i.privateIp, vmSize: i.vmSize, powerState: i.powerState, provisioningState: i.provisioningState })) }
        : { error: `${facts.failure.code}: ${facts.failure.message}` },
      runs: runs.map(({ name, summary }) => ({ summary, reportUrl: `fleet/reports/${name}` })),
      verdicts,
      schedule: schedules.scaleSets.find((s) => key(s.resourceGroup, s.name) === key(target.resourceGroup, target.name)),
      running: running.filter((r) => ids.has(r.instanceId)),
    });
  });
  const evaluation = running.find((r) => r.instanceId === SCHEDULE_EVALUATION_ID);
  return { generatedAt: now.toISOString(), scaleSets: scaleSets.sort((a, b) => key(a.resourceGroup, a.name).localeCompare(key(b.resourceGroup, b.name))), scheduleErrors: schedules.errors, evaluation: evaluation ? describeRunning(evaluation) : null };
}

export async function fleetData(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const viewer = fleetViewerAccess(request, loadSettings());
  if (!viewer.ok) return viewer.response;
  const nowMs = Date.now();
  if (!cache || nowMs - cache.at > CACHE_MS || request.query.get('fresh') === '1') cache = { at: nowMs, data: await loadFleet(durableClient(context), new Date(nowMs)) };
  return { status: 200, jsonBody: cache.data, headers: { 'cache-control': 'no-store' } };
}

app.http('fleetData', { route: 'fleet/data', methods: ['GET'], authLevel: 'anonymous', extraInputs: [durableClientInput], handler: fleetData });
