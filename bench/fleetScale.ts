/**
 * Fleet-scale phases of `npm run bench` (issue 20), with ARM's list pages taking their Azure
 * latency (AZURE_LIST_PAGE_LATENCY) and Compute's default read policies on:
 *
 *   pagedLatency  one scale set of N: verification time / the paging bound — the slower of the two
 *                 lists' pages one after another (both lists run side by side), measured from the
 *                 emulator's own request log in the same run
 *   fleet         10 scale sets × 1000 verified at once: time / the budget bound (the paging bound,
 *                 or the time Compute's read policy needs to allow the list calls, if larger),
 *                 ARM calls / the paged bound, 429s on the wire
 *   steadyState   the fleet page open in 5 tabs (each refreshing every 10 s, as the page does) and
 *                 the schedule timer ticking, nothing changing: ARM reads per hour, against 1 tab
 *   fleetData10k  one fleet page refresh at 10 000 instances (listings shared, as tabs see them)
 *   heapBytesPerInstance  the runner process's heap growth over the fleet phases / instances added
 *
 * Every bound is measured or computed in the same run; nothing here is asserted.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AZURE_LIST_PAGE_LATENCY } from '../local/emulator/core/armLatency';
import { createAddressResolver } from '../src/azure/addressResolver';
import { probeAll, type ProbeTarget } from '../src/azure/prober';
import { COMPUTE_SAMPLE_LIMITS } from '../local/emulator/core/throttling';
import { testClients } from '../test/support/armTestClients';
import { buildNetwork, scaleSetBody } from '../test/support/tier';

export interface FleetBenchCloud {
  emulator: { adminUrl: string; armEndpoint: string; caCertPem: string; subscriptionId: string };
  runner: { baseUrl: string; functionKey: string };
  /** The fleet page's read-only viewer key (its data answers only to it). */
  viewerKey: string;
}

interface LogEntry {
  seq: number;
  /** When the emulator sent the answer. */
  time: string;
  method: string;
  path: string;
  template: string;
  status: number;
  latencyMs: number;
}

interface VerifyStatus {
  runtimeStatus: string;
  createdTime: string;
  output: { totals: { passed: number; instances: number }; instances?: Array<{ verdict: string; reason: string }>; timingsMs: { total: number; frontEnd: number } } | null;
}

const PAGE_SIZE = 100;
const VM_LIST = /\/virtualMachineScaleSets\/\{[^}]+\}\/virtualMachines$/;
const NIC_LIST = /\/virtualMachineScaleSets\/\{[^}]+\}\/networkInterfaces$/;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
};

/**
 * Waits (up to 2 min) until the loopback connections earlier phases closed have left TIME_WAIT: a
 * 1000-instance phase opens ~26 000 probe connections, and with the ephemeral port range (28 000
 * ports) still held by them a new connection fails (EADDRNOTAVAIL, "fetch failed").
 */
export async function waitForFreePorts(maxTimeWait = 4000): Promise<number> {
  const timeWait = (): number => Number(/tw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0);
  const deadline = Date.now() + 120_000;
  while (timeWait() > maxTimeWait && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2000));
  return timeWait();
}

