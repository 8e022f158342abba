/**
 * The emulator's load balancer really takes members out of rotation, on its probe definition's
 * interval (5 s, on a clock running 25 × faster) — so a change that loses no request earns it:
 * a member whose page starts failing is dropped once its probe fails, and an instance taken out of
 * the backend pool with a VMSS VM update (`networkProfileConfiguration`) gets no new connection
 * while it still serves its own page.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualMachineScaleSetVM } from '@azure/arm-compute';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import { testClients, uniqueName } from '../support/armTestClients';
import { addressMap, buildNetwork, fetchPage, scaleSetBody, uploadScript } from '../support/tier';

let emulator: EmulatorHandle;
let azurite: AzuriteHandle;
let clients: ReturnType<typeof testClients>;
let scriptUrl: string;

beforeAll(async () => {
  [emulator, azurite] = await Promise.all([
    // healthProbeIntervalMs 0: the probe definition's own interval, on the emulator's (scaled) clock.
    startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-')), timeScale: 25, timing: { healthProbeIntervalMs: 0 } }),
    startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-azurite-')) }),
  ]);
  clients = testClients(emulator);
  scriptUrl = await uploadScript({ connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint, container: 'scripts', name: 'setup-friday.ps1' });
});

afterAll(async () => {
  await emulator?.close();
  await azurite?.close();
});

const hostOf = (body: string): string => /host (\S+) !/.exec(body)?.[1] ?? '';
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Requests (each a new connection) until every one of `names` has answered, or gives up. */
async function untilServedBy(front: string, names: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 400 && names.some((n) => !seen.has(n)); i++) {
    const page = await fetchPage(`http://${front}/`);
    if (page.status === 200) seen.add(hostOf(page.body));
    else await pause(10);
  }
  return seen;
}

describe("the emulator's load balancer", () => {
  it('drops a member whose probe fails, and gives an instance taken out of the backend pool no new connection', async () => {
    const rg = uniqueName('rg');
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const name = 'vmss-friday';
    await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, scaleSetBody(net, { resourceGroup: rg, scaleSetName: name, capacity: 3, scriptUrl, zones: ['1', '2', '3'] }));
    const vms: VirtualMachineScaleSetVM[] = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) vms.push(vm);
    const names = vms.map((v) => (v.osProfile?.computerName ?? '').toUpperCase());
    const front = (await addressMap(emulator.adminUrl))[`${net.publicIpAddress}:80`] ?? '';
    expect([...(await untilServedBy(front, names))].sort()).toEqual([...names].sort());

    // 1. Its page fails: its probe fails too, and after the probe's interval it gets nothing more.
    const [sick, drained, healthy] = vms as [VirtualMachineScaleSetVM, VirtualMachineScaleSetVM, VirtualMachineScaleSetVM];
    const sickName = (sick.osProfile?.computerName ?? '').toUpperCase();
    await fetch(`${emulator.adminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance: { vmss: name, instanceId: sick.instanceId }, page: 'page500' }) });
    // Until its probe fails it may still get a connection (which answers 500); then never again.
    // (That it does get them until then, not sooner, is the front-end proxy's unit test, on a manual clock.)
    let clean = 0;
    for (let i = 0; i < 600 && clean < 30; i++) {
      const page = await fetchPage(`http://${front}/`);
      clean = page.status === 200 && hostOf(page.body) !== sickName ? clean + 1 : 0;
    }
    expect(clean).toBe(30);
    for (let i = 0; i < 30; i++) {
      const page = await fetchPage(`http://${front}/`);
      expect(page.status).toBe(200);
      expect(hostOf(page.body)).not.toBe(sickName);
    }

    // 2. Out of the backend pool through a VMSS VM update: no new connection, though it still serves.
    const drainedName = (drained.osProfile?.computerName ?? '').toUpperCase();
    const current = await clients.compute.virtualMachineScaleSetVMs.get(rg, name, drained.instanceId ?? '');
    const nics = current.networkProfileConfiguration?.networkInterfaceConfigurations ?? [];
    expect(nics[0]?.ipConfigurations?.[0]?.loadBalancerBackendAddressPools?.length).toBe(1);
    for (const nic of nics) for (const ip of nic.ipConfigurations ?? []) ip.loadBalancerBackendAddressPools = [];
    const updated = await clients.compute.virtualMachineScaleSetVMs.update(rg, name, drained.instanceId ?? '', { ...current, networkProfileConfiguration: { networkInterfaceConfigurations: nics } });
    expect(updated.networkProfileConfiguration?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0]?.loadBalancerBackendAddressPools).toEqual([]);
    const healthyName = (healthy.osProfile?.computerName ?? '').toUpperCase();
    for (let i = 0; i < 20; i++) {
      const page = await fetchPage(`http://${front}/`);
      expect({ status: page.status, host: hostOf(page.body) }).toEqual({ status: 200, host: healthyName });
    }
    const nicsOfSet = [];
    for await (const nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, name)) nicsOfSet.push(nic);
    const ip = nicsOfSet.find((n) => n.virtualMachine?.id?.toLowerCase() === drained.id?.toLowerCase())?.ipConfigurations?.[0]?.privateIPAddress ?? '';
    const direct = await fetchPage(`http://${(await addressMap(emulator.adminUrl))[`${ip}:80`] ?? ''}/`);
    expect({ status: direct.status, host: hostOf(direct.body) }).toEqual({ status: 200, host: drainedName });
  });
});
