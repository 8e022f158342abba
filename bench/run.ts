/**
 * `npm run bench`: friday-fleet's performance promises, measured on the local cloud with the
 * emulator's latencies and Compute throttling on, at N = 10, 100 and 1000 instances. Every figure
 * is printed with its bound or baseline measured in the same run, and written to
 * bench/results/latest.json. Nothing here asserts timings: figures are for people and trends.
 *
 * Topology as in Azure: the emulator (ARM and the instances' web servers) runs in a process of its
 * own; this process hosts the Functions runner with the app, as the Functions host would. Each
 * verification figure is the median of VERIFY_RUNS runs after WARMUP_RUNS warm-up runs at the same
 * N: V8 compiles the hot paths (SDK deserialisers, prober, replay) over the first few runs — at
 * N = 1000 the first three runs measured 665, 566 and 509 ms, then stayed within 500–515 ms except
 * one — and a Function app serving timers every few minutes keeps its process warm.
 *
 *   1. ARM calls to verify N instances / the paged lower bound (VM list + NIC list pages)
 *   2. verification wall time / ceil(N / C) × t_probe
 *   3. durable history events of one verification run
 *   4. event → verdict overhead for a new instance, over its own readiness
 *   5. cold start of the app entry / a bare @azure/functions hello-world
 *   6. 429s on the wire, and 429s that reached the orchestration (failed activity attempts)
 *   7. fleet scale (bench/fleetScale.ts): verification against ARM's paging with Azure's list-page
 *      latency, 10 scale sets × 1000 at once under Compute's read budget, steady-state ARM reads
 *      with the fleet page open in 5 tabs, a fleet page refresh at 10 000 instances, runner heap
 *      per instance
 * Phases 1–6 keep ARM's list pages instant (as in earlier runs, so their figures compare: they
 * measure the probes, which in Azure hide under the paging); phase 7 gives them Azure's latency.
 * Every phase starts with a fresh Compute budget (the emulator's default policies, as Azure
 * reports them): phases are separate measurements. The machine's cores go with every figure.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite } from '../local/azurite';
import { localAppSettings } from '../local/cli/localCloud';
import { startEmulatorProcess, type EmulatorProcessHandle } from '../local/emulator/process';
import { startRunner, type RunnerHandle } from '../local/runner';
import { testClients } from '../test/support/armTestClients';
import { buildNetwork, raiseComputeQuota, scaleSetBody, uploadScript } from '../test/support/tier';
import { createAddressResolver } from '../src/azure/addressResolver';
import { probeAll } from '../src/azure/prober';
import { measureColdStart } from './coldStart';
import { measureCpu } from './cpuTime';
import { buildFleet, heapAfterGc, measureFleet, measureFleetData, measurePagedLatency, measureSteadyState, steadyWindowSec } from './fleetScale';

const REPO = path.resolve(__dirname, '..', '..');
const PAGE_SIZE = 100;
const T_PROBE_MS = Number(process.env.BENCH_T_PROBE_MS ?? 20);
/** Each page answers in T_PROBE_MS ± this (uniform): pages do not answer in lockstep. */
const PAGE_JITTER_MS = Number(process.env.BENCH_PAGE_JITTER_MS ?? T_PROBE_MS / 4);
const VERIFY_RUNS = Number(process.env.BENCH_VERIFY_RUNS ?? 5);
const WARMUP_RUNS = Number(process.env.BENCH_WARMUP_RUNS ?? 3);
const PROBE_CONCURRENCY = Number(process.env.BENCH_PROBE_CONCURRENCY ?? 50);
/** Fleet phase: this many scale sets of this many instances (issue 20: 10 × 1000). */
const FLEET_SCALE_SETS = Number(process.env.BENCH_FLEET_SCALE_SETS ?? 10);
const FLEET_INSTANCES = Number(process.env.BENCH_FLEET_INSTANCES ?? 1000);
/** Steady state: tabs of the fleet page, and how long each tab count is watched (s). */
const STEADY_TABS = 5;
const STEADY_WINDOW_SEC = process.env.BENCH_STEADY_WINDOW_SEC ? Number(process.env.BENCH_STEADY_WINDOW_SEC) : undefined;
const SCHEDULES_BLOB = 'bench-schedules.json';

