import { describe, expect, it } from 'vitest';
import { foreignSubnetNames, keepForeignSubnets } from '../../../src/domain/deployment/foreignSubnets';
import { differences } from '../../../src/domain/deployment/diff';

const desired = { location: 'koreacentral', addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'snet-web', addressPrefix: '10.0.1.0/24' }] };
const integration = { name: 'snet-functions', id: '/x/subnets/snet-functions', addressPrefix: '10.0.250.0/27', delegations: [{ name: 'flex', serviceName: 'Microsoft.App/environments' }], provisioningState: 'Succeeded' };

describe('subnets the tier does not own', () => {
  it('are carried into the VNet body unchanged, so the plan sees no difference and a write keeps them', () => {
    const actual = { ...desired, id: '/x', subnets: [{ ...desired.subnets[0], id: '/x/subnets/snet-web' }, integration] };
    expect(foreignSubnetNames(desired, actual)).toEqual(['snet-functions']);
    const body = keepForeignSubnets(desired, actual);
    expect(body.subnets).toEqual([desired.subnets[0], integration]);
    expect(differences(body, actual)).toEqual([]);
    // Without them, the plan would write a VNet that deletes the operator's subnet.
    expect(differences(desired, actual)).toEqual(['subnets[snet-functions]: not wanted']);
  });

  it('leave the body as it is when there are none (or nothing exists yet), and never replace an owned subnet', () => {
    expect(keepForeignSubnets(desired, undefined)).toBe(desired);
    const changed = { ...desired, subnets: [{ name: 'SNET-WEB', addressPrefix: '10.0.9.0/24' }] };
    expect(keepForeignSubnets(desired, changed)).toBe(desired);
  });
});
