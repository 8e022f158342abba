/**
 * Reliability under faults, on the local cloud with the production app: ARM faults (429 with and
 * without Retry-After, 500, 503, timeouts, a long-running operation ending Failed), instances
 * that hang, fail, lie or drop the connection, a 1000-event storm, a table of bad input, and the
 * security promises (keys, secrets, RDP). `FRIDAY_SOAK=1` makes the storm and the fault rounds
 * larger (`npm run test:soak`).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { changeInstanceId } from '../../src/domain/changeLock';
import { testClients } from '../support/armTestClients';
import { longTimerOf } from '../support/durableRuns';
import { recordObservedActions } from '../support/observedActions';
import { killRunner, startRunnerProcess } from '../support/runnerProcess';

const SOAK = process.env.FRIDAY_SOAK === '1';
const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const WEBHOOK_TOKEN = 'reliability-webhook-token-5f2c9a';
const logs: string[] = [];
let cloud: LocalCloudHandle;

interface Status {
  name?: string;
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}
interface Report {
  outcome: string;
  totals: { instances: number; passed: number; failed: number };
  armWrites: number;
  instances: Array<{ instanceId: string; verdict: string; reason: string }>;
}

const spec = (resourceGroup: string, scaleSet: Record<string, unknown> = {}) => ({ ...example, resourceGroup, scaleSet: { ...example.scaleSet, overprovision: false, ...scaleSet } });
const post = (route: string, body: unknown, key: string | null = cloud.functionKey): Promise<Response> =>
  fetch(`${cloud.baseUrl}/api/${route}`, { method: 'POST', headers: { ...(key ? { 'x-functions-key': key } : {}), 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function status(id: string): Promise<Status | undefined> {
  const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}`);
  return res.status === 404 ? undefined : ((await res.json()) as Status);
}
/**
 * Waits for a run to end. `skipRetryWaits` moves the runner's clock to each retry back-off as it is
 * created (2 + 4 + 8 + 16 + 32 s of durable timers would otherwise be waited in real time).
 */
