/**
 * Every VM size a schedule document would resize a scale set to, with where it is written, and
 * which of them the tier cannot be built and verified on — judged exactly as a deployment spec's
 * size is (deployment/vmSizeFit.ts: Azure's Resource SKUs API and the setup script's disk number).
 * A schedule that resizes to a size without a temporary disk while the script partitions disk 2
 * would leave every resized instance without X: (each batch would fail verification and roll
 * back), so the document is refused up front, naming sizes that work.
 *
 * Pure: the scale sets' location and zones, the SKU facts per location and the script's disk
 * number are passed in.
 */
import { judgeVmSize, type VmSkuFacts } from '../deployment/vmSizeFit';
import type { ScheduleConfig } from './schedule';

export interface ScheduledSize {
  /** Index of the scale set's entry in `scaleSets`. */
  index: number;
  resourceGroup: string;
  name: string;
  /** Where in the document (`scaleSets.0.periods.1.target.vmSize`). */
  path: string;
  vmSize: string;
}

export function scheduledVmSizes(config: ScheduleConfig): ScheduledSize[] {
  const out: ScheduledSize[] = [];
  config.scaleSets.forEach((s, index) => {
    const at = (path: string, vmSize: string | undefined): void => {
      if (vmSize) out.push({ index, resourceGroup: s.resourceGroup, name: s.name, path: `scaleSets.${index}.${path}`, vmSize });
    };
    at('default.vmSize', s.default?.vmSize);
    s.periods.forEach((p, i) => at(`periods.${i}.target.vmSize`, p.target.vmSize));
    s.overrides.forEach((o, i) => at(`overrides.${i}.target.vmSize`, o.target.vmSize));
  });
  return out;
}

/**
 * One problem per scheduled size the tier cannot run on. `scaleSets` gives each scale set's location
 * and zones by `resourceGroup/name` (lower case); one not found (not deployed yet) is not judged.
 */
export function scheduledVmSizeProblems(options: {
  sizes: ScheduledSize[];
  scaleSets: Map<string, { location: string; zones: string[] }>;
  skusByLocation: Map<string, VmSkuFacts[]>;
  scriptDiskNumber?: number;
}): string[] {
  const problems: string[] = [];
  for (const size of options.sizes) {
    const scaleSet = options.scaleSets.get(`${size.resourceGroup}/${size.name}`.toLowerCase());
    if (!scaleSet) continue;
    const fit = judgeVmSize({ vmSize: size.vmSize, location: scaleSet.location, zones: scaleSet.zones, skus: options.skusByLocation.get(scaleSet.location) ?? [], ...(options.scriptDiskNumber !== undefined ? { scriptDiskNumber: options.scriptDiskNumber } : {}) });
    // judgeVmSize speaks of a spec's fields (scaleSet.vmSize / scaleSet.zones): here it is the schedule's entry.
    if (!fit.ok) problems.push(`${size.path} (${size.resourceGroup}/${size.name}): ${fit.problem.replace(/^scaleSet\.(vmSize|zones): /, '')}`);
  }
  return problems;
}
