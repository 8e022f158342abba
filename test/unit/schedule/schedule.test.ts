import { describe, expect, it } from 'vitest';
import { desiredStateAt, nextChanges, orderResizeSteps, parseScheduleConfig, planScheduleChange, type ScaleSetSchedule } from '../../../src/domain/schedule/schedule';

function schedule(over: Record<string, unknown>): ScaleSetSchedule {
  const parsed = parseScheduleConfig({ scaleSets: [{ resourceGroup: 'rg', name: 'vmss', timeZone: 'Europe/Berlin', ...over }] });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.scaleSets[0] as ScaleSetSchedule;
}
const business = { name: 'business-hours', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:30', end: '19:00', target: { capacity: 4, vmSize: 'Standard_D2s_v5' } };
const offHours = { capacity: 1, vmSize: 'Standard_B2s' };
const at = (iso: string) => desiredStateAt(schedule({ default: offHours, periods: [business] }), new Date(iso));

describe('business hours and weekends (Europe/Berlin)', () => {
  it('is large during business hours and small in the evening and at weekends', () => {
    expect(at('2026-11-25T09:00:00Z')).toMatchObject({ capacity: 4, vmSize: 'Standard_D2s_v5', source: 'period' }); // Wed 10:00 CET
    expect(at('2026-11-25T19:00:00Z')).toMatchObject({ capacity: 1, vmSize: 'Standard_B2s', source: 'default' }); // Wed 20:00
    expect(at('2026-11-28T09:00:00Z')).toMatchObject({ capacity: 1, source: 'default' }); // Sat
    expect(at('2026-11-25T06:29:00Z').source).toBe('default'); // 07:29 local
    expect(at('2026-11-25T06:30:00Z').source).toBe('period'); // 07:30 local
    expect(at('2026-11-25T09:00:00Z').reason).toBe('business-hours (mon,tue,wed,thu,fri 07:30–19:00 Europe/Berlin) is active');
  });
});

describe('periods across midnight', () => {
  const night = schedule({ periods: [{ name: 'night', weekdays: ['fri'], start: '22:00', end: '06:00', target: { capacity: 2 } }] });
  it('belong to the day they start', () => {
    expect(desiredStateAt(night, new Date('2026-11-28T02:00:00Z')).source).toBe('period'); // Sat 03:00, started Fri
    expect(desiredStateAt(night, new Date('2026-11-29T02:00:00Z')).source).toBe('none'); // Sun 03:00: Sat is not listed
    expect(desiredStateAt(night, new Date('2026-11-28T05:00:00Z')).source).toBe('none'); // Sat 06:00: over
  });

  it('Asia/Seoul evening period crossing the UTC date line', () => {
    const seoul = schedule({ timeZone: 'Asia/Seoul', periods: [{ name: 'evening', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '20:00', end: '02:00', target: { capacity: 3 } }] });
    expect(desiredStateAt(seoul, new Date('2026-11-23T14:30:00Z')).capacity).toBe(3); // Mon 23:30 KST
    expect(desiredStateAt(seoul, new Date('2026-11-23T16:30:00Z')).capacity).toBe(3); // Tue 01:30 KST, started Mon
    expect(desiredStateAt(seoul, new Date('2026-11-27T16:00:00Z')).capacity).toBe(3); // Sat 01:00 KST, started Fri
    expect(desiredStateAt(seoul, new Date('2026-11-28T16:00:00Z')).source).toBe('none'); // Sun 01:00 KST
  });
});

describe('daylight-saving transitions', () => {
  it('Europe/Berlin spring forward: a start inside the gap begins after it; business hours follow local time', () => {
    const early = schedule({ periods: [{ name: 'early', weekdays: ['sun'], start: '02:30', end: '04:00', target: { capacity: 2 } }] });
    expect(desiredStateAt(early, new Date('2026-03-29T01:15:00Z')).source).toBe('none'); // 03:15 CEST
    expect(desiredStateAt(early, new Date('2026-03-29T01:30:00Z')).source).toBe('period'); // 03:30 CEST
    const s = schedule({ default: offHours, periods: [business] });
    expect(desiredStateAt(s, new Date('2026-03-27T06:30:00Z')).source).toBe('period'); // Fri 07:30 CET
    expect(desiredStateAt(s, new Date('2026-03-30T05:30:00Z')).source).toBe('period'); // Mon 07:30 CEST
    expect(desiredStateAt(s, new Date('2026-03-30T05:29:00Z')).source).toBe('default');
  });

  it('Europe/Berlin fall back: an ambiguous time means its first occurrence', () => {
    const s = schedule({ periods: [{ name: 'x', weekdays: ['sun'], start: '02:30', end: '05:00', target: { capacity: 2 } }] });
    expect(desiredStateAt(s, new Date('2026-10-25T00:15:00Z')).source).toBe('none'); // 02:15 CEST
    expect(desiredStateAt(s, new Date('2026-10-25T00:30:00Z')).source).toBe('period'); // 02:30 CEST (first)
  });

  it('America/New_York: 09:00 local is 14:00Z before and 13:00Z after spring forward, and back after fall back', () => {
    const ny = schedule({ timeZone: 'America/New_York', periods: [{ ...business, start: '09:00', end: '17:00' }] });
    expect(desiredStateAt(ny, new Date('2026-03-06T14:00:00Z')).source).toBe('period'); // Fri EST
    expect(desiredStateAt(ny, new Date('2026-03-09T12:59:00Z')).source).toBe('none'); // Mon 08:59 EDT
    expect(desiredStateAt(ny, new Date('2026-03-09T13:00:00Z')).source).toBe('period'); // Mon 09:00 EDT
    expect(desiredStateAt(ny, new Date('2026-11-02T13:30:00Z')).source).toBe('none'); // Mon 08:30 EST
    expect(desiredStateAt(ny, new Date('2026-11-02T14:00:00Z')).source).toBe('period'); // Mon 09:00 EST
  });

  it('lists next changes in local time across a DST change', () => {
    const changes = nextChanges(schedule({ default: offHours, periods: [business] }), new Date('2026-03-28T12:00:00Z'), 3);
    expect(changes[0]).toMatchObject({ at: new Date('2026-03-30T05:30:00Z'), localTime: '2026-03-30T07:30:00.000+02:00', to: { capacity: 4, vmSize: 'Standard_D2s_v5' } });
    expect(changes[1]).toMatchObject({ at: new Date('2026-03-30T17:00:00Z'), to: offHours });
  });
});

describe('overlaps, one-sided periods, overrides, disabled', () => {
  it('takes the largest capacity, with the VM size of the period that asks for it', () => {
    const s = schedule({ periods: [business, { name: 'batch', weekdays: ['wed'], start: '12:00', end: '14:00', target: { capacity: 6 } }] });
    const d = desiredStateAt(s, new Date('2026-11-25T12:00:00Z')); // Wed 13:00
    expect(d).toMatchObject({ capacity: 6, vmSize: 'Standard_D2s_v5' });
    expect(d.reason).toContain('overlapping periods');
  });

  it('one-sided periods run to the end of the day, or from its start', () => {
    const s = schedule({ periods: [{ name: 'evening', weekdays: ['wed'], start: '19:00', target: { capacity: 2 } }, { name: 'morning', weekdays: ['thu'], end: '06:00', target: { capacity: 3 } }] });
    expect(desiredStateAt(s, new Date('2026-11-25T22:59:00Z')).capacity).toBe(2); // Wed 23:59
    expect(desiredStateAt(s, new Date('2026-11-26T04:00:00Z')).capacity).toBe(3); // Thu 05:00
    expect(desiredStateAt(s, new Date('2026-11-26T05:00:00Z')).source).toBe('none'); // Thu 06:00
  });

  it('an override day beats every period; a disabled schedule has no opinion', () => {
    const s = schedule({ default: offHours, periods: [business], overrides: [{ date: '2026-12-25', target: { capacity: 1 }, reason: 'Christmas' }] });
    expect(desiredStateAt(s, new Date('2026-12-25T10:00:00Z'))).toMatchObject({ capacity: 1, source: 'override', reason: 'Christmas (2026-12-25 Europe/Berlin)' });
    expect(desiredStateAt(schedule({ enabled: false, periods: [business] }), new Date('2026-11-25T09:00:00Z')).source).toBe('none');
  });
});

describe('planning a change', () => {
  const s = schedule({ default: offHours, periods: [business] });
  it('plans nothing when the tier already matches (no ARM write)', () => {
    expect(planScheduleChange({ schedule: s, current: { capacity: 4, vmSize: 'Standard_D2s_v5' }, now: new Date('2026-11-25T09:00:00Z') }).action).toBe('none');
  });
  it('plans the evening downsize: scale in first, then resize the fewer instances; the morning the other way round', () => {
    const evening = planScheduleChange({ schedule: s, current: { capacity: 4, vmSize: 'Standard_D2s_v5' }, now: new Date('2026-11-25T19:00:00Z') });
    expect(evening.changes).toEqual([{ field: 'capacity', from: 4, to: 1 }, { field: 'vmSize', from: 'Standard_D2s_v5', to: 'Standard_B2s' }]);
    expect(orderResizeSteps(evening)).toEqual(['capacity', 'vmSize']);
    const morning = planScheduleChange({ schedule: s, current: { capacity: 1, vmSize: 'Standard_B2s' }, now: new Date('2026-11-26T07:00:00Z') });
    expect(orderResizeSteps(morning)).toEqual(['vmSize', 'capacity']);
  });
});

describe('bad configuration', () => {
  it('lists every problem with its path', () => {
    const r = parseScheduleConfig({
      scaleSets: [
        { resourceGroup: 'rg', name: 'a', timeZone: 'Mars/Olympus', periods: [{ name: 'p', weekdays: ['funday'], start: '25:00', target: {} }] },
        { resourceGroup: 'rg', name: 'a', timeZone: 'UTC', overrides: [{ date: '2026-13', target: { capacity: -1 } }], extra: true },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    for (const p of ['scaleSets.0.timeZone', 'scaleSets.0.periods.0.weekdays.0', 'scaleSets.0.periods.0.start', 'scaleSets.0.periods.0.target', 'scaleSets.1.overrides.0.date', 'scaleSets.1.overrides.0.target.capacity', 'scaleSets.1']) expect(text).toContain(p);
  });
});
