/**
 * Validation at the boundaries that are not the deployment spec: schedule documents (Azure
 * names, real calendar dates, IANA zones only), app settings (the RDP prefix), Event Grid and
 * autoscale payloads (names, subject inside topic), and the credential compares.
 */
import { describe, expect, it } from 'vitest';
import { HttpRequest } from '@azure/functions';
import { generatedAdminPassword } from '../../../src/azure/adminPassword';
import { classifyScaleEvent, parseAutoscaleWebhook, type ResourceEvent } from '../../../src/domain/events/scaleEvents';
import { parseScheduleConfig } from '../../../src/domain/schedule/schedule';
import { fleetViewerAccess, secretMatches } from '../../../src/functions/http/credentials';
import { parseSettings } from '../../../src/settings';

const SUB = '00000000-0000-0000-0000-000000000001';
const schedule = (change: Record<string, unknown>) => ({ scaleSets: [{ resourceGroup: 'rg-friday', name: 'vmss-friday', timeZone: 'Europe/Berlin', default: { capacity: 1 }, ...change }] });
const errors = (input: unknown): string => {
  const r = parseScheduleConfig(input);
  return r.ok ? '' : r.errors.join('\n');
};

describe('schedule documents', () => {
  it('accepts a valid document, leap day included', () => {
    expect(parseScheduleConfig(schedule({ overrides: [{ date: '2028-02-29', target: { capacity: 0 } }, { from: '2026-12-24', to: '2026-12-26', target: { capacity: 0 } }] })).ok).toBe(true);
  });
  it.each([
    [{ overrides: [{ date: '2026-13-45', target: { capacity: 0 } }] }, 'scaleSets.0.overrides.0.date: is not a calendar date'],
    [{ overrides: [{ date: '2026-02-30', target: { capacity: 0 } }] }, 'scaleSets.0.overrides.0.date: is not a calendar date'],
    [{ overrides: [{ date: '2027-02-29', target: { capacity: 0 } }] }, 'is not a calendar date'],
    [{ overrides: [{ from: '2026-12-26', to: '2026-12-24', target: { capacity: 0 } }] }, 'scaleSets.0.overrides.0.to: from must not be after to'],
    [{ timeZone: 'local' }, 'scaleSets.0.timeZone: must be an IANA time zone'],
    [{ timeZone: 'system' }, 'scaleSets.0.timeZone: must be an IANA time zone'],
    [{ timeZone: 'UTC+3' }, 'scaleSets.0.timeZone: must be an IANA time zone'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'scaleSets.0.timeZone: must be an IANA time zone'],
    [{ resourceGroup: '..' }, "scaleSets.0.resourceGroup: '..' is not a resource group name"],
    [{ name: 'vmss/../x' }, "scaleSets.0.name: 'vmss/../x' is not a scale set name"],
  ])('refuses %j', (change, message) => {
    expect(errors(schedule(change))).toContain(message);
  });
  it('lists every problem at once', () => {
    const text = errors(schedule({ resourceGroup: '..', timeZone: 'local', overrides: [{ date: '2026-13-45', target: { capacity: 0 } }] }));
    for (const field of ['resourceGroup', 'timeZone', 'overrides.0.date']) expect(text).toContain(field);
  });
});

describe('FRIDAY_RDP_SOURCE_PREFIX', () => {
  const withPrefix = (p: string) => () => parseSettings({ AZURE_SUBSCRIPTION_ID: SUB, FRIDAY_RDP_SOURCE_PREFIX: p });
  it.each(['*', 'Internet', '0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '999.999.999.999/99', 'my office', '10.0.0.1/8'])('refuses %s at start-up, naming the setting', (p) => {
    expect(withPrefix(p)).toThrow(/FRIDAY_RDP_SOURCE_PREFIX: /);
  });
  it.each(['203.0.113.0/24', '203.0.113.7', '10.0.0.0/8'])('accepts %s', (p) => {
    expect(withPrefix(p)().FRIDAY_RDP_SOURCE_PREFIX).toBe(p);
  });
});

