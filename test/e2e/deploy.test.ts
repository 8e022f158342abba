/**
 * End to end on the local cloud (runner + ARM emulator + Azurite, real SDKs over the wire): the
 * production app deploys the FRIDAY tier, verifies it, scales it, converges on re-runs, and
 * reports failures clearly.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients } from '../support/armTestClients';
import { waitForStatus } from '../support/durableRuns';
import { recordObservedActions } from '../support/observedActions';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
let cloud: LocalCloudHandle;

interface Instance {
  instanceId: string;
  computerName: string;
  privateIp: string | null;
  zone: string | null;
  verdict: 'pass' | 'fail';
  reason: string;
}
interface Report {
  outcome: string;
  frontEndUrl: string | null;
  instances: Instance[];
  totals: { instances: number; passed: number; failed: number };
  armWrites: number;
  steps: Array<{ name: string; writes: number }>;
  frontEnd?: { verdict: string };
  verification?: { frontEnd: { verdict: string; hostsSeen: string[] } };
}
interface Status {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}

const spec = (resourceGroup: string, overrides: Record<string, unknown> = {}, scaleSet: Record<string, unknown> = {}) => ({
  ...example,
  resourceGroup,
  ...overrides,
  scaleSet: { ...example.scaleSet, ...scaleSet },
});

async function post(route: string, body: unknown): Promise<Response> {
  return fetch(`${cloud.baseUrl}/api/${route}`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Follows the start response's status route (GET /api/deployments/{id}, function key) to the end. */
async function waitDone(statusQueryGetUri: string, timeoutMs = 60_000): Promise<Status> {
  const status = await waitForStatus(cloud, statusQueryGetUri, statusQueryGetUri, timeoutMs);
  return { runtimeStatus: status.runtimeStatus, output: status.output, customStatus: status.customStatus };
}

async function deploy(body: unknown): Promise<Status> {
  const res = await post('deployments', body);
  expect(res.status).toBe(202);
  const started = (await res.json()) as { id: string; statusQueryGetUri: string };
  expect(started.id).toMatch(/^friday-change-/);
  return waitDone(started.statusQueryGetUri);
}

/** Every orchestration run the runner knows (id and start time), sorted. */
async function runIds(): Promise<string[]> {
  const list = (await (await fetch(`${cloud.baseUrl}/_rpc/durabletask/instances`)).json()) as Array<{ instanceId: string; createdTime: string }>;
  return list.map((i) => `${i.instanceId}@${i.createdTime}`).sort();
}

/** The scale set's instance ids as ARM lists them, sorted. */
async function instanceIds(rg: string, scaleSet: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const vm of testClients(cloud).compute.virtualMachineScaleSetVMs.list(rg, scaleSet)) ids.push(vm.instanceId ?? '');
  return ids.sort();
}

const armWritesSince = (seq: number): number => cloud.emulator.requestLog.entries({ since: seq, writesOnly: true }).length;

beforeAll(async () => {
  cloud = await startLocalCloud({ emulator: azureTime(), dataDir: mkdtempSync(path.join(tmpdir(), 'friday-e2e-')), runner: { log: () => undefined, timers: 'manual' } });
});
afterAll(async () => {
  if (cloud) recordObservedActions(cloud.emulator.requestLog.entries(), 'e2e-deploy');
  await cloud?.close();
});

