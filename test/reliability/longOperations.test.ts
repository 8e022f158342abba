/**
 * Long operations on Azure's time, under faults: every long-running operation's first status poll
 * fails with a 500, and the runner is killed (SIGKILL) while a run waits for an operation — a
 * scale-set create, a scale-out, a batch of a manual upgrade, a repair's replace (killed in its
 * delete and again in its capacity restore) and a scale-in — then started again on the same data
 * directory. Each run resumes from the operation's handle kept in its history: the final capacity
 * and sizes are exactly what was asked (no lost or extra instance), and no ARM write is repeated or
 * refused (a second write during an operation is what Azure answers 409 to).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { localAppSettings } from '../../local/cli/localCloud';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import { azureTime } from '../../local/emulator/core/timingProfile';
import type { RequestLogEntry } from '../../local/emulator/core/requestLog';
import { testClients } from '../support/armTestClients';
import { changeInstanceId } from '../../src/domain/changeLock';
import { killRunner, repoRoot, startRunnerProcess, type RunnerProcess } from '../support/runnerProcess';

const example = JSON.parse(readFileSync(path.join(repoRoot, 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const RG = 'rg-long-ops-kill';
const time = azureTime();
const clockOriginMs = Date.now();
const children: ChildProcess[] = [];
let azurite: AzuriteHandle;
let emulator: EmulatorHandle;
let dataDir: string;
let runner: RunnerProcess;

const startRunner = async (): Promise<RunnerProcess> =>
  startRunnerProcess({ dataDir, settings: localAppSettings({ azurite, emulator }), children, clock: { timeScale: time.timeScale, originMs: clockOriginMs } });

async function start(route: string, body: unknown): Promise<string> {
  const res = await fetch(`${runner.baseUrl}/api/${route}`, { method: 'POST', headers: { 'x-functions-key': runner.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function waitDone(id: string): Promise<{ runtimeStatus: string; output: unknown }> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const s = (await (await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${runner.masterKey}`)).json()) as { runtimeStatus: string; output: unknown; customStatus?: unknown };
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`${id} still ${s.runtimeStatus}: ${JSON.stringify(s.customStatus)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A run's status by instance id (the watch runs under the scale set's change lock id). */
async function status(id: string): Promise<{ name: string; runtimeStatus: string; output: unknown } | undefined> {
  const res = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${runner.masterKey}`);
  return res.status === 404 ? undefined : ((await res.json()) as { name: string; runtimeStatus: string; output: unknown });
}

const isStatusPoll = (e: RequestLogEntry): boolean => e.method === 'GET' && /\/operations\//i.test(e.path);
const pathOf = (e: RequestLogEntry): string => e.path.split('?')[0] ?? '';

/** Writes (method + path after /providers/) sent more than once since `seq`, and any refused. */
function writesSince(seq: number): { repeated: Record<string, number>; refused: string[]; count: (key: string) => number } {
  const writes = emulator.requestLog.entries({ since: seq }).filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
  const counts = new Map<string, number>();
  for (const e of writes) {
    const key = `${e.method} ${pathOf(e).replace(/^.*\/providers\//, '')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return {
    repeated: Object.fromEntries([...counts].filter(([, n]) => n > 1)),
    refused: writes.filter((e) => e.status >= 400).map((e) => `${e.method} ${e.path} ${e.status}`),
    count: (key) => counts.get(key) ?? 0,
  };
}

/**
 * Waits until, after `seq`, the write `isWrite` was accepted and its operation polled (the run now
 * waits for it between durable timers), then kills the runner and starts a new one.
 */
async function killWhileWaiting(seq: number, isWrite: (e: RequestLogEntry) => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const since = emulator.requestLog.entries({ since: seq });
    const write = since.find((e) => isWrite(e) && e.status < 300);
    if (write && since.some((e) => e.seq > write.seq && isStatusPoll(e))) break;
    if (Date.now() > deadline) throw new Error('the write was never accepted and polled');
    await new Promise((r) => setTimeout(r, 10));
  }
  await killRunner(runner);
  runner = await startRunner();
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'friday-long-ops-kill-'));
  dataDir = path.join(dir, 'runner');
  [azurite, emulator] = await Promise.all([startAzurite({ dataDir: path.join(dir, 'azurite') }), startEmulator({ stateDir: path.join(dir, 'emulator'), ...time, clockOriginMs })]);
  // The first status poll of every long-running operation fails (the SDK's retry, then the orchestration's, poll again).
  emulator.faults.add({ firstPoll: 'providers', status: 500 });
  runner = await startRunner();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all([azurite?.close(), emulator?.close()]);
});

