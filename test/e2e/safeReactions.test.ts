/**
 * Safe reactions end to end, on Azure's timing (instances take minutes to provision and set up;
 * the local cloud runs one Azure minute per real second, runner timers included) with
 * overprovisioning on:
 * - two scale-outs through ARM back to back and an autoscale notification during a schedule
 *   resize: no vanished extra is ever a failure, nothing is repaired or upgraded that is being
 *   created, deleted or has vanished, every new instance is verified once ready, and every event
 *   delivered is accounted for in a run's report;
 * - a schedule change that finds the lock held is recorded as a run (`deferred`, naming the holder);
 * - two scale sets whose names collided under the old lock scheme are locked and recorded apart;
 * - a scale set without friday-fleet's mark gets no ARM write from any event, even when the mark
 *   disappears while its watch is already running.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { changeInstanceId, handOverInstanceId } from '../../src/domain/changeLock';
import { testClients } from '../support/armTestClients';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const TOKEN = 'safe-reactions-webhook-token-0123';
const RG = 'rg-e2e-safe';
const VMSS = 'vmss-friday';
let cloud: LocalCloudHandle;

interface Status {
  name: string;
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}
interface Verdict {
  instanceId: string;
  verdict: string;
  reason: string;
}
interface RecordDoc {
  runId: string;
  kind: string;
  outcome: string;
  summary: string;
  report: {
    instances?: Verdict[];
    actions?: Array<{ instanceId: string; action: string; result: string }>;
    events?: Array<{ eventId: string; reason: string }>;
    heldBy?: { name: string; instanceId: string };
    verification?: { instances?: Verdict[] };
    batches?: Array<{ instanceIds: string[] }>;
    lastReport?: { instances?: Verdict[] };
  } | null;
}

const api = (route: string, init: RequestInit = {}): Promise<Response> =>
  // The function key for the operator's routes; the read-only viewer key for the fleet page's data.
  fetch(`${cloud.baseUrl}/api/${route}`, { ...init, headers: { 'x-functions-key': cloud.functionKey, 'x-friday-viewer-key': cloud.viewerKey, 'content-type': 'application/json', ...(init.headers ?? {}) } });
const lockOf = (resourceGroup: string, scaleSetName = VMSS): string => changeInstanceId({ subscriptionId: cloud.subscriptionId, resourceGroup, scaleSetName });

async function status(id: string): Promise<Status | undefined> {
  const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}`);
  return res.status === 404 ? undefined : ((await res.json()) as Status);
}
const ended = (s: Status | undefined): boolean => !s || ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Until every delivery is done, and neither the lock's run nor the hand-over waiter runs — twice in a row. */
async function settled(resourceGroup: string): Promise<void> {
  let quiet = 0;
  await waitFor(`${resourceGroup} to settle`, async () => {
    await cloud.emulator.delivery.idle();
    const [lock, handOver] = await Promise.all([status(lockOf(resourceGroup)), status(handOverInstanceId({ subscriptionId: cloud.subscriptionId, resourceGroup, scaleSetName: VMSS }))]);
    quiet = ended(lock) && ended(handOver) ? quiet + 1 : 0;
    if (quiet < 3) await new Promise((r) => setTimeout(r, 300));
    return quiet >= 3 ? true : undefined;
  });
}

async function deploy(resourceGroup: string, scaleSet: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await api('deployments', { method: 'POST', body: JSON.stringify({ ...example, ...extra, resourceGroup, scaleSet: { ...example.scaleSet, ...scaleSet } }) });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { id: string }).id;
  const done = await waitFor('deployment', async () => { const s = await status(id); return ended(s) ? s : undefined; });
  expect((done?.output as { outcome?: string } | null)?.outcome, JSON.stringify(done?.output).slice(0, 1500)).toBe('succeeded');
}

