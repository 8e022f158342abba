import { describe, expect, it } from 'vitest';
import { parseScheduleConfig, type ScaleSetSchedule } from '../../../src/domain/schedule/schedule';
import { decideScaleSet, resizeBatches, type ScaleSetShape } from '../../../src/domain/schedule/schedulePlan';

function schedule(over: Record<string, unknown> = {}): ScaleSetSchedule {
  const parsed = parseScheduleConfig({
    scaleSets: [
      {
        resourceGroup: 'rg',
        name: 'vmss',
        timeZone: 'Europe/Berlin',
        default: { capacity: 1, vmSize: 'Standard_B2s' },
        periods: [{ name: 'business-hours', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:30', end: '19:00', target: { capacity: 4, vmSize: 'Standard_D2s_v5' } }],
        ...over,
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.scaleSets[0] as ScaleSetSchedule;
}
const large: ScaleSetShape = { capacity: 4, vmSize: 'Standard_D2s_v5', upgradeMode: 'Manual', zones: ['1', '2', '3'] };
const small: ScaleSetShape = { ...large, capacity: 1, vmSize: 'Standard_B2s' };

describe('decideScaleSet', () => {
  it('changes nothing when the scale set is already as desired (size compared case-insensitively)', () => {
    const d = decideScaleSet({ schedule: schedule(), current: { ...large, vmSize: 'standard_d2s_v5' } }, new Date('2026-12-01T11:00:00Z'));
    expect(d.action).toBe('none');
    expect(d.changes).toEqual([]);
    expect(d.reason).toContain('already as desired');
  });

  it('in the evening: scale in first, then resize, with the reason and the next change', () => {
    const d = decideScaleSet({ schedule: schedule(), current: large }, new Date('2026-12-01T19:00:00Z'));
    expect(d.action).toBe('change');
    expect(d.order).toEqual(['capacity', 'vmSize']);
    expect(d.changes).toEqual([
      { field: 'capacity', from: 4, to: 1 },
      { field: 'vmSize', from: 'Standard_D2s_v5', to: 'Standard_B2s' },
    ]);
    expect(d.reason).toContain('default');
    expect(d.nextChanges[0]).toMatchObject({ localTime: '2026-12-02T07:30:00.000+01:00', to: { capacity: 4, vmSize: 'Standard_D2s_v5' } });
  });

  it('in the morning: resize first, then scale out', () => {
    const d = decideScaleSet({ schedule: schedule(), current: small }, new Date('2026-12-02T06:35:00Z'));
    expect(d.order).toEqual(['vmSize', 'capacity']);
  });

  it('reports a scale set that could not be read as an error, not a change', () => {
    const d = decideScaleSet({ schedule: schedule(), error: 'ResourceNotFound (HTTP 404): gone' }, new Date('2026-12-01T19:00:00Z'));
    expect(d.action).toBe('error');
    expect(d.reason).toContain('ResourceNotFound');
    expect(d.current).toBeNull();
  });

  it('has no opinion outside periods without a default', () => {
    const d = decideScaleSet({ schedule: schedule({ default: undefined }), current: large }, new Date('2026-12-05T12:00:00Z'));
    expect(d.action).toBe('none');
    expect(d.reason).toContain('no default');
  });
});

describe('resizeBatches', () => {
  it('cuts instances into batches of the percentage of capacity, at least one, in instance order', () => {
    expect(resizeBatches({ instanceIds: ['10', '2', '3', '1'], capacity: 4, maxBatchInstancePercent: 25 })).toEqual([['1'], ['2'], ['3'], ['10']]);
    expect(resizeBatches({ instanceIds: ['0', '1', '2', '3', '4'], capacity: 5, maxBatchInstancePercent: 50 })).toEqual([['0', '1', '2'], ['3', '4']]);
    expect(resizeBatches({ instanceIds: ['7'], capacity: 1, maxBatchInstancePercent: 20 })).toEqual([['7']]);
    expect(resizeBatches({ instanceIds: [], capacity: 4, maxBatchInstancePercent: 20 })).toEqual([]);
    expect(resizeBatches({ instanceIds: Array.from({ length: 1000 }, (_, i) => String(i)), capacity: 1000, maxBatchInstancePercent: 20 })).toHaveLength(5);
  });
});

describe('schedule document errors', () => {
  it('lists every problem with its path', () => {
    const parsed = parseScheduleConfig({ scaleSets: [{ resourceGroup: '', name: 'v', timeZone: 'Nowhere/City', periods: [{ name: 'p', weekdays: [], end: '7:00', target: { capacity: -1 } }], resize: { maxBatchInstancePercent: 0 } }] });
    expect(parsed.ok).toBe(false);
    const text = parsed.ok ? '' : parsed.errors.join('\n');
    for (const p of ['scaleSets.0.resourceGroup', 'scaleSets.0.timeZone', 'scaleSets.0.periods.0.weekdays', 'scaleSets.0.periods.0.end', 'scaleSets.0.periods.0.target.capacity', 'scaleSets.0.resize.maxBatchInstancePercent']) expect(text).toContain(p);
  });
});
