/**
 * No request fails during a change, on Azure's timing (core/timingProfile.ts: instances take Azure
 * minutes to provision, the front end probes on its definition's 5 s interval, both on a clock
 * running an Azure minute per real second): while a prober opens a new connection to the front end
 * every 50 ms, a scheduled resize of a capacity-1 tier, a resize of a 3-instance zonal tier, a
 * scheduled scale-in from 4 to 1 and a repair that reimages then replaces an instance lose no
 * request, and each tier ends on what was asked with every instance passing. The emulator's front end really drops a member whose probe fails and breaks
 * flows to a deleted instance (test/emulator/frontEndProxy.test.ts, loadBalancerRotation.test.ts),
 * so the zero is earned.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients } from '../support/armTestClients';
import { recordObservedActions } from '../support/observedActions';
import { changeInstanceId } from '../../src/domain/changeLock';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const VMSS = 'vmss-friday';
const EVALUATION_ID = 'friday-schedule-evaluation';
let cloud: LocalCloudHandle;

interface Status {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}
interface RunReport {
  outcome: string;
  steps: Array<{ field: string; status: string; detail: string }>;
  instances: Array<{ instanceId: string; vmSize: string; verdict: string; zone: string | null }>;
  availability: { method: string; minInRotation: number; frontEnd: { verdict: string; reason: string } | null; notes: string[] };
}

const api = (route: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${cloud.baseUrl}/api/${route}`, { ...init, headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function waitDone(instanceId: string, timeoutMs = 240_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${instanceId}?code=${cloud.masterKey}`);
    const s = (await res.json()) as Status;
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`${instanceId} still ${s.runtimeStatus}: ${JSON.stringify(s.customStatus)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface WatchOutput {
  actions: Array<{ instanceId: string; action: string; result: string }>;
  failing: Array<{ instanceId: string; reason: string }>;
}

/** The watch run (on the scale set's lock id) that handled `eventId`. */
async function waitForWatch(resourceGroup: string, eventId: string, timeoutMs = 240_000): Promise<WatchOutput> {
  const lockId = changeInstanceId({ subscriptionId: cloud.subscriptionId, resourceGroup, scaleSetName: VMSS });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${lockId}?code=${cloud.masterKey}`);
    const s = res.status === 404 ? undefined : ((await res.json()) as Status & { name: string });
    const events = (s?.output as { events?: Array<{ eventId: string }> } | null)?.events ?? [];
    if (s && ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus) && s.name === 'watchScaleSet' && events.some((e) => e.eventId === eventId)) {
      expect(s.runtimeStatus, JSON.stringify(s.output)).toBe('Completed');
      return s.output as WatchOutput;
    }
    if (Date.now() > deadline) throw new Error(`no watch handled ${eventId}: ${JSON.stringify(s?.customStatus)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Each tier in its own address space: the emulator's address map is one flat space, as a peered network would be. */
async function deploy(resourceGroup: string, octet: number, scaleSet: Record<string, unknown>): Promise<string> {
  const network = { ...(example.network as Record<string, unknown>), addressSpace: `10.${octet}.0.0/16`, subnetPrefix: `10.${octet}.1.0/24` };
  const res = await api('deployments', { method: 'POST', body: JSON.stringify({ ...example, resourceGroup, network, scaleSet: { ...example.scaleSet, overprovision: false, ...scaleSet } }) });
  expect(res.status).toBe(202);
  const done = (await waitDone(((await res.json()) as { id: string }).id)).output as { outcome: string; publicFrontEndUrl: string };
  expect(done.outcome, JSON.stringify(done).slice(0, 1500)).toBe('succeeded');
  const address = new URL(done.publicFrontEndUrl).host;
  const map = (await (await fetch(`${cloud.emulator.adminUrl}/address-map`)).json()) as Record<string, string>;
  const local = map[`${address}:80`];
  if (!local) throw new Error(`front end ${address} not in the address map`);
  return local;
}

/** A new connection to the front end every 50 ms, each request judged: 200 with a FRIDAY page, or a failure. */
function startProber(front: string): { stop: () => Promise<{ requests: number; failures: string[]; hosts: Set<string>; ms: number }> } {
  const failures: string[] = [];
  const hosts = new Set<string>();
  let requests = 0;
  const t0 = Date.now();
  const inFlight = new Set<Promise<void>>();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      requests++;
      const [host, port] = front.split(':');
      const req = request({ host, port: Number(port), path: '/', agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          const name = /Running FRIDAY Web Service from host (\S+) !/.exec(body)?.[1];
          if (res.statusCode === 200 && name) hosts.add(name);
          else failures.push(`+${Date.now() - t0} ms HTTP ${res.statusCode ?? '?'}: ${body.slice(0, 60)}`);
          resolve();
        });
        res.on('error', (e) => {
          failures.push(`response: ${e.message}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => {
        failures.push(`connection: ${e.message}`);
        resolve();
      });
      req.end();
    });
  const timer = setInterval(() => {
    const p = one();
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  }, 50);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return { requests, failures, hosts, ms: Date.now() - t0 };
    },
  };
}

/** Not one request failed; on failure, the first and last few are shown with how many were made. */
function expectNoFailedRequests(seen: { requests: number; failures: string[]; ms: number }): void {
  expect(seen.failures, JSON.stringify({ failures: [...seen.failures.slice(0, 4), ...seen.failures.slice(-2)], requests: seen.requests, ms: seen.ms })).toEqual([]);
}

async function putSchedule(entries: Array<Record<string, unknown>>): Promise<void> {
  const res = await api('schedules', { method: 'PUT', body: JSON.stringify({ scaleSets: entries }) });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Fires the production schedule timer at an instant and returns the change run it started. */
async function tickAt(iso: string, resourceGroup: string): Promise<RunReport> {
  await cloud.runner.fireTimer('scheduleTimer', new Date(iso));
  const evaluation = (await waitDone(EVALUATION_ID)).output as { scaleSets: Array<{ resourceGroup: string; action: string; reason: string; changeInstanceId?: string }> };
  const mine = evaluation.scaleSets.find((s) => s.resourceGroup === resourceGroup);
  expect(mine?.action, JSON.stringify(evaluation)).toBe('started');
  const run = await waitDone(mine?.changeInstanceId ?? '');
  expect(run.runtimeStatus, JSON.stringify(run.output).slice(0, 2000)).toBe('Completed');
  return run.output as RunReport;
}

async function sizes(resourceGroup: string): Promise<Array<{ vmSize: string; zone: string }>> {
  const out: Array<{ vmSize: string; zone: string }> = [];
  for await (const vm of testClients(cloud).compute.virtualMachineScaleSetVMs.list(resourceGroup, VMSS)) out.push({ vmSize: vm.hardwareProfile?.vmSize ?? '', zone: vm.zones?.[0] ?? '' });
  return out;
}

const entry = (resourceGroup: string, target: Record<string, unknown>): Record<string, unknown> => ({
  resourceGroup,
  name: VMSS,
  timeZone: 'UTC',
  periods: [{ name: 'night', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '20:00', end: '23:00', target }],
  resize: { maxBatchInstancePercent: 34 },
});

const RG_ONE = 'rg-e2e-surge-one';
const RG_ZONAL = 'rg-e2e-surge-zonal';
const RG_SCALE_IN = 'rg-e2e-drained-scale-in';
const fronts: Record<string, string> = {};

beforeAll(async () => {
  cloud = await startLocalCloud({
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-surge-')),
    settings: { FRIDAY_SCHEDULES_BLOB: 'friday-schedules.json' },
    runner: { log: () => undefined, timers: 'manual' },
    emulator: azureTime(),
  });
  fronts[RG_ONE] = await deploy(RG_ONE, 11, { capacity: 1, zones: [] });
  fronts[RG_ZONAL] = await deploy(RG_ZONAL, 12, { capacity: 3 });
  fronts[RG_SCALE_IN] = await deploy(RG_SCALE_IN, 13, { capacity: 4 });
}, 300_000);

afterAll(async () => {
  if (cloud) recordObservedActions(cloud.emulator.requestLog.entries(), 'e2e-no-failed-requests');
  await cloud?.close();
});

describe('no request fails during a change (Azure timing, a new connection every 50 ms)', () => {
  it('resizes a capacity-1 tier: the new instance serves before the old one is drained and deleted', async () => {
    await putSchedule([entry(RG_ONE, { vmSize: 'Standard_B2s' })]);
    const prober = startProber(fronts[RG_ONE] ?? '');
    const run = await tickAt('2026-12-01T20:05:00Z', RG_ONE);
    const seen = await prober.stop();
    expect(run.outcome, JSON.stringify(run.steps)).toBe('succeeded');
    expectNoFailedRequests(seen);
    expect(seen.requests).toBeGreaterThan(20);
    expect(seen.hosts.size).toBe(2); // the old instance, then the new one
    expect(run.availability).toMatchObject({ method: 'surge', minInRotation: 1, frontEnd: { verdict: 'pass' } });
    expect(run.instances.map((i) => [i.vmSize, i.verdict])).toEqual([['Standard_B2s', 'pass']]);
    expect((await sizes(RG_ONE)).map((s) => s.vmSize)).toEqual(['Standard_B2s']);
  }, 240_000);

  it('resizes a 3-instance zonal tier batch by batch, ending balanced over its zones', async () => {
    await putSchedule([entry(RG_ZONAL, { vmSize: 'Standard_B2s' })]);
    const prober = startProber(fronts[RG_ZONAL] ?? '');
    const run = await tickAt('2026-12-02T20:05:00Z', RG_ZONAL);
    const seen = await prober.stop();
    expect(run.outcome, JSON.stringify(run.steps)).toBe('succeeded');
    expectNoFailedRequests(seen);
    expect(run.availability).toMatchObject({ method: 'surge', minInRotation: 3, frontEnd: { verdict: 'pass' } });
    expect(run.instances).toHaveLength(3);
    expect(run.instances.every((i) => i.vmSize === 'Standard_B2s' && i.verdict === 'pass')).toBe(true);
    const now = await sizes(RG_ZONAL);
    expect(now.map((s) => s.vmSize)).toEqual(Array(3).fill('Standard_B2s'));
    expect(now.map((s) => s.zone).sort()).toEqual(['1', '2', '3']);
  }, 240_000);

  it('scales in from 4 to 1 on schedule: each removed instance is drained out of rotation first', async () => {
    await putSchedule([entry(RG_SCALE_IN, { capacity: 1 })]);
    const prober = startProber(fronts[RG_SCALE_IN] ?? '');
    const run = await tickAt('2026-12-03T20:05:00Z', RG_SCALE_IN);
    const seen = await prober.stop();
    expect(run.outcome, JSON.stringify(run.steps)).toBe('succeeded');
    expectNoFailedRequests(seen);
    expect(seen.hosts.size).toBe(4);
    expect(run.availability).toMatchObject({ method: 'drained', minInRotation: 1, frontEnd: { verdict: 'pass' } });
    expect(run.steps[0]?.detail).toMatch(/3 instance\(s\) drained out of rotation, then deleted/);
    expect((await sizes(RG_SCALE_IN))).toHaveLength(1);
  }, 240_000);

  it('repairs an instance whose page is wrong (reimage, then replace): it leaves the rotation before each restart and delete', async () => {
    // The zonal tier of the resize above: three B2s instances, all passing. One starts serving the
    // page under another host name — HTTP 200, so the front end's probe keeps it in rotation (the
    // case where only the drain protects users); the app's verification fails it. The fault stays
    // through a reimage, so the repair goes on to replace it.
    const ids: string[] = [];
    for await (const vm of testClients(cloud).compute.virtualMachineScaleSetVMs.list(RG_ZONAL, VMSS)) ids.push(vm.instanceId ?? '');
    expect(ids).toHaveLength(3);
    const broken = ids.sort((a, b) => Number(a) - Number(b))[0] ?? '';
    cloud.emulator.faults.add({ instance: { vmss: VMSS, instanceId: broken }, page: 'wrongHost' });
    const logStart = cloud.emulator.requestLog.lastSeq;
    const prober = startProber(fronts[RG_ZONAL] ?? '');
    const eventId = `repair-${Date.now()}`;
    const subject = `/subscriptions/${cloud.subscriptionId}/resourceGroups/${RG_ZONAL}/providers/Microsoft.Compute/virtualMachineScaleSets/${VMSS}`;
    const posted = await fetch(`${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([{ id: eventId, topic: `/subscriptions/${cloud.subscriptionId}/resourceGroups/${RG_ZONAL}`, subject, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), data: {}, dataVersion: '2' }]),
    });
    expect(posted.status).toBeLessThan(300);
    const watch = await waitForWatch(RG_ZONAL, eventId);
    const seen = await prober.stop();
    cloud.emulator.faults.add({ instance: { vmss: VMSS, instanceId: broken }, page: null });

    const mine = watch.actions.filter((a) => a.instanceId === broken).map((a) => `${a.action}:${a.result.split(':')[0] ?? ''}`);
    expect(mine, JSON.stringify(watch.actions)).toEqual(['verify:fail', 'verify:fail (look 2 of 3)', 'verify:fail (look 3 of 3)', 'reimage:fail']);
    const replaced = watch.actions.filter((a) => a.action === 'replace');
    expect(replaced.map((a) => a.result), JSON.stringify(watch.actions)).toEqual([expect.stringMatching(new RegExp(`^pass \\(replaces ${broken}\\)`)) as unknown]);
    expect(watch.failing).toEqual([]);
    // The broken instance was in rotation (the prober met its page), and yet nothing failed.
    expect(seen.hosts.has('SOMEOTHERHOST')).toBe(true);
    expectNoFailedRequests(seen);
    // Each restart and delete came after the instance left the backend pool; the reimaged one came back into it.
    const log = cloud.emulator.requestLog.entries({ since: logStart }).filter((e) => e.status < 400 && e.path.toLowerCase().includes(`/resourcegroups/${RG_ZONAL}/`));
    const order = log
      .map((e) => (/\/reimage$/i.test(e.template) ? 'reimage' : /\/delete$/i.test(e.template) ? 'delete' : e.method === 'PUT' && /virtualMachines\/\{instanceId\}$/.test(e.template) ? 'pool' : ''))
      .filter(Boolean);
    expect(order).toEqual(['pool', 'reimage', 'pool', 'pool', 'delete']);
    const now = await sizes(RG_ZONAL);
    expect(now).toHaveLength(3);
  }, 240_000);
});
