/**
 * Repairs that cannot do harm, with the production app on a runner process that gets killed:
 * - an instance that fails once and then passes (a reboot, one slow page) is never repaired;
 * - one that fails for good is repaired — within the hourly budget (here 1), which is kept in Blob:
 *   a runner killed while the repair is being confirmed resumes and repairs exactly once, and
 *   neither that run nor a later one repairs again in the hour.
 * Azurite and the emulator live in this process; only the runner dies. Azure's time (the timing
 * profile) on one clock shared by the emulator and each runner process, at a time scale of 60 (an
 * Azure minute per real second) rather than the default 120: the repair budget's hour is then a
 * real minute, which the second test's kill, restart and later run stay well inside on a loaded
 * machine. Looks at a failing instance are two real seconds apart, whatever the scale, so the
 * test can act between two looks.
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
import { changeInstanceId } from '../../src/domain/changeLock';
import { requireFreshBuild } from '../support/freshBuild';
import { timersIn } from '../support/durableRuns';
import { killRunner, repoRoot, startRunnerProcess, type RunnerProcess } from '../support/runnerProcess';

requireFreshBuild('dist/local/runner/main.js');

const example = JSON.parse(readFileSync(path.join(repoRoot, 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const RG = 'rg-rel-repair';
const time = azureTime({ timeScale: 60 });
const clockOriginMs = Date.now();
const VMSS = 'vmss-friday';
const children: ChildProcess[] = [];
let azurite: AzuriteHandle;
let emulator: EmulatorHandle;
let settings: Record<string, string>;
let runnerDir: string;
let runner: RunnerProcess;

interface Status {
  name: string;
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}
interface WatchOutput {
  actions: Array<{ instanceId: string; action: string; result: string }>;
  failing: Array<{ instanceId: string; reason: string }>;
}

const lockId = (): string => changeInstanceId({ subscriptionId: emulator.subscriptionId, resourceGroup: RG, scaleSetName: VMSS });

async function status(id: string): Promise<Status | undefined> {
  const res = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${runner.masterKey}`);
  return res.status === 404 ? undefined : ((await res.json()) as Status);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const ended = (s: Status | undefined): s is Status => !!s && ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus);
const step = async (): Promise<string | undefined> => ((await status(lockId()))?.customStatus as { step?: string } | null)?.step;

/** An Event Grid write event for the scale set, straight to the app's Event Grid endpoint. */
async function scaleEvent(id: string): Promise<void> {
  const subject = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${VMSS}`;
  const res = await fetch(`${runner.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${runner.masterKey}`, {
    method: 'POST',
    headers: { 'aeg-event-type': 'Notification' },
    body: JSON.stringify([{ id, topic: `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}`, subject, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), data: {}, dataVersion: '2' }]),
  });
  expect(res.status).toBeLessThan(300);
}

/** A watch started by `eventId` (the lock id is reused run after run: wait for the one that handled it). */
async function watchFor(eventId: string): Promise<WatchOutput> {
  const done = await waitFor(`the watch for ${eventId}`, async () => {
    const s = await status(lockId());
    const events = (s?.output as { events?: Array<{ eventId: string }> } | null)?.events ?? [];
    return ended(s) && s.name === 'watchScaleSet' && events.some((e) => e.eventId === eventId) ? s : undefined;
  });
  expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
  return done.output as WatchOutput;
}

const repairsSent = (since = 0) => emulator.requestLog.entries({ since, writesOnly: true }).filter((e) => /\/(reimage|delete)$/i.test(e.template) || e.method === 'DELETE');

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'friday-repair-'));
  [azurite, emulator] = await Promise.all([
    startAzurite({ dataDir: path.join(dir, 'azurite') }),
    // Instances take Azure's minutes to come up and to set up again after a reimage.
    startEmulator({ stateDir: path.join(dir, 'emulator'), ...time, clockOriginMs }),
  ]);
  settings = localAppSettings({
    azurite,
    emulator,
    // Three looks two real seconds apart confirm a failure; one repair per hour per scale set. The
    // reimage's drain (the probe's 5 s × 2 plus 30 s for requests in flight) is 40 Azure seconds:
    // under a real second at this scale (the drain itself is proven in test/e2e/noFailedRequests).
    extra: { FRIDAY_REPAIR_CONFIRMATIONS: '3', FRIDAY_REPAIR_CONFIRM_SECONDS: String(2 * time.timeScale), FRIDAY_REPAIR_MAX_PER_HOUR: '1' },
  });
  runnerDir = mkdtempSync(path.join(tmpdir(), 'friday-repair-runner-'));
  runner = await startRunnerProcess({ dataDir: runnerDir, settings, children, clock: { timeScale: time.timeScale, originMs: clockOriginMs } });
  const res = await fetch(`${runner.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': runner.functionKey }, body: JSON.stringify({ ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, capacity: 3, overprovision: false } }) });
  expect(res.status).toBe(202);
  const deployed = await waitFor('the deployment', async () => { const s = await status(lockId()); return ended(s) ? s : undefined; });
  expect((deployed.output as { outcome: string }).outcome).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all([azurite?.close(), emulator?.close()]);
});

