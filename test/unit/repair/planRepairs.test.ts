import { describe, expect, it } from 'vitest';
import { defaultMinHealthy, failureStreak, maxConcurrentRepairs, planRepairs, reserveRepairs, type ActiveInstance, type RepairReservation } from '../../../src/domain/repair/planRepairs';

const now = new Date('2026-11-25T12:00:00Z');
const limits = { maxRepairsPerHour: 5 };
const failing = (...ids: string[]) => ids.map((instanceId) => ({ instanceId, reason: 'page: HTTP 500' }));
const active = (n: number, state = 'Succeeded'): ActiveInstance[] => Array.from({ length: n }, (_, i) => ({ instanceId: String(i), provisioningState: state }));
const plan = (over: Partial<Parameters<typeof planRepairs>[0]> = {}) => planRepairs({ failing: failing('1'), active: active(10), capacity: 10, healthy: 9, reservations: [], now, limits, ...over });

describe('planRepairs', () => {
  it('reimages a failing instance first, replaces it if it still fails after a reimage within the hour', () => {
    expect(plan()).toEqual([{ instanceId: '1', action: 'reimage', reason: 'failing (page: HTTP 500)' }]);
    const again = plan({ reservations: [{ instanceId: '1', action: 'reimage', at: '2026-11-25T11:58:00Z', runId: 'r' }] });
    expect(again[0]).toMatchObject({ action: 'replace', reason: expect.stringContaining('still failing after a reimage') as unknown });
  });

  it('keeps to the hourly budget, counting only reservations of the last hour', () => {
    const reservations: RepairReservation[] = Array.from({ length: 5 }, (_, i) => ({ instanceId: String(10 + i), action: 'reimage', at: '2026-11-25T11:30:00Z', runId: 'earlier' }));
    expect(plan({ reservations })[0]).toMatchObject({ action: 'none', reason: 'repair budget of 5 per hour used up' });
    expect(plan({ reservations: reservations.map((r) => ({ ...r, at: '2026-11-25T10:30:00Z' })) })[0]?.action).toBe('reimage');
    const two = plan({ failing: failing('1', '2', '3'), limits: { maxRepairsPerHour: 2 }, capacity: 20, active: active(20), healthy: 17 });
    expect(two.map((d) => d.action)).toEqual(['reimage', 'reimage', 'none']);
  });

  it('repairs at most 20 % of the capacity at a time, one at a time under five instances', () => {
    expect([1, 4, 5, 9, 10, 100].map(maxConcurrentRepairs)).toEqual([1, 1, 1, 1, 2, 20]);
    const small = plan({ failing: failing('0', '1'), capacity: 4, active: active(4), healthy: 2 });
    expect(small.map((d) => d.action)).toEqual(['reimage', 'none']);
    expect(small[1]).toMatchObject({ nextBatch: true, reason: expect.stringContaining('at most 1 repair(s) at a time') as unknown });
    expect(plan({ failing: failing('0', '1', '2'), capacity: 10, healthy: 7 }).map((d) => d.action)).toEqual(['reimage', 'reimage', 'none']);
  });

  it('does not repair while fewer than the minimum are healthy; the default minimum is half the capacity', () => {
    expect([1, 2, 3, 4, 10].map(defaultMinHealthy)).toEqual([1, 1, 2, 2, 5]);
    const d = plan({ failing: failing('0', '1'), capacity: 3, active: active(3), healthy: 1 });
    expect(d.every((x) => x.action === 'none' && x.reason.includes('below the minimum of 2'))).toBe(true);
    expect(plan({ capacity: 3, active: active(3), healthy: 2 })[0]?.action).toBe('reimage');
    expect(plan({ healthy: 0, limits: { maxRepairsPerHour: 5, minHealthy: 0 } })[0]?.action).toBe('reimage');
  });

  it('never targets an instance that is not listed as active, or that Azure is still creating, updating or deleting', () => {
    expect(plan({ active: active(1) })[0]).toMatchObject({ action: 'none', reason: expect.stringContaining('no longer listed') as unknown });
    for (const state of ['Creating', 'Updating', 'Deleting']) {
      expect(plan({ active: [{ instanceId: '1', provisioningState: state }] })[0]).toMatchObject({ action: 'none', reason: expect.stringContaining(`provisioning state ${state}`) as unknown });
    }
    expect(plan({ active: [{ instanceId: '1', provisioningState: 'Failed' }] })[0]?.action).toBe('reimage');
  });
});

describe('failureStreak', () => {
  it('confirms only consecutive failures up to the last look: a flapping instance is not confirmed', () => {
    expect(failureStreak(['fail', 'fail', 'fail'], 3)).toEqual({ confirmed: true, consecutive: 3 });
    expect(failureStreak(['fail', 'pass'], 3).confirmed).toBe(false);
    expect(failureStreak(['fail', 'pass', 'fail', 'fail'], 3)).toEqual({ confirmed: false, consecutive: 2 });
    expect(failureStreak(['fail'], 1).confirmed).toBe(true);
  });
});

describe('reserveRepairs', () => {
  it('adds the decided repairs, drops reservations older than an hour, and counts a retried reservation once', () => {
    const old: RepairReservation = { instanceId: '7', action: 'reimage', at: '2026-11-25T10:00:00Z', runId: 'x' };
    const decisions = [{ instanceId: '1', action: 'reimage' as const, reason: '' }, { instanceId: '2', action: 'none' as const, reason: '' }];
    const once = reserveRepairs({ reservations: [old], decisions, runId: 'run:1-0', now });
    expect(once).toEqual([{ instanceId: '1', action: 'reimage', at: now.toISOString(), runId: 'run:1-0' }]);
    expect(reserveRepairs({ reservations: once, decisions, runId: 'run:1-0', now })).toEqual(once);
  });
});