/** Every run record kept for a scale set (what the fleet page links to). */
async function records(resourceGroup: string, scaleSet = VMSS): Promise<RecordDoc[]> {
  const container = BlobServiceClient.fromConnectionString(cloud.settings.FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING ?? '').getContainerClient('friday-reports');
  const out: RecordDoc[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: `${resourceGroup}/${scaleSet}/` })) {
    if (blob.name.endsWith('.verdicts.json')) continue;
    out.push(JSON.parse((await container.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8')) as RecordDoc);
  }
  return out;
}

/**
 * Every verdict any run reported, with the run it came from: final verdicts, and each look a watch
 * took on the way (its actions: `<verdict>[ (look n of m)]: <reason>`), so a failure reported
 * early and passing later still counts.
 */
function verdictsIn(docs: RecordDoc[]): Array<Verdict & { run: string }> {
  const looks = (d: RecordDoc): Verdict[] =>
    (d.report?.actions ?? []).filter((a) => a.action === 'verify').map((a) => ({ instanceId: a.instanceId, verdict: /^(pass|fail|gone)/.exec(a.result)?.[1] ?? a.result, reason: a.result }));
  return docs.flatMap((d) => [...(d.report?.instances ?? []), ...(d.report?.verification?.instances ?? []), ...(d.report?.lastReport?.instances ?? []), ...looks(d)].map((v) => ({ ...v, run: `${d.kind}:${d.runId}` })));
}

async function instanceIds(resourceGroup: string): Promise<string[]> {
  const out: string[] = [];
  for await (const vm of testClients(cloud).compute.virtualMachineScaleSetVMs.list(resourceGroup, VMSS)) out.push(vm.instanceId ?? '');
  return out.sort((a, b) => Number(a) - Number(b));
}

beforeAll(async () => {
  cloud = await startLocalCloud({
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-safe-')),
    emulator: { ...azureTime() },
    runner: { log: (l) => { if (process.env.RUNNER_DEBUG) console.log(l); }, timers: 'manual' },
    // Failures are confirmed over three looks five Azure minutes apart (ten real seconds in all).
    // Instances read the setup script with their identity, as in Azure (infra/): nothing in the model
    // expires, so instances added much later (in Azure time) still set themselves up.
    settings: {
      FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: TOKEN,
      FRIDAY_SCHEDULES_BLOB: 'friday-schedules.json',
      FRIDAY_REPAIR_CONFIRM_SECONDS: '300',
      FRIDAY_SCRIPT_ACCESS: 'managedIdentity',
      FRIDAY_INSTANCE_IDENTITY_ID: '/subscriptions/00000000-0000-0000-0000-00000000f41d/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-friday-instances',
      FRIDAY_INSTANCE_IDENTITY_CLIENT_ID: '6f1c4a2e-0d7b-4c55-9a3e-2b8f1e0c7d91',
    },
  });
}, 60_000);

afterAll(async () => {
  await cloud?.close();
});

describe('safe reactions on Azure timing', () => {
  it('back-to-back scale-outs with overprovisioning and autoscale during a schedule resize: no vanished extra fails, nothing acts on what is coming or going, every new instance is verified once ready, every event is accounted for', async () => {
    await deploy(RG, { capacity: 2, overprovision: true, zones: ['1', '2', '3'] }, { autoscale: { minimum: 1, maximum: 10, default: 2 } });
    const endpoint = `${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`;
    const sub = await fetch(`${cloud.emulator.adminUrl}/event-subscriptions`, { method: 'POST', body: JSON.stringify({ endpoint, duplicates: true, reorder: true, subjectContains: `/resourceGroups/${RG}/` }) });
    expect(await sub.json()).toMatchObject({ validated: true });
    const autoscaleSetting = await testClients(cloud).compute.virtualMachineScaleSets.get(RG, VMSS);
    expect(autoscaleSetting.tags).toMatchObject({ 'managed-by': 'friday-fleet' });
    const logStart = cloud.emulator.requestLog.lastSeq;
    const firstEvent = cloud.emulator.events.list().length;

    // Two scale-outs through ARM, the second as soon as the first is done; while the second's
    // instances (and its overprovisioned extras) are still being created, an autoscale-style
    // notification for it reaches the app: the verification it starts sees them coming and going.
    const { compute } = testClients(cloud);
    await (await compute.virtualMachineScaleSets.beginUpdate(RG, VMSS, { sku: { capacity: 4 } })).pollUntilDone();
    const second = await compute.virtualMachineScaleSets.beginUpdate(RG, VMSS, { sku: { capacity: 6 } });
    await waitFor('the second scale-out to be creating', async () => {
      for await (const vm of compute.virtualMachineScaleSetVMs.list(RG, VMSS)) if (vm.provisioningState === 'Creating') return true;
      return undefined;
    });
    const resourceId = `/subscriptions/${cloud.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${VMSS}`;
    const notification = { version: '1.0', status: 'Activated', operation: 'Scale Out', context: { timestamp: new Date().toISOString(), id: `${resourceId}/autoscale`, name: 'autoscale', details: 'test', subscriptionId: cloud.subscriptionId, resourceGroupName: RG, resourceName: VMSS, resourceType: 'Microsoft.Compute/virtualMachineScaleSets', resourceId, oldCapacity: '4', newCapacity: '6' }, properties: {} };
    const early = await fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${TOKEN}`, { method: 'POST', body: JSON.stringify(notification) });
    expect(early.status).toBe(202);
    const earlyId = ((await early.json()) as { eventId: string }).eventId;
    await second.pollUntilDone();

    await settled(RG);

    // A schedule change that finds the lock held (a scaling that waits for its new instance) is kept as a deferred run.
    expect((await api(`scalesets/${VMSS}/scale`, { method: 'POST', body: JSON.stringify({ resourceGroup: RG, capacity: 7 }) })).status).toBe(202);
    // A size with a temporary disk, like the example's: on one without (D4s_v5) the seed's script
    // cannot create X: on new or reimaged instances, and verification rightly fails them.
    const schedule = { scaleSets: [{ resourceGroup: RG, name: VMSS, timeZone: 'UTC', default: { vmSize: 'Standard_D4ds_v5' } }] };
    expect((await api('schedules', { method: 'PUT', body: JSON.stringify(schedule) })).status).toBe(200);
    expect((await api('schedules/evaluate', { method: 'POST', body: '{}' })).status).toBe(202);
    const evaluation = await waitFor('the evaluation', async () => { const s = await status('friday-schedule-evaluation'); return ended(s) ? s : undefined; });
    const decided = (evaluation.output as { scaleSets: Array<{ action: string; reason: string }> }).scaleSets[0];
    expect(decided?.action, JSON.stringify(decided)).toBe('busy');
    expect((await status(lockOf(RG)))?.name).toBe('scaleScaleSet');

    await settled(RG);
    // Now the resize, with an autoscale notification (and its capacity write) in the middle of it.
    expect((await api('schedules/evaluate', { method: 'POST', body: '{}' })).status).toBe(202);
    await waitFor('the resize to start moving instances', async () => {
      const s = await status(lockOf(RG));
      return s?.name === 'applySchedule' && (s.customStatus as { step?: string } | null)?.step === 'vmSize' ? true : undefined;
    });
    const scaled = await fetch(`${cloud.emulator.adminUrl}/autoscale`, { method: 'POST', body: JSON.stringify({ resourceGroup: RG, scaleSet: VMSS, delta: 1 }) });
    const autoscale = (await scaled.json()) as { newCapacity: number; webhooks: Array<{ status: number }> };
    expect(autoscale.newCapacity).toBe(8);
    await settled(RG);

    const docs = await records(RG);
    const verdicts = verdictsIn(docs);
    const finalIds = await instanceIds(RG);
    expect(finalIds).toHaveLength(8);

    // Overprovisioning really made extras that vanished (otherwise this proves nothing)…
    const events = cloud.emulator.events.list().slice(firstEvent).filter((e) => e.resourceUri.toLowerCase().includes(`/resourcegroups/${RG}/`));
    const vanished = [...new Set(events.filter((e) => e.kind === 'ResourceDeleteSuccess').map((e) => /\/virtualMachines\/([^/]+)$/.exec(e.resourceUri)?.[1]).filter((id): id is string => !!id))];
    expect(vanished.length).toBeGreaterThan(0);
    // …and none of them was ever reported as a failure; in fact nothing failed at all.
    expect(verdicts.filter((v) => vanished.includes(v.instanceId) && v.verdict === 'fail')).toEqual([]);
    expect(verdicts.filter((v) => v.verdict === 'fail')).toEqual([]);
    expect(verdicts.filter((v) => /provisioning state (Creating|Deleting|Updating)/.test(v.reason) && v.verdict !== 'gone')).toEqual([]);

    // Nothing was repaired, and every action on instances named active instances. The resize surges
    // (issue 16): its only deletes retire old instances, each first taken out of the backend pool.
    const log = cloud.emulator.requestLog.entries({ since: logStart });
    const instanceActions = log.filter((e) => /\/(reimage|delete|manualupgrade|deleteInstances)$/i.test(e.template) || (e.method === 'DELETE' && /virtualMachines\/\{instanceId\}$/.test(e.template)));
    expect(instanceActions.filter((e) => /reimage/i.test(e.template) || e.method === 'DELETE')).toEqual([]);
    const firstDelete = log.findIndex((e) => /\/delete$/i.test(e.template));
    const firstDrain = log.findIndex((e) => e.method === 'PUT' && /virtualMachines\/\{instanceId\}$/.test(e.template));
    if (firstDelete >= 0) expect(firstDrain).toBeGreaterThanOrEqual(0);
    if (firstDelete >= 0) expect(firstDrain).toBeLessThan(firstDelete);
    // No action named an instance that was not active (400). An action sent while the autoscale's
    // scale-out ran is refused by Azure with 409 Conflict: the resize waits it out and sends it
    // again, so every refusal is that one and the last action went through.
    expect(instanceActions.filter((e) => e.status >= 400 && !(e.status === 409 && e.errorCode === 'Conflict'))).toEqual([]);
    expect(instanceActions.at(-1)?.status).toBe(202);
    expect(instanceActions.length).toBeGreaterThan(0);

    // Every instance there now was verified as passing once it was ready, by some run.
    for (const id of finalIds) expect(verdicts.some((v) => v.instanceId === id && v.verdict === 'pass'), `instance ${id}: ${JSON.stringify(verdicts.filter((v) => v.instanceId === id))}`).toBe(true);

    // Every event delivered to the app is in some run's report, and so is the autoscale notification.
    const accounted = new Set(docs.flatMap((d) => (d.report?.events ?? []).map((e) => e.eventId)));
    const delivered = events.filter((e) => e.resourceUri.includes('virtualMachineScaleSets')).map((e) => e.id);
    expect(delivered.filter((id) => !accounted.has(id))).toEqual([]);
    expect(autoscale.webhooks.map((w) => w.status)).toEqual([202]);
    expect(docs.some((d) => (d.report?.events ?? []).some((e) => e.reason.startsWith('autoscale Scale Out') && e.eventId !== earlyId))).toBe(true);
    expect(accounted.has(earlyId)).toBe(true);

    // The deferred schedule change is a run of its own, naming what held the lock, on the fleet page too.
    const deferred = docs.filter((d) => d.outcome === 'deferred');
    expect(deferred).toHaveLength(1);
    expect(deferred[0]?.report?.heldBy?.name).toBe('scaleScaleSet');
    const fleet = (await (await api('fleet/data?fresh=1')).json()) as { scaleSets: Array<{ name: string; resourceGroup: string; runs: Array<{ outcome: string; summary: string }> }> };
    const runs = fleet.scaleSets.find((s) => s.resourceGroup === RG)?.runs ?? [];
    expect(runs.some((r) => r.outcome === 'deferred' && r.summary.includes('scaleScaleSet'))).toBe(true);
  }, 400_000);

  it('locks and records apart two scale sets whose names collided under the old scheme, and answers a lost start with 409 and the running id', async () => {
    // Old scheme: friday-change-<sub>-rg-e2e-col-x-fe for both.
    const a = { rg: 'rg-e2e-col', name: 'x-fe' };
    const b = { rg: 'rg-e2e-col-x', name: 'fe' };
    expect(lockOf(a.rg, a.name)).not.toBe(lockOf(b.rg, b.name));
    const start = (t: { rg: string; name: string }) => api('deployments', { method: 'POST', body: JSON.stringify({ ...example, resourceGroup: t.rg, scaleSet: { ...example.scaleSet, name: t.name, capacity: 1, overprovision: false } }) });
    const [ra, rb, again] = await Promise.all([start(a), start(b), start(a)]);
    // Both start at once (they used to share one lock, so one of them was refused)…
    const started = [ra, rb, again].map((r) => r.status).sort();
    expect(started).toEqual([202, 202, 409]);
    // …and the second start of the same scale set lost: 409 naming the run that holds its lock.
    const refused = [ra, again].find((r) => r.status === 409);
    expect(((await refused?.json()) as { runningInstanceId: string }).runningInstanceId).toBe(lockOf(a.rg, a.name));
    for (const t of [a, b]) await waitFor(`${t.rg}/${t.name}`, async () => (ended(await status(lockOf(t.rg, t.name))) ? true : undefined));
    const [recA, recB] = await Promise.all([records(a.rg, a.name), records(b.rg, b.name)]);
    expect(recA.map((r) => r.runId)).toEqual([lockOf(a.rg, a.name)]);
    expect(recB.map((r) => r.runId)).toEqual([lockOf(b.rg, b.name)]);
  }, 300_000);

  it('makes no ARM write for events on a scale set without the mark, even when the mark goes while its watch already runs', async () => {
    const rg = 'rg-e2e-unmarked';
    await deploy(rg, { capacity: 2, overprovision: false });
    const { compute } = testClients(cloud);
    const events = `${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`;
    const subject = `/subscriptions/${cloud.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/${VMSS}`;
    const post = (id: string) => fetch(events, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify([{ id, topic: `/subscriptions/${cloud.subscriptionId}/resourceGroups/${rg}`, subject, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), data: {}, dataVersion: '2' }]) });
    // Instance 0 fails for good: with the mark, this is a repair.
    cloud.emulator.faults.add({ instance: { vmss: VMSS, instanceId: '0' }, page: 'page500' });

    // 1. The mark goes while the watch confirms the failure: the fresh read before acting stops the repair.
    const before = cloud.emulator.requestLog.lastSeq;
    expect((await post('unmarked-1')).status).toBeLessThan(300);
    await waitFor('the watch to confirm a failure', async () => ((await status(lockOf(rg)))?.customStatus as { step?: string } | null)?.step === 'confirm' ? true : undefined);
    await compute.virtualMachineScaleSets.beginUpdateAndWait(rg, VMSS, { tags: { 'managed-by': 'someone-else' } });
    const afterTagWrite = cloud.emulator.requestLog.lastSeq;
    const done = await waitFor('the watch', async () => { const s = await status(lockOf(rg)); return ended(s) ? s : undefined; });
    const out = done.output as { actions: Array<{ instanceId: string; action: string; result: string }> };
    expect(out.actions.filter((x) => x.action === 'reimage' || x.action === 'replace')).toEqual([]);
    expect(out.actions.find((x) => x.action === 'none')?.result).toMatch(/no longer carries the managed-by: friday-fleet mark/);
    const writes = (since: number) => cloud.emulator.requestLog.entries({ since }).filter((e) => e.method !== 'GET');
    expect(writes(before).map((e) => e.seq)).toEqual(writes(before).filter((e) => e.seq <= afterTagWrite).map((e) => e.seq)); // only the test's own tag write
    expect(writes(afterTagWrite)).toEqual([]);

    // 2. Unmarked from the start: events and an autoscale notification start nothing and write nothing.
    await new Promise((r) => setTimeout(r, 6_000)); // past the event path's 5 s cache of the mark
    const quiet = cloud.emulator.requestLog.lastSeq;
    expect((await post('unmarked-2')).status).toBeLessThan(300);
    const webhook = await fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${TOKEN}`, { method: 'POST', body: JSON.stringify({ operation: 'Scale Out', context: { resourceId: subject, oldCapacity: 2, newCapacity: 3 } }) });
    expect(await webhook.json()).toMatchObject({ result: 'ignored' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(writes(quiet)).toEqual([]);
    expect((await status(lockOf(rg)))?.output).toEqual(done.output); // no new run
    cloud.emulator.faults.add({ instance: { vmss: VMSS, instanceId: '0' }, page: null });
  }, 300_000);
});
