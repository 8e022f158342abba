/**
 * The emulator's Azure timing for the operations that take instances away: a deallocate, a
 * scale-in and an instance delete each take their Azure time on the emulator's clock
 * (`instanceStopMs`, `modelWriteMs` + `instanceDeleteMs`; core/timingProfile.ts), and the instance
 * shows Azure's transitional state (Deallocating, Deleting) while they run. Measured on the
 * emulator's scaled clock — Azure time, not this machine's speed: a machine that is slow only adds
 * to it. Driven through the real SDK; `operationRetryAfterSeconds: 0` so the SDK's own poller (which
 * waits Retry-After in real time) long-polls instead.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import { AZURE_TIMING, azureTime } from '../../local/emulator/core/timingProfile';
import { testClients, uniqueName } from '../support/armTestClients';
import { buildNetwork, scaleSetBody, uploadScript } from '../support/tier';

let emulator: EmulatorHandle;
let azurite: AzuriteHandle;
let clients: ReturnType<typeof testClients>;
let scriptUrl: string;

beforeAll(async () => {
  // 600: one Azure minute in a tenth of a real second.
  const time = azureTime({ timeScale: 600, timing: { operationRetryAfterSeconds: 0 } });
  [emulator, azurite] = await Promise.all([
    startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-timing-')), ...time }),
    startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-azurite-timing-')) }),
  ]);
  clients = testClients(emulator);
  scriptUrl = await uploadScript({ connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint, container: 'scripts', name: 'setup-friday.ps1' });
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await azurite?.close();
});

/** Azure ms an operation took, on the emulator's clock. */
async function azureMs(run: () => Promise<unknown>): Promise<number> {
  const start = emulator.context.clock.now().getTime();
  await run();
  return emulator.context.clock.now().getTime() - start;
}

/** Waits until `instanceId` shows the given state (provisioning or power) in the VM list. */
async function seen(rg: string, name: string, instanceId: string, want: RegExp): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const view = await clients.compute.virtualMachineScaleSetVMs.getInstanceView(rg, name, instanceId).catch(() => undefined);
    const vm = await clients.compute.virtualMachineScaleSetVMs.get(rg, name, instanceId).catch(() => undefined);
    const states = [vm?.provisioningState ?? '', ...(view?.statuses ?? []).map((s) => s.code ?? '')];
    if (states.some((s) => want.test(s))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`instance ${instanceId} never showed ${String(want)}`);
}

describe("the emulator's Azure time for operations that take instances away", () => {
  it('deallocate, scale-in and instance delete take their Azure durations, with the transitional states meanwhile', async () => {
    const rg = uniqueName('rg');
    const name = 'vmss-friday';
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const body = { ...scaleSetBody(net, { resourceGroup: rg, scaleSetName: name, capacity: 3, scriptUrl }), overprovision: false };
    await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, body);

    // Deallocate one instance: the guest shuts down, the VM's hardware is released.
    const deallocating = clients.compute.virtualMachineScaleSets.deallocate(rg, name, { vmInstanceIDs: { instanceIds: ['0'] } });
    const deallocated = azureMs(() => deallocating);
    await seen(rg, name, '0', /^PowerState\/deallocating$/);
    expect(await deallocated).toBeGreaterThanOrEqual(AZURE_TIMING.instanceStopMs);

    // Scale-in 3 → 2: the model write, then the instance's delete.
    const scalingIn = clients.compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity: 2 } });
    const scaledIn = azureMs(() => scalingIn);
    await seen(rg, name, '2', /^Deleting$/);
    expect(await scaledIn).toBeGreaterThanOrEqual(AZURE_TIMING.modelWriteMs + AZURE_TIMING.instanceDeleteMs);

    // Delete an instance by id: Deleting (no longer an active id) until it is gone.
    const deleting = clients.compute.virtualMachineScaleSets.deleteInstances(rg, name, { instanceIds: ['1'] });
    const deleted = azureMs(() => deleting);
    await seen(rg, name, '1', /^Deleting$/);
    expect(await deleted).toBeGreaterThanOrEqual(AZURE_TIMING.instanceDeleteMs);

    const left: string[] = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) left.push(vm.instanceId ?? '');
    expect(left).toEqual(['0']);
    expect((await clients.compute.virtualMachineScaleSets.get(rg, name)).sku?.capacity).toBe(1);
  }, 60_000);
});