async function admin<T>(cloud: FleetBenchCloud, route: string, init?: RequestInit): Promise<T> {
  let res: Response | undefined;
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await fetch(`${cloud.emulator.adminUrl}${route}`, init);
    } catch (error) {
      if (attempt >= 4) throw error;
      await waitForFreePorts();
    }
  }
  if (!res.ok) throw new Error(`emulator admin ${route}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function logSince(cloud: FleetBenchCloud, seq: number): Promise<LogEntry[]> {
  return (await admin<{ entries: LogEntry[] }>(cloud, `/request-log?since=${seq}`)).entries;
}

async function lastSeq(cloud: FleetBenchCloud): Promise<number> {
  return (await admin<{ lastSeq: number }>(cloud, `/request-log?since=${Number.MAX_SAFE_INTEGER}`)).lastSeq;
}

async function startVerify(cloud: FleetBenchCloud, rg: string, name: string): Promise<string> {
  const res = await fetch(`${cloud.runner.baseUrl}/api/scalesets/${name}/verify`, { method: 'POST', headers: { 'x-functions-key': cloud.runner.functionKey }, body: JSON.stringify({ resourceGroup: rg }) });
  if (res.status !== 202) throw new Error(`verify ${rg}/${name}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function waitVerified(cloud: FleetBenchCloud, id: string, timeoutMs = 900_000): Promise<VerifyStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await (await fetch(`${cloud.runner.baseUrl}/_rpc/durabletask/instances/${id}`)).json()) as VerifyStatus;
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) {
      if (s.runtimeStatus !== 'Completed' || !s.output) throw new Error(`verification ${id} ${s.runtimeStatus}: ${JSON.stringify(s.output).slice(0, 1000)}`);
      return s;
    }
    if (Date.now() > deadline) throw new Error(`verification ${id} timed out (${s.runtimeStatus})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The slower list's pages one after another, from the emulator's log of one scale set's verification (ms). */
function pagingBound(entries: LogEntry[], scaleSet: string): { boundMs: number; vmPages: number; nicPages: number; meanPageMs: number } {
  const mine = entries.filter((e) => e.method === 'GET' && e.status === 200 && e.path.toLowerCase().includes(`/virtualmachinescalesets/${scaleSet.toLowerCase()}/`));
  const vm = mine.filter((e) => VM_LIST.test(e.template));
  const nic = mine.filter((e) => NIC_LIST.test(e.template));
  const sum = (xs: LogEntry[]): number => xs.reduce((a, e) => a + e.latencyMs, 0);
  const pages = [...vm, ...nic];
  return { boundMs: Math.max(sum(vm), sum(nic)), vmPages: vm.length, nicPages: nic.length, meanPageMs: pages.length ? sum(pages) / pages.length : 0 };
}

export interface PagedLatencyFigures {
  n: number;
  pageLatencyMs: number;
  pageJitterMs: number;
  /** Mean page latency the emulator logged in these runs. */
  measuredPageMs: number;
  verifyMs: number;
  verifyRunsMs: number[];
  pagingBoundMs: number;
  pagingRatio: number;
  throttled429OnWire: number;
}

/** Sets ARM's list-page latency to Azure's (600 ± 200 ms) for the phases that follow. */
export async function useAzureListLatency(cloud: FleetBenchCloud): Promise<void> {
  await admin(cloud, '/timing', { method: 'POST', body: JSON.stringify(AZURE_LIST_PAGE_LATENCY) });
}

export async function measurePagedLatency(cloud: FleetBenchCloud, options: { rg: string; name: string; n: number; runs: number; warmups: number }): Promise<PagedLatencyFigures> {
  await waitForFreePorts();
  await useAzureListLatency(cloud);
  await admin(cloud, '/reset', { method: 'POST' }); // a fresh Compute budget: a separate measurement
  const runs: Array<{ verifyMs: number; boundMs: number; meanPageMs: number; throttled: number }> = [];
  for (let i = 0; i < options.warmups + options.runs; i++) {
    const since = await lastSeq(cloud);
    const status = await waitVerified(cloud, await startVerify(cloud, options.rg, options.name));
    const entries = await logSince(cloud, since);
    const bound = pagingBound(entries, options.name);
    if (i >= options.warmups) {
      const t = status.output?.timingsMs ?? { total: NaN, frontEnd: 0 };
      runs.push({ verifyMs: t.total - t.frontEnd, boundMs: bound.boundMs, meanPageMs: bound.meanPageMs, throttled: entries.filter((e) => e.status === 429).length });
    }
  }
  const verifyMs = median(runs.map((r) => r.verifyMs));
  const pagingBoundMs = Math.round(median(runs.map((r) => r.boundMs)));
  return {
    n: options.n,
    pageLatencyMs: AZURE_LIST_PAGE_LATENCY.listPageMs,
    pageJitterMs: AZURE_LIST_PAGE_LATENCY.listPageJitterMs,
    measuredPageMs: Math.round(median(runs.map((r) => r.meanPageMs))),
    verifyMs,
    verifyRunsMs: runs.map((r) => r.verifyMs),
    pagingBoundMs,
    pagingRatio: verifyMs / pagingBoundMs,
    throttled429OnWire: runs.reduce((a, r) => a + r.throttled, 0),
  };
}

/** The runner process's heap after a full collection (the bench runs the runner in this process). */
export function heapAfterGc(): number {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export interface FleetTargets {
  scaleSets: Array<{ rg: string; name: string }>;
  instancesPerScaleSet: number;
}

/** Scale sets of `n` instances each (beside the ones given), built straight through ARM. */
export async function buildFleet(cloud: FleetBenchCloud, options: { existing: Array<{ rg: string; name: string }>; count: number; n: number; scriptUrl: string }): Promise<FleetTargets> {
  await waitForFreePorts();
  const clients = testClients(cloud.emulator);
  const scaleSets = [...options.existing];
  const wanted = Array.from({ length: Math.max(0, options.count - scaleSets.length) }, (_, i) => ({ rg: `rg-bench-fleet-${i + 1}`, name: 'vmss-bench' }));
  // One at a time: each create runs 1000 setup scripts in the emulator, each downloading the script
  // from Azurite; 3000 downloads at once failed with 'fetch failed' on a loaded 2-core box, and
  // 1000 sometimes do. A write of a Failed scale set runs its failed extensions again (as in
  // Azure), so such a create is simply written again.
  for (const { rg, name } of wanted) {
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: cloud.emulator.subscriptionId, subnetPrefix: '10.0.0.0/20' });
    const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: name, capacity: options.n, scriptUrl: options.scriptUrl, overprovision: false, zones: ['1', '2', '3'] });
    for (let attempt = 1; ; attempt++) {
      try {
        await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, body);
        break;
      } catch (error) {
        if (attempt >= 4 || !/Failed to download all specified files/.test(String(error))) throw error;
        console.log(`${rg}/${name}: setup script downloads failed under load (${attempt}); writing the scale set again`);
        await waitForFreePorts();
      }
    }
  }
  scaleSets.push(...wanted);
  return { scaleSets, instancesPerScaleSet: options.n };
}

export interface FleetFigures {
  scaleSets: number;
  instancesPerScaleSet: number;
  verifyMs: number;
  budgetBoundMs: number;
  budgetRatio: number;
  armCallsRatio: number;
  throttled429OnWire: number;
  /** How the bound was reached (paging, or the policy's window). */
  budget: { policy: string; limit: number; windowSec: number; listCalls: number; pagingBoundMs: number; policyBoundMs: number };
  armCalls: number;
  armCallsBound: number;
  passed: number;
  /** Why instances failed, counted (digits blanked so alike reasons count together): on a loaded box, probes that got no answer. */
  failureReasons: Record<string, number>;
  /** ms each scale set's verification took (facts ∥ probes), in start order: they interleave. */
  perScaleSetMs: number[];
  /**
   * This machine's floor: every instance page of the fleet probed from one loop at the app's
   * process-wide probe concurrency, no ARM, no orchestration (ms) — on a 2-core box that also runs
   * the 10 000 emulated instances, the probes alone can take longer than the paging.
   */
  probeFloorMs: number;
  /** Verification time / that floor. */
  floorRatio: number;
  /**
   * From the first start to the last ARM list page the verifications read (ms): the app's pacing
   * of its reads against the budget, apart from the probes, which on this box outlast the paging.
   */
  armListsDoneMs: number;
  /** armListsDoneMs / budgetBoundMs. */
  armListsRatio: number;
}

/** Every instance page of the fleet, listed from ARM (the scale sets side by side). */
async function fleetProbeTargets(cloud: FleetBenchCloud, fleet: FleetTargets): Promise<ProbeTarget[]> {
  const clients = testClients(cloud.emulator);
  const resolver = await createAddressResolver(`${cloud.emulator.adminUrl}/address-map`);
  const perSet = await Promise.all(
    fleet.scaleSets.map(async ({ rg, name }) => {
      const targets: ProbeTarget[] = [];
      for await (const nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, name)) {
        targets.push({ instanceId: `${rg}/${targets.length}`, url: `${resolver.origin(nic.ipConfigurations?.[0]?.privateIPAddress ?? '')}/` });
      }
      return targets;
    }),
  );
  return perSet.flat();
}

function countReasons(statuses: VerifyStatus[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of statuses) {
    for (const i of s.output?.instances ?? []) {
      if (i.verdict !== 'fail') continue;
      const reason = i.reason.replace(/\d+/g, 'N').replace(/host \S+/g, 'host H');
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
  }
  return counts;
}

/** Verifies every scale set of the fleet at once, with a fresh Compute budget. */
export async function measureFleet(cloud: FleetBenchCloud, fleet: FleetTargets, options: { probeConcurrency: number; probeTimeoutMs: number }): Promise<FleetFigures> {
  // The floor first, on the same box state the verifications then meet (its sockets' TIME_WAIT is waited out).
  const targets = await fleetProbeTargets(cloud, fleet);
  await waitForFreePorts();
  const floorStart = performance.now();
  const floorResults = await probeAll(targets, { concurrency: options.probeConcurrency, timeoutMs: options.probeTimeoutMs });
  const probeFloorMs = Math.round(performance.now() - floorStart);
  console.log(`fleet probe floor: ${targets.length} pages at ${options.probeConcurrency} in flight from one loop: ${probeFloorMs} ms (${floorResults.filter((r) => r.status !== 200).length} without an answer; load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  await waitForFreePorts();
  await useAzureListLatency(cloud);
  await admin(cloud, '/reset', { method: 'POST' });
  const since = await lastSeq(cloud);
  const ids = await Promise.all(fleet.scaleSets.map((s) => startVerify(cloud, s.rg, s.name)));
  const statuses = await Promise.all(ids.map((id) => waitVerified(cloud, id)));
  const entries = (await logSince(cloud, since)).filter((e) => !e.path.includes('/operations/'));
  const starts = statuses.map((s) => Date.parse(s.createdTime));
  const ends = statuses.map((s, i) => (starts[i] as number) + (s.output?.timingsMs.total ?? NaN) - (s.output?.timingsMs.frontEnd ?? 0));
  const verifyMs = Math.max(...ends) - Math.min(...starts);
  const pages = Math.ceil(fleet.instancesPerScaleSet / PAGE_SIZE);
  const armCallsBound = fleet.scaleSets.length * 2 * pages;
  // The VM list (with instance views) is what Compute's HighCost policy counts: the binding one.
  const policy = 'HighCostGetVMScaleSet3Min';
  const limits = COMPUTE_SAMPLE_LIMITS[policy] ?? { limit: 180, windowSec: 180 };
  const listCalls = fleet.scaleSets.length * pages;
  // A fresh window allows `limit` calls at once; each further `limit` waits for the window to slide.
  const policyBoundMs = listCalls <= limits.limit ? 0 : Math.ceil((listCalls - limits.limit) / limits.limit) * limits.windowSec * 1000;
  // Each scale set's slower list, pages one after another, as the emulator logged them in this run.
  const perSetBounds = fleet.scaleSets.map((s) => pagingBound(entries.filter((e) => e.path.toLowerCase().includes(`/resourcegroups/${s.rg.toLowerCase()}/`)), s.name).boundMs);
  const measuredPaging = Math.round(Math.max(...perSetBounds, 0));
  const budgetBoundMs = Math.max(measuredPaging, policyBoundMs);
  const listPages = entries.filter((e) => e.method === 'GET' && (VM_LIST.test(e.template) || NIC_LIST.test(e.template)));
  const armListsDoneMs = Math.max(...listPages.map((e) => Date.parse(e.time))) - Math.min(...starts);
  return {
    scaleSets: fleet.scaleSets.length,
    instancesPerScaleSet: fleet.instancesPerScaleSet,
    verifyMs,
    budgetBoundMs,
    budgetRatio: verifyMs / budgetBoundMs,
    armCallsRatio: entries.length / armCallsBound,
    throttled429OnWire: entries.filter((e) => e.status === 429).length,
    budget: { policy, limit: limits.limit, windowSec: limits.windowSec, listCalls, pagingBoundMs: measuredPaging, policyBoundMs },
    armCalls: entries.length,
    armCallsBound,
    passed: statuses.reduce((a, s) => a + (s.output?.totals.passed ?? 0), 0),
    failureReasons: countReasons(statuses),
    perScaleSetMs: statuses.map((s) => (s.output?.timingsMs.total ?? NaN) - (s.output?.timingsMs.frontEnd ?? 0)),
    probeFloorMs,
    floorRatio: verifyMs / probeFloorMs,
    armListsDoneMs,
    armListsRatio: armListsDoneMs / budgetBoundMs,
  };
}

export interface SteadyStateFigures {
  tabs: number;
  armReadsPerHour: number;
  oneTabArmReadsPerHour: number;
  windowSec: number;
  /** ARM reads one schedule evaluation (the 5-minute timer) makes; 12 an hour are counted in. */
  readsPerTimerTick: number;
  /** One full listing per scale set per minute, as reads per hour: the ceiling. */
  fullListingPerMinuteReadsPerHour: number;
}

/** Tabs of the fleet page refreshing every 10 s (staggered) for `windowSec`: ARM reads in that window. */
async function tabsFor(cloud: FleetBenchCloud, tabs: number, windowSec: number): Promise<number> {
  const since = await lastSeq(cloud);
  const end = Date.now() + windowSec * 1000;
  await Promise.all(
    Array.from({ length: tabs }, async (_, tab) => {
      await new Promise((r) => setTimeout(r, (tab * 10_000) / tabs));
      while (Date.now() < end) {
        const res = await fetch(`${cloud.runner.baseUrl}/api/fleet/data`, { headers: { 'x-friday-viewer-key': cloud.viewerKey } });
        if (!res.ok) throw new Error(`fleet data: HTTP ${res.status}`);
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, Math.max(0, Math.min(10_000, end - Date.now()))));
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 10_000)); // a re-listing started inside the window lands
  return (await logSince(cloud, since)).filter((e) => e.method === 'GET').length;
}

/**
 * How long each tab count is watched: one full interval at which the page re-lists an idle fleet
 * (src/functions/http/fleetData.ts keeps idle listings so the page spends at most a third of
 * Compute's high-cost budget, 180 per 3 min: ceil(pages / 60) × 180 s, at least a minute), plus the
 * time a re-listing takes — so each window holds exactly one round of listings.
 */
export function steadyWindowSec(totalPages: number): number {
  return Math.max(60, Math.ceil(totalPages / 60) * 180) + 25;
}

export async function measureSteadyState(cloud: FleetBenchCloud, options: { tabs: number; windowSec: number; scaleSets: number; instancesPerScaleSet: number }): Promise<SteadyStateFigures> {
  await useAzureListLatency(cloud);
  // The fleet verifications just finished (a change the page reads at once); from here nothing
  // changes. A fresh budget as if minutes had passed, and one refresh that lists everything.
  await admin(cloud, '/reset', { method: 'POST' });
  const primed = await fetch(`${cloud.runner.baseUrl}/api/fleet/data`, { headers: { 'x-friday-viewer-key': cloud.viewerKey } });
  if (!primed.ok) throw new Error(`fleet data: HTTP ${primed.status}`);
  await primed.arrayBuffer();
  // The schedule timer's evaluation (what each 5-minute tick does), once, counted 12 times an hour.
  const since = await lastSeq(cloud);
  const res = await fetch(`${cloud.runner.baseUrl}/api/schedules/evaluate`, { method: 'POST', headers: { 'x-functions-key': cloud.runner.functionKey }, body: '{"dryRun":true}' });
  if (res.status !== 202) throw new Error(`schedule evaluation: HTTP ${res.status}`);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const s = (await (await fetch(`${cloud.runner.baseUrl}/_rpc/durabletask/instances/${id}`)).json()) as { runtimeStatus: string };
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const readsPerTimerTick = (await logSince(cloud, since)).filter((e) => e.method === 'GET').length;
  const perHour = (reads: number): number => Math.round((reads * 3600) / options.windowSec + 12 * readsPerTimerTick);
  const one = await tabsFor(cloud, 1, options.windowSec);
  const five = await tabsFor(cloud, options.tabs, options.windowSec);
  const pages = Math.ceil(options.instancesPerScaleSet / PAGE_SIZE);
  return {
    tabs: options.tabs,
    armReadsPerHour: perHour(five),
    oneTabArmReadsPerHour: perHour(one),
    windowSec: options.windowSec,
    readsPerTimerTick,
    // A full listing: the model GET, both lists' pages, the load balancer GET.
    fullListingPerMinuteReadsPerHour: options.scaleSets * (2 * pages + 2) * 60,
  };
}

export interface FleetData10kFigures {
  instances: number;
  /** A refresh as open tabs see it: listings shared (read within the minute), the answer built anew. */
  ms: number;
  runsMs: number[];
  /** The same refresh reading every listing from ARM (`?fresh=1`), with Azure's page latency. */
  uncachedMs: number;
}

export async function measureFleetData(cloud: FleetBenchCloud, instances: number, options: { aroundCachedRuns?: <T>(work: () => Promise<T>) => Promise<T> } = {}): Promise<FleetData10kFigures> {
  const get = async (query: string): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${cloud.runner.baseUrl}/api/fleet/data${query}`, { headers: { 'x-friday-viewer-key': cloud.viewerKey } });
    if (!res.ok) throw new Error(`fleet data: HTTP ${res.status}`);
    const body = (await res.json()) as { scaleSets: Array<{ totals: { instances: number } }> };
    const ms = Math.round(performance.now() - t0);
    const seen = body.scaleSets.reduce((a, s) => a + s.totals.instances, 0);
    if (seen < instances) throw new Error(`fleet data shows ${seen} instances, expected ${instances}`);
    return ms;
  };
  const uncachedMs = await get('?fresh=1');
  const runsMs: number[] = [];
  const cachedRuns = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 3100)); // past the shared answer's 3 s, within the listings' minute
      runsMs.push(await get(''));
    }
  };
  await (options.aroundCachedRuns ? options.aroundCachedRuns(cachedRuns) : cachedRuns());
  return { instances, ms: median(runsMs), runsMs, uncachedMs };
}