interface VerifyFigures {
  n: number;
  armCalls: number;
  armCallsBound: number;
  armCallsRatio: number;
  /** Median over the measured runs. */
  verifyMs: number;
  /** Every measured run, in order. */
  verifyRunsMs: number[];
  probeBoundMs: number;
  probeTimeRatio: number;
  /** This machine's floor: the same N pages probed at the same concurrency straight from one loop, no ARM, no orchestration (median). */
  probeFloorMs: number;
  /** Verification time / that floor: what the orchestration, ARM reads and verdicts add. */
  floorRatio: number;
  /**
   * CPU the floor's probes cost (median per sweep): the prober's side (this process) and the
   * instances' side (the emulator's web servers); and that CPU as a share of all this machine's
   * cores over the probe bound — the load probing alone puts on a machine that also hosts the instances.
   */
  floorCpu: { appMsPerSweep: number; instancesMsPerSweep: number | null; usPerProbe: number | null; loadOverBound: number | null; cores: number };
  historyEvents: number;
  throttled429OnWire: number;
  throttled429ReachingOrchestration: number;
  passed: number;
}

/** The parts of the local cloud the bench drives: the emulator in its own process, Azurite, and the runner here. */
interface BenchCloud {
  emulator: EmulatorProcessHandle;
  runner: RunnerHandle;
  /** The fleet page's read-only viewer key (its data route takes no function key). */
  viewerKey: string;
  azurite: { connectionString: string; blobEndpoint: string };
  close(): Promise<void>;
}

interface LogEntry {
  template: string;
  status: number;
}

async function admin<T>(cloud: BenchCloud, route: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${cloud.emulator.adminUrl}${route}`, init);
  if (!res.ok) throw new Error(`emulator admin ${route}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
};

async function waitDone(url: string, timeoutMs = 600_000): Promise<{ runtimeStatus: string; output: unknown; historyEvents?: Array<{ EventType: string }> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await (await fetch(url)).json()) as { runtimeStatus: string; output: unknown };
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`timed out: ${s.runtimeStatus}`);
    // Figures come from the orchestration's own timestamps, not from this loop; every status read
    // costs the app's thread, so the bench polls sparingly.
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface OneVerification {
  verifyMs: number;
  armEntries: LogEntry[];
  history: Array<{ EventType: string }>;
  passed: number;
}

async function verifyOnce(cloud: BenchCloud, rg: string, n: number): Promise<OneVerification> {
  const { lastSeq } = await admin<{ lastSeq: number }>(cloud, `/request-log?since=${Number.MAX_SAFE_INTEGER}`);
  const res = await fetch(`${cloud.runner.baseUrl}/api/scalesets/vmss-bench/verify`, { method: 'POST', headers: { 'x-functions-key': cloud.runner.functionKey }, body: JSON.stringify({ resourceGroup: rg }) });
  // Start answers carry only the app's own status route; the bench reads the durable status (with output) on the runner's loopback RPC endpoint.
  const { id } = (await res.json()) as { id: string };
  const status = await waitDone(`${cloud.runner.baseUrl}/_rpc/durabletask/instances/${id}`);
  if (status.runtimeStatus !== 'Completed') throw new Error(`verification of ${n} failed: ${JSON.stringify(status.output)}`);
  const report = status.output as { totals: { passed: number }; timingsMs: { facts: number; probes: number; frontEnd: number; total: number } };
  const { entries } = await admin<{ entries: LogEntry[] }>(cloud, `/request-log?since=${lastSeq}`);
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify(report.timingsMs));
  const withHistory = (await (await fetch(`${cloud.runner.baseUrl}/_rpc/durabletask/instances/${id}?showHistory=true`)).json()) as { historyEvents?: Array<{ EventType: string }> };
  return {
    // Addresses and facts read together, probes as soon as the addresses are in: the span up to the front-end check.
    verifyMs: report.timingsMs.total - report.timingsMs.frontEnd,
    armEntries: entries.filter((e) => !e.template.includes('/operations/')),
    history: withHistory.historyEvents ?? [],
    passed: report.totals.passed,
  };
}

type ProbeTargets = Array<{ instanceId: string; url: string }>;

