/**
 * A tier's VNet PUT lists subnets authoritatively (Azure deletes what it leaves out, and refuses
 * with InUseSubnetCannotBeDeleted when the subnet is in use). The app, on the runner against the
 * emulator through the real SDK, deploys a tier, an operator adds a subnet of their own (the
 * Function App's VNet-integration subnet, delegated to Microsoft.App/environments), and the
 * second deployment keeps it. The emulator's side of that contract is checked here too.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients } from '../support/armTestClients';
import { runToEnd, type RunStatus } from '../support/durableRuns';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & {
  network: { vnetName: string; addressSpace: string; subnetName: string; subnetPrefix: string };
  scaleSet: Record<string, unknown>;
};
let cloud: LocalCloudHandle;
let clients: ReturnType<typeof testClients>;

async function deploy(body: unknown): Promise<RunStatus> {
  return runToEnd(cloud, 'deployments', body, 120_000);
}

const errorCode = (error: unknown): string | undefined => (error as { code?: string }).code;

beforeAll(async () => {
  cloud = await startLocalCloud({ emulator: azureTime(), dataDir: mkdtempSync(path.join(tmpdir(), 'friday-subnets-')), runner: { log: () => undefined, timers: 'manual' } });
  clients = testClients(cloud.emulator);
});
afterAll(async () => cloud?.close());

describe('subnets the tier does not own', () => {
  it('survive a redeployment: a subnet added to the tier VNet between two deployments is still there, unchanged, after the second', { timeout: 300_000 }, async () => {
    const rg = 'rg-foreign-subnet';
    const spec = { ...example, resourceGroup: rg, scaleSet: { ...example.scaleSet, capacity: 1, zones: ['1'] } };
    const first = await deploy(spec);
    expect(first.runtimeStatus).toBe('Completed');
    expect((first.output as { outcome?: string }).outcome).toBe('succeeded');

    // What an operator does for the Function App's VNet integration (Flex Consumption delegates to Microsoft.App/environments).
    const vnet = example.network.vnetName;
    await clients.network.subnets.createOrUpdate(rg, vnet, 'snet-functions', {
      addressPrefix: '10.0.250.0/27',
      delegations: [{ name: 'flex', serviceName: 'Microsoft.App/environments' }],
    });
    const before = await clients.network.subnets.get(rg, vnet, 'snet-functions');

    const second = await deploy(spec);
    expect(second.runtimeStatus).toBe('Completed');
    expect((second.output as { outcome?: string }).outcome).toBe('succeeded');
    const names = (await clients.network.virtualNetworks.get(rg, vnet)).subnets?.map((s) => s.name).sort();
    expect(names).toEqual(['snet-functions', example.network.subnetName].sort());
    const after = await clients.network.subnets.get(rg, vnet, 'snet-functions');
    expect(after.addressPrefix).toBe(before.addressPrefix);
    expect(after.delegations?.map((d) => d.serviceName)).toEqual(['Microsoft.App/environments']);

    // The emulator answers a VNet PUT as Azure does: leaving out a subnet instances use is refused …
    const current = await clients.network.virtualNetworks.get(rg, vnet);
    const refused = await Promise.resolve(
      clients.network.virtualNetworks.createOrUpdate(rg, vnet, { location: current.location, addressSpace: current.addressSpace, subnets: (current.subnets ?? []).filter((s) => s.name !== example.network.subnetName) }),
    ).catch((e: unknown) => e);
    expect(errorCode(refused)).toBe('InUseSubnetCannotBeDeleted');
    expect(String((refused as Error).message)).toMatch(new RegExp(`Subnet ${example.network.subnetName} is in use by .*virtualMachineScaleSets/${String(example.scaleSet.name)}/virtualMachines/`, 'i'));
    // … a PUT without a subnets property keeps them all (api-version 2023-11-01 and later) …
    await clients.network.virtualNetworks.createOrUpdate(rg, vnet, { location: current.location, addressSpace: current.addressSpace });
    expect((await clients.network.virtualNetworks.get(rg, vnet)).subnets?.map((s) => s.name).sort()).toEqual(names);
    // … and a subnet nothing uses, left out of the list, is deleted.
    await clients.network.virtualNetworks.createOrUpdate(rg, vnet, { location: current.location, addressSpace: current.addressSpace, subnets: (current.subnets ?? []).filter((s) => s.name !== 'snet-functions') });
    expect((await clients.network.virtualNetworks.get(rg, vnet)).subnets?.map((s) => s.name)).toEqual([example.network.subnetName]);
    // Deleting the in-use subnet on its own is refused the same way.
    const deleted = await Promise.resolve(clients.network.subnets.delete(rg, vnet, example.network.subnetName)).catch((e: unknown) => e);
    expect(errorCode(deleted)).toBe('InUseSubnetCannotBeDeleted');
  });
});
