/**
 * Parity with Azure's own examples, the way LocalStack checks its emulators against answers
 * recorded from the real cloud: for every ARM operation the app uses, a fixture derived from an
 * azure-rest-api-specs example (fixtures/*.json, each naming its spec file and api-version) is
 * replayed against the emulator over HTTPS, in order, in one resource group, and the answer is
 * compared with the example by shape (status, the headers that matter, every property with its
 * JSON type; ids, names, times and other values ignored). Long-running operations are followed to
 * their end through Azure-AsyncOperation, and each status answer is compared with ARM's documented
 * status body. A difference fails unless the fixture lists it as a known limitation with a citation
 * that the emulator README's LIMITATIONS also carries; a listed limitation that no longer shows fails
 * too, so the list stays true.
 */
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../local/emulator';
import { uniqueName } from '../support/armTestClients';
import { armWire, type ArmWireResponse } from '../support/armWire';
import { compareHeaders, compareShape, type ShapeDifference } from './shape';

interface KnownLimitation {
  /** Path of the difference (or a prefix of it, at a `.` or `[`). */
  path: string;
  difference: string;
  /** Why it is so, with its source. */
  citation: string;
  /** A phrase the emulator README's LIMITATIONS section contains for it. */
  readme: string;
}

interface Fixture {
  title: string;
  operationId: string;
  spec: string;
  apiVersion: string;
  adapted?: string;
  trimmed?: string;
  request: { method: string; path: string; query?: Record<string, string>; body?: unknown };
  response: { status: number[]; headers?: Record<string, 'url' | 'integer'>; headersSource?: string; body?: unknown };
  knownLimitations: KnownLimitation[];
}

const FIXTURES = path.join(__dirname, 'fixtures');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, fixture: JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Fixture }));

/**
 * ARM's status body for Azure-AsyncOperation: "Track asynchronous Azure operations"
 * (learn.microsoft.com/azure/azure-resource-manager/management/async-operations, "Azure-AsyncOperation
 * request and response"): `status` always, `startTime`/`endTime` and `name` as Compute and Network send
 * them; `error` {code, message} when Failed.
 */
const OPERATION_STATUS = { name: 'x', status: 'Succeeded', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-01T00:00:00Z' };

const README = readFileSync(path.join(__dirname, '../../local/emulator/README.md'), 'utf8');
const LIMITATIONS = README.slice(README.indexOf('## LIMITATIONS'));

let emulator: EmulatorHandle;
const values: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startEmulator({
    stateDir: mkdtempSync(path.join(tmpdir(), 'friday-parity-')),
    timing: { instanceProvisionMs: 0, extensionRunMs: 0, networkOperationMs: 0, pageLatencyMs: 0, listPageMs: 0, operationRetryAfterSeconds: 0 },
  });
  values.subscriptionId = emulator.subscriptionId;
  values.resourceGroupName = uniqueName('rg-parity');
});

afterAll(async () => {
  await emulator?.close();
});

const fill = <T>(value: T): T => JSON.parse(JSON.stringify(value).replace(/\{(subscriptionId|resourceGroupName|instanceId)\}/g, (m, k: string) => values[k] ?? m)) as T;

const covered = (d: ShapeDifference, known: KnownLimitation[]): boolean =>
  known.some((k) => d.path === k.path || d.path.startsWith(`${k.path}.`) || d.path.startsWith(`${k.path}[`));

/** Follows Azure-AsyncOperation until the operation ends; returns the differences of each status answer. */
async function followOperation(url: string): Promise<{ status: string; differences: ShapeDifference[] }> {
  const differences: ShapeDifference[] = [];
  for (let poll = 0; poll < 50; poll++) {
    const u = new URL(url);
    const answer = await armWire(emulator, { method: 'GET', path: `${u.pathname}${u.search}` });
    if (answer.status !== 200) return { status: `HTTP ${answer.status}`, differences };
    const body = answer.body as { status?: string };
    differences.push(...compareShape(body.status === 'InProgress' ? { status: 'x', name: 'x', startTime: 'x' } : OPERATION_STATUS, body).map((d) => ({ path: `operation status ${d.path}`, difference: d.difference })));
    if (body.status && body.status !== 'InProgress') return { status: body.status, differences };
  }
  return { status: 'still InProgress after 50 polls', differences };
}