/** A scale set of N instances, and its pages' addresses for the floor measurement. */
async function benchScaleSet(cloud: BenchCloud, n: number): Promise<{ rg: string; targets: ProbeTargets }> {
  const clients = testClients(cloud.emulator);
  const rg = `rg-bench-${n}`;
  const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: cloud.emulator.subscriptionId, subnetPrefix: '10.0.0.0/20' });
  const scriptUrl = await uploadScript({ connectionString: cloud.azurite.connectionString, blobEndpoint: cloud.azurite.blobEndpoint, container: 'bench', name: 'setup-friday.ps1' });
  await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'vmss-bench', scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'vmss-bench', capacity: n, scriptUrl, overprovision: false }));
  const resolver = await createAddressResolver(`${cloud.emulator.adminUrl}/address-map`);
  const targets: ProbeTargets = [];
  for await (const nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, 'vmss-bench')) {
    targets.push({ instanceId: String(targets.length), url: `${resolver.origin(nic.ipConfigurations?.[0]?.privateIPAddress ?? '')}/` });
  }
  return { rg, targets };
}

async function measureVerify(cloud: BenchCloud, n: number, scaleSet: { rg: string; targets: ProbeTargets }): Promise<VerifyFigures> {
  const { rg, targets } = scaleSet;
  await admin(cloud, '/reset', { method: 'POST' }); // a fresh Compute budget for each phase
  for (let i = 0; i < WARMUP_RUNS; i++) await verifyOnce(cloud, rg, n); // not counted
  const runs: OneVerification[] = [];
  const floors: number[] = [];
  const floorCpu: Array<{ appMs: number; emulatorMs: number | null }> = [];
  for (let i = 0; i < VERIFY_RUNS; i++) {
    runs.push(await verifyOnce(cloud, rg, n));
    const floorStart = performance.now();
    const { cpu } = await measureCpu(cloud.emulator.pid, () => probeAll(targets, { concurrency: PROBE_CONCURRENCY, timeoutMs: 5000 }));
    floors.push(Math.round(performance.now() - floorStart));
    floorCpu.push(cpu);
  }
  const last = runs[runs.length - 1] as OneVerification;
  const verifyMs = median(runs.map((r) => r.verifyMs));
  const probeFloorMs = median(floors);
  const pages = Math.ceil(n / PAGE_SIZE);
  const armCallsBound = 2 * pages;
  const armCalls = Math.max(...runs.map((r) => r.armEntries.length));
  const probeBoundMs = Math.ceil(n / PROBE_CONCURRENCY) * T_PROBE_MS;
  const appCpu = median(floorCpu.map((c) => c.appMs));
  const instancesCpu = floorCpu.every((c) => c.emulatorMs !== null) ? median(floorCpu.map((c) => c.emulatorMs as number)) : null;
  const cores = cpus().length;
  return {
    n,
    armCalls,
    armCallsBound,
    armCallsRatio: armCalls / armCallsBound,
    verifyMs,
    verifyRunsMs: runs.map((r) => r.verifyMs),
    probeBoundMs,
    probeTimeRatio: verifyMs / probeBoundMs,
    probeFloorMs,
    floorRatio: verifyMs / probeFloorMs,
    floorCpu: {
      appMsPerSweep: Math.round(appCpu),
      instancesMsPerSweep: instancesCpu === null ? null : Math.round(instancesCpu),
      usPerProbe: instancesCpu === null ? null : Math.round(((appCpu + instancesCpu) * 1000) / n),
      loadOverBound: instancesCpu === null ? null : Number(((appCpu + instancesCpu) / (cores * probeBoundMs)).toFixed(2)),
      cores,
    },
    historyEvents: Math.max(...runs.map((r) => r.history.length)),
    throttled429OnWire: runs.reduce((sum, r) => sum + r.armEntries.filter((e) => e.status === 429).length, 0),
    throttled429ReachingOrchestration: runs.reduce((sum, r) => sum + r.history.filter((e) => e.EventType === 'TaskFailed').length, 0),
    passed: Math.min(...runs.map((r) => r.passed), last.passed),
  };
}

