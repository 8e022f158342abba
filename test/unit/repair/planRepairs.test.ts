import { describe, expect, it } from 'vitest';
import { planRepairs } from '../../../src/domain/repair/planRepairs';

const now = new Date('2026-11-25T12:00:00Z');
const limits = { maxRepairsPerHour: 5, minHealthy: 1 };
const fail = (instanceId: string) => ({ instanceId, verdict: 'fail' as const, reason: 'page: HTTP 500' });
const pass = (instanceId: string) => ({ instanceId, verdict: 'pass' as const, reason: 'ok' });

describe('planRepairs', () => {
  it('reimages a failing instance first, replaces it if it still fails after its reimage', () => {
    expect(planRepairs({ verdicts: [pass('0'), fail('1')], history: [], now, limits })).toEqual([{ instanceId: '1', action: 'reimage', reason: 'failing (page: HTTP 500)' }]);
    const again = planRepairs({ verdicts: [pass('0'), fail('1')], history: [{ instanceId: '1', action: 'reimage', at: '2026-11-25T11:58:00Z' }], now, limits });
    expect(again[0]).toMatchObject({ action: 'replace', reason: expect.stringContaining('still failing after a reimage') as unknown });
  });

  it('keeps to the hourly repair limit, counting only the last hour', () => {
    const history = Array.from({ length: 5 }, (_, i) => ({ instanceId: String(10 + i), action: 'reimage' as const, at: '2026-11-25T11:30:00Z' }));
    expect(planRepairs({ verdicts: [pass('0'), fail('1')], history, now, limits })[0]).toMatchObject({ action: 'none', reason: 'repair limit of 5 per hour reached' });
    const old = history.map((h) => ({ ...h, at: '2026-11-25T10:30:00Z' }));
    expect(planRepairs({ verdicts: [pass('0'), fail('1')], history: old, now, limits })[0]?.action).toBe('reimage');
    const two = planRepairs({ verdicts: [pass('0'), fail('1'), fail('2'), fail('3')], history: [], now, limits: { ...limits, maxRepairsPerHour: 2 } });
    expect(two.map((d) => d.action)).toEqual(['reimage', 'reimage', 'none']);
  });

  it('does not repair while fewer than the minimum are healthy', () => {
    const d = planRepairs({ verdicts: [fail('0'), fail('1')], history: [], now, limits: { ...limits, minHealthy: 1 } });
    expect(d.every((x) => x.action === 'none' && x.reason.includes('below the minimum of 1'))).toBe(true);
    expect(planRepairs({ verdicts: [fail('1')], healthy: 3, history: [], now, limits })[0]?.action).toBe('reimage');
  });
});
