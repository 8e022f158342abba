/**
 * ARM refuses an api-version a resource type did not register (core/apiVersions.ts): the emulator
 * does too, with ARM's codes and messages, and keeps accepting the older stable versions the specs
 * list. The versions the app's SDKs send are accepted everywhere the e2e tests go.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorClient } from '@azure/arm-monitor';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import { apiVersionRuleFor, resourceTypeOf } from '../../local/emulator/core/apiVersions';
import { RouteTable } from '../../local/emulator/core/router';
import { staticCredential, testClients, uniqueName } from '../support/armTestClients';
import { armWire } from '../support/armWire';

let emulator: EmulatorHandle;
let rg: string;
let sub: string;

beforeAll(async () => {
  emulator = await startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-')), throttling: false, timing: { instanceProvisionMs: 0, extensionRunMs: 0, networkOperationMs: 0, pageLatencyMs: 0, listPageMs: 0 } });
  sub = emulator.subscriptionId;
  rg = uniqueName('rg');
  await testClients(emulator).resources.resourceGroups.createOrUpdate(rg, { location: 'swedencentral' });
});

afterAll(async () => {
  await emulator?.close();
});

const error = (body: unknown): { code?: string; message?: string } => (body as { error?: { code?: string; message?: string } }).error ?? {};

describe('api-versions per resource type', () => {
  it('refuses a version the type did not register with NoRegisteredProviderFound, naming location, version, type and the supported list', async () => {
    const vmss = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/nothing`;
    // 2026-01-01 is a Network version, never a Compute one: an SDK of the wrong family is refused.
    const refused = await armWire(emulator, { method: 'GET', path: vmss, apiVersion: '2026-01-01' });
    expect(refused.status).toBe(400);
    expect(error(refused.body).code).toBe('NoRegisteredProviderFound');
    expect(error(refused.body).message).toMatch(
      /^No registered resource provider found for location 'swedencentral' and API version '2026-01-01' for type 'virtualMachineScaleSets'\. The supported api-versions are '2026-04-01, 2025-11-01, 2025-04-01, .*, 2015-06-15'\.$/,
    );
    // A write is refused before anything is stored.
    const put = await armWire(emulator, { method: 'PUT', path: vmss, apiVersion: '2099-01-01', body: { location: 'swedencentral' } });
    expect(error(put.body).code).toBe('NoRegisteredProviderFound');
    expect((await armWire(emulator, { method: 'GET', path: vmss, apiVersion: '2026-04-01' })).status).toBe(404);
  });

  it('answers older stable versions the specs list (other clients keep working) and the SDKs’ own', async () => {
    const vmss = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/nothing`;
    for (const v of ['2026-04-01', '2024-03-01', '2021-07-01', '2018-06-01']) {
      const answer = await armWire(emulator, { method: 'GET', path: vmss, apiVersion: v });
      expect([v, answer.status, error(answer.body).code]).toEqual([v, 404, 'ResourceNotFound']);
    }
    for (const v of ['2025-04-01', '2021-04-01', '2019-10-01']) {
      expect((await armWire(emulator, { method: 'GET', path: `/subscriptions/${sub}/resourcegroups/${rg}`, apiVersion: v })).status).toBe(200);
    }
    for (const v of ['2026-01-01', '2023-11-01', '2020-06-01']) {
      expect((await armWire(emulator, { method: 'GET', path: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks`, apiVersion: v })).status).toBe(200);
    }
    for (const v of ['2021-07-01', '2019-04-01']) {
      expect((await armWire(emulator, { method: 'GET', path: `/subscriptions/${sub}/providers/Microsoft.Compute/skus`, apiVersion: v, query: { $filter: "location eq 'swedencentral'" } })).status).toBe(200);
    }
    expect((await armWire(emulator, { method: 'GET', path: `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.Insights/autoscalesettings`, apiVersion: '2015-04-01' })).status).toBe(200);
  });

  it('keeps the scale-set NIC list on its own version list: the Network SDK’s 2018-10-01, not the Network RP’s newest', async () => {
    const nics = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/nothing/networkInterfaces`;
    expect(error((await armWire(emulator, { method: 'GET', path: nics, apiVersion: '2018-10-01' })).body).code).toBe('ResourceNotFound');
    const refused = await armWire(emulator, { method: 'GET', path: nics, apiVersion: '2026-01-01' });
    expect(refused.status).toBe(400);
    expect(error(refused.body).message).toContain("for type 'virtualMachineScaleSets/networkInterfaces'. The supported api-versions are '2023-07-01, ");
  });

  it('refuses a resource-group version with ARM’s own InvalidApiVersionParameter', async () => {
    const refused = await armWire(emulator, { method: 'GET', path: `/subscriptions/${sub}/resourcegroups/${rg}`, apiVersion: '2026-04-01' });
    expect(refused.status).toBe(400);
    expect(error(refused.body).code).toBe('InvalidApiVersionParameter');
    expect(error(refused.body).message).toMatch(/^The api-version '2026-04-01' is invalid\. The supported versions are '2025-04-01,2025-03-01,.*,2015-11-01'\.$/);
  });

  it('refuses an operation-status poll at a version of another provider', async () => {
    const status = `/subscriptions/${sub}/providers/Microsoft.Compute/locations/swedencentral/operations/x`;
    expect(error((await armWire(emulator, { method: 'GET', path: status, apiVersion: '2026-04-01' })).body).code).toBe('OperationNotFound');
    const refused = await armWire(emulator, { method: 'GET', path: status, apiVersion: '2022-10-01' });
    expect(error(refused.body).message).toMatch(/^No registered resource provider found for location 'swedencentral' and API version '2022-10-01' for type 'locations\/operations'/);
  });

  it('accepts every api-version the app’s pinned SDK clients send, on each operation the app uses (incl. operation-status polls)', async () => {
    const since = emulator.requestLog.lastSeq;
    const { compute, network, resources } = testClients(emulator, { maxRetries: 0 });
    const monitor = new MonitorClient(staticCredential, sub, { endpoint: emulator.armEndpoint, tlsOptions: { ca: emulator.caCertPem }, retryOptions: { maxRetries: 0 } });
    const settle = (p: Promise<unknown>): Promise<unknown> => p.catch((e: unknown) => e);
    const drain = async (it: AsyncIterable<unknown>): Promise<void> => {
      for await (const _ of it) break;
    };
    await resources.resourceGroups.get(rg);
    // A long-running write: the SDK follows the emulator's Azure-AsyncOperation URL at its version.
    await network.virtualNetworks.createOrUpdate(rg, 'vnet', { location: 'swedencentral', addressSpace: { addressPrefixes: ['10.9.0.0/16'] } });
    await Promise.all([
      settle(compute.virtualMachineScaleSets.get(rg, 'nothing')),
      settle(compute.virtualMachineScaleSetRollingUpgrades.getLatest(rg, 'nothing')),
      settle(drain(compute.virtualMachineScaleSetVMs.list(rg, 'nothing'))),
      drain(compute.resourceSkus.list({ filter: "location eq 'swedencentral'" })),
      settle(drain(network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, 'nothing'))),
      settle(network.networkSecurityGroups.get(rg, 'nothing')),
      settle(network.publicIPAddresses.get(rg, 'nothing')),
      settle(network.loadBalancers.get(rg, 'nothing')),
      settle(network.natGateways.get(rg, 'nothing')),
      settle(network.applicationGateways.get(rg, 'nothing')),
      settle(monitor.autoscaleSettings.get(rg, 'nothing')),
    ]);
    const entries = emulator.requestLog.entries({ since });
    expect(entries.length).toBeGreaterThanOrEqual(13);
    expect(entries.filter((e) => e.status === 400)).toEqual([]);
    const seen = new Set(entries.map((e) => `${e.apiVersion} ${apiVersionRuleFor(e.template)?.type ?? '?'}`));
    for (const pinned of ['2026-04-01 virtualMachineScaleSets', '2021-07-01 skus', '2026-01-01 virtualNetworks', '2018-10-01 virtualMachineScaleSets/networkInterfaces', '2022-10-01 autoscaleSettings', '2025-04-01 resourceGroups', '2026-01-01 locations/operations']) {
      expect(seen).toContain(pinned);
    }
  });

  it('has a version list for every route it serves; a route of an unknown type cannot be registered', async () => {
    const { routes } = (await (await fetch(`${emulator.adminUrl}/routes`)).json()) as { routes: Array<{ template: string }> };
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) expect([r.template, apiVersionRuleFor(r.template) !== undefined]).toEqual([r.template, true]);
    expect(resourceTypeOf('/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/{n}/virtualMachines/{i}/instanceView')).toBe(
      'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/instanceView',
    );
    expect(apiVersionRuleFor('/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/{n}/reimage')?.type).toBe('virtualMachineScaleSets');
    expect(() => new RouteTable().add({ method: 'GET', template: '/subscriptions/{s}/providers/Microsoft.Nothing/things/{x}', kind: 'read', action: 'x', handler: () => ({ status: 200 }) })).toThrow(/no api-version list/);
  });
});