describe('repairs', () => {
  it('leave a flapping instance (fails once, then passes) alone', async () => {
    const since = emulator.requestLog.lastSeq;
    emulator.faults.add({ instance: { vmss: VMSS, instanceId: '0' }, page: 'page500' });
    await scaleEvent('flap-1');
    await waitFor('the second look', async () => ((await step()) === 'confirm' ? true : undefined));
    emulator.faults.add({ instance: { vmss: VMSS, instanceId: '0' }, page: null });
    const out = await watchFor('flap-1');
    const mine = out.actions.filter((a) => a.instanceId === '0');
    expect(mine[0]?.result).toMatch(/^fail: page: HTTP 500/);
    expect(mine.some((a) => /^pass on look 2 of 3 after failing: not repaired/.test(a.result))).toBe(true);
    expect(out.actions.filter((a) => a.action === 'reimage' || a.action === 'replace')).toEqual([]);
    expect(out.failing).toEqual([]);
    expect(repairsSent(since)).toEqual([]);
  }, 120_000);

  it('repair a persistent failure within the budget, across a runner killed while the failure was being confirmed, and not again within the hour', async () => {
    const since = emulator.requestLog.lastSeq;
    emulator.faults.add({ instance: { vmss: VMSS, instanceId: '1' }, page: 'page500' });
    await scaleEvent('broken-1');
    await waitFor('the failure to be confirmed', async () => ((await step()) === 'confirm' ? true : undefined));
    await killRunner(runner);
    expect(repairsSent(since)).toEqual([]);
    runner = await startRunnerProcess({ dataDir: runnerDir, settings, children, clock: { timeScale: time.timeScale, originMs: clockOriginMs } });

    const out = await watchFor('broken-1');
    // Reimaged once (the budget's one repair), still failing, and then left alone: the replace it
    // would need is past the budget.
    const mine = out.actions.filter((a) => a.instanceId === '1').map((a) => `${a.action}:${a.result.split(':')[0] ?? ''}`);
    expect(mine).toEqual(['verify:fail', 'verify:fail (look 2 of 3)', 'verify:fail (look 3 of 3)', 'reimage:fail', 'none:repair budget of 1 per hour used up']);
    expect(repairsSent(since).map((e) => e.template.replace(/^.*\//, ''))).toEqual(['reimage']);

    // A later run (after another restart) finds the budget used, and writes nothing.
    await killRunner(runner);
    runner = await startRunnerProcess({ dataDir: runnerDir, settings, children, clock: { timeScale: time.timeScale, originMs: clockOriginMs } });
    const later = emulator.requestLog.lastSeq;
    await scaleEvent('broken-2');
    const again = await watchFor('broken-2');
    expect(again.actions.filter((a) => a.instanceId === '1').map((a) => a.action)).toEqual(['verify', 'verify', 'verify', 'none']);
    expect(again.actions.find((a) => a.action === 'none')?.result).toBe('repair budget of 1 per hour used up');
    expect(repairsSent(later)).toEqual([]);

    // A watch started around the app with a crafted input — one look, no spacing, a budget of a
    // million, no minimum healthy (what a holder of the durable system key could send) — still
    // applies the settings: three looks the settings' spacing apart, and the budget of 1 used up.
    const crafted = emulator.requestLog.lastSeq;
    const craftedId = 'crafted-watch';
    const input = { resourceGroup: RG, scaleSetName: VMSS, verified: [], actions: [], rounds: 0, confirm: { confirmations: 1, spacingSeconds: 0 }, settleSeconds: 0, maxRepairsPerHour: 1e6, minHealthy: 0, limits: { confirmations: 1, maxRepairsPerHour: 1e6 } };
    const started = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/orchestrators/watchScaleSet/${craftedId}?code=${runner.masterKey}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(started.status).toBe(202);
    const craftedRun = await waitFor('the crafted watch', async () => { const s = await status(craftedId); return ended(s) ? s : undefined; });
    expect(craftedRun.runtimeStatus, JSON.stringify(craftedRun.output)).toBe('Completed');
    const out2 = craftedRun.output as WatchOutput & { limits: unknown };
    expect(out2.limits).toEqual({ confirmations: 3, spacingSeconds: 2 * time.timeScale, maxRepairsPerHour: 1, minHealthy: null });
    expect(out2.actions.filter((a) => a.instanceId === '1').map((a) => `${a.action}:${a.result.split(':')[0] ?? ''}`)).toEqual(['verify:fail', 'verify:fail (look 2 of 3)', 'verify:fail (look 3 of 3)', 'none:repair budget of 1 per hour used up']);
    const history = (await (await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${craftedId}?code=${runner.masterKey}&showHistory=true`)).json()) as { historyEvents: Array<{ EventType: string; Timestamp: string; FireAt?: string }> };
    // The looks' timers wait the settings' spacing in Azure time (then the 2 s settle window before the run ends).
    expect(timersIn(history.historyEvents).map((t) => t.waitMs)).toEqual([2 * time.timeScale * 1000, 2 * time.timeScale * 1000, 2000]);
    expect(repairsSent(crafted)).toEqual([]);
    emulator.faults.add({ instance: { vmss: VMSS, instanceId: '1' }, page: null });
  }, 180_000);
});
