/**
 * Schedules end to end on the local cloud: the production timer function is fired at chosen
 * instants (the runner's clock is the orchestrations' clock), the tier goes from 4 × Standard_D2ds_v5
 * to 1 × Standard_B2s in the evening and back in the morning with every batch verified, ticks with
 * nothing to change write nothing to ARM, and a resize batch with a broken instance rolls the size
 * back with a report.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients } from '../support/armTestClients';
import { longTimerOf } from '../support/durableRuns';
import { recordObservedActions } from '../support/observedActions';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const RG = 'rg-e2e-schedule';
const ROLLING_RG = 'rg-e2e-schedule-rolling';
const VMSS = 'vmss-friday';
const EVALUATION_ID = 'friday-schedule-evaluation';
let cloud: LocalCloudHandle;

interface Status {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}
interface Evaluation {
  evaluatedAt: string;
  outcome: string;
  errors: string[];
  scaleSets: Array<{ name: string; action: string; reason: string; changes: Array<{ field: string; from: unknown; to: unknown }>; changeInstanceId?: string }>;
}
interface RunReport {
  kind: string;
  outcome: string;
  reason: string;
  armWrites: number;
  steps: Array<{ field: string; from: unknown; to: unknown; status: string; detail: string }>;
  batches: Array<{ index: number; instanceIds: string[]; passed: number; failed: Array<{ instanceId: string; computerName: string; reason: string }> }>;
  rollback: { to: string; passed: number; failed: number } | null;
  instances: Array<{ instanceId: string; computerName: string; vmSize: string; verdict: string; reason: string }>;
  totals: { instances: number; passed: number; failed: number };
  availability: { method: string; minInRotation: number; frontEnd: { verdict: string; reason: string } | null; notes: string[] };
}

const schedule = (extra: Record<string, unknown> = {}) => ({
  scaleSets: [
    {
      resourceGroup: RG,
      name: VMSS,
      timeZone: 'Europe/Berlin',
      default: { capacity: 1, vmSize: 'Standard_B2s' },
      periods: [{ name: 'business-hours', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:30', end: '19:00', target: { capacity: 4, vmSize: 'Standard_D2ds_v5' } }],
      resize: { maxBatchInstancePercent: 25 },
      ...extra,
    },
  ],
});

const api = (route: string, init: RequestInit = {}): Promise<Response> =>
  // The function key for the operator's routes; the read-only viewer key for the fleet page's data.
  fetch(`${cloud.baseUrl}/api/${route}`, { ...init, headers: { 'x-functions-key': cloud.functionKey, 'x-friday-viewer-key': cloud.viewerKey, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function status(instanceId: string): Promise<Status> {
  const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${instanceId}?code=${cloud.masterKey}`);
  return (await res.json()) as Status;
}

async function waitDone(instanceId: string, timeoutMs = 90_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(instanceId);
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`${instanceId} still ${s.runtimeStatus}: ${JSON.stringify(s.customStatus)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fires the production timer at a Berlin wall-clock instant and waits for the evaluation and any change it started. */
async function tickAt(iso: string): Promise<{ evaluation: Evaluation; run?: RunReport; writes: number }> {
  const seq = cloud.emulator.requestLog.lastSeq;
  await cloud.runner.fireTimer('scheduleTimer', new Date(iso));
  const evaluation = (await waitDone(EVALUATION_ID)).output as Evaluation;
  const started = evaluation.scaleSets.find((s) => s.action === 'started');
  let run: RunReport | undefined;
  if (started?.changeInstanceId) {
    const s = await waitDone(started.changeInstanceId);
    expect(s.runtimeStatus, JSON.stringify(s.output)).toBe('Completed');
    run = s.output as RunReport;
  }
  await cloud.runner.durableIdle();
  return { evaluation, run, writes: cloud.emulator.requestLog.entries({ since: seq, writesOnly: true }).length };
}

