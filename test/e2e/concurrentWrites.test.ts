/**
 * Concurrent writes end to end, on Azure's timing (one Azure minute per half real second): Azure
 * refuses a write on a scale set while another of its operations is in progress with 409
 * `Conflict` (the emulator does too, `compute/scaleSetEngine.ts`). The app waits such a refusal out
 * on a durable timer and sends the write again — visible in the run's progress meanwhile — and,
 * when the other operation outlasts its tries, fails the run naming the conflict.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients } from '../support/armTestClients';
import { type RunStatus } from '../support/durableRuns';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const VMSS = 'vmss-friday';
let cloud: LocalCloudHandle;

interface Watched extends RunStatus {
  /** Every distinct progress the run showed while it ran. */
  progress: Array<Record<string, unknown>>;
}

/** Starts a run through the app's HTTP API and follows its status route to the end, keeping each progress seen. */
async function run(route: string, body: unknown): Promise<Watched> {
  const res = await fetch(`${cloud.baseUrl}/api/${route}`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
  const seen = new Map<string, Record<string, unknown>>();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = (await (await fetch(statusQueryGetUri, { headers: { 'x-functions-key': cloud.functionKey } })).json()) as { runtimeStatus: string; progress?: Record<string, unknown> | null; report?: unknown; error?: unknown };
    if (s.progress) seen.set(JSON.stringify(s.progress), s.progress);
    if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return { runtimeStatus: s.runtimeStatus, output: s.report ?? s.error ?? null, customStatus: s.progress, progress: [...seen.values()] };
    if (Date.now() > deadline) throw new Error(`${route}: still ${s.runtimeStatus}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

const setTiming = async (timing: Record<string, number>): Promise<void> => {
  expect((await fetch(`${cloud.emulator.adminUrl}/timing`, { method: 'POST', body: JSON.stringify(timing) })).status).toBe(200);
};

beforeAll(async () => {
  cloud = await startLocalCloud({
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-e2e-conflict-')),
    emulator: { ...azureTime() },
    runner: { log: () => undefined, timers: 'manual' },
  });
}, 60_000);
afterAll(async () => {
  await cloud?.close();
});

describe('a write refused while another operation runs (409 Conflict)', () => {
  it('is waited out on a durable timer, shown in progress, sent again and succeeds; when the other operation outlasts every try the run fails naming the conflict', async () => {
    const rg = 'rg-e2e-conflict';
    const deployed = await run('deployments', { ...example, resourceGroup: rg, scaleSet: { ...example.scaleSet, overprovision: false } });
    expect((deployed.output as { outcome?: string }).outcome, JSON.stringify(deployed.output).slice(0, 800)).toBe('succeeded');
    const { compute } = testClients(cloud);
    const ids: string[] = [];
    for await (const vm of compute.virtualMachineScaleSetVMs.list(rg, VMSS)) ids.push(vm.instanceId ?? '');

    // 1. Someone reimages every instance (4.5 Azure minutes); the app's scale-out meanwhile is refused, waits, and goes through.
    const logStart = cloud.emulator.requestLog.lastSeq;
    const reimage = await compute.virtualMachineScaleSets.beginReimage(rg, VMSS, { vmScaleSetReimageInput: { instanceIds: ids } });
    const scaled = await run(`scalesets/${VMSS}/scale`, { resourceGroup: rg, capacity: ids.length + 1 });
    await reimage.pollUntilDone();
    expect(scaled.runtimeStatus, JSON.stringify(scaled.output)).toBe('Completed');
    expect(scaled.output).toMatchObject({ outcome: 'succeeded', before: ids.length, after: ids.length + 1 });
    const writes = cloud.emulator.requestLog.entries({ since: logStart }).filter((e) => e.method === 'PATCH' && /virtualMachineScaleSets\/\{vmScaleSetName\}$/.test(e.template));
    expect(writes.map((w) => w.status).filter((s) => s === 409).length).toBeGreaterThan(0);
    expect(writes.at(-1)?.status).toBe(200);
    expect(writes.every((w) => w.status === 409 || w === writes.at(-1))).toBe(true);
    const waits = scaled.progress.filter((p) => p.conflict !== undefined);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]).toMatchObject({ step: 'capacity', conflict: { activity: 'setCapacity', tries: 1, waitSeconds: 15 } });
    expect(String(waits[0]?.message)).toMatch(/^another operation is in progress \(409 Conflict, try 1 of 8\)/);

    // 2. A reimage longer than all the tries' waiting (17.5 Azure minutes): the run fails naming the conflict, nothing written.
    await setTiming({ instanceProvisionMs: 16 * 60_000 });
    try {
      const longReimage = await compute.virtualMachineScaleSets.beginReimage(rg, VMSS, { vmScaleSetReimageInput: { instanceIds: [ids[0] ?? ''] } });
      const refused = await run(`scalesets/${VMSS}/scale`, { resourceGroup: rg, capacity: ids.length + 2 });
      expect(refused.runtimeStatus).toBe('Failed');
      expect(String(refused.output)).toMatch(/Step 'capacity' failed: Conflict \(HTTP 409\) — The request failed due to conflict with a concurrent request\..*still in progress after 8 tries over 945 s of waiting/);
      expect(refused.progress.filter((p) => p.conflict !== undefined).map((p) => (p.conflict as { tries: number }).tries)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect((await compute.virtualMachineScaleSets.get(rg, VMSS)).sku?.capacity).toBe(ids.length + 1);
      await longReimage.pollUntilDone();
    } finally {
      await setTiming({ instanceProvisionMs: 180_000 });
    }
  });
});
