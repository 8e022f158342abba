/**
 * `npm run bench`: friday-fleet's performance promises, measured on the local cloud with the
 * emulator's latencies and Compute throttling on, at N = 10, 100 and 1000 instances. Every figure
 * is printed with its bound or baseline measured in the same run, and written to
 * bench/results/latest.json. Nothing here asserts timings: figures are for people and trends.
 *
 *   1. ARM calls to verify N instances / the paged lower bound (VM list + NIC list pages)
 *   2. verification wall time / ceil(N / C) × t_probe
 *   3. durable history events of one verification run
 *   4. event → verdict overhead for a new instance, over its own readiness
 *   5. cold start of the app entry / a bare @azure/functions hello-world
 *   6. 429s on the wire, and 429s that reached the orchestration (failed activity attempts)
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalCloud, type LocalCloudHandle } from '../local/cli/localCloud';
import { testClients } from '../test/support/armTestClients';
import { buildNetwork, scaleSetBody, uploadScript } from '../test/support/tier';
import { createAddressResolver } from '../src/azure/addressResolver';
import { probeAll } from '../src/azure/prober';
import { measureColdStart } from './coldStart';

const REPO = path.resolve(__dirname, '..', '..');
const PAGE_SIZE = 100;
const T_PROBE_MS = 20;
const PROBE_CONCURRENCY = 50;
const PROBE_BATCH = 250;

interface VerifyFigures {
  n: number;
  armCalls: number;
  armCallsBound: number;
  armCallsRatio: number;
  verifyMs: number;
  probeBoundMs: number;
  probeTimeRatio: number;
  /** This machine's floor: the same N pages probed at the same concurrency straight from one loop, no ARM, no orchestration. */
  probeFloorMs: number;
  /** Verification time / that floor: what the orchestration, ARM reads and verdicts add. */
  floorRatio: number;
  historyEvents: number;
  throttled429OnWire: number;
  throttled429ReachingOrchestration: number;
  passed: number;
}

