import { describe, expect, it } from 'vitest';
import type { VmSkuFacts } from '../../../src/domain/deployment/vmSizeFit';
import { parseScheduleConfig } from '../../../src/domain/schedule/schedule';
import { scheduledVmSizeProblems, scheduledVmSizes } from '../../../src/domain/schedule/scheduleVmSizes';

const skus: VmSkuFacts[] = [
  { name: 'Standard_D2s_v5', zones: ['1', '2', '3'], maxResourceVolumeMB: 0, vCPUs: 2, restricted: false },
  { name: 'Standard_D2ds_v5', zones: ['1', '2', '3'], maxResourceVolumeMB: 76800, vCPUs: 2, restricted: false },
  { name: 'Standard_B2s', zones: ['1', '2', '3'], maxResourceVolumeMB: 8192, vCPUs: 2, restricted: false },
];

function config(doc: unknown) {
  const parsed = parseScheduleConfig(doc);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

describe('VM sizes a schedule resizes to', () => {
  const doc = config({
    scaleSets: [
      {
        resourceGroup: 'rg-a',
        name: 'vmss-a',
        timeZone: 'UTC',
        default: { vmSize: 'Standard_B2s' },
        periods: [{ name: 'day', weekdays: ['mon'], start: '08:00', target: { vmSize: 'Standard_D2s_v5' } }],
        overrides: [{ date: '2026-12-24', target: { capacity: 0 } }, { date: '2026-12-25', target: { vmSize: 'Standard_D2ds_v5' } }],
      },
      { resourceGroup: 'rg-b', name: 'vmss-b', timeZone: 'UTC', default: { vmSize: 'Standard_D2s_v5' } },
    ],
  });

  it('lists every size with where it is written', () => {
    expect(scheduledVmSizes(doc).map((s) => `${s.path}=${s.vmSize}`)).toEqual([
      'scaleSets.0.default.vmSize=Standard_B2s',
      'scaleSets.0.periods.0.target.vmSize=Standard_D2s_v5',
      'scaleSets.0.overrides.1.target.vmSize=Standard_D2ds_v5',
      'scaleSets.1.default.vmSize=Standard_D2s_v5',
    ]);
  });

  it('refuses a size without a temporary disk when the script partitions disk 2, naming sizes that work; skips scale sets not deployed', () => {
    const problems = scheduledVmSizeProblems({ sizes: scheduledVmSizes(doc), scaleSets: new Map([['rg-a/vmss-a', { location: 'koreacentral', zones: ['1', '2', '3'] }]]), skusByLocation: new Map([['koreacentral', skus]]), scriptDiskNumber: 2 });
    expect(problems).toEqual([
      'scaleSets.0.periods.0.target.vmSize (rg-a/vmss-a): Standard_D2s_v5 has no temporary disk (MaxResourceVolumeMB 0), so the data disk is disk 1, but the setup script partitions disk 2 (New-Partition -DiskNumber 2) and could not create X: webdata; sizes that work here: Standard_B2s, Standard_D2ds_v5',
    ]);
    // A script that partitions disk 1 is the other way round.
    expect(scheduledVmSizeProblems({ sizes: scheduledVmSizes(doc), scaleSets: new Map([['rg-a/vmss-a', { location: 'koreacentral', zones: [] }]]), skusByLocation: new Map([['koreacentral', skus]]), scriptDiskNumber: 1 })).toHaveLength(2);
  });
});