describe('parity with azure-rest-api-specs examples', () => {
  it('has a fixture for every ARM operation the app uses, each naming its spec example and api-version', () => {
    const operations = fixtures.map(({ fixture }) => fixture.operationId);
    for (const op of [
      'ResourceGroups_CreateOrUpdate',
      'VirtualNetworks_CreateOrUpdate',
      'NetworkSecurityGroups_CreateOrUpdate',
      'PublicIPAddresses_CreateOrUpdate',
      'LoadBalancers_CreateOrUpdate',
      'NatGateways_CreateOrUpdate',
      'ApplicationGateways_CreateOrUpdate',
      'ApplicationGateways_Get',
      'VirtualMachineScaleSets_CreateOrUpdate',
      'VirtualMachineScaleSets_Get',
      'VirtualMachineScaleSets_Update',
      'VirtualMachineScaleSets_UpdateInstances',
      'VirtualMachineScaleSets_Reimage',
      'VirtualMachineScaleSets_DeleteInstances',
      'VirtualMachineScaleSetVMs_List',
      'VirtualMachineScaleSetRollingUpgrades_GetLatest',
      'ResourceSkus_List',
      'Usage_List',
      'AutoscaleSettings_CreateOrUpdate',
      'AutoscaleSettings_Get',
      'VirtualNetworks_Get',
      'NetworkSecurityGroups_Get',
      'PublicIPAddresses_Get',
      'LoadBalancers_Get',
      'NatGateways_Get',
    ]) {
      expect(operations).toContain(op);
    }
    for (const { file, fixture } of fixtures) {
      expect([file, fixture.spec]).toEqual([file, expect.stringMatching(/^specification\/.+\/examples\/.+\.json$/)]);
      expect([file, fixture.apiVersion]).toEqual([file, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
      for (const k of fixture.knownLimitations) {
        expect([file, k.citation.length > 10]).toEqual([file, true]);
        expect([file, LIMITATIONS.includes(k.readme)]).toEqual([file, true]);
      }
    }
  });

  for (const { file, fixture } of fixtures) {
    it(`${file}: ${fixture.title} (${fixture.operationId} ${fixture.apiVersion})`, async () => {
      const request = fill(fixture.request);
      const answer: ArmWireResponse = await armWire(emulator, { ...request, apiVersion: fixture.apiVersion });
      const differences: ShapeDifference[] = [];
      if (!fixture.response.status.includes(answer.status)) {
        differences.push({ path: 'status', difference: `${answer.status}, example has ${fixture.response.status.join(' or ')}: ${JSON.stringify(answer.body)}` });
      }
      differences.push(...compareHeaders(fixture.response.headers ?? {}, answer.headers));
      if (fixture.response.body !== undefined) differences.push(...compareShape(fixture.response.body, answer.body));
      const operation = answer.headers['azure-asyncoperation'];
      if (operation) {
        const ended = await followOperation(operation);
        differences.push(...ended.differences);
        if (ended.status !== 'Succeeded') differences.push({ path: 'operation', difference: `ended ${ended.status}` });
      }
      if (fixture.operationId === 'VirtualMachineScaleSetVMs_List') {
        const first = (answer.body as { value?: Array<{ instanceId?: string }> }).value?.[0]?.instanceId;
        if (first) values.instanceId = first;
      }
      const unexplained = differences.filter((d) => !covered(d, fixture.knownLimitations));
      const stale = fixture.knownLimitations.filter((k) => !differences.some((d) => covered(d, [k])));
      expect({ unexplained, stale }).toEqual({ unexplained: [], stale: [] });
    });
  }
});
