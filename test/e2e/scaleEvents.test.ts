/**
 * Scale events end to end: the emulator's simulated autoscale adds instances and its Event Grid
 * delivery (after the validation handshake) posts the events to the runner's Event Grid endpoint —
 * duplicated and reordered. One verification run verifies the new instances; a broken one is
 * reimaged, then replaced. Forged events cause no ARM call.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { keepEvent, listKeptEvents } from '../../src/azure/scaleSetState';
import { changeInstanceId, scaleSetKey } from '../../src/domain/changeLock';
import { parseSettings } from '../../src/settings';
import { longTimerOf } from '../support/durableRuns';
import { recordObservedActions } from '../support/observedActions';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
let cloud: LocalCloudHandle;
const RG = 'rg-e2e-events';
const TOKEN = 'test-webhook-token-0123456789';

interface Status {
  name: string;
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}
interface WatchOutput {
  kind: string;
  rounds: number;
  actions: Array<{ instanceId: string; action: string; result: string }>;
  failing: unknown[];
}

let changeId = '';

async function status(id: string): Promise<Status | undefined> {
  const res = await fetch(`${cloud.baseUrl}/_rpc/durabletask/instances/${id}`);
  return res.status === 404 ? undefined : ((await res.json()) as Status);
}

/** Every orchestration run the runner knows (id and start, so a restarted id counts as a new run), sorted. */
async function instanceIds(): Promise<string[]> {
  const list = (await (await fetch(`${cloud.baseUrl}/_rpc/durabletask/instances`)).json()) as Array<{ instanceId: string; createdTime: string }>;
  return list.map((i) => `${i.instanceId}@${i.createdTime}`).sort();
}

async function waitFor(predicate: (s: Status | undefined) => boolean, timeoutMs = 60_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(changeId);
    if (predicate(s) && s) return s;
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(s?.runtimeStatus)} ${JSON.stringify(s?.customStatus)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  cloud = await startLocalCloud({ emulator: azureTime(),
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-events-')),
    runner: { log: (l) => { if (process.env.RUNNER_DEBUG) console.log(l); }, timers: 'manual' },
    // Two failed looks one second apart confirm a failure (the default is three, a minute apart).
    settings: { FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: TOKEN, FRIDAY_REPAIR_CONFIRMATIONS: '2', FRIDAY_REPAIR_CONFIRM_SECONDS: '1' },
  });
  changeId = changeInstanceId({ subscriptionId: cloud.subscriptionId, resourceGroup: RG, scaleSetName: 'vmss-friday' });
  const res = await fetch(`${cloud.baseUrl}/api/deployments`, {
    method: 'POST',
    headers: { 'x-functions-key': cloud.functionKey },
    body: JSON.stringify({ ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, capacity: 2, overprovision: false }, autoscale: { minimum: 1, maximum: 6, default: 2 } }),
  });
  expect(res.status).toBe(202);
  const deployed = await waitFor((s) => s?.runtimeStatus === 'Completed' || s?.runtimeStatus === 'Failed');
  expect(deployed.runtimeStatus).toBe('Completed');
});

afterAll(async () => {
  if (cloud) recordObservedActions(cloud.emulator.requestLog.entries(), 'e2e-scale-events');
  await cloud?.close();
});

