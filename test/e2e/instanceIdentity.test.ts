/**
 * Instances read the setup script with the scale set's user-assigned identity (what infra/ sets up
 * in Azure): nothing in the model expires, so instances added hours after the deployment — by a
 * schedule's morning scale-out or by autoscale — still set themselves up. The deployment here is
 * made with the clock three hours back; a SAS signed then would long have expired.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { parseSettings, SettingsError } from '../../src/settings';
import { testClients } from '../support/armTestClients';
import { runToEnd } from '../support/durableRuns';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const RG = 'rg-e2e-identity';
let cloud: LocalCloudHandle;
let identityId: string;

const run = (route: string, body: unknown) => runToEnd(cloud, route, body);

beforeAll(async () => {
  const subscription = '00000000-0000-0000-0000-00000000f41d';
  identityId = `/subscriptions/${subscription}/resourceGroups/rg-friday-app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-friday-instances`;
  cloud = await startLocalCloud({ emulator: azureTime(),
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-identity-')),
    settings: { FRIDAY_SCRIPT_ACCESS: 'managedIdentity', FRIDAY_INSTANCE_IDENTITY_ID: identityId, FRIDAY_INSTANCE_IDENTITY_CLIENT_ID: '6f1c4a2e-0d7b-4c55-9a3e-2b8f1e0c7d91' },
    runner: { log: () => undefined, timers: 'manual' },
  });
}, 60_000);

afterAll(async () => {
  await cloud?.close();
});

describe('setup script read with the instances\' managed identity', () => {
  it('deploys with the identity on the scale set, and instances added hours later still pass', async () => {
    cloud.runner.setClock(new Date(Date.now() - 3 * 3600_000));
    const deployed = await run('deployments', { ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, overprovision: false } });
    expect(deployed.runtimeStatus).toBe('Completed');
    expect((deployed.output as { outcome: string }).outcome).toBe('succeeded');
    const vmss = await testClients(cloud).compute.virtualMachineScaleSets.get(RG, 'vmss-friday');
    expect(vmss.identity?.type).toBe('UserAssigned');
    expect(Object.keys(vmss.identity?.userAssignedIdentities ?? {})).toEqual([identityId]);

    cloud.runner.setClock(new Date());
    const scaled = await run('scalesets/vmss-friday/scale', { resourceGroup: RG, capacity: 5 });
    const out = scaled.output as { outcome: string; instances: Array<{ verdict: string; reason: string }> };
    expect(out.instances).toHaveLength(2);
    expect(out.instances.map((i) => i.verdict), JSON.stringify(out.instances)).toEqual(['pass', 'pass']);
    // A re-run of the same spec sees the identity as already in place: no write.
    const again = await run('deployments', { ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, capacity: 5, overprovision: false } });
    expect((again.output as { armWrites: number }).armWrites).toBe(0);
  }, 120_000);

  it('refuses to start without the identity when managed-identity access is configured', () => {
    expect(() => parseSettings({ AZURE_SUBSCRIPTION_ID: 'x', FRIDAY_SCRIPT_ACCESS: 'managedIdentity' })).toThrow(SettingsError);
    expect(() => parseSettings({ AZURE_SUBSCRIPTION_ID: 'x', FRIDAY_SCRIPT_ACCESS: 'managedIdentity' })).toThrow(/FRIDAY_INSTANCE_IDENTITY_ID/);
  });
});
