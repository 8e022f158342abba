/** Surge resize and drained removal plans: pure, time passed in. */
import { describe, expect, it } from 'vitest';
import { drainedRemovalPlan, scaleInVictims } from '../../../src/domain/availability/drainedRemoval';
import { probeWithDefaults, rotationSettleSeconds } from '../../../src/domain/availability/frontEndProbe';
import { planSurgeResize, type QuotaFact, type SurgeResizeInput } from '../../../src/domain/availability/surgeResize';

const now = new Date('2026-11-28T22:00:00Z');
const lb = probeWithDefaults('loadBalancer', { intervalSeconds: 5, threshold: 2 });

const cores = (limit: number, used: number): QuotaFact => ({ name: 'cores', label: 'Total Regional vCPUs', limit, used, countsOld: true });

const base = (over: Partial<SurgeResizeInput> = {}): SurgeResizeInput => ({
  instances: [{ instanceId: '0', zone: null }],
  capacity: 1,
  fromSize: 'Standard_D2s_v5',
  toSize: 'Standard_B2s',
  maxBatchInstancePercent: 20,
  upgradeMode: 'Manual',
  vcpus: { from: 2, to: 2 },
  quotas: [cores(100, 2)],
  freeAddresses: 250,
  ...over,
});

describe('front-end probe', () => {
  it('uses Azure defaults for what a definition leaves out, and settles after (threshold + 1) intervals', () => {
    expect(probeWithDefaults('loadBalancer', {})).toEqual({ kind: 'loadBalancer', intervalSeconds: 15, threshold: 1, drainSeconds: 0 });
    expect(probeWithDefaults('applicationGateway', { drainSeconds: 60 })).toEqual({ kind: 'applicationGateway', intervalSeconds: 30, threshold: 3, drainSeconds: 60 });
    expect(rotationSettleSeconds(lb)).toBe(15);
  });
});

describe('surge resize plan', () => {
  it('resizes a capacity-1 tier by adding the new instance first: never fewer than 1 serving', () => {
    const plan = planSurgeResize(base());
    expect(plan).toMatchObject({ kind: 'surge', batchSize: 1, minInRotation: 1, peak: { instances: 2, vcpus: 4, addresses: 2 } });
    if (plan.kind !== 'surge') throw new Error(plan.reason);
    expect(plan.batches).toEqual([{ index: 1, add: 1, remove: ['0'], inRotationAfter: 1 }]);
  });

  it('moves a 3-instance zonal tier a batch at a time, retiring from the fullest zone, ending at the asked capacity', () => {
    const plan = planSurgeResize(base({ instances: [{ instanceId: '0', zone: '1' }, { instanceId: '1', zone: '2' }, { instanceId: '2', zone: '3' }, { instanceId: '3', zone: '1' }], capacity: 4, maxBatchInstancePercent: 50 }));
    if (plan.kind !== 'surge') throw new Error(plan.reason);
    expect(plan.batches.map((b) => [b.add, b.remove])).toEqual([[2, ['3', '2']], [2, ['1', '0']]]);
    expect(plan.minInRotation).toBe(4);
    expect(plan.peak.instances).toBe(6);
  });

  it('scales in with the resize: adds the new capacity, then retires every old instance', () => {
    const plan = planSurgeResize(base({ instances: ['0', '1', '2', '3'].map((instanceId) => ({ instanceId, zone: null })), capacity: 1, maxBatchInstancePercent: 20 }));
    if (plan.kind !== 'surge') throw new Error(plan.reason);
    expect(plan.batches).toEqual([{ index: 1, add: 1, remove: ['3', '2', '1', '0'], inRotationAfter: 1 }]);
    expect(plan.minInRotation).toBe(1);
  });

  it('shrinks the batch to the free addresses and quota, and says so', () => {
    const plan = planSurgeResize(base({ instances: ['0', '1', '2', '3'].map((instanceId) => ({ instanceId, zone: null })), capacity: 4, maxBatchInstancePercent: 50, freeAddresses: 1 }));
    if (plan.kind !== 'surge') throw new Error(plan.reason);
    expect(plan.batchSize).toBe(1);
    expect(plan.batches).toHaveLength(4);
    expect(plan.notes.join(' ')).toMatch(/batches of 1 instead of 2: 1 free address/);
    const quota = planSurgeResize(base({ instances: ['0', '1'].map((instanceId) => ({ instanceId, zone: null })), capacity: 2, maxBatchInstancePercent: 100, quotas: [cores(6, 4)] }));
    expect(quota).toMatchObject({ kind: 'surge', batchSize: 1, minInRotation: 2 });
  });

  it('says clearly when surge is impossible, and what resizing in place would cost', () => {
    const plan = planSurgeResize(base({ quotas: [cores(2, 2)] }));
    expect(plan.kind).toBe('impossible');
    if (plan.kind !== 'impossible') return;
    expect(plan.problems[0]).toMatch(/no room to add even one Standard_B2s instance beside the 1 running: Total Regional vCPUs quota \(cores\) 2\/2 vCPUs used \(Standard_B2s: 2 vCPUs each\): 2 vCPU\(s\) short/);
    expect(plan.fallback).toMatchObject({ kind: 'inPlace', batchSize: 1, minInRotation: 0 });
    expect(plan.fallback.cost).toMatch(/serves nothing/);
    // A family quota the old size is not in: the old instances use none of it.
    const family = planSurgeResize(base({ quotas: [cores(100, 2), { name: 'standardBSFamily', label: 'Standard BS Family vCPUs', limit: 1, used: 0, countsOld: false }] }));
    expect(family.kind === 'impossible' && family.problems[0]).toMatch(/Standard BS Family vCPUs quota \(standardBSFamily\) 0\/1 vCPUs used .*: 1 vCPU\(s\) short/);
    expect(planSurgeResize(base({ quotas: [{ name: 'standardBSFamily', label: 'Standard BS Family vCPUs', limit: 2, used: 0, countsOld: false }] }))).toMatchObject({ kind: 'surge' });
    const noAddress = planSurgeResize(base({ freeAddresses: 0 }));
    expect(noAddress.kind === 'impossible' && noAddress.problems[0]).toMatch(/0 free address/);
  });

  it('is impossible when a larger size cannot fit the quota even retiring the old batch by batch', () => {
    const plan = planSurgeResize(base({ instances: ['0', '1'].map((instanceId) => ({ instanceId, zone: null })), capacity: 2, vcpus: { from: 2, to: 8 }, quotas: [cores(12, 4)] }));
    expect(plan).toMatchObject({ kind: 'impossible' });
    expect(plan.reason).toMatch(/room for 1 of 2/);
  });

  it('uses the platform MaxSurge rolling upgrade when the policy has maxSurge; otherwise surges with the mode set to Manual meanwhile', () => {
    expect(planSurgeResize(base({ upgradeMode: 'Rolling', rollingMaxSurge: true }))).toMatchObject({ kind: 'platformMaxSurge', minInRotation: 1 });
    expect(planSurgeResize(base({ upgradeMode: 'Rolling', rollingMaxSurge: false }))).toMatchObject({ kind: 'surge', switchToManualFrom: 'Rolling' });
    expect(planSurgeResize(base({ upgradeMode: 'Automatic' }))).toMatchObject({ kind: 'surge', switchToManualFrom: 'Automatic' });
    expect(planSurgeResize(base())).not.toHaveProperty('switchToManualFrom');
  });

  it('notes what it could not check', () => {
    const plan = planSurgeResize(base({ quotas: null, freeAddresses: null }));
    expect(plan.kind === 'surge' && plan.notes).toEqual(['free addresses in the subnet unknown: not checked', 'vCPU quota unknown: not checked']);
  });
});

