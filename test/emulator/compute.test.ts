/**
 * Contract tests for the emulator's compute side, driven only through the real SDK clients:
 * a tier built from the seed's script in Azurite, scaling, pages that name their own host,
 * the load balancer spreading over every instance, VM size changes under each upgrade policy,
 * ARM errors as RestErrors, and injected faults survived by the SDK's own retry.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceSku } from '@azure/arm-compute';
import { RestError } from '@azure/core-rest-pipeline';
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
    startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-')) }),
    startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-azurite-')) }),
  ]);
  clients = testClients(emulator);
  scriptUrl = await uploadScript({ connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint, container: 'scripts', name: 'setup-friday.ps1' });
});

afterAll(async () => {
  await emulator?.close();
  await azurite?.close();
});

async function pagesByInstance(vmss: string, rg: string): Promise<Map<string, { computerName: string; status: number; body: string }>> {
  const map = await addressMap(emulator.adminUrl);
  const out = new Map<string, { computerName: string; status: number; body: string }>();
  const nics = [];
  for await (const nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, vmss)) nics.push(nic);
  for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, vmss)) {
    const nic = nics.find((n) => n.virtualMachine?.id?.toLowerCase() === vm.id?.toLowerCase());
    const ip = nic?.ipConfigurations?.[0]?.privateIPAddress ?? '';
    const local = map[`${ip}:80`];
    const page = local ? await fetchPage(`http://${local}/`) : { status: 0, body: '' };
    out.set(vm.instanceId ?? '', { computerName: vm.osProfile?.computerName ?? '', ...page });
  }
  return out;
}

async function createTier(options: { capacity: number; upgradeMode?: 'Manual' | 'Automatic' | 'Rolling'; url?: string; vmSize?: string; extensionFails?: boolean }) {
  const rg = uniqueName('rg');
  const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
  const name = 'vmss-friday';
  const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: name, capacity: options.capacity, scriptUrl: options.url ?? scriptUrl, upgradeMode: options.upgradeMode, zones: ['1', '2', '3'], ...(options.vmSize ? { vmSize: options.vmSize } : {}) });
  if (options.extensionFails) {
    // Azure ends the create Failed when the extension fails on an instance (the instances exist).
    const error = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, body)).catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain('VMExtensionProvisioningError');
    return { rg, name, net, body, created: await clients.compute.virtualMachineScaleSets.get(rg, name) };
  }
  const created = await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, body);
  return { rg, name, net, body, created };
}

describe('a FRIDAY tier on the emulator, through the real SDKs', () => {
  it('runs the seed script from Azurite: every instance serves its own computer name, scaling 2 → 5 → 1', async () => {
    const { rg, name, created } = await createTier({ capacity: 2 });
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.virtualMachineProfile?.osProfile?.adminPassword).toBeUndefined();

    for (const capacity of [2, 5, 1]) {
      await clients.compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity } });
      const pages = await pagesByInstance(name, rg);
      expect(pages.size).toBe(capacity);
      for (const [, page] of pages) {
        expect(page.status).toBe(200);
        expect(page.body.trim()).toBe(`Running FRIDAY Web Service from host ${page.computerName.toUpperCase()} !`);
      }
    }
  });

  it('overprovisions and then removes the extras, leaving exactly the capacity asked for', async () => {
    const { rg, name } = await createTier({ capacity: 2 });
    const deleted = emulator.events
      .list()
      .filter((e) => e.resourceUri.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`) && e.kind === 'ResourceDeleteSuccess')
      .map((e) => /\/virtualMachines\/([^/]+)$/.exec(e.resourceUri)?.[1]);
    // Asking for 2 created 3 (like the seed's lab log), and the one extra was deleted: it is not among those left.
    expect(deleted).toHaveLength(1);
    const ids: string[] = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) ids.push(vm.instanceId ?? '');
    expect(ids).toHaveLength(2);
    expect(['0', '1', '2'].filter((id) => !ids.includes(id))).toEqual(deleted);
  });

  it('reports data disk, extension and power state in the instance view, with zones and private IPs', async () => {
    const { rg, name } = await createTier({ capacity: 3 });
    const vms = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name, { expand: 'instanceView' })) vms.push(vm);
    expect(vms).toHaveLength(3);
    expect(new Set(vms.map((v) => v.zones?.[0])).size).toBe(3);
    for (const vm of vms) {
      expect(vm.storageProfile?.dataDisks?.[0]?.lun).toBe(0);
      const codes = vm.instanceView?.statuses?.map((s) => s.code) ?? [];
      expect(codes).toContain('PowerState/running');
      expect(codes).toContain('ProvisioningState/succeeded');
      expect(vm.instanceView?.extensions?.[0]?.statuses?.[0]?.code).toBe('ProvisioningState/succeeded');
    }
    const nics = [];
    for await (const nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, name)) nics.push(nic);
    const ips = nics.map((n) => n.ipConfigurations?.[0]?.privateIPAddress);
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip).toMatch(/^10\.0\.1\.\d+$/);
  });

  it('spreads the load balancer front end over every instance', async () => {
    const { rg, name, net } = await createTier({ capacity: 3 });
    const map = await addressMap(emulator.adminUrl);
    const front = map[`${net.publicIpAddress}:80`];
    expect(front).toBeDefined();
    const names = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) names.push(vm.osProfile?.computerName?.toUpperCase());
    // New instances take traffic once the balancer's probe has passed them (here: one probe, every 100 ms).
    const hosts = new Set<string>();
    for (let i = 0; i < 200 && hosts.size < names.length; i++) {
      const page = await fetchPage(`http://${front}/`);
      if (page.status === 200) hosts.add(/host (\S+) !/.exec(page.body)?.[1] ?? '');
      else await new Promise((r) => setTimeout(r, 10));
    }
    expect([...hosts].sort()).toEqual(names.sort());
    for (let i = 0; i < 6; i++) expect((await fetchPage(`http://${front}/`)).status).toBe(200);
  });

  it('fails the extension with a message when the script cannot be downloaded, and the page is never served', async () => {
    const badUrl = scriptUrl.replace('setup-friday.ps1', 'missing.ps1');
    const { rg, name } = await createTier({ capacity: 1, url: badUrl, extensionFails: true });
    const vms = [];
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name, { expand: 'instanceView' })) vms.push(vm);
    const status = vms[0]?.instanceView?.extensions?.[0]?.statuses?.[0];
    expect(status?.code).toMatch(/^ProvisioningState\/failed/);
    expect(status?.message).toContain('Failed to download all specified files');
    expect(status?.message).not.toMatch(/sig=[^<]/);
    const pages = await pagesByInstance(name, rg);
    expect([...pages.values()][0]?.status).toBe(0);
  });

  it('fails the extension when the script uses a command the guest cannot run', async () => {
    const url = await uploadScript({ connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint, container: 'scripts', name: 'broken.ps1', content: 'Install-WindowsFeature -Name Web-Server\nInvoke-Nonsense -Now\n' });
    const { rg, name } = await createTier({ capacity: 1, url, extensionFails: true });
    const vm = (await clients.compute.virtualMachineScaleSetVMs.get(rg, name, '0', { expand: 'instanceView' }).catch(async () => {
      for await (const v of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) return clients.compute.virtualMachineScaleSetVMs.get(rg, name, v.instanceId ?? '', { expand: 'instanceView' });
      throw new Error('no instance');
    }));
    const status = vm.instanceView?.extensions?.[0]?.statuses?.[0];
    expect(status?.code).toBe('ProvisioningState/failed/1');
    expect(status?.message).toContain("'Invoke-Nonsense' is not recognized");
    expect(vm.provisioningState).toBe('Failed');
  });

  it('reports the extension with StdOut and StdErr substatuses, and lays disks out per size (no X: on a size without a temporary disk)', async () => {
    const withTemp = await createTier({ capacity: 1, vmSize: 'Standard_D2ds_v5' });
    const withoutTemp = await createTier({ capacity: 1, vmSize: 'Standard_D2s_v5' });
    const views = [];
    for (const t of [withTemp, withoutTemp]) for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(t.rg, t.name, { expand: 'instanceView' })) views.push(vm.instanceView?.extensions?.[0]);
    const [temp, noTemp] = views;
    expect(temp?.statuses?.[0]).toMatchObject({ code: 'ProvisioningState/succeeded', message: 'Command execution finished' });
    expect(temp?.substatuses?.map((s) => s.code)).toEqual(['ComponentStatus/StdOut/succeeded', 'ComponentStatus/StdErr/succeeded']);
    expect(temp?.substatuses?.[1]?.message ?? '').toBe('');
    // The seed's script addresses disk 2: on a size without a temporary disk that disk does not exist,
    // powershell -File still exits 0, and the extension reports success with the error on StdErr.
    expect(noTemp?.statuses?.[0]?.code).toBe('ProvisioningState/succeeded');
    expect(noTemp?.substatuses?.[1]?.message).toContain("No MSFT_Disk objects found with property 'Number' equal to '2'");
  });

  it('lists VM sizes through the Resource SKUs API, MaxResourceVolumeMB 0 for sizes without a temporary disk, and refuses a size it does not offer', async () => {
    const skus: ResourceSku[] = [];
    for await (const sku of clients.compute.resourceSkus.list({ filter: "location eq 'koreacentral'" })) skus.push(sku);
    const temp = (name: string) => skus.find((s) => s.name === name)?.capabilities?.find((c) => c.name === 'MaxResourceVolumeMB')?.value;
    expect(temp('Standard_D2s_v5')).toBe('0');
    expect(temp('Standard_D2ds_v5')).toBe('76800');
    expect(skus.find((s) => s.name === 'Standard_B2s')?.locations).toEqual(['koreacentral']);
    const rg = uniqueName('rg');
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const error = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'v', scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'v', capacity: 1, scriptUrl, vmSize: 'Standard_Nope_v9' }))).catch((e: unknown) => e);
    expect((error as RestError).code).toBe('InvalidParameter');
  });

  it('lists Compute usages (vCPUs of the instances per family and region) and refuses a scale-out over the regional vCPU quota with 409 OperationNotAllowed, changing nothing', async () => {
    // A region of its own, so only this scale set counts.
    const rg = uniqueName('rg');
    const location = 'westeurope';
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId, location });
    await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'v', scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'v', capacity: 1, scriptUrl, location, vmSize: 'Standard_D2ds_v5' }));
    const usage = async (): Promise<Map<string, { currentValue: number; limit: number }>> => {
      const out = new Map<string, { currentValue: number; limit: number }>();
      for await (const u of clients.compute.usage.list(location)) out.set(u.name.value ?? '', { currentValue: u.currentValue, limit: u.limit });
      return out;
    };
    const before = await usage();
    expect(before.get('cores')).toEqual({ currentValue: 2, limit: 350 });
    expect(before.get('standardDDSv5Family')?.currentValue).toBe(2);
    expect(before.get('virtualMachineScaleSets')?.currentValue).toBe(1);
    const admin = (init: RequestInit): Promise<Response> => fetch(`${emulator.adminUrl}/quotas`, { ...init, headers: { 'content-type': 'application/json' } });
    expect((await admin({ method: 'POST', body: JSON.stringify({ location, limits: { cores: 4 } }) })).status).toBe(200);
    try {
      // Capacity 3 needs 4 more vCPUs; the region has room for 2.
      const error = await Promise.resolve(clients.compute.virtualMachineScaleSets.update(rg, 'v', { sku: { name: 'Standard_D2ds_v5', tier: 'Standard', capacity: 3 } })).catch((e: unknown) => e as RestError);
      expect(error).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
      expect((error as RestError).message).toContain('exceeding approved Total Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: westeurope, Current Limit: 4, Current Usage: 2, Additional Required: 4, (Minimum) New Limit Required: 6');
      expect((await clients.compute.virtualMachineScaleSets.get(rg, 'v')).sku?.capacity).toBe(1);
      // One more fits.
      await clients.compute.virtualMachineScaleSets.update(rg, 'v', { sku: { name: 'Standard_D2ds_v5', tier: 'Standard', capacity: 2 } });
      expect((await usage()).get('cores')).toEqual({ currentValue: 4, limit: 4 });
    } finally {
      expect((await admin({ method: 'DELETE' })).status).toBe(200);
    }
  });

  it('ends create, scale-out and reimage Failed with VMExtensionProvisioningError when an extension fails, leaving the scale set Failed — unless suppressFailures', async () => {
    const url = await uploadScript({ connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint, container: 'scripts', name: 'fails.ps1', content: 'Install-WindowsFeature -Name Web-Server\nexit 7\n' });
    const rg = uniqueName('rg');
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'v', capacity: 1, scriptUrl: url });
    const created = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'v', body)).catch((e: unknown) => e);
    expect(String((created as Error).message)).toContain('VMExtensionProvisioningError');
    expect(String((created as Error).message)).toContain("VM has reported a failure when processing extension 'friday-setup'");
    expect((await clients.compute.virtualMachineScaleSets.get(rg, 'v')).provisioningState).toBe('Failed');
    const scaled = await Promise.resolve(clients.compute.virtualMachineScaleSets.update(rg, 'v', { sku: { capacity: 2 } })).catch((e: unknown) => e);
    expect(String((scaled as Error).message)).toContain('VMExtensionProvisioningError');
    const reimaged = await Promise.resolve(clients.compute.virtualMachineScaleSets.reimage(rg, 'v', { vmScaleSetReimageInput: { instanceIds: ['*'] } })).catch((e: unknown) => e);
    expect(String((reimaged as Error).message)).toContain('VMExtensionProvisioningError');

    const suppressed = structuredClone(body);
    const ext = suppressed.virtualMachineProfile?.extensionProfile?.extensions?.[0];
    if (ext) ext.suppressFailures = true;
    const ok = await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'w', suppressed);
    expect(ok.provisioningState).toBe('Succeeded');
    for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, 'w', { expand: 'instanceView' })) expect(vm.instanceView?.extensions?.[0]?.statuses?.[0]?.code).toBe('ProvisioningState/failed/7');
  });

  describe('VM size changes follow the upgrade policy', () => {
    it('Manual: instances keep the old size until manualupgrade', async () => {
      const { rg, name, body } = await createTier({ capacity: 2, upgradeMode: 'Manual' });
      await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, sku: { ...body.sku, name: 'Standard_B2s' } });
      let vms = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) vms.push(vm);
      expect(vms.every((v) => v.latestModelApplied === false && v.hardwareProfile?.vmSize === 'Standard_D2ds_v5')).toBe(true);
      const stale: string[] = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name, { filter: 'properties/latestModelApplied eq false' })) stale.push(vm.instanceId ?? '');
      expect(stale).toHaveLength(2);
      await clients.compute.virtualMachineScaleSets.updateInstances(rg, name, { instanceIds: [stale[0] ?? ''] });
      vms = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) vms.push(vm);
      const upgraded = vms.find((v) => v.instanceId === stale[0]);
      expect(upgraded?.latestModelApplied).toBe(true);
      expect(upgraded?.hardwareProfile?.vmSize).toBe('Standard_B2s');
      expect(vms.find((v) => v.instanceId === stale[1])?.hardwareProfile?.vmSize).toBe('Standard_D2ds_v5');
    });

    it('Automatic: every instance moves to the new size and still serves its page', async () => {
      const { rg, name, body } = await createTier({ capacity: 2, upgradeMode: 'Automatic' });
      await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, sku: { ...body.sku, name: 'Standard_B2s' } });
      const vms = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) vms.push(vm);
      expect(vms.every((v) => v.latestModelApplied === true && v.hardwareProfile?.vmSize === 'Standard_B2s')).toBe(true);
      for (const page of (await pagesByInstance(name, rg)).values()) expect(page.status).toBe(200);
    });

    it('Rolling: a rolling upgrade runs in batches and reports Completed', async () => {
      const { rg, name, body } = await createTier({ capacity: 4, upgradeMode: 'Rolling' });
      await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, sku: { ...body.sku, name: 'Standard_B2s' } });
      let status;
      for (let i = 0; i < 100; i++) {
        status = await clients.compute.virtualMachineScaleSetRollingUpgrades.getLatest(rg, name).catch(() => undefined);
        if (status?.runningStatus?.code && status.runningStatus.code !== 'RollingForward') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(status?.runningStatus?.code).toBe('Completed');
      expect(status?.progress?.successfulInstanceCount).toBe(4);
      const vms = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) vms.push(vm);
      expect(vms.every((v) => v.hardwareProfile?.vmSize === 'Standard_B2s')).toBe(true);
    });

    it('Rolling without a health probe is refused with the ARM error', async () => {
      const rg = uniqueName('rg');
      const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
      const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'v', capacity: 1, scriptUrl, upgradeMode: 'Rolling' });
      delete body.virtualMachineProfile?.networkProfile?.healthProbe;
      const error = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'v', body)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RestError);
      expect((error as RestError).code).toBe('RollingUpgradeModeNotSupported');
    });
  });

  describe('ARM errors and faults', () => {
    it('returns 404 ResourceNotFound / ResourceGroupNotFound and 400 InvalidParameter as RestErrors', async () => {
      const { rg } = await createTier({ capacity: 1 });
      const missing = await clients.compute.virtualMachineScaleSets.get(rg, 'nope').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(RestError);
      expect((missing as RestError).statusCode).toBe(404);
      expect((missing as RestError).code).toBe('ResourceNotFound');
      const noGroup = await clients.compute.virtualMachineScaleSets.get(uniqueName('nogroup'), 'x').catch((e: unknown) => e);
      expect((noGroup as RestError).code).toBe('ResourceGroupNotFound');
      const bad = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'bad', { location: 'koreacentral', sku: { name: 'Standard_D2s_v5', capacity: 5000 } })).catch((e: unknown) => e);
      expect((bad as RestError).statusCode).toBe(400);
      expect((bad as RestError).code).toBe('InvalidParameter');
      expect((bad as RestError).message).toContain('sku.capacity');
    });

    it('answers 409 PropertyChangeNotAllowed naming the property for an immutable change (zones, computerNamePrefix, adminUsername, platformFaultDomainCount), and stores nothing', async () => {
      const { rg, name, body } = await createTier({ capacity: 1 });
      const zones = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, zones: ['1'] })).catch((e: unknown) => e);
      expect((zones as RestError).statusCode).toBe(409);
      expect((zones as RestError).code).toBe('PropertyChangeNotAllowed');
      expect((zones as RestError).message).toBe("Changing property 'zones' is not allowed.");
      const os = body.virtualMachineProfile?.osProfile ?? {};
      for (const [property, change] of [
        ['computerNamePrefix', { virtualMachineProfile: { ...body.virtualMachineProfile, osProfile: { ...os, computerNamePrefix: 'other' } } }],
        ['adminUsername', { virtualMachineProfile: { ...body.virtualMachineProfile, osProfile: { ...os, adminUsername: 'someoneelse' } } }],
        ['platformFaultDomainCount', { platformFaultDomainCount: 2 }],
      ] as const) {
        const viaPut = await Promise.resolve(clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, ...change })).catch((e: unknown) => e);
        expect((viaPut as RestError).statusCode, property).toBe(409);
        expect((viaPut as RestError).code, property).toBe('PropertyChangeNotAllowed');
        expect((viaPut as RestError).message, property).toBe(`Changing property '${property}' is not allowed.`);
      }
      const viaPatch = await Promise.resolve(clients.compute.virtualMachineScaleSets.update(rg, name, { zones: ['2'] })).catch((e: unknown) => e);
      expect((viaPatch as RestError).code).toBe('PropertyChangeNotAllowed');
      expect((viaPatch as RestError).message).toBe("Changing property 'zones' is not allowed.");
      const stored = await clients.compute.virtualMachineScaleSets.get(rg, name);
      expect(stored.virtualMachineProfile?.osProfile?.computerNamePrefix).toBe('friday');
      expect(stored.zones).toEqual(['1', '2', '3']);
    });

    it('answers 400 InvalidParameter naming an instance id that is not active (delete, manualupgrade, reimage), and acts on none', async () => {
      const { rg, name } = await createTier({ capacity: 2 });
      const ids: string[] = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) ids.push(vm.instanceId ?? '');
      const calls = [
        () => clients.compute.virtualMachineScaleSets.deleteInstances(rg, name, { instanceIds: [ids[0] ?? '', '999'] }),
        () => clients.compute.virtualMachineScaleSets.updateInstances(rg, name, { instanceIds: ['999'] }),
        () => clients.compute.virtualMachineScaleSets.reimage(rg, name, { vmScaleSetReimageInput: { instanceIds: ['999'] } }),
      ];
      for (const call of calls) {
        const error = await Promise.resolve(call()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RestError);
        expect((error as RestError).statusCode).toBe(400);
        expect((error as RestError).code).toBe('InvalidParameter');
        expect((error as RestError).message).toBe('The provided instanceId 999 is not an active Virtual Machine Scale Set VM instanceId.');
      }
      const after: string[] = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) after.push(vm.instanceId ?? '');
      expect(after.sort()).toEqual([...ids].sort());
    });

    it('answers 409 Conflict to a write while another operation on the scale set is in progress (PATCH, PUT, instance action, extension), changes nothing, and takes the write once it ended; autoscale waits its turn', async () => {
      const { rg, name, body } = await createTier({ capacity: 2 });
      const ids: string[] = [];
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) ids.push(vm.instanceId ?? '');
      const [first = '', second = ''] = ids;
      const timing = async (change: Record<string, number>): Promise<void> => {
        const res = await fetch(`${emulator.adminUrl}/timing`, { method: 'POST', body: JSON.stringify(change) });
        expect(res.status).toBe(200);
      };
      await timing({ instanceProvisionMs: 1500 });
      try {
        const reimage = await clients.compute.virtualMachineScaleSets.beginReimage(rg, name, { vmScaleSetReimageInput: { instanceIds: [first] } });
        const refused = [
          () => clients.compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity: 3 } }),
          () => clients.compute.virtualMachineScaleSets.createOrUpdate(rg, name, { ...body, sku: { ...body.sku, capacity: 3 } }),
          () => clients.compute.virtualMachineScaleSets.updateInstances(rg, name, { instanceIds: [second] }),
          () => clients.compute.virtualMachineScaleSets.reimage(rg, name, { vmScaleSetReimageInput: { instanceIds: [second] } }),
          () => clients.compute.virtualMachineScaleSetExtensions.createOrUpdate(rg, name, 'other', { publisher: 'Microsoft.Compute', type: 'BGInfo', typeHandlerVersion: '2.1' }),
        ];
        for (const call of refused) {
          const error = await Promise.resolve(call()).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RestError);
          expect((error as RestError).statusCode).toBe(409);
          expect((error as RestError).code).toBe('Conflict');
          expect((error as RestError).message).toMatch(/^The request failed due to conflict with a concurrent request\./);
        }
        // Autoscale acting meanwhile waits for the reimage, then scales.
        const autoscale = fetch(`${emulator.adminUrl}/autoscale`, { method: 'POST', body: JSON.stringify({ resourceGroup: rg, scaleSet: name, delta: 1 }) });
        const during = await clients.compute.virtualMachineScaleSets.get(rg, name);
        expect(during.sku?.capacity).toBe(2);
        expect(during.virtualMachineProfile?.extensionProfile?.extensions?.map((e) => e.name)).not.toContain('other');
        await reimage.pollUntilDone();
        expect(((await (await autoscale).json()) as { oldCapacity: number; newCapacity: number })).toMatchObject({ oldCapacity: 2, newCapacity: 3 });
      } finally {
        await timing({ instanceProvisionMs: 0 });
      }
      // Once nothing runs, the same write is taken.
      await clients.compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity: 2 } });
      expect((await clients.compute.virtualMachineScaleSets.get(rg, name)).sku?.capacity).toBe(2);
    });

    it('names instances prefix + six upper-case base-36 characters, and every Compute answer carries x-ms-ratelimit-remaining-resource', async () => {
      const { rg, name } = await createTier({ capacity: 2 });
      for await (const vm of clients.compute.virtualMachineScaleSetVMs.list(rg, name)) {
        const id = Number(vm.instanceId);
        expect(vm.osProfile?.computerName).toBe(`friday${id.toString(36).toUpperCase().padStart(6, '0')}`);
      }
      let header: string | undefined;
      await clients.compute.virtualMachineScaleSets.get(rg, name, { onResponse: (response) => (header = response.headers.get('x-ms-ratelimit-remaining-resource') ?? undefined) });
      expect(header).toMatch(/^Microsoft\.Compute\/GetVMScaleSet3Min;\d+,Microsoft\.Compute\/GetVMScaleSet30Min;\d+$/);
    });

    it('survives injected 429 and 503 through the SDK retry policy, and they are in the request log', async () => {
      const { rg, name } = await createTier({ capacity: 1 });
      const before = emulator.requestLog.lastSeq;
      emulator.faults.add({ route: 'virtualMachineScaleSets/{vmScaleSetName}', method: 'GET', count: 1, status: 429, retryAfterSeconds: 0 });
      emulator.faults.add({ route: 'virtualMachineScaleSets/{vmScaleSetName}', method: 'GET', count: 1, status: 503, retryAfterSeconds: 0 });
      const vmss = await clients.compute.virtualMachineScaleSets.get(rg, name);
      expect(vmss.name).toBe(name);
      const statuses = emulator.requestLog.entries({ since: before, method: 'GET' }).filter((e) => e.template.endsWith('{vmScaleSetName}')).map((e) => e.status);
      expect(statuses).toEqual([429, 503, 200]);
    });

    it('ends an LRO Failed when told to, and the SDK raises the failure', async () => {
      const { rg, name } = await createTier({ capacity: 1 });
      emulator.faults.add({ failLro: 'virtualMachineScaleSets/{vmScaleSetName}', code: 'AllocationFailed', message: 'Allocation failed (injected).' });
      const error = await Promise.resolve(clients.compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity: 2 } })).catch((e: unknown) => e);
      expect(String((error as Error).message)).toContain('AllocationFailed');
    });

    it('throttles Compute reads per policy with the real headers and codes', async () => {
      const throttled = await startEmulator({
        stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-')),
        throttling: { compute: { GetVMScaleSet3Min: { limit: 2, windowSec: 180 } }, computeRetryAfterSec: 1 },
      });
      try {
        const c = testClients(throttled, { maxRetries: 0 });
        const rg = uniqueName('rg');
        await c.resources.resourceGroups.createOrUpdate(rg, { location: 'koreacentral' });
        const results = [];
        for (let i = 0; i < 3; i++) results.push(await c.compute.virtualMachineScaleSets.get(rg, 'x').catch((e: unknown) => e as RestError));
        expect((results[0] as RestError).code).toBe('ResourceNotFound');
        expect((results[2] as RestError).statusCode).toBe(429);
        expect((results[2] as RestError).code).toBe('OperationNotAllowed');
        const log = throttled.requestLog.entries({ status: 429 });
        expect(log).toHaveLength(1);
      } finally {
        await throttled.close();
      }
    });
  });
});
