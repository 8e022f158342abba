import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstDataDiskNumber, judgeVmSize, scriptDataDiskNumber, type VmSkuFacts } from '../../../src/domain/deployment/vmSizeFit';
import { SEED_SCRIPT_PATH } from '../../support/tier';

const sku = (name: string, maxResourceVolumeMB: number, over: Partial<VmSkuFacts> = {}): VmSkuFacts => ({ name, zones: ['1', '2', '3'], maxResourceVolumeMB, vCPUs: 2, restricted: false, ...over });
const skus = [sku('Standard_D2s_v5', 0), sku('Standard_D2ds_v5', 76800), sku('Standard_B2s', 8192), sku('Standard_D4ds_v5', 153600, { vCPUs: 4 }), sku('Standard_D2s_v3', 16384, { zones: ['1'] })];

describe('which VM sizes the tier can be built and verified on', () => {
  it('reads the disk the seed script partitions (disk 2)', () => {
    expect(scriptDataDiskNumber(readFileSync(SEED_SCRIPT_PATH, 'utf8'))).toBe(2);
    expect(scriptDataDiskNumber('# New-Partition -DiskNumber 9\nWrite-Output x')).toBeUndefined();
    expect(firstDataDiskNumber({ maxResourceVolumeMB: 0 })).toBe(1);
    expect(firstDataDiskNumber({ maxResourceVolumeMB: 1 })).toBe(2);
  });

  it('accepts a size with a temporary disk for a script that partitions disk 2', () => {
    expect(judgeVmSize({ vmSize: 'Standard_D2ds_v5', location: 'koreacentral', zones: ['1', '2'], skus, scriptDiskNumber: 2 })).toEqual({ ok: true });
  });

  it('refuses a size without one, saying why and naming working sizes (same vCPUs first, zones honoured)', () => {
    const fit = judgeVmSize({ vmSize: 'Standard_D2s_v5', location: 'koreacentral', zones: ['1', '2', '3'], skus, scriptDiskNumber: 2 });
    expect(fit).toEqual({
      ok: false,
      problem:
        'scaleSet.vmSize: Standard_D2s_v5 has no temporary disk (MaxResourceVolumeMB 0), so the data disk is disk 1, but the setup script partitions disk 2 (New-Partition -DiskNumber 2) and could not create X: webdata; sizes that work here: Standard_B2s, Standard_D2ds_v5, Standard_D4ds_v5',
    });
  });

  it('refuses a size the region does not offer, a restricted one, and one missing a zone', () => {
    expect(judgeVmSize({ vmSize: 'Standard_X1', location: 'koreacentral', skus, scriptDiskNumber: 2 })).toMatchObject({ ok: false, problem: expect.stringContaining('is not offered in koreacentral') as unknown });
    expect(judgeVmSize({ vmSize: 'Standard_B2s', location: 'koreacentral', skus: [sku('Standard_B2s', 8192, { restricted: true })] })).toMatchObject({ ok: false, problem: expect.stringContaining('no size offered here works') as unknown });
    expect(judgeVmSize({ vmSize: 'Standard_D2s_v3', location: 'koreacentral', zones: ['2'], skus })).toMatchObject({ ok: false, problem: expect.stringContaining('scaleSet.zones: Standard_D2s_v3 is not offered in zone(s) 2') as unknown });
  });
});
