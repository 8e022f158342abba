/**
 * End to end on the local cloud (real SDK clients over the wire): Azure's stricter behaviours and
 * the app's handling of each — an extension failure ends the scale-set step Failed with
 * VMExtensionProvisioningError as Azure does, the run still verifies and reports every instance
 * with its reason, and a re-run re-applies the Failed scale set.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients, uniqueName } from '../support/armTestClients';
import { waitForStatus, type RunStatus } from '../support/durableRuns';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
let cloud: LocalCloudHandle;

interface Report {
  outcome: string;
  instances: Array<{ instanceId: string; verdict: string; reason: string }>;
  totals: { instances: number; passed: number; failed: number };
  steps: Array<{ name: string; status: string; detail?: string }>;
  plannedWrites: Array<{ step: string; reason: string }>;
}

async function deploy(body: unknown): Promise<RunStatus> {
  const res = await fetch(`${cloud.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
  return waitForStatus(cloud, statusQueryGetUri, 'deployment', 50_000);
}

beforeAll(async () => {
  // Azure's time: the failing extension run, the re-run and every operation take their Azure minutes.
  cloud = await startLocalCloud({ emulator: azureTime(), dataDir: mkdtempSync(path.join(tmpdir(), 'friday-e2e-azfail-')), runner: { log: () => undefined, timers: 'manual' } });
});
afterAll(async () => {
  await cloud?.close();
});

describe('Azure fails, the app survives', () => {
  it('an extension failure ends the scaleSet step Failed (VMExtensionProvisioningError), the run verifies and reports every instance, and a re-run re-applies the Failed scale set', async () => {
    const rg = uniqueName('rg-extfail');
    const spec = { ...example, resourceGroup: rg, scaleSet: { ...example.scaleSet, overprovision: false } };
    cloud.emulator.faults.add({ extension: { vmss: 'vmss-friday', instanceId: '1' }, message: "Command execution finished, but failed because it returned a non-zero exit code of: '1'.", count: 1 });
    const first = await deploy(spec);
    expect(first.runtimeStatus).toBe('Completed');
    const report = first.output as Report;
    expect(report.outcome).toBe('failed');
    const step = report.steps.find((s) => s.name === 'scaleSet');
    expect(step?.status).toBe('failed');
    expect(step?.detail).toMatch(/^VMExtensionProvisioningError: VM has reported a failure when processing extension 'friday-setup'/);
    expect(report.steps.filter((s) => s.name === 'upgrade' || s.name === 'capacity').map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(report.steps.find((s) => s.name === 'verify')?.status).toBe('succeeded');
    expect(report.totals).toMatchObject({ instances: 3, passed: 2, failed: 1 });
    expect(report.instances.find((i) => i.instanceId === '1')?.reason).toContain('extension: friday-setup ProvisioningState/failed');
    const clients = testClients(cloud);
    expect((await clients.compute.virtualMachineScaleSets.get(rg, 'vmss-friday')).provisioningState).toBe('Failed');

    // The fault was one-off: re-running the same spec re-applies the Failed scale set and the instance recovers.
    const second = await deploy(spec);
    expect(second.runtimeStatus).toBe('Completed');
    const again = second.output as Report;
    expect(again.plannedWrites.find((w) => w.step === 'scaleSet')?.reason).toContain('provisioning state Failed');
    expect(again.outcome).toBe('succeeded');
    expect(again.totals).toMatchObject({ instances: 3, passed: 3, failed: 0 });
    expect((await clients.compute.virtualMachineScaleSets.get(rg, 'vmss-friday')).provisioningState).toBe('Succeeded');
  });
});
