import { describe, expect, it } from 'vitest';
import { classifyScaleEvent, parseAutoscaleWebhook, parseResourceEvent, scaleSetOf } from '../../../src/domain/events/scaleEvents';

const SUB = '00000000-0000-0000-0000-00000000f41d';
const vmss = `/subscriptions/${SUB}/resourceGroups/rg-friday/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-friday`;
const eventGrid = (over: Record<string, unknown> = {}) => ({
  id: 'e1',
  topic: `/subscriptions/${SUB}/resourceGroups/rg-friday`,
  subject: vmss,
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  eventTime: '2026-11-25T05:00:00Z',
  data: { operationName: 'Microsoft.Compute/virtualMachineScaleSets/write' },
  ...over,
});
const policy = { subscriptionId: SUB, allowedTopics: [] as string[], managed: () => true };

describe('parseResourceEvent', () => {
  it('reads Event Grid schema and CloudEvents alike', () => {
    const a = parseResourceEvent(eventGrid());
    const b = parseResourceEvent({ specversion: '1.0', id: 'e1', source: `/subscriptions/${SUB}/resourceGroups/rg-friday`, type: 'Microsoft.Resources.ResourceWriteSuccess', subject: vmss, time: '2026-11-25T05:00:00Z', data: {} });
    expect(a.ok && b.ok && a.value.subject === b.value.subject && a.value.topic === b.value.topic).toBe(true);
  });
  it('lists what is wrong with a malformed event, never throws', () => {
    expect(parseResourceEvent(null)).toEqual({ ok: false, problems: ['event: not an object'] });
    const r = parseResourceEvent({ specversion: '0.3', id: 3 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join(';')).toMatch(/specversion.*id: missing.*type: missing.*source: missing.*subject: missing/);
  });
});

describe('classifyScaleEvent', () => {
  const classify = (over: Record<string, unknown>, p = policy) => {
    const parsed = parseResourceEvent(eventGrid(over));
    if (!parsed.ok) throw new Error('bad fixture');
    return classifyScaleEvent(parsed.value, p);
  };
  it('asks for verification on writes and actions to a managed scale set or its instances', () => {
    expect(classify({})).toMatchObject({ decision: 'verify', scaleSet: { resourceGroup: 'rg-friday', name: 'vmss-friday' } });
    expect(classify({ eventType: 'Microsoft.Resources.ResourceActionSuccess', subject: `${vmss}/virtualMachines/3` }).reason).toContain('instance 3');
    expect(classify({ eventType: 'Microsoft.Resources.ResourceDeleteSuccess', subject: `${vmss}/virtualMachines/3` }).decision).toBe('verify');
  });
  it.each([
    [{ eventType: 'Microsoft.Storage.BlobCreated' }, 'not a resource event'],
    [{ topic: '/subscriptions/other/resourceGroups/rg' }, 'another subscription'],
    [{ subject: `/subscriptions/${SUB}/resourceGroups/rg-friday/providers/Microsoft.Network/loadBalancers/lb` }, 'not a scale set'],
    [{ eventType: 'Microsoft.Resources.ResourceDeleteSuccess' }, 'nothing to verify'],
  ])('ignores %j (%s)', (over, reason) => {
    const c = classify(over);
    expect(c.decision).toBe('ignore');
    expect(c.reason).toContain(reason);
  });
  it('ignores topics that are not configured and scale sets that are not managed', () => {
    expect(classify({}, { ...policy, allowedTopics: [`/subscriptions/${SUB}/resourceGroups/elsewhere`] }).reason).toContain('not configured');
    expect(classify({}, { ...policy, managed: () => false }).reason).toContain('not managed');
  });
});

describe('parseAutoscaleWebhook', () => {
  it('reads the autoscale notification (capacities are strings)', () => {
    const r = parseAutoscaleWebhook({ version: '1.0', status: 'Activated', operation: 'Scale Out', context: { resourceId: vmss, oldCapacity: '2', newCapacity: '3' } });
    expect(r).toEqual({ ok: true, value: { operation: 'Scale Out', scaleSet: { subscriptionId: SUB, resourceGroup: 'rg-friday', name: 'vmss-friday' }, oldCapacity: 2, newCapacity: 3 } });
  });
  it('rejects a malformed one with every problem', () => {
    const r = parseAutoscaleWebhook({ operation: 'Scale Up', context: { resourceId: '/nope', oldCapacity: 'x' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toHaveLength(4);
  });
  it('finds the scale set and instance in resource ids, case-insensitively', () => {
    expect(scaleSetOf(`${vmss.toLowerCase()}/virtualmachines/7`)).toMatchObject({ name: 'vmss-friday', instanceId: '7' });
  });
});
