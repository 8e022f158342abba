import { describe, expect, it } from 'vitest';
import { immutableChangeProblems, immutableChanges } from '../../../src/domain/deployment/immutableChange';

const existing = {
  zones: ['3', '1', '2'],
  virtualMachineProfile: { osProfile: { computerNamePrefix: 'friday', adminUsername: 'fridayadmin' } },
};

describe('immutable scale-set properties', () => {
  it('finds nothing for a new scale set, the same values, zones in another order, or values the spec leaves out', () => {
    expect(immutableChanges({ zones: ['1'] }, undefined)).toEqual([]);
    expect(immutableChanges({ zones: ['1', '2', '3'], platformFaultDomainCount: 1, virtualMachineProfile: { osProfile: { computerNamePrefix: 'friday', adminUsername: 'fridayadmin' } } }, existing)).toEqual([]);
    expect(immutableChanges({ virtualMachineProfile: { osProfile: {} } }, existing)).toEqual([]);
  });

  it('names each property that would change, with its value now and in the spec, and what to do instead', () => {
    const changes = immutableChanges({ zones: ['1'], platformFaultDomainCount: 2, virtualMachineProfile: { osProfile: { computerNamePrefix: 'web', adminUsername: 'other' } } }, existing);
    expect(changes.map((c) => [c.property, c.current, c.wanted])).toEqual([
      ['computerNamePrefix', 'friday', 'web'],
      ['adminUsername', 'fridayadmin', 'other'],
      ['platformFaultDomainCount', 1, 2],
      ['zones', ['1', '2', '3'], ['1']],
    ]);
    const problems = immutableChangeProblems('vmss-friday', changes);
    expect(problems[1]).toBe(`setting FRIDAY_ADMIN_USERNAME: adminUsername of the existing scale set 'vmss-friday' cannot change ("fridayadmin" → "other"; Azure refuses it with 409 PropertyChangeNotAllowed); set FRIDAY_ADMIN_USERNAME back to "fridayadmin", or deploy the tier under a new scaleSet.name`);
    expect(problems.every((p) => p.includes('new scaleSet.name'))).toBe(true);
  });

  it("counts an unset fault domain count as Azure's default: 5 regional, 1 zonal", () => {
    expect(immutableChanges({ platformFaultDomainCount: 5 }, { virtualMachineProfile: {} })).toEqual([]);
    expect(immutableChanges({ platformFaultDomainCount: 2 }, { virtualMachineProfile: {} }).map((c) => c.current)).toEqual([5]);
  });
});
