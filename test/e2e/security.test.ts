/**
 * Security promises, end to end on the local cloud (production app on the runner, ARM emulator,
 * Azurite):
 * - start (202) and busy (409) answers hand out no key and no durable URL, and nothing in them can
 *   start an orchestration;
 * - the fleet page's read-only viewer key changes nothing anywhere;
 * - bad input at every boundary gets a 400/413 that lists the problem, and causes no ARM call at
 *   all (the emulator's request log stays empty) and starts no orchestration;
 * - a swapped setup blob is refused before any scale set is written.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { scriptBlobName, setupScriptContent } from '../../src/azure/scriptStore';
import { waitForStatus } from '../support/durableRuns';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown>; network: Record<string, unknown> };
const WEBHOOK_TOKEN = 'security-webhook-token-77d1';
let cloud: LocalCloudHandle;

const spec = (resourceGroup: string, change: Record<string, unknown> = {}) => ({ ...example, resourceGroup, scaleSet: { ...example.scaleSet, capacity: 1, overprovision: false }, ...change });
const call = (route: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> =>
  fetch(`${cloud.baseUrl}/api/${route}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers ?? { 'x-functions-key': cloud.functionKey }) },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
async function instanceIds(): Promise<string[]> {
  const list = (await (await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances?code=${cloud.masterKey}`)).json()) as Array<{ instanceId: string }>;
  return list.map((s) => s.instanceId).sort();
}
const secrets = (): string[] => [cloud.functionKey, cloud.masterKey, cloud.viewerKey];

beforeAll(async () => {
  cloud = await startLocalCloud({ emulator: azureTime(),
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-security-')),
    settings: { FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: WEBHOOK_TOKEN, FRIDAY_SCHEDULES_BLOB: 'schedules-security.json' },
    runner: { log: () => undefined, timers: 'manual' },
  });
}, 60_000);
afterAll(async () => cloud?.close());

describe('start and busy answers', () => {
  it("hand out friday-fleet's own status route and no key; nothing in them can start an orchestration", async () => {
    const res = await call('schedules/evaluate', { body: { dryRun: true } });
    expect(res.status).toBe(202);
    const text = await res.text();
    const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
    for (const where of [text, headers]) {
      for (const secret of secrets()) expect(where).not.toContain(secret);
      expect(where).not.toMatch(/code=|runtime\/webhooks|taskHub=|sendEventPostUri|terminatePostUri|purgeHistoryDeleteUri/);
    }
    const body = JSON.parse(text) as { id: string; statusQueryGetUri: string };
    expect(body.statusQueryGetUri).toBe(`${cloud.baseUrl}/api/deployments/${body.id}`);
    expect(res.headers.get('location')).toBe(body.statusQueryGetUri);
    await waitForStatus(cloud, body.statusQueryGetUri);

    // Every address in the answer, used as it is (no key), with any method: refused.
    const before = await instanceIds();
    const urls = new Set([...text.matchAll(/https?:\/\/[^"\s]+/g)].map((m) => m[0]));
    expect([...urls]).toEqual([body.statusQueryGetUri]); // the one address it hands out
    for (const url of urls) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const r = await fetch(url, { method, ...(method === 'GET' ? {} : { body: '{"input":{}}' }) });
        expect([401, 404, 405], `${method} ${url}`).toContain(r.status);
        expect(r.status === 401 || method !== 'GET', `${method} ${url} answered without a key`).toBe(true);
      }
      // The durable API beside it: the function key a caller has does not open it.
      const origin = new URL(url).origin;
      for (const durableUrl of [`${origin}/runtime/webhooks/durabletask/orchestrators/deployTier`, `${origin}/runtime/webhooks/durabletask/instances/${body.id}/terminate`]) {
        expect((await fetch(durableUrl, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey }, body: '{}' })).status, durableUrl).toBe(401);
        expect((await fetch(`${durableUrl}?code=${cloud.functionKey}`, { method: 'POST', body: '{}' })).status, durableUrl).toBe(401);
      }
    }
    expect(await instanceIds()).toEqual(before);
  });

  it('a 409 while a run holds the lock carries no key either', async () => {
    const timing = cloud.emulator.context.timing;
    const saved = { ...timing };
    Object.assign(timing, { instanceProvisionMs: 1500, networkOperationMs: 300 });
    try {
      const first = await call('deployments', { body: spec('rg-sec-busy') });
      expect(first.status).toBe(202);
      const { statusQueryGetUri } = (await first.json()) as { statusQueryGetUri: string };
      for (const [route, body] of [['deployments', spec('rg-sec-busy')], ['scalesets/vmss-friday/scale', { resourceGroup: 'rg-sec-busy', capacity: 2 }]] as const) {
        const busy = await call(route, { body });
        expect(busy.status, route).toBe(409);
        const text = await busy.text();
        for (const secret of secrets()) expect(text).not.toContain(secret);
        expect(text).not.toMatch(/code=|runtime\/webhooks/);
        expect((JSON.parse(text) as { statusQueryGetUri: string }).statusQueryGetUri).toBe(statusQueryGetUri);
      }
      expect((await waitForStatus(cloud, statusQueryGetUri)).runtimeStatus).toBe('Completed');
    } finally {
      Object.assign(timing, saved);
    }
  }, 120_000);
});

describe('a read-only viewer', () => {
  it('reads the fleet, and cannot change anything anywhere', async () => {
    const viewer = { 'x-friday-viewer-key': cloud.viewerKey };
    expect((await call('fleet/data', { method: 'GET', headers: viewer })).status).toBe(200);
    const before = await instanceIds();
    const seq = cloud.emulator.requestLog.lastSeq;
    const changes: Array<[string, string, unknown]> = [
      ['POST', 'deployments', spec('rg-sec-viewer')],
      ['POST', 'scalesets/vmss-friday/scale', { resourceGroup: 'rg-sec-busy', capacity: 0 }],
      ['POST', 'scalesets/vmss-friday/verify', { resourceGroup: 'rg-sec-busy' }],
      ['PUT', 'schedules', { scaleSets: [] }],
      ['POST', 'schedules/evaluate', {}],
      ['POST', 'autoscale-webhook', { operation: 'Scale In', context: {} }],
    ];
    // The viewer key as a viewer header, as a function key header, and in the query: none opens a change.
    for (const [method, route, body] of changes) {
      for (const headers of [viewer, { 'x-functions-key': cloud.viewerKey }]) expect((await call(route, { method, body, headers })).status, `${method} ${route}`).toBe(401);
      expect((await fetch(`${cloud.baseUrl}/api/${route}?code=${cloud.viewerKey}&token=${cloud.viewerKey}`, { method, body: JSON.stringify(body) })).status, `${method} ${route} ?code=`).toBe(401);
    }
    for (const [method, url] of [
      ['POST', `/runtime/webhooks/durabletask/orchestrators/deployTier?code=${cloud.viewerKey}`],
      ['POST', `/runtime/webhooks/durabletask/instances/friday-schedule-evaluation/terminate?code=${cloud.viewerKey}`],
      ['DELETE', `/runtime/webhooks/durabletask/instances/friday-schedule-evaluation?code=${cloud.viewerKey}`],
      ['POST', `/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.viewerKey}`],
      ['POST', `/admin/functions/scheduleTimer?code=${cloud.viewerKey}`],
    ] as const) {
      expect((await fetch(`${cloud.baseUrl}${url}`, { method, headers: viewer, body: '[]' })).status, url).toBe(401);
    }
    // The fleet routes themselves only read.
    for (const method of ['POST', 'PUT', 'DELETE']) expect([404, 405], method).toContain((await call('fleet/data', { method, headers: viewer, body: {} })).status);
    expect(await instanceIds()).toEqual(before);
    expect(cloud.emulator.requestLog.entries({ since: seq, writesOnly: true })).toEqual([]);
  });
});

describe('bad input', () => {
  const bigSpec = { ...spec('rg-sec-big'), padding: 'x'.repeat(300 * 1024) };
  const event = (topicRg: string, subjectRg: string) => [
    { id: `e-${topicRg}-${subjectRg}`, eventType: 'Microsoft.Resources.ResourceWriteSuccess', topic: `/subscriptions/${cloud.subscriptionId}/resourceGroups/${topicRg}`, subject: `/subscriptions/${cloud.subscriptionId}/resourceGroups/${subjectRg}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday`, eventTime: new Date().toISOString(), data: {}, dataVersion: '', metadataVersion: '1' },
  ];
  const notification = (context: Record<string, unknown>) => ({ operation: 'Scale Out', context: { resourceId: `/subscriptions/${cloud.subscriptionId}/resourceGroups/rg-sec-busy/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday`, oldCapacity: 1, newCapacity: 2, ...context } });

  it('each gets a 400/413 naming the problem, and causes no ARM call and no run', async () => {
    const before = await instanceIds();
    const seq = cloud.emulator.requestLog.lastSeq;
    const cases: Array<[string, () => Promise<Response>, number, RegExp]> = [
      ['resource group ..', () => call('deployments', { body: spec('..') }), 400, /resourceGroup: '\.\.' is not a resource group name/],
      ['RDP 0.0.0.0/1', () => call('deployments', { body: spec('rg-sec', { rdp: { sourcePrefix: '0.0.0.0/1' } }) }), 400, /rdp\.sourcePrefix: '0\.0\.0\.0\/1' opens RDP/],
      ['RDP 128.0.0.0/1', () => call('deployments', { body: spec('rg-sec', { rdp: { sourcePrefix: '128.0.0.0/1' } }) }), 400, /rdp\.sourcePrefix: '128\.0\.0\.0\/1' opens RDP/],
      ['RDP 999.999.999.999/99', () => call('deployments', { body: spec('rg-sec', { rdp: { sourcePrefix: '999.999.999.999/99', allowFromAnywhere: true } }) }), 400, /rdp\.sourcePrefix: '999\.999\.999\.999\/99' has an octet above 255/],
      ['VNet name', () => call('deployments', { body: spec('rg-sec', { network: { ...example.network, vnetName: 'vnet/..' } }) }), 400, /network\.vnetName: 'vnet\/\.\.' is not a virtual network name/],
      ['dry run with a bad name', () => call('deployments', { body: spec('rg sec', { dryRun: true }) }), 400, /resourceGroup: 'rg sec'/],
      ['scale, resource group ..', () => call('scalesets/vmss-friday/scale', { body: { resourceGroup: '..', capacity: 1 } }), 400, /resourceGroup: '\.\.' is not a resource group name/],
      // (A literal `..` segment never reaches the app: URLs normalise it away. Encoded slashes and trailing periods do.)
      ['scale, scale set with an encoded slash', () => call('scalesets/vmss%2F..%2Fother/scale', { body: { resourceGroup: 'rg-sec', capacity: 1 } }), 400, /name \(path\): 'vmss\/\.\.\/other' is not a scale set name/],
      ['verify, scale set ending with a period', () => call('scalesets/vmss./verify', { body: { resourceGroup: 'rg-sec' } }), 400, /name \(path\): 'vmss\.' is not a scale set name/],
      ['verify, encoded slash', () => call('scalesets/vmss-friday/verify', { body: { resourceGroup: 'rg%2Fx/y' } }), 400, /resourceGroup: 'rg%2Fx\/y'/],
      ['verify, resource group in the query', () => call('scalesets/vmss-friday/verify?resourceGroup=..', { body: '' }), 400, /resourceGroup: '\.\.'/],
      ['schedule date 2026-13-45', () => call('schedules', { method: 'PUT', body: { scaleSets: [{ resourceGroup: 'rg-sec', name: 'vmss-friday', timeZone: 'Europe/Berlin', overrides: [{ date: '2026-13-45', target: { capacity: 0 } }] }] } }), 400, /overrides\.0\.date: is not a calendar date/],
      ['schedule zone local', () => call('schedules', { method: 'PUT', body: { scaleSets: [{ resourceGroup: 'rg-sec', name: 'vmss-friday', timeZone: 'local', default: { capacity: 1 } }] } }), 400, /timeZone: must be an IANA time zone/],
      ['schedule zone system, group ..', () => call('schedules', { method: 'PUT', body: { scaleSets: [{ resourceGroup: '..', name: 'vmss-friday', timeZone: 'system', default: { capacity: 1 } }] } }), 400, /resourceGroup: '\.\.'[\s\S]*timeZone|timeZone[\s\S]*resourceGroup: '\.\.'/],
      ['deployment body over 256 KB', () => call('deployments', { body: bigSpec }), 413, /more than the 262144 bytes/],
      ['schedule body over 256 KB', () => call('schedules', { method: 'PUT', body: { scaleSets: [], padding: 'x'.repeat(300 * 1024) } }), 413, /PayloadTooLarge/],
      ['webhook body over 32 KB', () => fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${WEBHOOK_TOKEN}`, { method: 'POST', body: JSON.stringify(notification({ details: 'x'.repeat(40 * 1024) })) }), 413, /PayloadTooLarge/],
      ['webhook multi-byte token', () => fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${encodeURIComponent('é'.repeat(WEBHOOK_TOKEN.length))}`, { method: 'POST', body: JSON.stringify(notification({})) }), 401, /Unauthorized/],
      ['webhook resource id with ..', () => fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${WEBHOOK_TOKEN}`, { method: 'POST', body: JSON.stringify(notification({ resourceId: `/subscriptions/${cloud.subscriptionId}/resourceGroups/../providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday` })) }), 400, /context\.resourceId/],
      ['webhook fields disagreeing', () => fetch(`${cloud.baseUrl}/api/autoscale-webhook?token=${WEBHOOK_TOKEN}`, { method: 'POST', body: JSON.stringify(notification({ resourceGroupName: 'rg-other' })) }), 400, /context\.resourceGroupName: does not match/],
    ];
    for (const [name, send, status, pattern] of cases) {
      const res = await send();
      const text = await res.text();
      expect(res.status, `${name}: ${text}`).toBe(status);
      expect(text, name).toMatch(pattern);
      expect(text, name).not.toMatch(/\bat .*\.js:\d+/);
    }
    // An Event Grid event whose subject lies outside its topic is dropped (Event Grid gets a 2xx: redelivery would not help).
    const delivered = await fetch(`${cloud.baseUrl}/runtime/webhooks/eventgrid?functionName=scaleSetEvents&code=${cloud.masterKey}`, { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' }, body: JSON.stringify(event('rg-sec-elsewhere', 'rg-sec-busy')) });
    expect(delivered.status).toBeLessThan(300);
    expect(cloud.emulator.requestLog.entries({ since: seq })).toEqual([]);
    expect(await instanceIds()).toEqual(before);
  });
});

describe('orchestrations started around the HTTP routes', () => {
  it('refuse input the routes would have refused, before any ARM call or run record (system key holders included)', async () => {
    const seq = cloud.emulator.requestLog.lastSeq;
    const starts: Array<[string, unknown, RegExp]> = [
      ['deployTier', { spec: spec('rg-sec-durable', { rdp: { sourcePrefix: '0.0.0.0/1' } }), subscriptionId: cloud.subscriptionId }, /spec\.rdp\.sourcePrefix: '0\.0\.0\.0\/1' opens RDP/],
      ['scaleScaleSet', { resourceGroup: '..', scaleSetName: 'vmss-friday', capacity: 1e6 }, /resourceGroup: '\.\.'.*capacity: must be a whole number from 0 to 1000/],
      ['verifyScaleSet', { resourceGroup: 'rg-sec', scaleSetName: 'vmss/../x' }, /scaleSetName: 'vmss\/\.\.\/x' is not a scale set name/],
      ['watchScaleSet', { resourceGroup: 'rg-sec', scaleSetName: 'vmss-friday', verified: ['..'], actions: [], rounds: -1 }, /verified: must be a list of at most 1000 instance ids.*rounds: must be a whole number/],
      ['evaluateSchedules', { trigger: 'cron', dryRun: 'no' }, /trigger: must be timer or http; dryRun/],
    ];
    for (const [name, input, pattern] of starts) {
      const res = await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/orchestrators/${name}/sec-durable-${name}?code=${cloud.masterKey}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      expect(res.status, name).toBe(202);
      const deadline = Date.now() + 30_000;
      let status: { runtimeStatus: string; output: unknown } = { runtimeStatus: 'Pending', output: null };
      while (!['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await (await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/sec-durable-${name}?code=${cloud.masterKey}`)).json()) as typeof status;
      }
      expect(status.runtimeStatus, name).toBe('Failed');
      expect(String(status.output), name).toMatch(/InvalidOrchestrationInput/);
      expect(String(status.output), name).toMatch(pattern);
    }
    expect(cloud.emulator.requestLog.entries({ since: seq })).toEqual([]);
    // No run record was written for any of them: the fleet shows none of these names.
    const fleet = await (await call('fleet/data?fresh=1', { method: 'GET', headers: { 'x-friday-viewer-key': cloud.viewerKey } })).text();
    expect(fleet).not.toContain('sec-durable-');
  }, 120_000);
});

describe('the setup script', () => {
  it('is refused when its blob was swapped: the deployment fails before any scale set is written', async () => {
    const { blobName, sha256 } = scriptBlobName(setupScriptContent());
    const container = BlobServiceClient.fromConnectionString(cloud.azurite.connectionString).getContainerClient(cloud.settings.FRIDAY_SCRIPTS_CONTAINER ?? 'friday-scripts');
    await container.createIfNotExists();
    const evil = 'New-LocalUser mallory -NoPassword\n';
    await container.getBlockBlobClient(blobName).upload(evil, Buffer.byteLength(evil), { metadata: { sha256 } });
    const seq = cloud.emulator.requestLog.lastSeq;
    const res = await call('deployments', { body: spec('rg-sec-swapped') });
    expect(res.status).toBe(202);
    const done = await waitForStatus(cloud, ((await res.json()) as { statusQueryGetUri: string }).statusQueryGetUri);
    expect(done.runtimeStatus).toBe('Failed');
    expect(JSON.stringify(done.output)).toMatch(/SetupScriptMismatch|has been changed/);
    const scaleSetCalls = cloud.emulator.requestLog.entries({ since: seq }).filter((e) => /virtualMachineScaleSets/i.test(e.path) && e.method !== 'GET');
    expect(scaleSetCalls).toEqual([]);
    await container.getBlockBlobClient(blobName).delete();
  }, 120_000);
});