async function measureEventToVerdict(cloud: BenchCloud): Promise<{ readinessMs: number; eventToVerdictMs: number; eventToVerdictOverheadMs: number }> {
  const example = JSON.parse(readFileSync(path.join(REPO, 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
  const rg = 'rg-bench-events';
  const headers = { 'x-functions-key': cloud.runner.functionKey };
  const res = await fetch(`${cloud.runner.baseUrl}/api/deployments`, { method: 'POST', headers, body: JSON.stringify({ ...example, resourceGroup: rg, scaleSet: { ...example.scaleSet, capacity: 2, overprovision: false } }) });
  const { id } = (await res.json()) as { id: string };
  await waitDone(`${cloud.runner.baseUrl}/_rpc/durabletask/instances/${id}`);
  await admin(cloud, '/event-subscriptions', { method: 'POST', body: JSON.stringify({ endpoint: `${cloud.runner.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.runner.masterKey}` }) });
  const t0 = Date.now();
  await admin(cloud, '/autoscale', { method: 'POST', body: JSON.stringify({ resourceGroup: rg, scaleSet: 'vmss-friday', delta: 1 }) });
  // The instance is ready when the autoscale call returns (the write event is published then).
  const readinessMs = Date.now() - t0;
  const { events } = await admin<{ events: Array<{ resourceUri: string; eventTime: string }> }>(cloud, '/events');
  const event = events.filter((e) => e.resourceUri.includes(rg)).pop();
  let done: { name?: string; runtimeStatus: string; output: unknown };
  for (;;) {
    done = (await (await fetch(`${cloud.runner.baseUrl}/_rpc/durabletask/instances/${id}`)).json()) as typeof done;
    if (done.name === 'watchScaleSet' && ['Completed', 'Failed'].includes(done.runtimeStatus)) break;
    if (Date.now() - t0 > 120_000) throw new Error('the scale event was not handled');
    await new Promise((r) => setTimeout(r, 50));
  }
  const actions = (done.output as { actions?: Array<{ instanceId: string; action: string; at: string }> }).actions ?? [];
  const verdict = actions.find((a) => a.instanceId === '2' && a.action === 'verify');
  if (!event || !verdict) throw new Error(`no verdict for the new instance (event ${event ? 'seen' : 'missing'}; watch ${done.runtimeStatus}: ${JSON.stringify(done.output).slice(0, 2000)})`);
  const eventToVerdictMs = Date.parse(verdict.at) - Date.parse(event.eventTime);
  return { readinessMs, eventToVerdictMs, eventToVerdictOverheadMs: eventToVerdictMs };
}

/** Runs `work` under the inspector's CPU profiler when `file` is given, and writes the profile there. */
async function withCpuProfile<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

async function startBenchCloud(dataDir: string): Promise<BenchCloud> {
  const [azurite, emulator] = await Promise.all([
    startAzurite({ dataDir: path.join(dataDir, 'azurite') }),
    startEmulatorProcess({
      stateDir: path.join(dataDir, 'emulator'),
      config: {
        // ARM list pages instant for phases 1–6 (phase 7 sets Azure's latency at run time).
        timing: { pageLatencyMs: T_PROBE_MS, pageLatencyJitterMs: PAGE_JITTER_MS, listPageMs: 0, listPageJitterMs: 0 },
        // Throttling as the emulator does by default: ARM's buckets and Compute's policies with
        // the limits Azure has reported (local/emulator/README.md).
      },
    }),
  ]);
  // The bench's tiers hold up to 11 000 instances of 2 vCPUs: quota raised as their operator would have it.
  await raiseComputeQuota(emulator.adminUrl, 100_000);
  const settings = localAppSettings({
    azurite,
    emulator,
    extra: { FRIDAY_PROBE_CONCURRENCY: String(PROBE_CONCURRENCY), FRIDAY_PROBE_TIMEOUT_MS: '5000', FRIDAY_SCHEDULES_BLOB: SCHEDULES_BLOB },
  });
  let runner: RunnerHandle;
  try {
    runner = await startRunner({ appRoot: REPO, dataDir: path.join(dataDir, 'runner'), timers: 'manual', log: () => undefined, settings });
  } catch (error) {
    await Promise.all([azurite.close(), emulator.close()]);
    throw error;
  }
  process.env.FRIDAY_PUBLIC_BASE_URL ??= runner.baseUrl;
  return {
    emulator,
    runner,
    viewerKey: settings.FRIDAY_FLEET_VIEWER_KEY ?? '',
    azurite,
    close: async () => {
      await runner.close();
      await Promise.all([emulator.close(), azurite.close()]);
    },
  };
}

function describeFloorCpu(c: VerifyFigures['floorCpu']): string {
  if (c.instancesMsPerSweep === null) return `prober ${c.appMsPerSweep} ms per sweep`;
  return `prober ${c.appMsPerSweep} + instances ${c.instancesMsPerSweep} ms per sweep, ${c.usPerProbe} µs per probe, ${Math.round((c.loadOverBound ?? 0) * 100)} % of ${c.cores} cores over the bound`;
}

/**
 * Diagnostics: `BENCH_PHASES=fleet` runs only the fleet-scale phases (and `BENCH_SKIP_STEADY=1`
 * skips the ~13-minute steady-state watch); such a partial run writes bench/results/partial.json,
 * never latest.json, whose figures all come from one full run.
 */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'verify,fleet').split(','));
const SKIP_STEADY = process.env.BENCH_SKIP_STEADY === '1';

async function main(): Promise<void> {
  const sizes = PHASES.has('verify') ? (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number) : [];
  const cloud = await startBenchCloud(mkdtempSync(path.join(tmpdir(), 'friday-bench-')));
  const perN: VerifyFigures[] = [];
  try {
    const print = (f: VerifyFigures, label = ''): void =>
      console.log(
        `N=${String(f.n).padStart(4)}${label}  ARM calls ${f.armCalls} / bound ${f.armCallsBound} = ${f.armCallsRatio.toFixed(2)}   ` +
          `verify ${f.verifyMs} ms (runs ${f.verifyRunsMs.join(', ')}) / bound ${f.probeBoundMs} ms = ${f.probeTimeRatio.toFixed(2)} (probes alone here: ${f.probeFloorMs} ms, ×${f.floorRatio.toFixed(2)}; their CPU: ${describeFloorCpu(f.floorCpu)})   history ${f.historyEvents} events   ` +
          `429 on wire ${f.throttled429OnWire}, reaching orchestration ${f.throttled429ReachingOrchestration}   passed ${f.passed}/${f.n}`,
      );
    let largestScaleSet: { rg: string; targets: ProbeTargets } | undefined;
    for (const n of sizes) {
      largestScaleSet = await benchScaleSet(cloud, n);
      const f = await measureVerify(cloud, n, largestScaleSet);
      perN.push(f);
      print(f);
    }
    // The same largest scale set with every page answering in exactly T_PROBE_MS: all probes of a
    // wave finish together and their CPU work queues up. Reported beside the headline, not instead.
    let lockstep: VerifyFigures | undefined;
    if (largestScaleSet) {
      await admin(cloud, '/timing', { method: 'POST', body: JSON.stringify({ pageLatencyJitterMs: 0 }) });
      lockstep = await measureVerify(cloud, perN[perN.length - 1]?.n ?? 0, largestScaleSet);
      print(lockstep, ' (pages in lockstep, no jitter)');
      await admin(cloud, '/timing', { method: 'POST', body: JSON.stringify({ pageLatencyJitterMs: PAGE_JITTER_MS }) });
    }
    // The verifications above spent most of the 3-minute Compute read budget (190 list pages); the
    // phases below are separate measurements, so they start with a fresh budget as if minutes had
    // passed. (Spent, the budget makes a run fail clearly after its retries — the reliability
    // suite covers that — instead of measuring anything.)
    await admin(cloud, '/reset', { method: 'POST' });
    let fleetDataMs: number | undefined;
    let events: Awaited<ReturnType<typeof measureEventToVerdict>> | undefined;
    let cold: ReturnType<typeof measureColdStart> | undefined;
    if (PHASES.has('verify')) {
      // The fleet page's data with the largest scale set and its recorded runs (every verification
      // above left one): median of 5 uncached refreshes.
      const fleetRefreshes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const res = await fetch(`${cloud.runner.baseUrl}/api/fleet/data?fresh=1`, { headers: { 'x-friday-viewer-key': cloud.viewerKey } });
        if (!res.ok) throw new Error(`fleet data: HTTP ${res.status}`);
        await res.arrayBuffer();
        fleetRefreshes.push(Math.round(performance.now() - t0));
      }
      fleetDataMs = median(fleetRefreshes);
      console.log(`fleet data refresh (${sizes.length} scale sets, largest ${perN[perN.length - 1]?.n ?? 0} instances): ${fleetDataMs} ms (runs ${fleetRefreshes.join(', ')})`);
      events = await measureEventToVerdict(cloud);
      console.log(`event → verdict: ${events.eventToVerdictMs} ms after the event (instance readiness ${events.readinessMs} ms before it)`);
      cold = measureColdStart({ repoRoot: REPO, runs: 5 });
      console.log(`cold start: app ${cold.app.importMs.toFixed(1)} ms vs hello-world ${cold.helloWorld.importMs.toFixed(1)} ms = ${cold.coldStartRatio.toFixed(2)} (memory ${cold.memoryRatio.toFixed(2)})`);
    }
    const largest = perN[perN.length - 1];
    const cores = cpus().length;

    // 7. Fleet scale, with ARM's list pages taking Azure's latency.
    const big = { rg: `rg-bench-${largest?.n ?? 0}`, name: 'vmss-bench' };
    const pagedLatency = largest ? await measurePagedLatency(cloud, { ...big, n: largest.n, runs: VERIFY_RUNS, warmups: 1 }) : undefined;
    if (pagedLatency) console.log(`paged latency N=${pagedLatency.n}: verify ${pagedLatency.verifyMs} ms (runs ${pagedLatency.verifyRunsMs.join(', ')}) / paging bound ${pagedLatency.pagingBoundMs} ms = ${pagedLatency.pagingRatio.toFixed(2)} (pages ${pagedLatency.pageLatencyMs} ± ${pagedLatency.pageJitterMs} ms, measured mean ${pagedLatency.measuredPageMs} ms; 429 on wire ${pagedLatency.throttled429OnWire}; ${cores} cores)`);
    const scriptUrl = await uploadScript({ connectionString: cloud.azurite.connectionString, blobEndpoint: cloud.azurite.blobEndpoint, container: 'bench', name: 'setup-friday-fleet.ps1' });
    const fleetTargets = await buildFleet(cloud, { existing: FLEET_INSTANCES === largest?.n ? [big] : [], count: FLEET_SCALE_SETS, n: FLEET_INSTANCES, scriptUrl });
    // The schedule timer has every fleet scale set to evaluate (each wants what it has: no change).
    const schedulesDoc = { scaleSets: fleetTargets.scaleSets.map((s) => ({ resourceGroup: s.rg, name: s.name, timeZone: 'Etc/UTC', default: { capacity: FLEET_INSTANCES }, periods: [] })) };
    const put = await fetch(`${cloud.runner.baseUrl}/api/schedules`, { method: 'PUT', headers: { 'x-functions-key': cloud.runner.functionKey }, body: JSON.stringify(schedulesDoc) });
    if (!put.ok) throw new Error(`schedules: HTTP ${put.status} ${await put.text()}`);
    const heapBefore = heapAfterGc();
    const fleet = await measureFleet(cloud, fleetTargets, { probeConcurrency: PROBE_CONCURRENCY, probeTimeoutMs: 5000 });
    console.log(
      `fleet ${fleet.scaleSets} × ${fleet.instancesPerScaleSet} at once: verify ${fleet.verifyMs} ms / budget bound ${fleet.budgetBoundMs} ms = ${fleet.budgetRatio.toFixed(2)} (paging ${fleet.budget.pagingBoundMs} ms; ${fleet.budget.listCalls} ${fleet.budget.policy} calls on ${fleet.budget.limit} per ${fleet.budget.windowSec} s → ${fleet.budget.policyBoundMs} ms)   ` +
        `ARM calls ${fleet.armCalls} / ${fleet.armCallsBound} = ${fleet.armCallsRatio.toFixed(2)}   429 on wire ${fleet.throttled429OnWire}   passed ${fleet.passed}/${fleet.scaleSets * fleet.instancesPerScaleSet} (failures: ${JSON.stringify(fleet.failureReasons)})   per scale set ${fleet.perScaleSetMs.join(', ')} ms   ARM lists done at ${fleet.armListsDoneMs} ms (×${fleet.armListsRatio.toFixed(2)} the bound)   probes alone here ${fleet.probeFloorMs} ms (×${fleet.floorRatio.toFixed(2)})   (${cores} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
    );
    const heapAfterVerify = heapAfterGc();
    // Every scale set the page shows (the fleet and the earlier phases' ones) is re-listed once per window.
    const shownPages = fleet.scaleSets * Math.ceil(FLEET_INSTANCES / PAGE_SIZE) + perN.filter((f) => f.n !== FLEET_INSTANCES).length + 1;
    const steadyState = SKIP_STEADY ? undefined : await measureSteadyState(cloud, { tabs: STEADY_TABS, windowSec: STEADY_WINDOW_SEC ?? steadyWindowSec(shownPages), scaleSets: fleet.scaleSets, instancesPerScaleSet: fleet.instancesPerScaleSet });
    if (steadyState) console.log(`steady state: ${steadyState.tabs} tabs ${steadyState.armReadsPerHour} ARM reads/h vs 1 tab ${steadyState.oneTabArmReadsPerHour}/h (windows of ${steadyState.windowSec} s; ${steadyState.readsPerTimerTick} reads per timer tick, 12 an hour; ceiling of one full listing per scale set per minute: ${steadyState.fullListingPerMinuteReadsPerHour}/h)`);
    // BENCH_PROFILE_FLEET_DATA=file.cpuprofile: a CPU profile of this process (the runner and the app) over the measured refreshes.
    const fleetData10k = await measureFleetData(cloud, fleet.scaleSets * fleet.instancesPerScaleSet, { aroundCachedRuns: (work) => withCpuProfile(process.env.BENCH_PROFILE_FLEET_DATA, work) });
    console.log(`fleet data at ${fleetData10k.instances} instances: ${fleetData10k.ms} ms (runs ${fleetData10k.runsMs.join(', ')}; every listing read from ARM: ${fleetData10k.uncachedMs} ms; ${cores} cores)`);
    const heapAfter = heapAfterGc();
    const addedInstances = fleetTargets.scaleSets.length * FLEET_INSTANCES - (FLEET_INSTANCES === largest?.n ? FLEET_INSTANCES : 0);
    const heapBytesPerInstance = Math.round((heapAfter - heapBefore) / Math.max(1, addedInstances));
    console.log(`runner heap: ${Math.round(heapBefore / 2 ** 20)} → ${Math.round(heapAfterVerify / 2 ** 20)} (after the fleet's verifications) → ${Math.round(heapAfter / 2 ** 20)} MiB over the fleet phases = ${heapBytesPerInstance} B per instance added (${addedInstances})`);
    const result = {
      measuredAt: new Date().toISOString(),
      machine: { cores, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
      settings: { pageSize: PAGE_SIZE, tProbeMs: T_PROBE_MS, pageJitterMs: PAGE_JITTER_MS, probeConcurrency: PROBE_CONCURRENCY, verifyRuns: VERIFY_RUNS, warmupRuns: WARMUP_RUNS, emulator: 'own process' },
      n: largest?.n,
      armCallsRatio: largest?.armCallsRatio,
      probeTimeRatio: largest?.probeTimeRatio,
      probeFloorMs: largest?.probeFloorMs,
      floorRatio: largest?.floorRatio,
      historyEvents: largest?.historyEvents,
      eventToVerdictOverheadMs: events?.eventToVerdictOverheadMs,
      coldStartRatio: cold?.coldStartRatio,
      throttled429: largest?.throttled429ReachingOrchestration,
      throttled429OnWire: largest?.throttled429OnWire,
      fleetDataMs,
      perN,
      lockstep,
      coldStart: cold,
      events,
      pagedLatency,
      fleet,
      steadyState,
      fleetData10k,
      heapBytesPerInstance,
    };
    const complete = PHASES.has('verify') && PHASES.has('fleet') && !SKIP_STEADY;
    const file = complete ? 'latest.json' : 'partial.json';
    mkdirSync(path.join(REPO, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(REPO, 'bench', 'results', file), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written bench/results/${file}`);
  } finally {
    await cloud.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
