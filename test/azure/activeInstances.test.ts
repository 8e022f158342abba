/**
 * Repairs and upgrades list the active instances right before acting (src/azure/activeInstances.ts):
 * an instance deleted since the repair or resize was decided is left out of the action, which Azure
 * would otherwise refuse whole with 400 InvalidParameter. The app's activities run here as the
 * Functions host runs them, with the app's settings for a local emulator, over the real SDK.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { localAppSettings } from '../../local/cli/localCloud';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import type { OperationProgress } from '../../src/azure/armOperations';
import type { StepOutcome } from '../../src/azure/armStep';
import { pollArmOperation } from '../../src/functions/activities/pollArmOperation';
import { repairInstances } from '../../src/functions/activities/repairInstances';
import { upgradeBatch } from '../../src/functions/activities/resizeInstances';
import { upgradeInstances } from '../../src/functions/activities/upgradeInstances';
import { resetSettingsCache } from '../../src/settings';
import { testClients, uniqueName } from '../support/armTestClients';
import { buildNetwork, scaleSetBody, uploadScript } from '../support/tier';

let emulator: EmulatorHandle;
let azurite: AzuriteHandle;
const saved = { ...process.env };

beforeAll(async () => {
  [emulator, azurite] = await Promise.all([startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-active-emu-')) }), startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-active-azurite-')) })]);
  Object.assign(process.env, localAppSettings({ azurite, emulator }));
  resetSettingsCache();
});
afterAll(async () => {
  process.env = saved;
  resetSettingsCache();
  await emulator?.close();
  await azurite?.close();
});

/** Polls an operation the activity started (as the orchestration does, without the timers). */
async function settle(operation: OperationProgress | undefined): Promise<void> {
  for (let current = operation; current && !current.done; ) {
    const polled: StepOutcome<OperationProgress> = await pollArmOperation({ step: 'test', handle: current.handle });
    if (!polled.ok) throw new Error(JSON.stringify(polled.failure));
    current = polled.value;
  }
}

describe('acting on the instances active right before', () => {
  it('a repair (reimage, delete) or an upgrade batch leaves out an instance deleted since it was decided, instead of being refused', async () => {
    const clients = testClients(emulator);
    const rg = uniqueName('rg-active');
    const scriptUrl = await uploadScript({ connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint, container: 'scripts', name: 'setup-friday.ps1' });
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const name = 'vmss-friday';
    const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: name, capacity: 4, scriptUrl, zones: ['1', '2', '3'] });
    await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, overprovision: false });
    const ids: string[] = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) ids.push(vm.instanceId ?? '');
    const [gone = '', kept = '', other = ''] = ids;
    // Decided on `gone` and others; then `gone` is deleted (someone's scale-in) before they act.
    await clients.compute.virtualMachineScaleSets.deleteInstances(rg, name, { instanceIds: [gone] });
    const target = { resourceGroup: rg, scaleSetName: name };
    const logStart = emulator.requestLog.lastSeq;

    const reimaged = await repairInstances({ ...target, action: 'reimage', instanceIds: [gone, kept], phase: 'reimage' });
    expect(reimaged, JSON.stringify(reimaged)).toMatchObject({ ok: true, value: { acted: [kept] } });
    await settle(reimaged.ok ? reimaged.value.operation : undefined);
    const upgraded = await upgradeBatch({ ...target, instanceIds: [gone, other] });
    expect(upgraded, JSON.stringify(upgraded)).toMatchObject({ ok: true, value: { upgraded: [other] } });
    await settle(upgraded.ok ? upgraded.value.operation : undefined);
    const deleted = await repairInstances({ ...target, action: 'replace', instanceIds: [gone], phase: 'delete' });
    expect(deleted).toMatchObject({ ok: true, value: { deleting: [] } });
    expect(deleted.ok && deleted.value.operation).toBeFalsy();
    // A deploy's manual upgrade lists the stale instances itself, right before: none is gone.
    await clients.compute.virtualMachineScaleSets.update(rg, name, { sku: { name: 'Standard_D4ds_v5', tier: 'Standard', capacity: 3 } });
    const batch = await upgradeInstances({ ...target, batchSize: 10 });
    expect(batch.ok && batch.value.upgraded.sort()).toEqual(ids.filter((id) => id !== gone).sort());
    await settle(batch.ok ? batch.value.operation : undefined);

    const actions = emulator.requestLog.entries({ since: logStart }).filter((e) => e.method === 'POST' && /\/(reimage|manualupgrade|delete)$/.test(e.template));
    expect(actions.map((e) => [e.template.split('/').pop(), e.status])).toEqual([['reimage', 202], ['manualupgrade', 202], ['manualupgrade', 202]]);
  });
});
