import { describe, expect, it } from 'vitest';
import { keepBalanced } from '../../local/emulator/compute/scaleSetEngine';

const inst = (id: string, zone?: string) => ({ id, zone });

describe('overprovisioning keeps a zonal scale set balanced', () => {
  it('keeps one per zone when the extra finished early in a zone already taken', () => {
    // Capacity 3 over zones 1-3: four created (ids 0-3 → zones 1,2,3,1), and 3 finished last.
    const kept = keepBalanced({ candidates: [inst('0', '1'), inst('3', '1'), inst('1', '2'), inst('2', '3')], count: 3, existing: [] });
    expect(kept.map((i) => i.id)).toEqual(['0', '1', '2']);
  });

  it('fills the zones the existing instances leave emptiest, in finishing order', () => {
    const existing = [inst('0', '1'), inst('1', '1'), inst('2', '2')];
    const kept = keepBalanced({ candidates: [inst('5', '1'), inst('6', '2'), inst('7', '3'), inst('8', '3')], count: 2, existing });
    expect(kept.map((i) => i.zone)).toEqual(['3', '2']);
  });

  it('without zones keeps the first to finish; never more than there are', () => {
    expect(keepBalanced({ candidates: [inst('4'), inst('2'), inst('3')], count: 2, existing: [inst('0')] }).map((i) => i.id)).toEqual(['4', '2']);
    expect(keepBalanced({ candidates: [inst('4')], count: 3, existing: [] })).toHaveLength(1);
  });
});