/** Evaluates the schedules now (POST /api/schedules/evaluate): exactly one change starts, and it fails; its error as text. */
async function failedChangeOnEvaluation(): Promise<string> {
  const res = await api('schedules/evaluate', { method: 'POST', body: '{}' });
  expect(res.status).toBe(202);
  const evaluation = (await waitDone(EVALUATION_ID)).output as Evaluation;
  expect(evaluation.scaleSets.map((s) => s.action)).toEqual(['started']);
  const done = await waitDone(evaluation.scaleSets[0]?.changeInstanceId ?? '');
  await cloud.runner.durableIdle();
  expect(done.runtimeStatus).toBe('Failed');
  return JSON.stringify(done.output);
}

/** Instance id → VM size, read with the real Compute client (a test's own reads go in the request log, but are not writes). */
async function instances(): Promise<Array<{ instanceId: string; vmSize: string }>> {
  const out: Array<{ instanceId: string; vmSize: string }> = [];
  for await (const vm of testClients(cloud).compute.virtualMachineScaleSetVMs.list(RG, VMSS)) out.push({ instanceId: vm.instanceId ?? '', vmSize: vm.hardwareProfile?.vmSize ?? vm.sku?.name ?? '' });
  return out.sort((a, b) => Number(a.instanceId) - Number(b.instanceId));
}
const instanceSizes = async (): Promise<string[]> => (await instances()).map((i) => i.vmSize);

beforeAll(async () => {
  cloud = await startLocalCloud({ emulator: azureTime(),
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-sched-')),
    settings: { FRIDAY_SCHEDULES_BLOB: 'friday-schedules.json' },
    runner: { log: () => undefined, timers: 'manual' },
  });
  // Both tiers are deployed before the tests move the clock ahead: the setup script's SAS is signed
  // for "now", and Azurite checks it against the real time.
  const specs = [
    { ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, capacity: 4, vmSize: 'Standard_D2ds_v5', overprovision: false } },
    { ...example, resourceGroup: ROLLING_RG, scaleSet: { ...example.scaleSet, capacity: 3, overprovision: false, upgradePolicy: { mode: 'Rolling', maxBatchInstancePercent: 34 } } },
  ];
  for (const spec of specs) {
    const res = await api('deployments', { method: 'POST', body: JSON.stringify(spec) });
    expect(res.status).toBe(202);
    const deployed = (await waitDone(((await res.json()) as { id: string }).id)).output as { outcome: string };
    expect(deployed.outcome, JSON.stringify(deployed).slice(0, 2000)).toBe('succeeded');
  }
}, 120_000);

afterAll(async () => {
  if (cloud) recordObservedActions(cloud.emulator.requestLog.entries(), 'e2e-schedules');
  await cloud?.close();
});

