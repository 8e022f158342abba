/**
 * End to end on the local cloud (runner + ARM emulator + Azurite, real SDK clients): verification
 * proves the data disk is initialised — X: exists, NTFS, labelled webdata, on the data disk — per
 * instance, from the setup extension's StdOut in the paged VM list (no per-instance ARM call), and a
 * deployment of the seed's script on a size without a temporary disk never passes: the spec is
 * refused with a 400 that says why and names sizes that work, and a tier built on such a size
 * anyway fails every instance "data disk not initialised as X: webdata".
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { setupCommand } from '../../src/azure/scriptStore';
import { testClients, uniqueName } from '../support/armTestClients';
import { waitForStatus } from '../support/durableRuns';
import { buildNetwork, scaleSetBody, uploadScript } from '../support/tier';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
let cloud: LocalCloudHandle;

interface Instance {
  instanceId: string;
  verdict: 'pass' | 'fail';
  reason: string;
}
interface Status {
  runtimeStatus: string;
  output: { outcome?: string; instances: Instance[]; totals: { instances: number; passed: number; failed: number } } | null;
}

async function post(route: string, body: unknown): Promise<Response> {
  return fetch(`${cloud.baseUrl}/api/${route}`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function run(route: string, body: unknown): Promise<Status> {
  const res = await post(route, body);
  expect(res.status).toBe(202);
  const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
  return (await waitForStatus(cloud, statusQueryGetUri, route, 50_000)) as Status;
}

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-e2e-disk-')), runner: { log: () => undefined, timers: 'manual' } });
});
afterAll(async () => {
  await cloud?.close();
});

describe('the data disk, proved per instance', () => {
  it('the example (a size with a temporary disk) passes every instance with X: webdata on the data disk, reading only paged lists', async () => {
    const rg = uniqueName('rg-disk');
    const before = cloud.emulator.requestLog.lastSeq;
    const done = await run('deployments', { ...example, resourceGroup: rg });
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output?.totals).toMatchObject({ instances: 3, passed: 3, failed: 0 });
    for (const i of done.output?.instances ?? []) expect(i.reason).toContain('data disk initialised as X: webdata');
    // No per-instance VM or instance-view GET: the volume came with the paged VM list.
    const perInstance = cloud.emulator.requestLog.entries({ since: before }).filter((e) => /virtualMachines\/\{instanceId\}(\/instanceView)?$/.test(e.template) && e.method === 'GET');
    expect(perInstance).toEqual([]);
    const skuReads = cloud.emulator.requestLog.entries({ since: before }).filter((e) => e.template.endsWith('/Microsoft.Compute/skus'));
    // The size was checked against Azure's Resource SKUs list: one read, answered.
    expect(skuReads.map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200']);
  });

  it('refuses the seed script on a size without a temporary disk with a 400 saying why and naming sizes that work, before any write (dry run too)', async () => {
    for (const dryRun of [false, true]) {
      const before = cloud.emulator.requestLog.lastSeq;
      const res = await post('deployments', { ...example, resourceGroup: uniqueName('rg-nodisk'), dryRun, scaleSet: { ...example.scaleSet, vmSize: 'Standard_D2s_v5' } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; problems: string[] };
      expect(body.error).toBe('InvalidDeploymentSpec');
      expect(body.problems).toHaveLength(1);
      expect(body.problems[0]).toContain('scaleSet.vmSize: Standard_D2s_v5 has no temporary disk (MaxResourceVolumeMB 0), so the data disk is disk 1');
      expect(body.problems[0]).toContain('New-Partition -DiskNumber 2');
      expect(body.problems[0]).toMatch(/sizes that work here: .*Standard_D2ds_v5/);
      expect(body.problems[0]).not.toMatch(/sizes that work here: .*Standard_D2s_v5\b/);
      expect(cloud.emulator.requestLog.entries({ since: before, writesOnly: true })).toEqual([]);
    }
    const unknown = await post('deployments', { ...example, resourceGroup: uniqueName('rg-nodisk'), scaleSet: { ...example.scaleSet, vmSize: 'Standard_Q9z_v7' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { problems: string[] }).problems[0]).toContain('Standard_Q9z_v7 is not offered in koreacentral');
  });

  it('a tier built with the seed script on a size without a temporary disk fails every instance "data disk not initialised as X: webdata" — never passes', async () => {
    // What the app would have built had the spec allowed it: the app's own setup command, the seed's script unchanged.
    const rg = uniqueName('rg-nodisk');
    const clients = testClients(cloud);
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: cloud.subscriptionId });
    const scriptUrl = await uploadScript({ connectionString: cloud.azurite.connectionString, blobEndpoint: cloud.azurite.blobEndpoint, container: 'scripts', name: 'setup-friday-nodisk.ps1' });
    const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'vmss-nodisk', capacity: 3, scriptUrl, vmSize: 'Standard_D2s_v5' });
    const ext = body.virtualMachineProfile?.extensionProfile?.extensions?.[0];
    if (ext) ext.protectedSettings = { fileUris: [scriptUrl], commandToExecute: setupCommand('setup-friday-nodisk.ps1') };
    const created = await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'vmss-nodisk', body);
    // Azure itself reports success: the script's disk errors are non-terminating under -File.
    expect(created.provisioningState).toBe('Succeeded');
    const done = await run('scalesets/vmss-nodisk/verify', { resourceGroup: rg });
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output?.totals).toMatchObject({ instances: 3, passed: 0, failed: 3 });
    for (const i of done.output?.instances ?? []) {
      expect(i.verdict).toBe('fail');
      expect(i.reason).toBe('dataDisk: data disk not initialised as X: webdata');
    }
  });
});
