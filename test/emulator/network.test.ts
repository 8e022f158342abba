/** Network side of the emulator through the real @azure/arm-network and @azure/arm-resources clients. */
import { mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import { testClients, uniqueName } from '../support/armTestClients';
import { addressMap, buildNetwork, fetchPage } from '../support/tier';

const armCode = (body: string): string => (JSON.parse(body) as { error: { code: string } }).error.code;

let emulator: EmulatorHandle;
let clients: ReturnType<typeof testClients>;

beforeAll(async () => {
  emulator = await startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-')) });
  clients = testClients(emulator);
});
afterAll(async () => emulator?.close());

describe('network resources', () => {
  it('builds VNet, NSG, NAT gateway, public IP and a Standard LB, and reads them back', async () => {
    const rg = uniqueName('rg');
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const nsg = await clients.network.networkSecurityGroups.createOrUpdate(rg, 'nsg', {
      location: 'koreacentral',
      securityRules: [
        { name: 'http', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '80' },
      ],
    });
    expect(nsg.securityRules?.[0]?.id).toBe(`${nsg.id}/securityRules/http`);
    const natPip = await clients.network.publicIPAddresses.createOrUpdate(rg, 'pip-nat', { location: 'koreacentral', sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' });
    const nat = await clients.network.natGateways.createOrUpdate(rg, 'nat', { location: 'koreacentral', sku: { name: 'Standard' }, publicIpAddresses: [{ id: natPip.id }] });
    const subnet = await clients.network.subnets.createOrUpdate(rg, 'vnet-friday', 'snet-web', { addressPrefix: '10.0.1.0/24', natGateway: { id: nat.id }, networkSecurityGroup: { id: nsg.id } });
    expect(subnet.natGateway?.id).toBe(nat.id);
    const lb = await clients.network.loadBalancers.get(rg, 'lb-friday');
    expect(lb.provisioningState).toBe('Succeeded');
    expect(lb.loadBalancingRules?.[0]?.backendAddressPool?.id).toBe(net.backendPoolId);
    expect(net.publicIpAddress).toMatch(/^20\.\d+\.\d+\.\d+$/);
    const listed = [];
    for await (const item of clients.network.loadBalancers.list(rg)) listed.push(item.name);
    expect(listed).toEqual(['lb-friday']);
  });

  it('refuses a load balancer rule that points at a pool it does not have (400 InvalidResourceReference with target)', async () => {
    const rg = uniqueName('rg');
    await clients.resources.resourceGroups.createOrUpdate(rg, { location: 'koreacentral' });
    const lbId = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/loadBalancers/lb`;
    const error = await Promise.resolve(
      clients.network.loadBalancers.createOrUpdate(rg, 'lb', {
        location: 'koreacentral',
        frontendIPConfigurations: [{ name: 'fe' }],
        loadBalancingRules: [{ name: 'r', frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/fe` }, backendAddressPool: { id: `${lbId}/backendAddressPools/none` }, protocol: 'Tcp', frontendPort: 80, backendPort: 80 }],
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(400);
    expect((error as RestError).code).toBe('InvalidResourceReference');
  });

  it('answers ResourceGroupNotFound for a write into a missing group, and MissingApiVersionParameter without api-version', async () => {
    const error = await Promise.resolve(clients.network.virtualNetworks.createOrUpdate(uniqueName('missing'), 'v', { location: 'x', addressSpace: { addressPrefixes: ['10.0.0.0/16'] } })).catch((e: unknown) => e);
    expect((error as RestError).code).toBe('ResourceGroupNotFound');
  });

  it('serves 503 from a load balancer front end with no healthy member', async () => {
    const rg = uniqueName('rg');
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    const map = await addressMap(emulator.adminUrl);
    const page = await fetchPage(`http://${map[`${net.publicIpAddress}:80`]}/`);
    expect(page.status).toBe(503);
  });

  it('deleting a resource group removes what is in it', async () => {
    const rg = uniqueName('rg');
    await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId });
    await clients.resources.resourceGroups.delete(rg);
    expect((await clients.resources.resourceGroups.checkExistence(rg)).body).toBe(false);
    const error = await clients.network.virtualNetworks.get(rg, 'vnet-friday').catch((e: unknown) => e);
    expect((error as RestError).statusCode).toBe(404);
  });
});