describe('right-sizing on a schedule', () => {
  it('refuses a malformed schedule document with 400 listing every problem, and stores a valid one', async () => {
    const bad = await api('schedules', {
      method: 'PUT',
      body: JSON.stringify({ scaleSets: [{ resourceGroup: RG, name: VMSS, timeZone: 'Mars/Olympus', periods: [{ name: 'x', weekdays: ['funday'], start: '25:00', target: {} }] }] }),
    });
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: string[] }).problems.join('\n');
    for (const p of ['timeZone', 'weekdays', 'start', 'target']) expect(problems).toContain(p);
    // A size without a temporary disk, where the seed's script partitions disk 2: refused as the deployment spec refuses it.
    const noDisk = schedule();
    noDisk.scaleSets[0]!.periods[0]!.target.vmSize = 'Standard_D2s_v5';
    const refused = await api('schedules', { method: 'PUT', body: JSON.stringify(noDisk) });
    expect(refused.status).toBe(400);
    const refusal = (await refused.json()) as { error: string; problems: string[] };
    expect(refusal.error).toBe('InvalidSchedule');
    expect(refusal.problems).toHaveLength(1);
    expect(refusal.problems[0]).toMatch(new RegExp(`^scaleSets\\.0\\.periods\\.0\\.target\\.vmSize \\(${RG}/${VMSS}\\): Standard_D2s_v5 has no temporary disk \\(MaxResourceVolumeMB 0\\), so the data disk is disk 1, but the setup script partitions disk 2 .*sizes that work here: .*Standard_D2ds_v5`));
    const good = await api('schedules', { method: 'PUT', body: JSON.stringify(schedule()) });
    expect(good.status).toBe(200);
  });

  it('shows current and desired state and the next changes, writing nothing', async () => {
    const seq = cloud.emulator.requestLog.lastSeq;
    const res = await api(`schedules?at=${encodeURIComponent('2026-12-01T19:30:00+01:00')}`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { valid: boolean; scaleSets: Array<{ current: { capacity: number; vmSize: string }; desired: { capacity: number; vmSize: string; reason: string }; action: string; order: string[]; nextChanges: Array<{ localTime: string; to: unknown }> }> };
    expect(view.valid).toBe(true);
    const s = view.scaleSets[0];
    expect(s?.current).toMatchObject({ capacity: 4, vmSize: 'Standard_D2ds_v5' });
    expect(s?.desired).toMatchObject({ capacity: 1, vmSize: 'Standard_B2s' });
    expect(s?.action).toBe('change');
    expect(s?.order).toEqual(['capacity', 'vmSize']);
    expect(s?.nextChanges[0]?.localTime).toMatch(/^2026-12-02T07:30:00\.000\+01:00$/);
    expect((await api('schedules?at=yesterday')).status).toBe(400);
    expect(cloud.emulator.requestLog.entries({ since: seq, writesOnly: true })).toHaveLength(0);
  });

  it('goes 4 × D2s_v5 → 1 × B2s in the evening and back in the morning, each batch verified, writing only when something changes', async () => {
    // Tuesday noon in Berlin: business hours, already as desired.
    const noon = await tickAt('2026-12-01T12:00:00+01:00');
    expect(noon.evaluation.scaleSets[0]?.action).toBe('none');
    expect(noon.writes).toBe(0);

    // Tuesday 20:00: scale in to 1 first, then resize that one instance.
    const evening = await tickAt('2026-12-01T20:00:00+01:00');
    expect(evening.evaluation.scaleSets[0]?.action).toBe('started');
    expect(evening.run?.outcome).toBe('succeeded');
    expect(evening.run?.steps.map((s) => `${s.field}:${String(s.from)}→${String(s.to)}:${s.status}`)).toEqual(['capacity:4→1:succeeded', 'vmSize:Standard_D2ds_v5→Standard_B2s:succeeded']);
    expect(evening.run?.batches).toHaveLength(1);
    expect(evening.run?.batches[0]?.failed).toEqual([]);
    expect(evening.run?.instances).toHaveLength(1);
    expect(evening.run?.instances[0]).toMatchObject({ vmSize: 'Standard_B2s', verdict: 'pass' });
    // Scale-in drained: three instances out of the backend pool, one delete; then the surge resize:
    // size PATCH, one new B2s instance (capacity PATCH), the old one out of the pool, one delete.
    expect(evening.run?.armWrites).toBe(8);
    expect(evening.run?.availability).toMatchObject({ method: 'surge', minInRotation: 1, frontEnd: { verdict: 'pass' } });
    expect(await instanceSizes()).toEqual(['Standard_B2s']);

    // Later that evening: nothing to change, nothing written.
    const late = await tickAt('2026-12-01T23:05:00+01:00');
    expect(late.evaluation.scaleSets[0]?.action).toBe('none');
    expect(late.writes).toBe(0);

    // Wednesday 07:35: resize the one instance first, then scale out to 4 on the new size.
    const morning = await tickAt('2026-12-02T07:35:00+01:00');
    expect(morning.run?.outcome).toBe('succeeded');
    expect(morning.run?.steps.map((s) => `${s.field}:${String(s.from)}→${String(s.to)}:${s.status}`)).toEqual(['vmSize:Standard_B2s→Standard_D2ds_v5:succeeded', 'capacity:1→4:succeeded']);
    expect(morning.run?.instances).toHaveLength(3); // the new instances, verified on the new size
    expect(morning.run?.instances.every((i) => i.verdict === 'pass' && i.vmSize === 'Standard_D2ds_v5')).toBe(true);
    expect((await instanceSizes()).sort()).toEqual(Array(4).fill('Standard_D2ds_v5'));
  }, 180_000);

  it('halts a resize at a failing batch and rolls the size back, with a report; the next tick holds instead of flapping', async () => {
    // A one-day override asks for a larger size at full capacity: four batches of one instance.
    expect((await api('schedules', { method: 'PUT', body: JSON.stringify(schedule({ overrides: [{ date: '2026-12-03', target: { vmSize: 'Standard_D4ds_v5' }, reason: 'load test' }] })) })).status).toBe(200);
    const sorted = (await instances()).map((i) => i.instanceId);
    expect(sorted).toHaveLength(4);
    // Surge: each batch adds one new D4ds_v5 instance before an old one retires. Instance ids only
    // grow (overprovisioning is off), so the second batch's new instance is the highest id + 2: it
    // will answer 500.
    const maxId = Math.max(...sorted.map(Number));
    const broken = String(maxId + 2);
    cloud.emulator.faults.add({ instance: { vmss: VMSS, instanceId: broken }, page: 'page500' });

    const tick = await tickAt('2026-12-03T10:00:00+01:00');
    const run = tick.run as RunReport;
    expect(run.outcome).toBe('rolledBack');
    expect(run.batches.map((b) => b.instanceIds)).toEqual([[String(maxId + 1)], [broken]]);
    expect(run.batches[0]?.failed).toEqual([]);
    expect(run.batches[1]?.failed).toEqual([expect.objectContaining({ instanceId: broken, reason: expect.stringContaining('page: HTTP 500') as unknown })]);
    expect(run.steps.map((s) => `${s.field}:${s.status}`), JSON.stringify({ steps: run.steps, instances: run.instances })).toEqual(['vmSize:failed', 'rollback:succeeded']);
    expect(run.steps[0]?.detail).toContain('batch 2 failed');
    expect(run.steps[0]?.detail).toContain('the old ones never touched');
    expect(run.rollback?.to).toBe('Standard_D2ds_v5');
    expect(run.rollback?.failed).toBe(0); // the broken new instance is gone; the one moved earlier came back on D2ds_v5
    expect(run.availability.minInRotation).toBe(4);
    expect((await instanceSizes()).sort()).toEqual(Array(4).fill('Standard_D2ds_v5'));

    // The next tick does not try the same resize again at once.
    const next = await tickAt('2026-12-03T10:05:00+01:00');
    expect(next.evaluation.scaleSets[0]?.action).toBe('held');
    expect(next.evaluation.scaleSets[0]?.reason).toContain('rolled back');
    expect(next.writes).toBe(0);

    // Fixed: an operator's evaluation retries now and the resize goes through, batch by batch.
    cloud.emulator.faults.add({ instance: { vmss: VMSS, instanceId: broken }, page: null });
    const res = await api('schedules/evaluate', { method: 'POST', body: JSON.stringify({ dryRun: true }) });
    expect(res.status).toBe(202);
    const dry = (await waitDone(EVALUATION_ID)).output as Evaluation;
    expect(dry.scaleSets[0]?.action).toBe('wouldChange');
    const real = await api('schedules/evaluate', { method: 'POST', body: '{}' });
    expect(real.status).toBe(202);
    const evaluation = (await waitDone(EVALUATION_ID)).output as Evaluation;
    expect(evaluation.scaleSets[0]?.action).toBe('started');
    const done = (await waitDone(evaluation.scaleSets[0]?.changeInstanceId ?? '')).output as RunReport;
    expect(done.outcome).toBe('succeeded');
    expect(done.batches).toHaveLength(4);
    expect((await instanceSizes()).sort()).toEqual(Array(4).fill('Standard_D4ds_v5'));
    expect((await api('schedules/evaluate', { method: 'POST', body: '{"dryRun":"yes"}' })).status).toBe(400);

    // The fleet page's data shows these runs, newest first, each with its report.
    const beforeFleet = cloud.emulator.requestLog.lastSeq;
    const fleet = (await (await api('fleet/data?fresh=1')).json()) as { scaleSets: Array<{ resourceGroup: string; runs: Array<{ kind: string; outcome: string; reportUrl: string }>; schedule: { timeZone: string } | null }> };
    const mine = fleet.scaleSets.find((x) => x.resourceGroup === RG);
    expect(mine?.schedule?.timeZone).toBe('Europe/Berlin');
    // Its schedule view and its instance facts share one read of the scale set's model.
    const modelReads = cloud.emulator.requestLog.entries({ since: beforeFleet, method: 'GET', template: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}' });
    expect(modelReads.filter((e) => e.path.toLowerCase().includes(`/resourcegroups/${RG.toLowerCase()}/`))).toHaveLength(1);
    expect(mine?.runs.slice(0, 2).map((r) => `${r.kind}:${r.outcome}`)).toEqual(['schedule:succeeded', 'schedule:rolledBack']);
    const report = (await (await api(mine?.runs[1]?.reportUrl ?? '')).json()) as { report: { rollback: { to: string } } };
    expect(report.report.rollback.to).toBe('Standard_D2ds_v5');
  }, 180_000);

  it('resizes a Rolling scale set by the same surge (Manual during the change, Rolling again after), after waiting out a long throttle on a durable timer, never fewer instances in rotation, then verifies every instance on the new size', async () => {
    const rg = ROLLING_RG;
    const doc = {
      scaleSets: [{ resourceGroup: rg, name: VMSS, timeZone: 'America/New_York', periods: [{ name: 'night', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '06:00', target: { vmSize: 'Standard_B2s' } }] }],
    };
    expect((await api('schedules', { method: 'PUT', body: JSON.stringify(doc) })).status).toBe(200);
    // The schedule change's size PATCH is throttled for 10 minutes (the evaluation only reads).
    cloud.emulator.faults.add({ route: 'virtualMachineScaleSets/{vmScaleSetName}', method: 'PATCH', count: 1, status: 429, retryAfterSeconds: 600 });
    const seq = cloud.emulator.requestLog.lastSeq;
    await cloud.runner.fireTimer('scheduleTimer', new Date('2026-12-04T23:00:00-05:00'));
    const evaluation = (await waitDone(EVALUATION_ID)).output as Evaluation;
    expect(evaluation.scaleSets.map((s) => s.action)).toEqual(['started']);
    const changeId = evaluation.scaleSets[0]?.changeInstanceId ?? '';
    // The wait is a durable timer of the 600 s ARM asked for (not a sleep in the activity, which
    // would show no timer; not dropped, which would end the run), and the run's progress says so.
    const timer = await longTimerOf(cloud, changeId);
    expect(timer.waitMs).toBe(600_000);
    expect((await status(changeId)).customStatus).toMatchObject({ step: 'vmSize', throttled: { activity: 'setVmSize', waitSeconds: 600, retryAt: timer.FireAt } });
    expect(cloud.emulator.requestLog.entries({ since: seq, method: 'PATCH' }).map((e) => `${e.status}${e.injected ? ' injected' : ''}`)).toEqual(['429 injected']);
    cloud.runner.setClock(new Date(Date.parse(timer.FireAt) + 1000));
    const done = await waitDone(changeId);
    await cloud.runner.durableIdle();
    expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
    expect(JSON.stringify(done.customStatus)).not.toContain('throttled');
    const run = done.output as RunReport;
    expect(run.outcome).toBe('succeeded');
    expect(run.steps.map((s) => `${s.field}:${String(s.to)}:${s.status}`)).toEqual(['vmSize:Standard_B2s:succeeded']);
    expect(run.instances).toHaveLength(3);
    expect(run.instances.every((i) => i.vmSize === 'Standard_B2s' && i.verdict === 'pass')).toBe(true);
    // In place, the platform's rolling upgrade would take a batch out of rotation: the surge keeps all three.
    expect(run.availability).toMatchObject({ method: 'surge', minInRotation: 3, frontEnd: { verdict: 'pass' } });
    expect(run.availability.notes.join(' ')).toContain('Rolling upgrade policy: set to Manual with the size');
    // Writes: size + Manual in one PATCH; per batch of one (20 %), a new instance, the old one out of
    // the pool, its delete; the mode back to Rolling. No rolling upgrade ran.
    expect(run.armWrites).toBe(1 + 3 * 3 + 1);
    const log = cloud.emulator.requestLog.entries({ since: seq });
    expect(log.some((e) => /rollingUpgrades/.test(e.path))).toBe(false);
    const vmss = await testClients(cloud).compute.virtualMachineScaleSets.get(rg, VMSS);
    expect(vmss.upgradePolicy?.mode).toBe('Rolling');
    expect(vmss.sku?.name).toBe('Standard_B2s');
  }, 180_000);

  it('says surge is impossible for the vCPU quota (which one, how many vCPUs short, what resizing in place would cost) and writes nothing to the scale set; the emulator refuses such a write as Azure does', async () => {
    const rg = ROLLING_RG;
    const admin = cloud.emulator.adminUrl;
    // The Standard DSv3 family has 1 vCPU of quota in the region: not one Standard_D2s_v3 (2 vCPUs) fits beside the 3 B2s.
    const set = await fetch(`${admin}/quotas`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limits: { standardDSv3Family: 1 } }) });
    expect(set.status).toBe(200);
    expect((await fetch(`${admin}/quotas`, { method: 'POST', body: JSON.stringify({ limits: { standardDSv3Family: -1, nope: 3 } }) })).status).toBe(400);
    const usages = new Map<string, { currentValue: number; limit: number; label: string }>();
    for await (const u of testClients(cloud).compute.usage.list('koreacentral')) usages.set(u.name.value ?? '', { currentValue: u.currentValue, limit: u.limit, label: u.name.localizedValue ?? '' });
    // 4 × D4ds_v5 (4 vCPUs) in the first group, 3 × B2s (2 vCPUs) in this one.
    expect(usages.get('cores')).toMatchObject({ currentValue: 22, label: 'Total Regional vCPUs' });
    expect(usages.get('standardDSv3Family')).toMatchObject({ currentValue: 0, limit: 1, label: 'Standard DSv3 Family vCPUs' });
    expect(usages.get('standardBSFamily')).toMatchObject({ currentValue: 6 });

    const doc = { scaleSets: [{ resourceGroup: rg, name: VMSS, timeZone: 'America/New_York', periods: [{ name: 'night', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '06:00', target: { vmSize: 'Standard_D2s_v3' } }] }] };
    expect((await api('schedules', { method: 'PUT', body: JSON.stringify(doc) })).status).toBe(200);
    const seq = cloud.emulator.requestLog.lastSeq;
    const tick = await tickAt('2026-12-04T23:30:00-05:00');
    const run = tick.run as RunReport;
    expect(run.outcome).toBe('failed');
    expect(run.steps.map((s) => `${s.field}:${s.status}:${s.to as string}`)).toEqual(['vmSize:failed:Standard_D2s_v3']);
    const detail = run.steps[0]?.detail ?? '';
    expect(detail).toMatch(/surge resize Standard_B2s → Standard_D2s_v3 impossible: no room to add even one Standard_D2s_v3 instance beside the 3 running: Standard DSv3 Family vCPUs quota \(standardDSv3Family\) 0\/1 vCPUs used \(Standard_D2s_v3: 2 vCPUs each\): 1 vCPU\(s\) short/);
    expect(detail).toMatch(/the fallback, resizing in place takes 1 of 3 instance\(s\) out of rotation per batch while they restart \(2 keep serving\); and Standard DSv3 Family vCPUs quota \(standardDSv3Family\) 0\/1 is 1 vCPU\(s\) short for it too, was not taken/);
    expect(run.armWrites).toBe(0);
    expect(tick.writes).toBe(0);
    // The quota was read from Azure's usages API, not assumed.
    expect(cloud.emulator.requestLog.entries({ since: seq, method: 'GET', template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/usages' }).length).toBeGreaterThan(0);
    const vmss = await testClients(cloud).compute.virtualMachineScaleSets.get(rg, VMSS);
    expect(vmss.upgradePolicy?.mode).toBe('Rolling');
    expect(vmss.sku?.name).toBe('Standard_B2s');

    // Azure refuses the write itself: 409 OperationNotAllowed naming the family quota and the vCPUs needed.
    const refused = await testClients(cloud).compute.virtualMachineScaleSets.update(rg, VMSS, { sku: { name: 'Standard_D2s_v3', tier: 'Standard', capacity: 3 } }).then(() => null, (e: unknown) => e as { statusCode?: number; code?: string; message: string });
    expect(refused).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(refused?.message).toContain('exceeding approved standardDSv3Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: koreacentral, Current Limit: 1, Current Usage: 0, Additional Required: 6, (Minimum) New Limit Required: 6');
    expect((await fetch(`${admin}/quotas`, { method: 'DELETE' })).status).toBe(200);
  }, 180_000);

  it('gives a Rolling scale set its upgrade mode back when an ARM error (not a failing batch) stops the surge, and says so', async () => {
    const rg = ROLLING_RG;
    // Quota back to the defaults: the surge starts; the first old instance's delete ends Failed.
    cloud.emulator.faults.add({ failLro: '{vmScaleSetName}/delete', count: 1, code: 'OperationNotAllowed', message: 'The operation is not allowed (injected).' });
    const error = await failedChangeOnEvaluation();
    expect(error).toContain('OperationNotAllowed');
    expect(error).toContain('Upgrade mode restored to Rolling after the error');
    const vmss = await testClients(cloud).compute.virtualMachineScaleSets.get(rg, VMSS);
    expect(vmss.upgradePolicy?.mode).toBe('Rolling');
  }, 180_000);

  it('says the upgrade mode was left Manual, and how to put it back, when even restoring it fails', async () => {
    const rg = ROLLING_RG;
    // The model is on Standard_D2s_v3 since the stopped change; back to B2s at night. The old
    // instance's delete fails, and ARM refuses the third PATCH (after the size + Manual and the
    // scale-out ones): the one that would give the mode back.
    const doc = { scaleSets: [{ resourceGroup: rg, name: VMSS, timeZone: 'America/New_York', periods: [{ name: 'night', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '06:00', target: { vmSize: 'Standard_B2s' } }] }] };
    expect((await api('schedules', { method: 'PUT', body: JSON.stringify(doc) })).status).toBe(200);
    cloud.emulator.faults.add({ failLro: '{vmScaleSetName}/delete', count: 1, code: 'OperationNotAllowed', message: 'The operation is not allowed (injected).' });
    cloud.emulator.faults.add({ route: 'virtualMachineScaleSets/{vmScaleSetName}', method: 'PATCH', after: 2, count: 1, status: 409 });
    const error = await failedChangeOnEvaluation();
    expect(error).toContain('The upgrade mode was left Manual (it was Rolling; putting it back failed:');
    expect(error).toContain('OperationNotAllowed (HTTP 409)');
    expect(error).toContain(`Put it back with: az vmss update --resource-group ${rg} --name ${VMSS} --set upgradePolicy.mode=Rolling`);
    const vmss = await testClients(cloud).compute.virtualMachineScaleSets.get(rg, VMSS);
    expect(vmss.upgradePolicy?.mode).toBe('Manual');
    cloud.emulator.faults.clear();
  }, 180_000);
});