describe('drained removal plan', () => {
  it('takes the instance out of the backend pool, waits interval × threshold plus in-flight, then deletes', () => {
    const plan = drainedRemovalPlan({ instanceIds: ['3'], probe: lb, inFlightSeconds: 20, then: 'delete', now });
    expect(plan.steps.map((s) => s.action)).toEqual(['leaveBackendPool', 'wait', 'delete']);
    expect(plan.waitSeconds).toBe(30);
    expect(plan.deleteNotBefore).toBe('2026-11-28T22:00:30.000Z');
    expect(plan.warnings).toEqual([]);
  });

  it('reimages a drained instance only once it is idle, then puts it back into the pool', () => {
    const plan = drainedRemovalPlan({ instanceIds: ['2'], probe: lb, inFlightSeconds: 20, then: 'reimage', now });
    expect(plan.steps.map((s) => s.action)).toEqual(['leaveBackendPool', 'wait', 'reimage', 'joinBackendPool']);
    expect(plan.waitSeconds).toBe(30);
    expect(plan.reason).toMatch(/^1 instance\(s\) drained before reimage/);
  });

  it('uses the App Gateway drain timeout, and warns when there is none or it is shorter than requests', () => {
    const draining = drainedRemovalPlan({ instanceIds: ['1'], probe: probeWithDefaults('applicationGateway', { intervalSeconds: 10, threshold: 3, drainSeconds: 60 }), inFlightSeconds: 20, then: 'replace', now });
    expect(draining.waitSeconds).toBe(60);
    expect(draining.warnings).toEqual([]);
    const short = drainedRemovalPlan({ instanceIds: ['1'], probe: probeWithDefaults('applicationGateway', { intervalSeconds: 10, threshold: 3, drainSeconds: 5 }), inFlightSeconds: 20, then: 'delete', now });
    expect(short.waitSeconds).toBe(30);
    expect(short.warnings[0]).toMatch(/drains for 5 s only/);
    const none = drainedRemovalPlan({ instanceIds: ['1'], probe: probeWithDefaults('applicationGateway', { intervalSeconds: 10, threshold: 3 }), inFlightSeconds: 20, then: 'delete', now });
    expect(none.waitSeconds).toBe(50);
    expect(none.warnings[0]).toMatch(/no connection draining/);
  });

  it('waits the longest default when the probe is unknown', () => {
    expect(drainedRemovalPlan({ instanceIds: ['1'], probe: null, inFlightSeconds: 10, then: 'delete', now }).waitSeconds).toBe(130);
  });

  it('picks scale-in victims as the default scale-in policy does: fullest zone, highest id', () => {
    const instances = [
      { instanceId: '0', zone: '1' },
      { instanceId: '1', zone: '2' },
      { instanceId: '2', zone: '3' },
      { instanceId: '3', zone: '1' },
    ];
    expect(scaleInVictims({ instances, capacity: 1 })).toEqual(['3', '2', '1']);
    expect(scaleInVictims({ instances, capacity: 4 })).toEqual([]);
  });
});