describe('long operations with failing first polls and a runner killed mid-wait', () => {
  it('create, scale-out and a batched resize each resume and end exactly as asked, with no write repeated or refused', async () => {
    const spec = { ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, capacity: 3, overprovision: false, upgradePolicy: { mode: 'Manual', maxBatchInstancePercent: 40 } } };
    const seq = emulator.requestLog.lastSeq;
    const vmssPath = /\/virtualMachineScaleSets\/vmss-friday$/i;

    // 1. Create: killed while the run waits for the scale set's create.
    const deployId = await start('deployments', spec);
    await killWhileWaiting(seq, (e) => e.method === 'PUT' && vmssPath.test(e.path.split('?')[0] ?? ''));
    const deployed = await waitDone(deployId);
    expect(deployed.runtimeStatus, JSON.stringify(deployed.output)).toBe('Completed');
    expect((deployed.output as { totals: unknown }).totals).toEqual({ instances: 3, passed: 3, failed: 0 });

    // 2. Scale-out 3 → 5: killed while the run waits for the capacity write.
    const scaleSeq = emulator.requestLog.lastSeq;
    const scaleId = await start('scalesets/vmss-friday/scale', { capacity: 5, resourceGroup: RG });
    await killWhileWaiting(scaleSeq, (e) => e.method === 'PATCH' && vmssPath.test(e.path.split('?')[0] ?? ''));
    const scaled = await waitDone(scaleId);
    expect(scaled.runtimeStatus, JSON.stringify(scaled.output)).toBe('Completed');
    expect(scaled.output).toMatchObject({ outcome: 'succeeded', before: 3, after: 5 });
    expect((scaled.output as { newInstanceIds: string[] }).newInstanceIds).toHaveLength(2);

    // 3. Resize under the Manual policy (batches of 2): killed while the run waits for a batch.
    const resizeSeq = emulator.requestLog.lastSeq;
    const resizeId = await start('deployments', { ...spec, scaleSet: { ...spec.scaleSet, capacity: 5, vmSize: 'Standard_B2s' } });
    await killWhileWaiting(resizeSeq, (e) => e.method === 'POST' && /\/manualupgrade$/i.test(e.path.split('?')[0] ?? ''));
    const resized = await waitDone(resizeId);
    expect(resized.runtimeStatus, JSON.stringify(resized.output)).toBe('Completed');
    expect((resized.output as { totals: unknown }).totals).toEqual({ instances: 5, passed: 5, failed: 0 });

    // Exactly what was asked: five instances, all on the new size, and the model says so.
    const { compute } = testClients(emulator);
    const model = await compute.virtualMachineScaleSets.get(RG, 'vmss-friday');
    expect(model.sku).toMatchObject({ name: 'Standard_B2s', capacity: 5 });
    const sizes: string[] = [];
    for await (const vm of compute.virtualMachineScaleSetVMs.list(RG, 'vmss-friday')) sizes.push(vm.sku?.name ?? '');
    expect(sizes).toEqual(Array(5).fill('Standard_B2s'));

    // Every long-running operation's first status poll failed, and it was polled again to the end.
    const log = emulator.requestLog.entries({ since: seq });
    const polls = new Map<string, number[]>();
    for (const e of log.filter(isStatusPoll)) {
      const operationId = (e.path.split('?')[0] ?? '').split('/').pop() ?? '';
      polls.set(operationId, [...(polls.get(operationId) ?? []), e.status]);
    }
    expect(polls.size).toBeGreaterThan(10);
    for (const [operationId, statuses] of polls) {
      expect(statuses[0], operationId).toBe(500);
      expect(statuses.at(-1), operationId).toBe(200);
    }
    // No write refused, and none repeated: each write (method + path) once, except the scale set's
    // PUT (create, then the new size), its PATCH (the scale-out) and its manual upgrades (one per
    // batch: 5 instances in batches of 2).
    const writes = log.filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
    expect(writes.filter((e) => e.status >= 400).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([]);
    const counts = new Map<string, number>();
    for (const e of writes) {
      const key = `${e.method} ${(e.path.split('?')[0] ?? '').replace(/^.*\/providers\//, '')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const vmss = 'Microsoft.Compute/virtualMachineScaleSets/vmss-friday';
    expect(Object.fromEntries([...counts].filter(([, n]) => n > 1))).toEqual({ [`PUT ${vmss}`]: 2, [`POST ${vmss}/manualupgrade`]: 3 });
    expect(counts.get(`PATCH ${vmss}`)).toBe(1);
  }, 420_000);

  it('a replace killed in its delete and again in its capacity restore, and a scale-in killed mid-wait, end at exactly the capacity asked', async () => {
    // The tier the test above left: five instances. One fails for good (its page answers 500 whatever
    // is done to it): the watch reimages it, finds it failing again and replaces it.
    const { compute } = testClients(emulator);
    const listed = async (): Promise<string[]> => {
      const ids: string[] = [];
      for await (const vm of compute.virtualMachineScaleSetVMs.list(RG, 'vmss-friday')) ids.push(vm.instanceId ?? '');
      return ids;
    };
    const before = await listed();
    expect(before).toHaveLength(5);
    const broken = before[0] ?? '';
    emulator.faults.add({ instance: { vmss: 'vmss-friday', instanceId: broken }, page: 'page500' });
    const seq = emulator.requestLog.lastSeq;
    const vmssPath = /\/virtualMachineScaleSets\/vmss-friday$/i;
    const subject = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday`;
    const event = await fetch(`${runner.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${runner.masterKey}`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([{ id: 'replace-1', topic: `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}`, subject, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), data: {}, dataVersion: '2' }]),
    });
    expect(event.status).toBeLessThan(300);

    // Killed while the replace waits for its delete, then while it waits for the capacity restore.
    await killWhileWaiting(seq, (e) => e.method === 'POST' && /\/virtualMachineScaleSets\/vmss-friday\/delete$/i.test(pathOf(e)));
    const restoreSeq = emulator.requestLog.lastSeq;
    await killWhileWaiting(restoreSeq, (e) => e.method === 'PATCH' && vmssPath.test(pathOf(e)));
    const lock = changeInstanceId({ subscriptionId: emulator.subscriptionId, resourceGroup: RG, scaleSetName: 'vmss-friday' });
    const deadline = Date.now() + 180_000;
    let watch = await status(lock);
    while (!(watch?.name === 'watchScaleSet' && ['Completed', 'Failed', 'Terminated'].includes(watch.runtimeStatus))) {
      if (Date.now() > deadline) throw new Error(`the watch never ended: ${JSON.stringify(watch)}`);
      await new Promise((r) => setTimeout(r, 50));
      watch = await status(lock);
    }
    expect(watch.runtimeStatus, JSON.stringify(watch.output)).toBe('Completed');
    const actions = (watch.output as { actions: Array<{ instanceId: string; action: string; result: string }> }).actions;
    const replacedBy = actions.filter((a) => a.action === 'replace');
    expect(replacedBy, JSON.stringify(actions)).toHaveLength(1);
    expect(replacedBy[0]?.result).toMatch(new RegExp(`^pass \\(replaces ${broken}\\)`));
    emulator.faults.add({ instance: { vmss: 'vmss-friday', instanceId: broken }, page: null });

    // Back to exactly five: the broken one gone, one new in its place — the capacity the watch read
    // before the delete, not the four a re-read after it would give.
    const after = await listed();
    expect(after).toHaveLength(5);
    expect(after).not.toContain(broken);
    expect(after.filter((id) => !before.includes(id))).toEqual([replacedBy[0]?.instanceId]);
    expect((await compute.virtualMachineScaleSets.get(RG, 'vmss-friday')).sku?.capacity).toBe(5);
    const replaceWrites = writesSince(seq);
    expect(replaceWrites.refused).toEqual([]);
    const vmss = 'Microsoft.Compute/virtualMachineScaleSets/vmss-friday';
    // The broken instance's own network profile is written three times, each a different write:
    // out of the backend pool before the reimage, back in after it, out again before the replace.
    expect(replaceWrites.repeated).toEqual({ [`PUT ${vmss}/virtualMachines/${broken}`]: 3 });
    expect(replaceWrites.count(`POST ${vmss}/reimage`)).toBe(1);
    expect(replaceWrites.count(`POST ${vmss}/delete`)).toBe(1);
    expect(replaceWrites.count(`PATCH ${vmss}`)).toBe(1);

    // Scale-in 5 → 3: killed while the run waits for the capacity write (two instances' deletes).
    const scaleSeq = emulator.requestLog.lastSeq;
    const scaleId = await start('scalesets/vmss-friday/scale', { capacity: 3, resourceGroup: RG });
    await killWhileWaiting(scaleSeq, (e) => e.method === 'PATCH' && vmssPath.test(pathOf(e)));
    const scaled = await waitDone(scaleId);
    expect(scaled.runtimeStatus, JSON.stringify(scaled.output)).toBe('Completed');
    expect(scaled.output).toMatchObject({ outcome: 'succeeded', before: 5, after: 3 });
    expect(await listed()).toHaveLength(3);
    expect((await compute.virtualMachineScaleSets.get(RG, 'vmss-friday')).sku?.capacity).toBe(3);
    const scaleWrites = writesSince(scaleSeq);
    expect(scaleWrites.refused).toEqual([]);
    expect(scaleWrites.repeated).toEqual({});

    // Every operation's first status poll failed, and it was polled again to the end.
    const polls = new Map<string, number[]>();
    for (const e of emulator.requestLog.entries({ since: seq }).filter(isStatusPoll)) {
      const operationId = pathOf(e).split('/').pop() ?? '';
      polls.set(operationId, [...(polls.get(operationId) ?? []), e.status]);
    }
    expect(polls.size).toBeGreaterThanOrEqual(4);
    for (const [operationId, statuses] of polls) {
      expect(statuses[0], operationId).toBe(500);
      expect(statuses.at(-1), operationId).toBe(200);
    }
  }, 420_000);
});