describe('deploy and verify the FRIDAY tier', () => {
  it('deploys the 3-instance example, verifies each instance serves its own name, scales 3 → 5 → 2, and re-runs with zero ARM writes', async () => {
    const rg = 'rg-e2e-main';
    const status = await deploy(spec(rg));
    expect(status.runtimeStatus).toBe('Completed');
    const report = status.output as Report;
    expect(report.outcome).toBe('succeeded');
    expect(report.totals).toEqual({ instances: 3, passed: 3, failed: 0 });
    expect(new Set(report.instances.map((i) => i.zone))).toEqual(new Set(['1', '2', '3']));
    for (const instance of report.instances) {
      expect(instance.verdict).toBe('pass');
      expect(instance.privateIp).toMatch(/^10\.0\.1\.\d+$/);
    }
    expect(report.frontEndUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // A person opening the front end sees the page change host across requests.
    const hosts = new Set<string>();
    for (let i = 0; i < 9; i++) hosts.add(/host (\S+) !/.exec(await (await fetch(report.frontEndUrl ?? '')).text())?.[1] ?? '');
    expect([...hosts].sort()).toEqual(report.instances.map((i) => i.computerName.toUpperCase()).sort());

    for (const capacity of [5, 2]) {
      const idsBefore = await instanceIds(rg, example.scaleSet.name as string);
      const res = await post(`scalesets/${example.scaleSet.name as string}/scale`, { capacity, resourceGroup: rg });
      expect(res.status).toBe(202);
      const scaled = await waitDone(((await res.json()) as { statusQueryGetUri: string }).statusQueryGetUri);
      expect(scaled.runtimeStatus).toBe('Completed');
      const out = scaled.output as { outcome: string; after: number; instances: Instance[]; newInstanceIds: string[] };
      expect(out.outcome).toBe('succeeded');
      expect(out.after).toBe(capacity);
      const idsAfter = await instanceIds(rg, example.scaleSet.name as string);
      expect(idsAfter).toHaveLength(capacity);
      const verified = out.instances.map((i) => i.instanceId).sort();
      if (capacity > idsBefore.length) {
        // Scale-out verifies exactly the instances that are new — by id, not by how many.
        const added = idsAfter.filter((id) => !idsBefore.includes(id));
        expect(added).toHaveLength(capacity - idsBefore.length);
        expect([...out.newInstanceIds].sort()).toEqual(added);
        expect(verified).toEqual(added);
      } else {
        // Scale-in verifies exactly the instances that remain.
        expect(idsAfter.every((id) => idsBefore.includes(id))).toBe(true);
        expect(verified).toEqual(idsAfter);
      }
      expect(out.instances.every((i) => i.verdict === 'pass')).toBe(true);
    }

    const before = cloud.emulator.requestLog.lastSeq;
    const again = await deploy(spec(rg, {}, { capacity: 2 }));
    expect(again.runtimeStatus).toBe('Completed');
    expect((again.output as Report).armWrites).toBe(0);
    expect(armWritesSince(before)).toBe(0);
    expect((again.output as Report).totals).toEqual({ instances: 2, passed: 2, failed: 0 });
  });

  it('refuses a spec that changes what the existing scale set cannot change (computer name prefix, zones, fault domains) with 400 before any write, dry run included, saying what to do instead', async () => {
    const rg = 'rg-e2e-main'; // deployed by the first test
    const before = cloud.emulator.requestLog.lastSeq;
    const runsBefore = await runIds();
    const changed = spec(rg, {}, { capacity: 2, computerNamePrefix: 'other', zones: ['1', '2'] });
    for (const body of [changed, { ...changed, dryRun: true }]) {
      const res = await post('deployments', body);
      expect(res.status).toBe(400);
      const refusal = (await res.json()) as { error: string; problems: string[] };
      expect(refusal.error).toBe('InvalidDeploymentSpec');
      expect(refusal.problems).toHaveLength(2);
      expect(refusal.problems[0]).toBe(
        `scaleSet.computerNamePrefix: computerNamePrefix of the existing scale set 'vmss-friday' cannot change ("friday" → "other"; Azure refuses it with 409 PropertyChangeNotAllowed); keep scaleSet.computerNamePrefix at "friday", or deploy the tier under a new scaleSet.name (then move traffic and delete the old scale set)`,
      );
      expect(refusal.problems[1]).toMatch(/^scaleSet\.zones: zones of the existing scale set 'vmss-friday' cannot change \(\["1","2","3"\] → \["1","2"\];.*new scaleSet\.name/);
    }
    const faultDomains = await post('deployments', { ...spec(rg, {}, { capacity: 2, faultDomainCount: 2 }), scaleSet: { ...example.scaleSet, capacity: 2, zones: undefined, faultDomainCount: 2 } });
    expect(faultDomains.status).toBe(400);
    expect(((await faultDomains.json()) as { problems: string[] }).problems).toEqual([expect.stringMatching(/^scaleSet\.faultDomainCount: platformFaultDomainCount of the existing scale set 'vmss-friday' cannot change \(1 → 2;/) as unknown]);
    expect(armWritesSince(before)).toBe(0);
    expect(await runIds()).toEqual(runsBefore);
  });

  it('answers 409 ScaleSetBusy while a change holds the scale set, naming the running change, and starts nothing', async () => {
    const rg = 'rg-e2e-busy';
    // Slower instances, so the deployment certainly still holds the lock while the others ask.
    const timing = cloud.emulator.context.timing;
    const saved = { ...timing };
    Object.assign(timing, { instanceProvisionMs: 600 });
    try {
      const first = await post('deployments', spec(rg, {}, { overprovision: false }));
      expect(first.status).toBe(202);
      const started = (await first.json()) as { id: string; statusQueryGetUri: string };
      const runsBefore = await runIds();
      for (const [route, body] of [
        ['deployments', spec(rg, {}, { overprovision: false, capacity: 4 })],
        [`scalesets/${example.scaleSet.name as string}/scale`, { resourceGroup: rg, capacity: 5 }],
      ] as const) {
        const res = await post(route, body);
        expect(res.status, route).toBe(409);
        expect(await res.json(), route).toMatchObject({ error: 'ScaleSetBusy', runningInstanceId: started.id, runningStatus: expect.stringMatching(/^(Running|Pending)$/) as unknown });
      }
      expect(await runIds()).toEqual(runsBefore); // no second run started
      const done = await waitDone(started.statusQueryGetUri);
      expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
      // The refused changes never happened: the capacity is the first deployment's.
      expect(await instanceIds(rg, example.scaleSet.name as string)).toHaveLength(3);
    } finally {
      Object.assign(timing, saved);
    }
  }, 120_000);

  it('returns the dry-run plan with reasons and writes nothing', async () => {
    const before = cloud.emulator.requestLog.lastSeq;
    const res = await post('deployments', spec('rg-e2e-dry', { dryRun: true }));
    expect(res.status).toBe(200);
    const plan = (await res.json()) as { writes: Array<{ action: string; kind: string; reason: string }> };
    expect(plan.writes.map((w) => w.kind)).toEqual(['resourceGroup', 'networkSecurityGroup', 'publicIPAddress', 'natGateway', 'virtualNetwork', 'publicIPAddress', 'loadBalancer', 'virtualMachineScaleSet']);
    expect(plan.writes.every((w) => w.action === 'create' && w.reason === 'does not exist')).toBe(true);
    expect(armWritesSince(before)).toBe(0);
  });

  it('rejects a bad spec with 400 listing every problem', async () => {
    const res = await post('deployments', { resourceGroup: '', location: 'Korea Central', scaleSet: { name: 'x', vmSize: 'big', capacity: 5000 }, rdp: { sourcePrefix: '*' }, extra: 1 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; problems: string[] };
    expect(body.error).toBe('InvalidDeploymentSpec');
    const text = body.problems.join('\n');
    for (const path of ['resourceGroup', 'location', 'scaleSet.vmSize', 'scaleSet.capacity', 'rdp.sourcePrefix']) expect(text).toContain(path);
    expect((await post('deployments', 'not json')).status).toBe(400);
    const raw = await fetch(`${cloud.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey }, body: '{oops' });
    expect(raw.status).toBe(400);
    expect((await fetch(`${cloud.baseUrl}/api/deployments`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('reports a broken setup script and an instance whose page fails, by instance and reason', async () => {
    const rg = 'rg-e2e-broken';
    cloud.emulator.faults.add({ extension: { vmss: 'vmss-friday', instanceId: '1' }, message: 'Command execution finished, but failed because it returned a non-zero exit code of: 1.', count: 1 });
    const status = await deploy(spec(rg, {}, { overprovision: false }));
    expect(status.runtimeStatus).toBe('Completed');
    const report = status.output as Report;
    expect(report.outcome).toBe('failed');
    const broken = report.instances.find((i) => i.instanceId === '1');
    expect(broken?.verdict).toBe('fail');
    expect(broken?.reason).toContain('extension: friday-setup ProvisioningState/failed');
    expect(report.instances.filter((i) => i.verdict === 'pass')).toHaveLength(2);

    cloud.emulator.faults.add({ instance: { vmss: 'vmss-friday', instanceId: '2' }, page: 'page500' });
    const res = await post('scalesets/vmss-friday/verify', { resourceGroup: rg });
    expect(res.status).toBe(202);
    const verified = await waitDone(((await res.json()) as { statusQueryGetUri: string }).statusQueryGetUri);
    const instances = (verified.output as { instances: Instance[] }).instances;
    expect(instances.find((i) => i.instanceId === '2')?.reason).toBe('page: HTTP 500');
    cloud.emulator.faults.add({ instance: { vmss: 'vmss-friday', instanceId: '2' }, page: null });
  });

  it('survives injected ARM 429 and 500 (retried), and fails clearly on a failed long-running operation', async () => {
    const before = cloud.emulator.requestLog.lastSeq;
    cloud.emulator.faults.add({ route: 'networkSecurityGroups/{name}', method: 'PUT', count: 1, status: 429, retryAfterSeconds: 0 });
    cloud.emulator.faults.add({ route: 'loadBalancers/{name}', method: 'GET', count: 2, status: 500 });
    const ok = await deploy(spec('rg-e2e-faults'));
    expect(ok.runtimeStatus).toBe('Completed');
    expect((ok.output as Report).totals.failed).toBe(0);
    // This deployment's own faults, not an earlier test's.
    const injected = cloud.emulator.requestLog.entries({ since: before }).filter((e) => e.injected);
    expect(injected.map((e) => `${e.method} ${e.status}`).sort()).toEqual(['GET 500', 'GET 500', 'PUT 429']);

    cloud.emulator.faults.add({ failLro: 'loadBalancers/{name}', code: 'InternalServerError', message: 'Load balancer provisioning failed (injected).' });
    const failed = await deploy(spec('rg-e2e-lro'));
    expect(failed.runtimeStatus).toBe('Failed');
    const message = String(failed.output);
    expect(message).toContain("Step 'frontEnd' failed");
    expect(message).toContain('InternalServerError');
    expect(message).toContain('Load balancer provisioning failed');
    expect(message).toContain('nsg-vmss-friday');

    // A re-run completes the partial deployment.
    const resumed = await deploy(spec('rg-e2e-lro'));
    expect(resumed.runtimeStatus).toBe('Completed');
    const writes = (resumed.output as Report).steps.find((s) => s.name === 'network')?.writes;
    expect(writes).toBe(0);
  });

  it('changes the VM size under Manual (batched manual upgrades) and Rolling (follows the rolling upgrade), with App Gateway and autoscale', async () => {
    const manual = spec('rg-e2e-model', { frontEnd: { loadBalancer: true, applicationGateway: { subnetPrefix: '10.0.2.0/24' } }, autoscale: { minimum: 2, maximum: 6, default: 3 } }, { overprovision: false });
    const first = await deploy(manual);
    expect(first.runtimeStatus).toBe('Completed');
    expect((first.output as Report).steps.map((s) => s.name)).toContain('autoscale');
    const resized = await deploy({ ...manual, scaleSet: { ...manual.scaleSet, vmSize: 'Standard_B2s' } });
    expect(resized.runtimeStatus).toBe('Completed');
    const report = resized.output as Report & { verification: { instances: Array<{ vmSize: string }> } };
    // Manual policy, 20 % batches of 3 instances: three manual upgrades of one instance each.
    expect(report.steps.find((s) => s.name === 'upgrade')).toMatchObject({ writes: 3, detail: '3 instance(s) upgraded in batches of 1' });
    expect(report.verification.instances.every((i) => i.vmSize === 'Standard_B2s')).toBe(true);
    expect(report.totals.failed).toBe(0);

    const rolling = spec('rg-e2e-rolling', {}, { overprovision: false, capacity: 2, upgradePolicy: { mode: 'Rolling', maxBatchInstancePercent: 50 } });
    expect((await deploy(rolling)).runtimeStatus).toBe('Completed');
    const rolled = await deploy({ ...rolling, scaleSet: { ...rolling.scaleSet, vmSize: 'Standard_B2s' } });
    expect(rolled.runtimeStatus).toBe('Completed');
    expect((rolled.output as Report).steps.find((s) => s.name === 'upgrade')).toMatchObject({ detail: expect.stringContaining('rolling upgrade Completed') as unknown });
    expect((rolled.output as Report).totals.failed).toBe(0);
  });

  it('never leaks the admin password or SAS signature into status, reports or the request log', async () => {
    // The password is generated by the app per scale set and kept nowhere: no value of it may show.
    const password = /adminPassword\W{1,4}(?!<redacted>)[^"\s,}]{4,}/;
    const statuses = await (await fetch(`${cloud.baseUrl}/_rpc/durabletask/instances/`)).text();
    expect(statuses).not.toMatch(password);
    expect(statuses).not.toMatch(/sig=[A-Za-z0-9%]/);
    const log = JSON.stringify(cloud.emulator.requestLog.entries());
    expect(log).not.toMatch(password);
    const vmss = await fetch(`${cloud.emulator.adminUrl}/request-log`);
    expect(await vmss.text()).not.toMatch(password);
    expect(cloud.settings).not.toHaveProperty('FRIDAY_ADMIN_PASSWORD');
  });
});