async function waitDone(url: string, timeoutMs = 600_000): Promise<{ runtimeStatus: string; output: unknown; historyEvents?: Array<{ EventType: string }> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await (await fetch(url)).json()) as { runtimeStatus: string; output: unknown };
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`timed out: ${s.runtimeStatus}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function measureVerify(cloud: LocalCloudHandle, n: number): Promise<VerifyFigures> {
  const clients = testClients(cloud.emulator);
  const rg = `rg-bench-${n}`;
  const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: cloud.subscriptionId, subnetPrefix: '10.0.0.0/20' });
  const scriptUrl = await uploadScript({ connectionString: cloud.azurite.connectionString, blobEndpoint: cloud.azurite.blobEndpoint, container: 'bench', name: 'setup-friday.ps1' });
  await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'vmss-bench', scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'vmss-bench', capacity: n, scriptUrl, overprovision: false }));
  const before = cloud.emulator.requestLog.lastSeq;
  const res = await fetch(`${cloud.baseUrl}/api/scalesets/vmss-bench/verify`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey }, body: JSON.stringify({ resourceGroup: rg }) });
  const { id, statusQueryGetUri } = (await res.json()) as { id: string; statusQueryGetUri: string };
  const status = await waitDone(statusQueryGetUri);
  if (status.runtimeStatus !== 'Completed') throw new Error(`verification of ${n} failed: ${JSON.stringify(status.output)}`);
  const report = status.output as { totals: { passed: number }; timingsMs: { facts: number; probes: number; frontEnd: number; total: number } };
  const entries = cloud.emulator.requestLog.entries({ since: before }).filter((e) => !e.template.includes('/operations/'));
  const withHistory = (await (await fetch(`${cloud.baseUrl}/_rpc/durabletask/instances/${id}?showHistory=true`)).json()) as { historyEvents?: Array<{ EventType: string }> };
  const history = withHistory.historyEvents ?? [];
  const pages = Math.ceil(n / PAGE_SIZE);
  const armCallsBound = 2 * pages;
  const probeBoundMs = Math.ceil(n / PROBE_CONCURRENCY) * T_PROBE_MS;
  // Addresses and facts read together, probes as soon as the addresses are in: the span up to the front-end check.
  const verifyMs = report.timingsMs.total - report.timingsMs.frontEnd;
  const resolver = await createAddressResolver(`${cloud.emulator.adminUrl}/address-map`);
  const targets: Array<{ instanceId: string; url: string }> = [];
  for await (const nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, 'vmss-bench')) {
    targets.push({ instanceId: String(targets.length), url: `${resolver.origin(nic.ipConfigurations?.[0]?.privateIPAddress ?? '')}/` });
  }
  const floorStart = Date.now();
  await probeAll(targets, { concurrency: PROBE_CONCURRENCY, timeoutMs: 5000 });
  const probeFloorMs = Date.now() - floorStart;
  return {
    n,
    armCalls: entries.length,
    armCallsBound,
    armCallsRatio: entries.length / armCallsBound,
    verifyMs,
    probeBoundMs,
    probeTimeRatio: verifyMs / probeBoundMs,
    probeFloorMs,
    floorRatio: verifyMs / probeFloorMs,
    historyEvents: history.length,
    throttled429OnWire: entries.filter((e) => e.status === 429).length,
    throttled429ReachingOrchestration: history.filter((e) => e.EventType === 'TaskFailed').length,
    passed: report.totals.passed,
  };
}

async function measureEventToVerdict(cloud: LocalCloudHandle): Promise<{ readinessMs: number; eventToVerdictMs: number; eventToVerdictOverheadMs: number }> {
  const example = JSON.parse(readFileSync(path.join(REPO, 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
  const rg = 'rg-bench-events';
  const res = await fetch(`${cloud.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey }, body: JSON.stringify({ ...example, resourceGroup: rg, scaleSet: { ...example.scaleSet, capacity: 2, overprovision: false } }) });
  const { id, statusQueryGetUri } = (await res.json()) as { id: string; statusQueryGetUri: string };
  await waitDone(statusQueryGetUri);
  await fetch(`${cloud.emulator.adminUrl}/event-subscriptions`, { method: 'POST', body: JSON.stringify({ endpoint: `${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}` }) });
  const t0 = Date.now();
  await fetch(`${cloud.emulator.adminUrl}/autoscale`, { method: 'POST', body: JSON.stringify({ resourceGroup: rg, scaleSet: 'vmss-friday', delta: 1 }) });
  // The instance is ready when the autoscale call returns (the write event is published then).
  const readinessMs = Date.now() - t0;
  const event = cloud.emulator.events.list().filter((e) => e.resourceUri.includes(rg)).pop();
  let done: { name?: string; runtimeStatus: string; output: unknown };
  for (;;) {
    done = (await (await fetch(`${cloud.baseUrl}/_rpc/durabletask/instances/${id}`)).json()) as typeof done;
    if (done.name === 'watchScaleSet' && ['Completed', 'Failed'].includes(done.runtimeStatus)) break;
    if (Date.now() - t0 > 120_000) throw new Error('the scale event was not handled');
    await new Promise((r) => setTimeout(r, 50));
  }
  const actions = (done.output as { actions?: Array<{ instanceId: string; action: string; at: string }> }).actions ?? [];
  const verdict = actions.find((a) => a.instanceId === '2' && a.action === 'verify');
  if (!event || !verdict) throw new Error('no verdict for the new instance');
  const eventToVerdictMs = Date.parse(verdict.at) - Date.parse(event.eventTime);
  return { readinessMs, eventToVerdictMs, eventToVerdictOverheadMs: eventToVerdictMs };
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
  const cloud = await startLocalCloud({
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-bench-')),
    emulator: {
      timing: { pageLatencyMs: T_PROBE_MS },
      // Compute throttling on, with limits in the range Azure reports (see platform-facts.md).
      throttling: { compute: { HighCostGetVMScaleSet3Min: { limit: 190, windowSec: 180 }, GetVMScaleSet3Min: { limit: 190, windowSec: 180 }, GetVMScaleSetVM3Min: { limit: 190, windowSec: 180 } }, computeRetryAfterSec: 1 },
    },
    runner: { log: () => undefined, timers: 'manual' },
    settings: { FRIDAY_PROBE_CONCURRENCY: String(PROBE_CONCURRENCY), FRIDAY_PROBE_BATCH_SIZE: String(PROBE_BATCH), FRIDAY_PROBE_TIMEOUT_MS: '5000' },
  });
  const perN: VerifyFigures[] = [];
  try {
    for (const n of sizes) {
      const f = await measureVerify(cloud, n);
      perN.push(f);
      console.log(
        `N=${String(n).padStart(4)}  ARM calls ${f.armCalls} / bound ${f.armCallsBound} = ${f.armCallsRatio.toFixed(2)}   ` +
          `verify ${f.verifyMs} ms / bound ${f.probeBoundMs} ms = ${f.probeTimeRatio.toFixed(2)} (probes alone here: ${f.probeFloorMs} ms, ×${f.floorRatio.toFixed(2)})   history ${f.historyEvents} events   ` +
          `429 on wire ${f.throttled429OnWire}, reaching orchestration ${f.throttled429ReachingOrchestration}   passed ${f.passed}/${n}`,
      );
    }
    const events = await measureEventToVerdict(cloud);
    console.log(`event → verdict: ${events.eventToVerdictMs} ms after the event (instance readiness ${events.readinessMs} ms before it)`);
    const cold = measureColdStart({ repoRoot: REPO, runs: 5 });
    console.log(`cold start: app ${cold.app.importMs.toFixed(1)} ms vs hello-world ${cold.helloWorld.importMs.toFixed(1)} ms = ${cold.coldStartRatio.toFixed(2)} (memory ${cold.memoryRatio.toFixed(2)})`);
    const largest = perN[perN.length - 1];
    const result = {
      measuredAt: new Date().toISOString(),
      settings: { pageSize: PAGE_SIZE, tProbeMs: T_PROBE_MS, probeConcurrency: PROBE_CONCURRENCY, probeBatch: PROBE_BATCH },
      n: largest?.n,
      armCallsRatio: largest?.armCallsRatio,
      probeTimeRatio: largest?.probeTimeRatio,
      probeFloorMs: largest?.probeFloorMs,
      floorRatio: largest?.floorRatio,
      historyEvents: largest?.historyEvents,
      eventToVerdictOverheadMs: events.eventToVerdictOverheadMs,
      coldStartRatio: cold.coldStartRatio,
      throttled429: largest?.throttled429ReachingOrchestration,
      throttled429OnWire: largest?.throttled429OnWire,
      perN,
      coldStart: cold,
      events,
    };
    mkdirSync(path.join(REPO, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(REPO, 'bench', 'results', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written bench/results/latest.json');
  } finally {
    await cloud.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