async function waitDone(id: string, timeoutMs = 120_000, options: { skipRetryWaits?: boolean; orchestrator?: string } = {}): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(id);
    // A run under a scale set's lock id reuses the id of the run before it: `orchestrator` waits for the new one.
    if (s && ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus) && (!options.orchestrator || s.name === options.orchestrator)) return s;
    if (options.skipRetryWaits) {
      const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}&showHistory=true`);
      const events = ((await res.json()) as { historyEvents?: Array<{ EventType: string; EventId: number; TimerId?: number; FireAt?: string }> }).historyEvents ?? [];
      const fired = new Set(events.filter((e) => e.EventType === 'TimerFired').map((e) => e.TimerId));
      const pending = events.filter((e) => e.EventType === 'TimerCreated' && !fired.has(e.EventId) && e.FireAt).map((e) => Date.parse(e.FireAt ?? ''));
      const next = Math.min(...pending);
      if (Number.isFinite(next) && next > cloud.runner.now().getTime()) cloud.runner.setClock(new Date(next + 10));
    }
    if (Date.now() > deadline) throw new Error(`${id} still ${s?.runtimeStatus ?? 'absent'}: ${JSON.stringify(s?.customStatus)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
/**
 * How an activity's attempts went in a run's history: failed attempts and the retry waits the
 * orchestration scheduled (each retry timer's FireAt minus the orchestration's time when it made
 * it, not minus when the event was written, which a loaded machine delays).
 */
async function retryAttempts(id: string, activity: string): Promise<{ failed: number; waitsMs: number[] }> {
  const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}&showHistory=true`);
  const events = ((await res.json()) as { historyEvents: Array<{ EventType: string; EventId: number; Name?: string; TaskScheduledId?: number; Timestamp: string; FireAt?: string }> }).historyEvents;
  const scheduled = new Set(events.filter((e) => e.EventType === 'TaskScheduled' && e.Name === activity).map((e) => e.EventId));
  let failed = 0;
  const waitsMs: number[] = [];
  // A failed attempt's retry timer is the first timer created after its failure (other timers, such
  // as operation polls, are not retries).
  let awaitingRetryTimer = false;
  let episodeStart = Number.NaN;
  for (const e of events) {
    if (e.EventType === 'OrchestratorStarted') episodeStart = Date.parse(e.Timestamp);
    else if (e.EventType === 'TaskFailed' && scheduled.has(e.TaskScheduledId ?? -1)) {
      failed++;
      awaitingRetryTimer = true;
    } else if (e.EventType === 'TimerCreated' && awaitingRetryTimer && e.FireAt) {
      waitsMs.push(Date.parse(e.FireAt) - episodeStart);
      awaitingRetryTimer = false;
    }
  }
  // To the second: durable-functions may base a retry on the failure's own time, a millisecond or
  // so from the episode's — never on how long this machine took.
  return { failed, waitsMs: waitsMs.map((ms) => Math.round(ms / 1000) * 1000) };
}

/** The ARM writes that build the example's tier (resource group, network, front end, scale set), each made once. */
const TIER_WRITES = [
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday',
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/lb-vmss-friday',
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/natGateways/nat-vmss-friday',
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/nsg-vmss-friday',
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/pip-lb-vmss-friday',
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/pip-nat-vmss-friday',
  'PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet-friday',
  'PUT /subscriptions/{sub}/resourcegroups/{rg}',
];

/** A request path inside resource group `rg` (`rg-x` is not inside `rg-x-1`). */
const inGroup = (requestPath: string, rg: string): boolean => new RegExp(`/resourcegroups/${rg.toLowerCase()}(?:[/?]|$)`).test(requestPath.toLowerCase());

/** Nothing duplicated: since `seq`, every ARM write the handlers served (not injected faults) went to a different method and path. */
function expectEachWriteOnce(seq: number, rg: string): void {
  const served = cloud.emulator.requestLog.entries({ since: seq, writesOnly: true }).filter((e) => !e.injected && inGroup(e.path, rg));
  const counts = new Map<string, number>();
  for (const e of served) counts.set(`${e.method} ${e.path.split('?')[0] ?? ''}`, (counts.get(`${e.method} ${e.path.split('?')[0] ?? ''}`) ?? 0) + 1);
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
  // The whole tier was written (each of these once).
  const written = [...counts.keys()].map((k) => k.replace(cloud.subscriptionId, '{sub}').replace(new RegExp(rg, 'ig'), '{rg}')).sort();
  expect(written).toEqual(TIER_WRITES);
}

interface SecurityRule {
  name?: string;
  access?: string;
  direction?: string;
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
}

async function securityRules(rg: string): Promise<SecurityRule[]> {
  const nsgs: Array<{ securityRules?: SecurityRule[] }> = [];
  for await (const nsg of testClients(cloud).network.networkSecurityGroups.list(rg)) nsgs.push(nsg);
  expect(nsgs).toHaveLength(1);
  return nsgs.flatMap((n) => n.securityRules ?? []);
}

/** An inbound Allow rule whose ports include 3389 (`*`, `3389`, a range, or a list) from the whole internet. */
function opensRdpToInternet(rule: SecurityRule): boolean {
  const covers = (range: string): boolean => {
    if (range.trim() === '*') return true;
    const [from, to] = range.split('-').map((p) => Number(p.trim()));
    return from !== undefined && from <= 3389 && 3389 <= (to ?? from);
  };
  const everywhere = (prefix: string): boolean => ['*', 'internet', 'any', '0.0.0.0/0', '::/0'].includes(prefix.trim().toLowerCase());
  const ports = [...(rule.destinationPortRange ? [rule.destinationPortRange] : []), ...(rule.destinationPortRanges ?? [])];
  const sources = [...(rule.sourceAddressPrefix ? [rule.sourceAddressPrefix] : []), ...(rule.sourceAddressPrefixes ?? [])];
  return rule.access?.toLowerCase() === 'allow' && rule.direction?.toLowerCase() !== 'outbound' && ports.some(covers) && sources.some(everywhere);
}

async function deploy(body: unknown): Promise<Status> {
  const res = await post('deployments', body);
  expect(res.status, res.status === 202 ? '' : await res.text()).toBe(202);
  return waitDone(((await res.json()) as { id: string }).id);
}

/** Resources in a group by type: a re-run must never leave two of anything. */
async function inventory(rg: string): Promise<Record<string, number>> {
  const { compute, network } = testClients(cloud);
  const count = async (it: AsyncIterable<unknown>): Promise<number> => {
    let n = 0;
    for await (const _ of it) n++;
    return n;
  };
  const vmss = await count(compute.virtualMachineScaleSets.list(rg));
  return {
    scaleSets: vmss,
    instances: vmss ? await count(compute.virtualMachineScaleSetVMs.list(rg, 'vmss-friday')) : 0,
    publicIps: await count(network.publicIPAddresses.list(rg)),
    loadBalancers: await count(network.loadBalancers.list(rg)),
    nsgs: await count(network.networkSecurityGroups.list(rg)),
    vnets: await count(network.virtualNetworks.list(rg)),
    natGateways: await count(network.natGateways.list(rg)),
  };
}
const EXPECTED_INVENTORY = { scaleSets: 1, instances: 3, publicIps: 2, loadBalancers: 1, nsgs: 1, vnets: 1, natGateways: 1 };

beforeAll(async () => {
  cloud = await startLocalCloud({
    // Instant timing, not Azure's: this file's faults run on real time — the SDK's back-off after a
    // 5xx burst (1 + 2 + 4 s) and the event storm's 1000 loopback deliveries — which at a time scale
    // count N times over in Azure time (the storm's 2 s settle window would be 17 ms). Azure's time is
    // covered by longOperations.test.ts and runnerKill.test.ts beside this file.
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-reliability-')),
    // ARM requests time out after 5 s here (100 s by default), so an ARM call that never answers is
    // tested in seconds — yet answered ones never time out while nine fault cases run side by side.
    settings: { FRIDAY_PROBE_TIMEOUT_MS: '1500', FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: WEBHOOK_TOKEN, FRIDAY_ARM_REQUEST_TIMEOUT_SECONDS: '5' },
    runner: { log: (line) => logs.push(line), timers: 'manual' },
  });
  // The app loads its ARM clients on first use (cold start): one dry run loads them before the fault
  // cases start nine deployments at once, whose first ARM reads would otherwise wait on that load.
  const warm = await post('deployments', { ...spec('rg-rel-warm-up'), dryRun: true });
  expect(warm.status, await warm.clone().text()).toBe(200);
}, 60_000);

afterAll(async () => {
  if (cloud) recordObservedActions(cloud.emulator.requestLog.entries(), 'reliability-faults');
  await cloud?.close();
});

describe('faults, side by side', () => {
  // Each case's faults name its own resource group (a fault route matches the request path too) or
  // its own scale set (instance faults), so the cases run side by side: most of their time is waited in real time — the SDK's back-offs, an
  // ARM request timing out — which overlaps instead of adding up. Everything is counted per resource
  // group. The orchestration retries' durable timers are skipped by moving the runner's clock
  // forward only (never back while others run): another case's timer may fire early, which changes
  // none of its assertions (retry waits are read from the history as asked, see retryAttempts).
  afterAll(() => cloud.runner.setClock(new Date()));
  const scoped = (rg: string, type: string): string => `/resourceGroups/${rg}/providers/${type}/`;
  // Each case's tier in its own address space: the emulator reaches an instance's page through one
  // map from private IP to listener (not one per VNet), so tiers built side by side on the same
  // 10.0.1.0/24 would answer each other's probes — in Azure their VNets are apart.
  const apart = (rg: string, n: number, scaleSet: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...spec(rg, scaleSet),
    network: { ...(example.network as object), addressSpace: `10.${n}.0.0/16`, subnetPrefix: `10.${n}.1.0/24` },
  });
  const transient: Array<{ name: string; faults: (rg: string) => Array<Record<string, unknown>> }> = [
    { name: '429 burst with Retry-After', faults: (rg) => [{ route: scoped(rg, 'Microsoft.Network/networkSecurityGroups'), method: 'PUT', count: SOAK ? 6 : 3, status: 429, retryAfterSeconds: 1 }] },
    { name: '429 burst without Retry-After', faults: (rg) => [{ route: scoped(rg, 'Microsoft.Compute/virtualMachineScaleSets'), method: 'GET', count: SOAK ? 6 : 3, status: 429, omitRetryAfter: true }] },
    { name: '500 errors', faults: (rg) => [{ route: scoped(rg, 'Microsoft.Network/loadBalancers'), method: 'PUT', count: 2, status: 500 }] },
    { name: '503 errors', faults: (rg) => [{ route: scoped(rg, 'Microsoft.Network/virtualNetworks'), method: 'GET', count: 2, status: 503 }] },
    { name: 'timeouts (408)', faults: (rg) => [{ route: scoped(rg, 'Microsoft.Network/natGateways'), method: 'PUT', count: 2, status: 408 }] },
  ];
  for (const [i, c] of transient.entries()) {
    it.concurrent(`${c.name}: the deployment retries and succeeds, a re-run writes nothing, nothing is duplicated`, async () => {
      const rg = `rg-rel-transient-${i}`;
      const before = cloud.emulator.requestLog.lastSeq;
      const faults = c.faults(rg);
      for (const f of faults) cloud.emulator.faults.add(f);
      const body = apart(rg, 10 + i);
      const first = await deploy(body);
      expect(first.runtimeStatus, JSON.stringify(first.output)).toBe('Completed');
      expect((first.output as Report).outcome).toBe('succeeded');
      const injected = cloud.emulator.requestLog.entries({ since: before }).filter((e) => e.injected && inGroup(e.path, rg));
      expect(injected).toHaveLength(faults.reduce((n, f) => n + Number(f.count), 0)); // every fault really happened
      expectEachWriteOnce(before, rg);
      const again = await deploy(body);
      expect((again.output as Report).armWrites).toBe(0);
      expect(await inventory(rg)).toEqual(EXPECTED_INVENTORY);
    }, 180_000);
  }

  it.concurrent('a 503 burst longer than the SDK retries: the orchestration retries the step (2 s, then 4 s), the run succeeds, each write made once', async () => {
    const rg = 'rg-rel-orchestration-retry';
    const before = cloud.emulator.requestLog.lastSeq;
    // The SDK tries a request 4 times (3 retries): 8 faults fail two whole activity attempts.
    cloud.emulator.faults.add({ route: scoped(rg, 'Microsoft.Network/networkSecurityGroups'), method: 'PUT', count: 8, status: 503, retryAfterSeconds: 0 });
    const res = await post('deployments', apart(rg, 20));
    const id = ((await res.json()) as { id: string }).id;
    const done = await waitDone(id, 120_000, { skipRetryWaits: true });
    expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
    expect((done.output as Report).outcome).toBe('succeeded');
    expect(cloud.emulator.requestLog.entries({ since: before }).filter((e) => e.injected && inGroup(e.path, rg))).toHaveLength(8);
    const attempts = await retryAttempts(id, 'ensureTierStep');
    expect(attempts.failed).toBe(2);
    expect(attempts.waitsMs).toEqual([2000, 4000]);
    expectEachWriteOnce(before, rg);
    expect(await inventory(rg)).toEqual(EXPECTED_INVENTORY);
  }, 180_000);

  it.concurrent('a burst that outlasts every retry (5 attempts) ends the run Failed naming the step, the ARM error and what is in place; the re-run converges', async () => {
    const rg = 'rg-rel-retries-exhausted';
    const before = cloud.emulator.requestLog.lastSeq;
    cloud.emulator.faults.add({ route: scoped(rg, 'Microsoft.Network/loadBalancers'), method: 'PUT', count: 20, status: 503, retryAfterSeconds: 0 });
    const res = await post('deployments', apart(rg, 21));
    const id = ((await res.json()) as { id: string }).id;
    const failed = await waitDone(id, 120_000, { skipRetryWaits: true });
    expect(failed.runtimeStatus).toBe('Failed');
    expect(cloud.emulator.requestLog.entries({ since: before }).filter((e) => e.injected && inGroup(e.path, rg))).toHaveLength(20);
    const attempts = await retryAttempts(id, 'ensureTierStep');
    expect(attempts.failed).toBe(5);
    expect(attempts.waitsMs.slice(0, 4)).toEqual([2000, 4000, 8000, 16000]);
    const message = String(failed.output);
    expect(message).toContain("Step 'frontEnd' failed");
    expect(message).toContain('ServiceUnavailable');
    expect(message).toContain('after 5 attempts');
    expect(message).toMatch(/Already in place: .*nsg-vmss-friday/);
    expect(message).not.toMatch(/\bat .*\.js:\d+/); // a report, not a stack trace
    const again = await deploy(apart(rg, 21));
    expect(again.runtimeStatus, JSON.stringify(again.output)).toBe('Completed');
    expectEachWriteOnce(before, rg);
    expect(await inventory(rg)).toEqual(EXPECTED_INVENTORY);
  }, 180_000);

  it.concurrent('an ARM call that never answers is abandoned after the request timeout, retried, and ends the run Failed saying which request went unanswered', async () => {
    const rg = 'rg-rel-hang';
    const before = cloud.emulator.requestLog.lastSeq;
    cloud.emulator.faults.add({ route: scoped(rg, 'Microsoft.Network/loadBalancers'), method: 'PUT', count: 5, hang: true });
    const res = await post('deployments', apart(rg, 22));
    const id = ((await res.json()) as { id: string }).id;
    const failed = await waitDone(id, 120_000, { skipRetryWaits: true });
    expect(failed.runtimeStatus).toBe('Failed');
    const hung = cloud.emulator.requestLog.entries({ since: before }).filter((e) => e.injected && inGroup(e.path, rg));
    expect(hung.map((e) => `${e.method} ${e.status}`)).toEqual(Array(5).fill('PUT 0')); // five attempts, each one request left unanswered
    expect((await retryAttempts(id, 'ensureTierStep')).failed).toBe(5);
    const message = String(failed.output);
    expect(message).toContain("Step 'frontEnd' failed: ArmRequestTimeout");
    expect(message).toMatch(/ARM did not answer PUT \/subscriptions\/[^ ]+\/loadBalancers\/lb-vmss-friday within 5 s \(still failing after 5 attempts\)/);
    expect(message).toMatch(/Already in place: .*nsg-vmss-friday/);
  }, 180_000);

  it.concurrent('instances that hang, answer 500, name the wrong host or drop the connection: each verdict is right and the run never hangs', async () => {
    const rg = 'rg-rel-probes';
    // Its own scale set name: instance faults name a scale set, and the other cases' are vmss-friday.
    const deployed = await deploy(apart(rg, 23, { name: 'vmss-probes', capacity: 5 }));
    expect((deployed.output as Report).totals.passed).toBe(5);
    const faults = { '0': 'hang', '1': 'page500', '2': 'wrongHost', '3': 'close' } as const;
    for (const [instanceId, page] of Object.entries(faults)) cloud.emulator.faults.add({ instance: { vmss: 'vmss-probes', instanceId }, page });
    const res = await post('scalesets/vmss-probes/verify', { resourceGroup: rg });
    expect(res.status).toBe(202);
    const done = await waitDone(((await res.json()) as { id: string }).id, 120_000, { orchestrator: 'verifyScaleSet' });
    for (const instanceId of Object.keys(faults)) cloud.emulator.faults.add({ instance: { vmss: 'vmss-probes', instanceId }, page: null });
    const reasons = Object.fromEntries((done.output as Report).instances.map((i) => [i.instanceId, `${i.verdict}: ${i.reason}`]));
    expect(reasons['0']).toBe('fail: page: timed out after 1500 ms (2 attempts)');
    expect(reasons['1']).toBe('fail: page: HTTP 500');
    expect(reasons['2']).toMatch(/^fail: page: names \S+ instead of FRIDAY000002$/);
    expect(reasons['3']).toBe('fail: page: connection closed without an answer (2 attempts)');
    expect(reasons['4']).toMatch(/^pass: /);
  }, 120_000);
});

describe('ARM faults', () => {
  it('a long Compute throttle (Retry-After 600 s) is waited out on a durable timer, not asleep in an activity, then the run goes on: deploy, verify and scale runs', async () => {
    const rg = 'rg-rel-long-throttle';
    // Deploy: the scale set write throttled for 10 minutes (after the script's SAS was made: only the
    // runner's clock jumps below, and a SAS starting "in the future" would not open in Azurite).
    cloud.emulator.faults.add({ route: 'virtualMachineScaleSets/{vmScaleSetName}', method: 'PUT', count: 1, status: 429, retryAfterSeconds: 600 });
    const started = await post('deployments', spec(rg));
    const deployId = ((await started.json()) as { id: string }).id;
    let timer = await longTimerOf(cloud, deployId);
    expect(timer.waitMs).toBe(600_000); // the wait ARM asked for, from the orchestration's time
    // The status a user polls says the run is waiting out throttling, and until when — not hung.
    const waiting = (await (await fetch(`${cloud.baseUrl}/api/deployments/${deployId}`, { headers: { 'x-functions-key': cloud.functionKey } })).json()) as { progress: { step: string; message: string; throttled?: { activity: string; waitSeconds: number; retryAt: string } } };
    expect(waiting.progress.step).toBe('scaleSet');
    expect(waiting.progress.throttled).toMatchObject({ activity: 'ensureTierStep', waitSeconds: 600, retryAt: timer.FireAt });
    expect(waiting.progress.message).toContain('ARM is throttling: waiting 600 s');
    cloud.runner.setClock(new Date(Date.parse(timer.FireAt) + 1000));
    const deployed = await waitDone(deployId);
    cloud.runner.setClock(new Date());
    expect(deployed.runtimeStatus, JSON.stringify(deployed.output)).toBe('Completed');
    expect(JSON.stringify(deployed.customStatus)).not.toContain('throttled');
    expect((deployed.output as Report).outcome, JSON.stringify((deployed.output as Report).instances)).toBe('succeeded');
    expect(await inventory(rg)).toEqual(EXPECTED_INVENTORY);

    // Verification: the VM list (HighCostGetVMScaleSet) throttled for 10 minutes.
    cloud.emulator.faults.add({ route: '{virtualMachineScaleSetName}/virtualMachines', method: 'GET', count: 1, status: 429, retryAfterSeconds: 600 });
    const res = await post('scalesets/vmss-friday/verify', { resourceGroup: rg });
    expect(res.status).toBe(202);
    const verifyId = ((await res.json()) as { id: string }).id;
    timer = await longTimerOf(cloud, verifyId);
    expect(timer.waitMs).toBe(600_000); // the wait ARM asked for, from the orchestration's time
    expect((await status(verifyId))?.customStatus).toMatchObject({ step: 'probes', throttled: { activity: 'collectInstanceFacts', waitSeconds: 600, retryAt: timer.FireAt } });
    cloud.runner.setClock(new Date(Date.parse(timer.FireAt) + 1000));
    const verified = await waitDone(verifyId);
    cloud.runner.setClock(new Date());
    expect(verified.runtimeStatus, JSON.stringify(verified.output)).toBe('Completed');
    expect((verified.output as Report).totals).toEqual({ instances: 3, passed: 3, failed: 0 });

    // Scale: the capacity change's first call on the scale set throttled for 10 minutes.
    cloud.emulator.faults.add({ route: 'virtualMachineScaleSets/{vmScaleSetName}', count: 1, status: 429, retryAfterSeconds: 600 });
    const scaling = await post('scalesets/vmss-friday/scale', { resourceGroup: rg, capacity: 4 });
    expect(scaling.status).toBe(202);
    const scaleId = ((await scaling.json()) as { id: string }).id;
    timer = await longTimerOf(cloud, scaleId);
    expect(timer.waitMs).toBe(600_000);
    expect((await status(scaleId))?.customStatus).toMatchObject({ throttled: { activity: 'setCapacity', waitSeconds: 600, retryAt: timer.FireAt } });
    cloud.runner.setClock(new Date(Date.parse(timer.FireAt) + 1000));
    const scaled = await waitDone(scaleId);
    cloud.runner.setClock(new Date());
    expect(scaled.runtimeStatus, JSON.stringify(scaled.output)).toBe('Completed');
    expect(scaled.output).toMatchObject({ outcome: 'succeeded', before: 3, after: 4 });
  }, 180_000);

  it('a long-running operation ending Failed fails the run clearly; the re-run converges without duplicates', async () => {
    const rg = 'rg-rel-lro';
    cloud.emulator.faults.add({ failLro: 'virtualMachineScaleSets/{vmScaleSetName}', count: 1, code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.' });
    const failed = await deploy(spec(rg));
    expect(failed.runtimeStatus).toBe('Failed');
    const message = JSON.stringify(failed.output);
    expect(message).toContain("Step 'scaleSet' failed: AllocationFailed");
    expect(message).toContain('Already in place');
    const again = await deploy(spec(rg));
    expect(again.runtimeStatus).toBe('Completed');
    expect((again.output as Report).outcome, JSON.stringify((again.output as Report).instances)).toBe('succeeded');
    expect(await inventory(rg)).toEqual(EXPECTED_INVENTORY);
  }, 180_000);
});

describe('event storms', () => {
  it(`${SOAK ? 10_000 : 1000} duplicate and out-of-order events for one scale set, with a real change halfway, lead to one active run that ends verifying the latest state`, async () => {
    const rg = 'rg-rel-storm';
    const deployed = await deploy(spec(rg, { capacity: 2 }));
    expect(deployed.runtimeStatus, JSON.stringify(deployed.output)).toBe('Completed');
    const lockId = changeInstanceId({ subscriptionId: cloud.subscriptionId, resourceGroup: rg, scaleSetName: 'vmss-friday' });
    const subject = `/subscriptions/${cloud.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday`;
    const total = SOAK ? 10_000 : 1000;
    const events = Array.from({ length: total }, (_, i) => ({
      // 50 distinct events, each delivered 20 times, in shuffled order, with times going backwards.
      id: `storm-${i % 50}`,
      topic: `/subscriptions/${cloud.subscriptionId}/resourceGroups/${rg}`,
      subject: i % 7 === 0 ? `${subject}/virtualMachines/${i % 2}` : subject,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      eventTime: new Date(Date.UTC(2026, 10, 25, 12, 0, 0) - (i % 50) * 1000).toISOString(),
      data: { operationName: 'Microsoft.Compute/virtualMachineScaleSets/write', status: 'Succeeded' },
      dataVersion: '2',
    }));
    for (let i = events.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [events[i], events[j]] = [events[j] as (typeof events)[number], events[i] as (typeof events)[number]];
    }
    const endpoint = `${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`;
    const activeSeen = new Set<number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const list = (await (await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances?runtimeStatus=Running,Pending&code=${cloud.masterKey}`)).json()) as Array<{ instanceId: string; name: string }>;
        // Change runs only: verifications inside a run and the hand-over waiter (which only waits for the lock) are not changes.
        activeSeen.add(list.filter((s) => s.instanceId.includes(rg) && !s.instanceId.startsWith('friday-handover-') && !/-(verify|v\d+-\d+|s\d+)$/.test(s.instanceId)).length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Event Grid delivers in batches; ten deliveries at a time in flight. Halfway, the scale set
    // really changes (autoscale adds an instance) and that write's own event joins the storm.
    const batches: Array<typeof events> = [];
    for (let i = 0; i < events.length; i += 10) batches.push(events.slice(i, i + 10));
    for (let i = 0; i < batches.length; i += 10) {
      if (i === Math.floor(batches.length / 20) * 10) {
        const scaled = await fetch(`${cloud.emulator.adminUrl}/autoscale`, { method: 'POST', body: JSON.stringify({ resourceGroup: rg, scaleSet: 'vmss-friday', delta: 1 }) });
        expect(await scaled.json()).toMatchObject({ oldCapacity: 2, newCapacity: 3 });
        for (const b of batches.slice(i, i + 10)) b.push({ ...(events[0] as (typeof events)[number]), id: 'storm-scale-out', subject, eventTime: new Date().toISOString() });
      }
      const answers = await Promise.all(batches.slice(i, i + 10).map((b) => fetch(endpoint, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify(b) })));
      expect(answers.every((a) => a.status === 202 || a.status === 200)).toBe(true);
    }
    // Settled: the run and any hand-over of events kept meanwhile have ended, and nothing is queued.
    let done = await waitDone(lockId, 120_000);
    for (;;) {
      await cloud.runner.durableIdle();
      const running = (await (await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances?runtimeStatus=Running,Pending&code=${cloud.masterKey}`)).json()) as Array<{ instanceId: string }>;
      if (!running.some((r) => r.instanceId.includes(rg))) break;
      done = await waitDone(lockId, 120_000);
    }
    done = (await status(lockId)) ?? done;
    sampling = false;
    await sampler;
    expect(done.runtimeStatus).toBe('Completed');
    expect(activeSeen.has(1)).toBe(true); // the sampler saw the run (an empty sample proves nothing)
    expect(Math.max(...activeSeen)).toBeLessThanOrEqual(1); // never two runs on the scale set at once
    const out = done.output as { kind: string; rounds: number; failing: unknown[]; verified: string[] };
    expect(out.kind).toBe('watch');
    expect(out.failing).toEqual([]);
    // It always ends verifying the latest state: every instance there is now, the new one included.
    const now: string[] = [];
    for await (const vm of testClients(cloud).compute.virtualMachineScaleSetVMs.list(rg, 'vmss-friday')) now.push(vm.instanceId ?? '');
    expect(now).toHaveLength(3);
    expect([...out.verified].sort()).toEqual(now.sort());
    // Bursts collapse into rechecks of the one run: a handful of rounds, not one per event.
    expect(out.rounds).toBeLessThan(20);
  }, 240_000);
});

describe('bad input', () => {
  const deployments: Array<[string, unknown, string[]]> = [
    ['empty object', {}, ['resourceGroup', 'scaleSet']],
    ['capacity out of range and bad VM size', spec('rg-x', { capacity: 5000, vmSize: 'huge' }), ['scaleSet.capacity', 'scaleSet.vmSize']],
    ['bad zones and prefix', spec('rg-x', { zones: ['4'], computerNamePrefix: '1-too-long-prefix' }), ['scaleSet.zones', 'scaleSet.computerNamePrefix']],
    ['RDP from anywhere without saying so', { ...spec('rg-x'), rdp: { sourcePrefix: '*' } }, ['rdp.sourcePrefix']],
    ['unknown field', { ...spec('rg-x'), colour: 'blue' }, ['colour']],
    ['bad address space', { ...spec('rg-x'), network: { ...(example.network as object), subnetPrefix: '10.9.0.0/24' } }, ['network']],
  ];
  for (const [name, body, fields] of deployments) {
    it(`deployment spec: ${name} → 400 naming ${fields.join(', ')}`, async () => {
      const res = await post('deployments', body);
      expect(res.status).toBe(400);
      const problems = ((await res.json()) as { problems: string[] }).problems.join('\n');
      for (const f of fields) expect(problems).toContain(f);
    });
  }

  it('malformed bodies, schedules and events each get a clear error and change nothing', async () => {
    const before = cloud.emulator.requestLog.lastSeq;
    const cases: Array<[string, Promise<Response>, number, RegExp]> = [
      ['not JSON', post('deployments', '{oops'), 400, /not valid JSON/],
      ['empty body', post('deployments', ''), 400, /JSON body is required/],
      ['scale without capacity', post('scalesets/vmss-friday/scale', { resourceGroup: 'rg-x' }), 400, /capacity/],
      ['negative capacity', post('scalesets/vmss-friday/scale', { resourceGroup: 'rg-x', capacity: -1 }), 400, /capacity/],
      ['evaluate with a bad flag', post('schedules/evaluate', { dryRun: 'yes' }), 400, /dryRun/],
      ['schedule view at a bad time', fetch(`${cloud.baseUrl}/api/schedules?at=tomorrow&code=${cloud.functionKey}`), 400, /ISO date-time/],
      ['schedule document while none is in blob', fetch(`${cloud.baseUrl}/api/schedules?code=${cloud.functionKey}`, { method: 'PUT', body: '{"scaleSets":[]}' }), 400, /FRIDAY_SCHEDULES_BLOB/],
      ['Event Grid event without fields', fetch(`${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: '[{"hello":"world"}]' }), 400, /./],
      ['autoscale webhook with an unknown operation', fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${WEBHOOK_TOKEN}`, { method: 'POST', body: '{"operation":"Scale Sideways","context":{}}' }), 400, /./],
    ];
    for (const [name, pending, code, pattern] of cases) {
      const res = await pending;
      const text = await res.text();
      expect(res.status, name).toBe(code);
      expect(text, name).toMatch(pattern);
      expect(text, name).not.toMatch(/\bat .*\.js:\d+/); // no stack traces
    }
    expect(cloud.emulator.requestLog.entries({ since: before, writesOnly: true })).toEqual([]);
  });
});

describe('security', () => {
  it('refuses every keyed function without a key (and with a wrong one)', async () => {
    // (The fleet page itself is a shell with no data: it needs no key. Its data and reports need the viewer key.)
    const routes = ['deployments', 'deployments/x', 'scalesets/vmss-friday/scale', 'scalesets/vmss-friday/verify', 'schedules', 'schedules/evaluate', 'fleet/data', 'fleet/reports/a/b/c.json'];
    for (const route of routes) {
      for (const key of [undefined, 'wrong-key']) {
        const res = await fetch(`${cloud.baseUrl}/api/${route}`, { method: route.endsWith('scale') || route.endsWith('verify') || route.endsWith('evaluate') || route === 'deployments' ? 'POST' : 'GET', headers: key ? { 'x-functions-key': key } : {}, body: route.endsWith('scale') || route.endsWith('verify') || route.endsWith('evaluate') || route === 'deployments' ? '{}' : undefined });
        expect(res.status, `${route} key=${String(key)}`).toBe(401);
      }
    }
    expect((await fetch(`${cloud.baseUrl}/api/autoscale-webhook`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(`${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents`, { method: 'POST', body: '[]' })).status).toBe(401);
    expect((await fetch(`${cloud.baseUrl}/api/health`)).status).toBe(200);
  });

  it('never opens RDP to the internet by default', async () => {
    const rg = 'rg-rel-rdp-default';
    expect((await deploy(spec(rg))).runtimeStatus).toBe('Completed');
    const rules = await securityRules(rg);
    // Exactly the web rules, and no RDP rule at all (no source prefix is configured); the check below
    // sees real rules, not an empty list.
    expect(rules.map((r) => `${r.name ?? ''}: ${r.access ?? ''} ${r.direction ?? ''} ${r.destinationPortRange ?? ''} from ${r.sourceAddressPrefix ?? ''}`)).toEqual(['allow-http: Allow Inbound 80 from Internet', 'allow-https: Allow Inbound 443 from Internet']);
    expect(rules.filter(opensRdpToInternet)).toEqual([]);
  });

  it('the RDP check itself sees every way a rule can open 3389 (*, ranges, port lists, source lists)', () => {
    const allow = { access: 'Allow', direction: 'Inbound', sourceAddressPrefix: '*' };
    for (const rule of [
      { ...allow, destinationPortRange: '3389' },
      { ...allow, destinationPortRange: '*' },
      { ...allow, destinationPortRange: '3389-3389' },
      { ...allow, destinationPortRange: '3000-4000' },
      { ...allow, destinationPortRanges: ['80', '3389'] },
      { ...allow, destinationPortRanges: ['3380-3390'] },
      { ...allow, sourceAddressPrefix: 'Internet', destinationPortRange: '3389' },
      { ...allow, sourceAddressPrefix: '0.0.0.0/0', destinationPortRange: '3389' },
      { ...allow, sourceAddressPrefix: undefined, sourceAddressPrefixes: ['10.0.0.0/8', '0.0.0.0/0'], destinationPortRange: '3389' },
    ]) expect(opensRdpToInternet(rule), JSON.stringify(rule)).toBe(true);
    for (const rule of [
      { ...allow, destinationPortRange: '80' },
      { ...allow, destinationPortRange: '3390-4000' },
      { ...allow, access: 'Deny', destinationPortRange: '3389' },
      { ...allow, direction: 'Outbound', destinationPortRange: '3389' },
      { ...allow, sourceAddressPrefix: '203.0.113.0/24', destinationPortRange: '3389' },
    ]) expect(opensRdpToInternet(rule), JSON.stringify(rule)).toBe(false);
  });

  it("FRIDAY_RDP_SOURCE_PREFIX='*' alone never opens RDP: the app refuses the setting, naming it, and writes nothing", async () => {
    const runner = await startRunnerProcess({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-rdp-star-')), settings: { ...cloud.settings, FRIDAY_RDP_SOURCE_PREFIX: '*' } });
    const output: string[] = [];
    runner.child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    runner.child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    try {
      const rg = 'rg-rel-rdp-star';
      const before = cloud.emulator.requestLog.lastSeq;
      const started = await fetch(`${runner.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': runner.functionKey }, body: JSON.stringify(spec(rg)) });
      expect(started.status).toBe(500);
      await new Promise((r) => setImmediate(r));
      expect(output.join('')).toContain("FRIDAY_RDP_SOURCE_PREFIX: '*' opens RDP to the whole internet");
      // Nothing started, nothing written: the runner knows no run, and ARM saw no write.
      const runs = (await (await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances?code=${runner.masterKey}`)).json()) as unknown[];
      expect(runs).toEqual([]);
      expect(cloud.emulator.requestLog.entries({ since: before, writesOnly: true })).toEqual([]);
    } finally {
      await killRunner(runner);
    }
  }, 180_000);

  it('keeps secrets out of logs, statuses, reports and the request log', async () => {
    // (No admin password is configured: each scale set gets a generated one nobody keeps; no value of one may show.)
    const secrets = [cloud.viewerKey, WEBHOOK_TOKEN, /AccountKey=([^;]+)/.exec(cloud.settings.FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING ?? '')?.[1]].filter((s): s is string => Boolean(s));
    expect(secrets).toHaveLength(3);
    const statuses = await (await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances?code=${cloud.masterKey}`)).text();
    const viewer = { 'x-friday-viewer-key': cloud.viewerKey };
    const fleet = await (await fetch(`${cloud.baseUrl}/api/fleet/data?fresh=1`, { headers: viewer })).text();
    const reportLinks = [...fleet.matchAll(/"reportUrl":"([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(reportLinks.length).toBeGreaterThan(3);
    const reports = await Promise.all(reportLinks.map(async (l) => (await fetch(`${cloud.baseUrl}/api/${l}`, { headers: viewer })).text()));
    const requestLog = JSON.stringify(cloud.emulator.requestLog.entries());
    const haystacks: Array<[string, string]> = [['runner log', logs.join('\n')], ['orchestration statuses', statuses], ['fleet data', fleet], ['run reports', reports.join('\n')], ['request log', requestLog]];
    for (const [where, text] of haystacks) {
      for (const secret of secrets) expect(text.includes(secret), `${where} contains a secret`).toBe(false);
      expect(/[?&]sig=(?!<redacted>)[A-Za-z0-9%]{10,}/.test(text), `${where} contains a SAS signature`).toBe(false);
      expect(/adminPassword\W{1,4}(?!<redacted>)[^"\s,}]{4,}/.test(text), `${where} contains an admin password`).toBe(false);
    }
  });
});