describe('reacting to scale events', () => {
  it('validates the subscription, then verifies new instances once despite duplicates and reordering, reimaging and then replacing a broken one', async () => {
    const endpoint = `${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`;
    const eventsBefore = cloud.emulator.events.list().length;
    const sub = await fetch(`${cloud.emulator.adminUrl}/event-subscriptions`, { method: 'POST', body: JSON.stringify({ endpoint, duplicates: true, reorder: true, subjectContains: 'virtualMachineScaleSets' }) });
    expect(await sub.json()).toMatchObject({ validated: true });

    // The next new instance (id 3) is broken: its setup fails on creation and again after a reimage.
    cloud.emulator.faults.add({ extension: { vmss: 'vmss-friday', instanceId: '3' }, message: 'Command execution finished, but failed because it returned a non-zero exit code of: 1.', count: 2 });
    const scaled = await fetch(`${cloud.emulator.adminUrl}/autoscale`, { method: 'POST', body: JSON.stringify({ resourceGroup: RG, scaleSet: 'vmss-friday', delta: 2 }) });
    const change = (await scaled.json()) as { oldCapacity: number; newCapacity: number; webhooks: Array<{ status: number }> };
    expect(change).toMatchObject({ oldCapacity: 2, newCapacity: 4 });
    // Autoscale also called the app's webhook (with its token).
    expect(change.webhooks.map((w) => w.status)).toEqual([202]);

    // The repair's reimage is throttled for 10 minutes: the watch waits on a durable timer of the
    // 600 s ARM asked for (not asleep in the activity, which would show no timer; not dropped, which
    // would leave the instance unrepaired), says so in its progress, then reimages.
    cloud.emulator.faults.add({ route: '/reimage', method: 'POST', count: 1, status: 429, retryAfterSeconds: 600 });
    const timer = await longTimerOf(cloud, changeId);
    expect(timer.waitMs).toBe(600_000);
    expect((await status(changeId))?.customStatus).toMatchObject({ step: 'reimage', instances: ['3'], throttled: { activity: 'repairInstances', waitSeconds: 600, retryAt: timer.FireAt } });
    expect(cloud.emulator.requestLog.entries({ method: 'POST' }).filter((e) => e.path.includes('/reimage')).map((e) => `${e.status}${e.injected ? ' injected' : ''}`)).toEqual(['429 injected']);
    cloud.runner.setClock(new Date(Date.parse(timer.FireAt) + 1000));

    const done = await waitFor((s) => s?.name === 'watchScaleSet' && ['Completed', 'Failed'].includes(s.runtimeStatus));
    expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
    const out = done.output as WatchOutput;
    expect(out.kind).toBe('watch');
    const byInstance = (id: string) => out.actions.filter((a) => a.instanceId === id).map((a) => `${a.action}:${a.result.split(':')[0]}`);
    expect(byInstance('2')).toEqual(['verify:pass']);
    expect(byInstance('3')).toEqual(['verify:fail', 'verify:fail (look 2 of 2)', 'reimage:fail']);
    const replacement = out.actions.find((a) => a.action === 'replace');
    expect(replacement?.result).toMatch(/^pass \(replaces 3\)/);
    expect(out.failing).toEqual([]);
    // Every scale-set event Azure published since the subscription reached the app, each twice
    // (duplicates on), none dropped: the scale-out among them.
    await cloud.emulator.delivery.idle();
    const published = cloud.emulator.events.list().slice(eventsBefore).filter((e) => e.resourceUri.toLowerCase().includes('virtualmachinescalesets'));
    expect(published.filter((e) => e.kind === 'ResourceWriteSuccess' && /\/virtualMachineScaleSets\/vmss-friday$/i.test(e.resourceUri))).not.toEqual([]);
    const delivered = ((await (await fetch(`${cloud.emulator.adminUrl}/event-subscriptions`)).json()) as { subscriptions: Array<{ delivered: number; dropped: number; endpoint: string }> }).subscriptions[0];
    expect(delivered).toMatchObject({ delivered: 2 * published.length, dropped: 0 });
    expect(delivered?.endpoint).not.toContain(cloud.masterKey);
  });

  it('makes no ARM write for forged events (wrong topic, unmanaged scale set, bad schema) and no call at all beyond reading the mark', async () => {
    // Start from a quiet scale set: every delivery done and no run in progress.
    await cloud.emulator.delivery.idle();
    await waitFor((s) => s?.runtimeStatus === 'Completed');
    const endpoint = `${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`;
    const before = cloud.emulator.requestLog.lastSeq;
    const runsBefore = await instanceIds();
    const event = (topic: string, subject: string) => ({ id: `forged-${Math.random()}`, topic, subject, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), data: {}, dataVersion: '2' });
    const sub = cloud.subscriptionId;
    const forged = [
      event('/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x', '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday'),
      event(`/subscriptions/${sub}/resourceGroups/rg-unmanaged`, `/subscriptions/${sub}/resourceGroups/rg-unmanaged/providers/Microsoft.Compute/virtualMachineScaleSets/someone-elses`),
      event(`/subscriptions/${sub}/resourceGroups/${RG}`, `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/lb-vmss-friday`),
    ];
    const res = await fetch(endpoint, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify(forged) });
    expect(res.status).toBe(202);
    const bad = await fetch(endpoint, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify([{ hello: 'world' }]) });
    expect(bad.status).toBe(400);
    const badWebhook = await fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${TOKEN}`, { method: 'POST', body: JSON.stringify({ operation: 'Scale Sideways', context: {} }) });
    expect(badWebhook.status).toBe(400);
    const noToken = await fetch(`${cloud.baseUrl}/api/autoscale-webhook`, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
    // Every handler has answered; a run they wrongly started would be in the runner now. Wait until
    // it has no orchestration or activity work left (no fixed sleep a loaded machine could outrun).
    await cloud.runner.durableIdle();
    expect(await instanceIds()).toEqual(runsBefore);
    // The only call: reading the unmanaged scale set's mark (it does not exist: 404).
    expect(cloud.emulator.requestLog.entries({ since: before }).map((e) => `${e.method} ${e.template.replace(/^.*\/providers\//, '')} ${e.status}`)).toEqual(['GET Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName} 404']);
    expect((await status(changeId))?.runtimeStatus).toBe('Completed');
  });

  it('hands over an event left waiting with no run coming for it: the sweep starts a watch that accounts for it', async () => {
    // The store as a lost race leaves it: an event kept ten minutes ago, no hand-over or watch running.
    await cloud.emulator.delivery.idle();
    await cloud.runner.durableIdle();
    const settings = parseSettings(cloud.settings);
    const identity = { subscriptionId: cloud.subscriptionId, resourceGroup: RG, scaleSetName: 'vmss-friday' };
    const receivedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    expect(await keepEvent(settings, scaleSetKey(identity), { eventId: 'orphaned-event-1', reason: 'ResourceWriteSuccess left behind', receivedAt, scaleSet: { resourceGroup: RG, scaleSetName: 'vmss-friday' } })).toBe('kept');
    // A fresh event of another scale set is not stale yet: no run for it.
    const other = { subscriptionId: cloud.subscriptionId, resourceGroup: RG, scaleSetName: 'vmss-other' };
    await keepEvent(settings, scaleSetKey(other), { eventId: 'fresh-event-1', reason: 'just arrived', receivedAt: new Date().toISOString(), scaleSet: { resourceGroup: RG, scaleSetName: 'vmss-other' } });

    await cloud.runner.fireTimer('keptEventsSweep');
    const done = await waitFor((s) => s?.name === 'watchScaleSet' && ['Completed', 'Failed'].includes(s.runtimeStatus) && ((s.output as { events?: Array<{ eventId: string }> } | null)?.events ?? []).some((e) => e.eventId === 'orphaned-event-1'));
    expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
    expect((done.output as { outcome: string }).outcome).toBe('succeeded');
    expect(await listKeptEvents(settings, scaleSetKey(identity))).toEqual([]);
    expect((await listKeptEvents(settings, scaleSetKey(other))).map((e) => e.eventId)).toEqual(['fresh-event-1']);
    expect(await status(changeInstanceId(other))).toBeUndefined();
  });
});
