/**
 * The Functions runner killed (SIGKILL) at seeded random points of a real deployment — counted in
 * ARM writes the emulator has seen — and started again on the same data directory: the deployment
 * completes with the same result as an uninterrupted one (outcome, instances, resources), and
 * nothing is duplicated: the same ARM writes, counted per method and path, as the uninterrupted run. Azurite and the emulator live in this process; only the runner dies.
 * `FRIDAY_SOAK=1` runs more seeds.
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
import { testClients } from '../support/armTestClients';
import { requireFreshBuild } from '../support/freshBuild';
import { killRunner as kill, repoRoot, startRunnerProcess, type RunnerProcess } from '../support/runnerProcess';

requireFreshBuild('dist/local/runner/main.js');

const SEEDS = process.env.FRIDAY_SOAK === '1' ? [11, 23, 37, 41, 53, 67, 79, 83, 97, 101] : [23, 11, 41]; // early, middle and late kill points
const example = JSON.parse(readFileSync(path.join(repoRoot, 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const children: ChildProcess[] = [];
let azurite: AzuriteHandle;
let emulator: EmulatorHandle;
let settings: Record<string, string>;

type Runner = RunnerProcess;
interface Report {
  outcome: string;
  totals: { instances: number; passed: number; failed: number };
  instances: Array<{ instanceId: string; computerName: string; zone: string | null; verdict: string }>;
}

/** A small deterministic generator (mulberry32): the same seed kills at the same point. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Azure's time (the timing profile), on one clock shared by the emulator and each runner process.
const time = azureTime();
const clockOriginMs = Date.now();
const startRunner = (dataDir: string): Promise<Runner> => startRunnerProcess({ dataDir, settings, children, clock: { timeScale: time.timeScale, originMs: clockOriginMs } });

async function startDeployment(runner: Runner, resourceGroup: string): Promise<string> {
  const res = await fetch(`${runner.baseUrl}/api/deployments`, {
    method: 'POST',
    headers: { 'x-functions-key': runner.functionKey },
    body: JSON.stringify({ ...example, resourceGroup, scaleSet: { ...example.scaleSet, overprovision: false } }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function waitDone(runner: Runner, id: string): Promise<{ runtimeStatus: string; output: unknown }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${runner.masterKey}`);
    const s = (await res.json()) as { runtimeStatus: string; output: unknown };
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
    if (Date.now() > deadline) throw new Error(`${id} still ${s.runtimeStatus}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function resources(rg: string): Promise<string[]> {
  const { compute, network } = testClients(emulator);
  const out: string[] = [];
  const add = async (kind: string, it: AsyncIterable<{ name?: string }>): Promise<void> => {
    for await (const r of it) out.push(`${kind}/${r.name ?? ''}`);
  };
  await add('vmss', compute.virtualMachineScaleSets.list(rg));
  await add('vm', compute.virtualMachineScaleSetVMs.list(rg, 'vmss-friday'));
  await add('pip', network.publicIPAddresses.list(rg));
  await add('lb', network.loadBalancers.list(rg));
  await add('nsg', network.networkSecurityGroups.list(rg));
  await add('vnet', network.virtualNetworks.list(rg));
  await add('nat', network.natGateways.list(rg));
  return out.sort();
}

/**
 * ARM writes since `seq` by method and path (group name taken out): `PUT …/resourceGroups/RG/…/vmss-friday` → 1.
 * Compared with the uninterrupted run, a repeated PUT, capacity PATCH or manual-upgrade POST shows.
 */
function writesByRequest(since: number, rg: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const group = new RegExp(`/resourceGroups/${rg}(?=/|$)`, 'i');
  for (const e of emulator.requestLog.entries({ since, writesOnly: true })) {
    const key = `${e.method} ${(e.path.split('?')[0] ?? '').replace(group, '/resourceGroups/RG')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const shape = (r: Report) => ({ outcome: r.outcome, totals: r.totals, instances: r.instances.map((i) => `${i.instanceId}:${i.computerName}:${i.zone ?? '-'}:${i.verdict}`) });

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'friday-kill-'));
  [azurite, emulator] = await Promise.all([
    startAzurite({ dataDir: path.join(dir, 'azurite') }),
    // Azure's durations, so a kill can land inside an operation as well as between them.
    startEmulator({ stateDir: path.join(dir, 'emulator'), ...time, clockOriginMs }),
  ]);
  settings = localAppSettings({ azurite, emulator });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all([azurite?.close(), emulator?.close()]);
});

describe('a runner killed during a real deployment', () => {
  let baseline: { report: Report; resources: string[]; writes: number; byRequest: Record<string, number> };

  beforeAll(async () => {
    const runner = await startRunner(mkdtempSync(path.join(tmpdir(), 'friday-kill-runner-')));
    const seq = emulator.requestLog.lastSeq;
    const done = await waitDone(runner, await startDeployment(runner, 'rg-kill-baseline'));
    expect(done.runtimeStatus).toBe('Completed');
    baseline = { report: done.output as Report, resources: (await resources('rg-kill-baseline')).map((r) => r.replace('rg-kill-baseline', 'RG')), writes: emulator.requestLog.entries({ since: seq, writesOnly: true }).length, byRequest: writesByRequest(seq, 'rg-kill-baseline') };
    expect(baseline.report.outcome).toBe('succeeded');
    expect(baseline.writes).toBeGreaterThan(5);
    await kill(runner);
  }, 120_000);

  for (const seed of SEEDS) {
    it(`seed ${seed}: killed after a random ARM write, restarted, ends as the uninterrupted run did`, async () => {
      const rg = `rg-kill-${seed}`;
      const killAfter = 1 + Math.floor(random(seed)() * (baseline.writes - 1));
      const dataDir = mkdtempSync(path.join(tmpdir(), `friday-kill-${seed}-`));
      const first = await startRunner(dataDir);
      const seq = emulator.requestLog.lastSeq;
      const id = await startDeployment(first, rg);
      const deadline = Date.now() + 60_000;
      while (emulator.requestLog.entries({ since: seq, writesOnly: true }).length < killAfter && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      await kill(first);
      const writesBeforeKill = emulator.requestLog.entries({ since: seq, writesOnly: true }).length;
      expect(writesBeforeKill).toBeGreaterThanOrEqual(killAfter);

      const second = await startRunner(dataDir);
      const done = await waitDone(second, id);
      await kill(second);
      expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
      expect(shape(done.output as Report)).toEqual(shape(baseline.report));
      expect((await resources(rg)).map((r) => r.replace(rg, 'RG'))).toEqual(baseline.resources);
      // Nothing duplicated: across both lives of the runner, each write was made as often as in the
      // uninterrupted run (the activity in flight at the kill re-reads what exists before writing).
      expect(writesByRequest(seq, rg)).toEqual(baseline.byRequest);
    }, 120_000);
  }
});
