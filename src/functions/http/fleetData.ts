/**
 * GET /api/fleet/data — the fleet page's JSON: every scale set friday-fleet has run something on
 * or has a schedule for, with what ARM says now (paged lists only), each instance's last verdict,
 * the schedule's next changes, recent runs with report links, and running orchestrations.
 * ARM reads are shared: each scale set's listing is single-flight and kept for a minute while
 * nothing changes (10 s while a run works on it; re-read once a run has finished since), so open
 * tabs and refreshes never multiply ARM reads and never start a second concurrent listing; the
 * whole answer is also shared for a few seconds.
 * Read-only viewers only (credentials.ts): anonymous at the host, checked here.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { armClientsFor } from '../../azure/armClients';
import { armReadBudgetFor } from '../../azure/armReadPacer';
import { describeArmError } from '../../azure/armErrors';
import type { StepOutcome } from '../../azure/armStep';
import { mapWithLimit } from '../../azure/boundedMap';
import { listRecordedScaleSets, listRunSummaries, readRunRecord, readRunVerdicts } from '../../azure/runReports';
import { armScaleSetReader, readingEachOnce, ScaleSetReadCache, type ScaleSetRef } from '../../azure/scaleSetReads';
import { changeInstanceId, holdsLock, SCHEDULE_EVALUATION_ID, verifyInstanceId } from '../../domain/changeLock';
import { slimListing, slimVerdicts } from '../../domain/fleet/fleetListing';
import { buildScaleSetView, describeRunning, verdictsCovering, type FleetScaleSet, type RunningOrchestration, type ScaleSetNow } from '../../domain/fleet/fleetView';
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
/** The whole answer is shared by the requests that come within this long of it. */
const ANSWER_MS = 3000;
/** A scale set's listing serves the page this long while nothing changes: at most one full listing per scale set per minute. */
const IDLE_LISTING_MS = 60_000;
/**
 * …and longer when the fleet is large: in steady state the page spends at most this share of
 * Compute's high-cost read budget (the VM list with instance views), leaving the rest to
 * verifications. The budget is what ARM reports (the read pacer learns it); until it has, the
 * lowest published figure: 180 per 3 minutes (Azure/aks-engine#2295).
 */
const PAGE_BUDGET_SHARE = 1 / 3;
const HIGH_COST_POLICY = 'HighCostGetVMScaleSet3Min';
const HIGH_COST_DEFAULT = { limit: 180, windowMs: 180_000 };
const PAGE_SIZE = 100;
/** Instances each scale set had at its last listing (sizes the steady-state interval). */
const instancesSeen = new Map<string, number>();

/** How long an idle listing is kept so that refreshing every scale set stays within the page's share of the budget. */
function idleListingMs(settings: AppSettings): number {
  const learned = armReadBudgetFor(settings.FRIDAY_ARM_ENDPOINT, settings.AZURE_SUBSCRIPTION_ID).policies.get(HIGH_COST_POLICY);
  const policy = learned && learned.limit > 0 ? { limit: learned.limit, windowMs: learned.windowMs } : HIGH_COST_DEFAULT;
  const pages = [...instancesSeen.values()].reduce((sum, n) => sum + Math.max(1, Math.ceil(n / PAGE_SIZE)), 0);
  const windows = Math.ceil(pages / Math.max(1, policy.limit * PAGE_BUDGET_SHARE));
  return Math.max(IDLE_LISTING_MS, windows * policy.windowMs);
}
/** …and this long while a run works on it (its progress is worth seeing). */
const BUSY_LISTING_MS = 10_000;

/** The process's shared reads of scale sets for the page (every tab, every refresh). */
export const fleetReads = new ScaleSetReadCache();
/** A run record never changes once written: its verdicts are read from Blob once per process (the newest few kept). */
const verdictsByRecord = new Map<string, Promise<RunVerdicts | null>>();
const VERDICTS_KEPT = 64;

function recordVerdicts(settings: AppSettings, name: string): Promise<RunVerdicts | null> {
  let kept = verdictsByRecord.get(name);
  if (!kept) {
    kept = readRunVerdicts(settings, name).then((v) => v && slimVerdicts(v));
    kept.catch(() => verdictsByRecord.delete(name));
    verdictsByRecord.set(name, kept);
    if (verdictsByRecord.size > VERDICTS_KEPT) verdictsByRecord.delete(verdictsByRecord.keys().next().value as string);
  }
  return kept;
}
let answer: { at: number; data: Promise<FleetData> } | undefined;

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
      return record ? { name, summary: summaryOf(record), verdicts: slimVerdicts(verdictsOf(record)) } : null;
    }),
  );
  return runs.filter((r) => r !== null);
}

