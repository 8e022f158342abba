import { describe, expect, it } from 'vitest';
import { slimListing, slimVerdicts } from '../../../src/domain/fleet/fleetListing';
import { buildScaleSetView } from '../../../src/domain/fleet/fleetView';
import type { RunVerdicts } from '../../../src/domain/fleet/runRecord';
import type { InstanceFacts } from '../../../src/domain/verification/verdicts';

/** An instance as the facts activity lists it: much more than the page shows. */
const fullFacts = (id: number): InstanceFacts => ({
  instanceId: String(id),
  computerName: `friday00000${id}`,
  zone: String(1 + (id % 3)),
  privateIp: `10.0.1.${4 + id}`,
  vmSize: 'Standard_D2ds_v5',
  latestModelApplied: true,
  provisioningState: 'Succeeded',
  powerState: 'PowerState/running',
  extensions: [{ name: 'friday-setup', code: 'ProvisioningState/succeeded' }],
  dataDiskLuns: [0],
  dataVolume: { driveLetter: 'X', fileSystem: 'NTFS', label: 'webdata', sizeGB: 32 } as unknown as InstanceFacts['dataVolume'],
  dataDiskSizeGB: 32,
});

const listing = {
  vmSize: 'Standard_D2ds_v5',
  capacity: 3,
  upgradePolicy: 'Manual',
  zones: ['1', '2', '3'],
  frontEndUrl: 'http://127.0.0.1:4000/',
  publicFrontEndUrl: 'http://20.0.0.1/',
  backendPoolIds: ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/pool'],
  frontEndProbe: null,
  instances: [0, 1, 2].map(fullFacts),
};

describe('what the fleet page keeps of a listing', () => {
  it('keeps the seven instance fields and the scale set fields the page shows, nothing else', () => {
    const slim = slimListing(listing);
    expect(Object.keys(slim).sort()).toEqual(['capacity', 'frontEndUrl', 'instances', 'publicFrontEndUrl', 'upgradePolicy', 'vmSize', 'zones']);
    expect(slim.instances[1]).toEqual({ instanceId: '1', computerName: 'friday000001', zone: '2', privateIp: '10.0.1.5', vmSize: 'Standard_D2ds_v5', powerState: 'PowerState/running', provisioningState: 'Succeeded' });
  });

  it('shows exactly what the page showed from the whole facts (which it cut to these fields per answer)', () => {
    const cut = { ...listing, instances: listing.instances.map((i) => ({ instanceId: i.instanceId, computerName: i.computerName, zone: i.zone, privateIp: i.privateIp, vmSize: i.vmSize, powerState: i.powerState, provisioningState: i.provisioningState })) };
    const verdicts = [{ runId: 'verify-1', verifiedAt: '2026-11-28T10:00:00.000Z', instances: [0, 1].map((id) => ({ instanceId: String(id), computerName: `FRIDAY00000${id}`, privateIp: `10.0.1.${4 + id}`, zone: String(1 + (id % 3)), verdict: id ? ('fail' as const) : ('pass' as const), reason: id ? 'page: HTTP 500' : 'serves its own page' })) }];
    const view = (now: ReturnType<typeof slimListing>, v: RunVerdicts[]) => buildScaleSetView({ resourceGroup: 'rg', name: 'vmss', now, runs: [], verdicts: v, running: [] });
    expect(view(slimListing(listing), verdicts.map(slimVerdicts))).toEqual(view(cut, verdicts));
  });
});