describe('Event Grid subjects and autoscale notifications', () => {
  const policy = { subscriptionId: SUB, allowedTopics: [], managed: () => true };
  const event = (topicRg: string, subject: string): ResourceEvent => ({ id: 'e', type: 'Microsoft.Resources.ResourceWriteSuccess', topic: `/subscriptions/${SUB}/resourceGroups/${topicRg}`, subject, time: '2026-11-28T00:00:00Z' });
  const vmss = (rg: string, name = 'vmss-friday') => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
  it('acts on a subject inside its topic, and ignores one outside it', () => {
    expect(classifyScaleEvent(event('rg-friday', vmss('rg-friday')), policy).decision).toBe('verify');
    expect(classifyScaleEvent(event('rg-other', vmss('rg-friday')), policy)).toMatchObject({ decision: 'ignore', reason: expect.stringContaining('not inside topic') as unknown });
    // A prefix of another group's name is not "inside" it.
    expect(classifyScaleEvent(event('rg-fri', vmss('rg-friday')), policy).decision).toBe('ignore');
  });
  it('ignores subjects whose names Azure would refuse', () => {
    expect(classifyScaleEvent(event('rg-friday', `${vmss('rg-friday', '..')}`), policy).decision).toBe('ignore');
  });
  const notification = (context: Record<string, unknown>) => ({ operation: 'Scale Out', context: { resourceId: vmss('rg-friday'), oldCapacity: 2, newCapacity: 3, ...context } });
  it('refuses a notification whose resource id has names Azure refuses, or whose fields disagree', () => {
    const bad = parseAutoscaleWebhook(notification({ resourceId: vmss('..') }));
    expect(bad.ok).toBe(false);
    const mismatch = parseAutoscaleWebhook(notification({ resourceGroupName: 'rg-other', resourceName: 'vmss-friday' }));
    expect(mismatch).toMatchObject({ ok: false, problems: ['context.resourceGroupName: does not match context.resourceId'] });
    expect(parseAutoscaleWebhook(notification({ resourceGroupName: 'RG-FRIDAY', resourceName: 'vmss-friday', resourceType: 'microsoft.compute/virtualmachinescalesets' })).ok).toBe(true);
  });
});

describe('credential compares', () => {
  it('compares digests: equal, unequal, different lengths and multi-byte values never throw', () => {
    expect(secretMatches('token-abc', 'token-abc')).toBe(true);
    expect(secretMatches('token-abc', 'token-abd')).toBe(false);
    expect(secretMatches('token-abc', 'token')).toBe(false);
    expect(secretMatches('token-abc', 'tökén-abc')).toBe(false);
    expect(secretMatches('ключ-é', 'ключ-é')).toBe(true);
    expect(secretMatches(undefined, 'x')).toBe(false);
    expect(secretMatches('x', null)).toBe(false);
  });

  const settings = (extra: Record<string, string>) => parseSettings({ AZURE_SUBSCRIPTION_ID: SUB, FRIDAY_FLEET_VIEWER_KEY: 'viewer-key-0123456789', ...extra });
  const request = (headers: Record<string, string>) => new HttpRequest({ method: 'GET', url: 'http://localhost/api/fleet/data', headers });
  const principal = (roles: string[]) => Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'name', val: 'Ada' }, ...roles.map((r) => ({ typ: 'roles', val: r }))] })).toString('base64');
  it('lets a viewer key or, with App Service authentication, a signed-in viewer read — nobody else', () => {
    expect(fleetViewerAccess(request({ 'x-friday-viewer-key': 'viewer-key-0123456789' }), settings({})).ok).toBe(true);
    expect(fleetViewerAccess(request({ 'x-friday-viewer-key': 'viewer-key-012345678' }), settings({})).ok).toBe(false);
    // The principal header counts only when App Service authentication is in front (it sets and strips it).
    expect(fleetViewerAccess(request({ 'x-ms-client-principal': principal(['Fleet.Viewer']) }), settings({})).ok).toBe(false);
    const entra = settings({ FRIDAY_FLEET_AUTH: 'appService' });
    expect(fleetViewerAccess(request({ 'x-ms-client-principal': principal(['Fleet.Viewer']) }), entra)).toMatchObject({ ok: true, via: 'appService', who: 'Ada' });
    const noRole = fleetViewerAccess(request({ 'x-ms-client-principal': principal(['Something.Else']) }), entra);
    expect(noRole.ok ? 0 : noRole.response.status).toBe(403);
    const nobody = fleetViewerAccess(request({}), entra);
    expect(nobody.ok ? 0 : nobody.response.status).toBe(401);
  });
});

describe('instance admin password', () => {
  it('is generated fresh for each scale set and meets every Windows rule', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatedAdminPassword();
      expect(p.length).toBeGreaterThanOrEqual(12);
      expect(p.length).toBeLessThanOrEqual(123);
      for (const cls of [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/]) expect(p).toMatch(cls);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