export async function loadFleet(client: df.DurableClient, now: Date, options: { fresh?: boolean } = {}): Promise<FleetData> {
  const settings = loadSettings();
  const [recorded, active] = await Promise.all([
    listRecordedScaleSets(settings),
    // Suspended runs hold their scale set's lock too (they resume where they stopped): shown as running work.
    client.getStatusBy({ runtimeStatus: [durable().OrchestrationRuntimeStatus.Running, durable().OrchestrationRuntimeStatus.Pending, durable().OrchestrationRuntimeStatus.ContinuedAsNew, durable().OrchestrationRuntimeStatus.Suspended] }),
  ]);
  const running: RunningOrchestration[] = active.map((s) => ({ instanceId: s.instanceId, name: s.name, createdTime: new Date(s.createdTime).toISOString(), customStatus: s.customStatus }));
  const lockIds = (t: ScaleSetRef): Set<string> => new Set([changeInstanceId, verifyInstanceId].map((f) => f({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: t.resourceGroup, scaleSetName: t.scaleSetName })));
  const busy = (t: ScaleSetRef): boolean => {
    const ids = lockIds(t);
    return running.some((r) => ids.has(r.instanceId));
  };
  const stale = new Set<string>();
  const refKey = (t: ScaleSetRef): string => `${t.resourceGroup}/${t.scaleSetName}`.toLowerCase();
  const idleMs = idleListingMs(settings);
  const maxAge = (t: ScaleSetRef): number => (options.fresh || stale.has(refKey(t)) ? 0 : busy(t) ? BUSY_LISTING_MS : idleMs);
  // Kept answers are served at once while a newer one is read behind them (a paced listing never
  // makes a tab wait) — except when asked for fresh data or a run has just changed the scale set.
  const keepServing = (t: ScaleSetRef): boolean => !options.fresh && !stale.has(refKey(t));
  // A scheduled scale set's model serves both its schedule view and its facts (one read per answer
  // at most), through the shared cache.
  const armRead = armScaleSetReader(armClientsFor(settings));
  const readScaleSet = readingEachOnce(fleetReads.modelReader(armRead, maxAge, keepServing));
  // Once a run has finished since the kept listing, the model is read again with it (the schedule
  // view may have been given the kept one).
  const readScaleSetAgain = fleetReads.modelReader(armRead, () => 0);
  const lockHolders = new Map(active.filter((s) => holdsLock(String(s.runtimeStatus))).map((s) => [s.instanceId, { runtimeStatus: String(s.runtimeStatus) }]));
  const schedules = await scheduleView({ at: now, client, readScaleSet, lockHolders });
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
    const ref: ScaleSetRef = { resourceGroup: target.resourceGroup, scaleSetName: target.name };
    const runs = await recentRuns(settings, target);
    // A run that finished after the kept listing was read changed what it shows: read again.
    const listedAt = fleetReads.readAt('facts', ref);
    const newest = runs[0]?.summary.finishedAt;
    if (listedAt !== undefined && newest !== undefined && Date.parse(newest) >= listedAt) stale.add(refKey(ref));
    // Only what the page shows is kept of a listing (fleetListing.ts), never the whole facts.
    const listing = async (): Promise<StepOutcome<ScaleSetNow>> => {
      const outcome = await collectInstanceFactsWith(ref, { readScaleSet: stale.has(refKey(ref)) && !options.fresh ? readScaleSetAgain : readScaleSet });
      return outcome.ok ? { ok: true, value: slimListing(outcome.value) } : outcome;
    };
    const facts = await fleetReads
      .read('facts', ref, maxAge(ref), listing, { failed: (f) => !f.ok, keepServing: keepServing(ref) })
      .catch((e: unknown) => ({ ok: false as const, failure: { ...describeArmError(e), step: 'read' } }));
    if (facts.ok) instancesSeen.set(refKey(ref), facts.value.instances.length);
    const read = (name: string): Promise<RunVerdicts | null> => Promise.resolve(runs.find((r) => r.name === name)?.verdicts ?? recordVerdicts(settings, name));
    const verdicts = await verdictsCovering({ runs, instances: facts.ok ? facts.value.instances : [], read });
    const ids = lockIds(ref);
    return buildScaleSetView({
      ...target,
      now: facts.ok ? facts.value : { error: `${facts.failure.code}: ${facts.failure.message}` },
      runs: runs.map(({ name, summary }) => ({ summary, reportUrl: `fleet/reports/${name}` })),
      verdicts,
      schedule: schedules.scaleSets.find((s) => key(s.resourceGroup, s.name) === key(target.resourceGroup, target.name)),
      running: running.filter((r) => ids.has(r.instanceId)),
    });
  });
  const evaluation = running.find((r) => r.instanceId === SCHEDULE_EVALUATION_ID);
  return { generatedAt: now.toISOString(), scaleSets: scaleSets.sort((a, b) => key(a.resourceGroup, a.name).localeCompare(key(b.resourceGroup, b.name))), scheduleErrors: schedules.errors, evaluation: evaluation ? describeRunning(evaluation) : null };
}

/** The fleet answer: the one being built or built less than ANSWER_MS ago, or a new one (`fresh`: always new, nothing kept is used). */
function fleetAnswer(client: df.DurableClient, nowMs: number, fresh: boolean): Promise<FleetData> {
  if (answer && !fresh && nowMs - answer.at <= ANSWER_MS) return answer.data;
  const entry = { at: nowMs, data: loadFleet(client, new Date(nowMs), { fresh }) };
  answer = entry;
  entry.data.then(
    // Not kept past its sharing time: at 10 000 instances the answer is ~1 MB of objects the heap
    // would otherwise hold until the next refresh.
    () => setTimeout(() => {
      if (answer === entry) answer = undefined;
    }, ANSWER_MS).unref(),
    () => {
      if (answer === entry) answer = undefined; // a failure is not shared beyond the requests already waiting
    },
  );
  return entry.data;
}

export async function fleetData(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const viewer = fleetViewerAccess(request, loadSettings());
  if (!viewer.ok) return viewer.response;
  const data = await fleetAnswer(durableClient(context), Date.now(), request.query.get('fresh') === '1');
  return { status: 200, jsonBody: data, headers: { 'cache-control': 'no-store' } };
}

app.http('fleetData', { route: 'fleet/data', methods: ['GET'], authLevel: 'anonymous', extraInputs: [durableClientInput], handler: fleetData });