describe('the ARM front door', () => {
  it('throttles reads per subscription with the real headers and 429 SubscriptionRequestsThrottled', async () => {
    const small = await startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-emu-')), throttling: { reads: { size: 3, refillPerSec: 0.001 } } });
    try {
      const c = testClients(small, { maxRetries: 0 });
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await c.resources.resourceGroups.get('nothing').catch((e: unknown) => e as RestError));
      expect(results.slice(0, 3).map((r) => (r as RestError).code)).toEqual(['ResourceGroupNotFound', 'ResourceGroupNotFound', 'ResourceGroupNotFound']);
      expect((results[3] as RestError).statusCode).toBe(429);
      expect((results[3] as RestError).code).toBe('SubscriptionRequestsThrottled');
      expect((results[3] as RestError).response?.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((results[0] as RestError).response?.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('2');
    } finally {
      await small.close();
    }
  });

  it('rejects requests without a bearer token or api-version, and bad JSON, with ARM error bodies (never a 500)', async () => {
    const url = `${emulator.armEndpoint}/subscriptions/${emulator.subscriptionId}/resourcegroups/x`;
    const call = (init: { headers?: Record<string, string>; method?: string; body?: string; query?: string }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${url}${init.query ?? '?api-version=2025-04-01'}`, { method: init.method ?? 'GET', headers: init.headers, ca: emulator.caCertPem }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(init.body);
      });
    const noAuth = await call({});
    expect(noAuth.status).toBe(401);
    expect(armCode(noAuth.body)).toBe('AuthenticationFailed');
    const noVersion = await call({ headers: { authorization: 'Bearer t' }, query: '' });
    expect(armCode(noVersion.body)).toBe('MissingApiVersionParameter');
    const badJson = await call({ headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, method: 'PUT', body: '{not json' });
    expect(badJson.status).toBe(400);
    expect(armCode(badJson.body)).toBe('InvalidRequestContent');
    const unknown = await call({ headers: { authorization: 'Bearer t' }, query: '/providers/Microsoft.Nothing/things/x?api-version=1' });
    expect(unknown.status).toBe(404);
  });

  it('logs every ARM call with its route template and RBAC action, and serves the log on the admin API', async () => {
    const before = emulator.requestLog.lastSeq;
    const rg = uniqueName('rg');
    await clients.resources.resourceGroups.createOrUpdate(rg, { location: 'koreacentral' });
    const res = await fetch(`${emulator.adminUrl}/request-log?since=${before}`);
    const { entries } = (await res.json()) as { entries: Array<{ method: string; template: string; action: string; status: number }> };
    expect(entries).toContainEqual(expect.objectContaining({ method: 'PUT', template: '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}', action: 'Microsoft.Resources/subscriptions/resourceGroups/write', status: 201 }));
  });

  it('validates fault specs on the admin API', async () => {
    const res = await fetch(`${emulator.adminUrl}/faults`, { method: 'POST', body: JSON.stringify({ route: 'x', status: 418 }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { problems: string[] };
    expect(body.problems.length).toBeGreaterThan(0);
  });

  it('changes page latency at run time on the admin API, and refuses a bad change', async () => {
    const bad = await fetch(`${emulator.adminUrl}/timing`, { method: 'POST', body: JSON.stringify({ pageLatencyMs: 'slow', extra: 1 }) });
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: string[] }).problems.join('; ');
    expect(problems).toContain('pageLatencyMs');
    expect(problems).toContain('extra');
    const ok = await fetch(`${emulator.adminUrl}/timing`, { method: 'POST', body: JSON.stringify({ pageLatencyJitterMs: 3 }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ pageLatencyJitterMs: 3 });
    expect(await (await fetch(`${emulator.adminUrl}/timing`)).json()).toMatchObject({ pageLatencyJitterMs: 3 });
    await fetch(`${emulator.adminUrl}/timing`, { method: 'POST', body: JSON.stringify({ pageLatencyJitterMs: 0 }) });
  });
});
