/**
 * Can the tier be built and verified on this VM size? Decided from what Azure's Resource SKUs API
 * says about the size (never a table of our own) and from the setup script: the seed's script
 * partitions a fixed disk number (`New-Partition -DiskNumber 2`). On Windows the first data disk is
 * disk 2 when the size has a local temporary disk (disk 1, D:) and disk 1 when it has none
 * (`MaxResourceVolumeMB` 0, e.g. Dsv5). On a size where the numbers differ the script cannot create
 * X:, and verification would fail every instance — so the spec is refused up front, saying why and
 * naming sizes in that region that work.
 *
 * Pure: the SKU facts and the script's disk number are passed in.
 */

/** What the Resource SKUs API says about one VM size in one region. */
export interface VmSkuFacts {
  name: string;
  /** Zones the size is offered in, in this region. */
  zones: string[];
  /** `MaxResourceVolumeMB`: the local temporary disk (0 = none). */
  maxResourceVolumeMB: number;
  vCPUs: number | null;
  /** The SKU's `family` (`standardDSv5Family`): the name of its vCPU quota in the usages API. */
  family?: string;
  /** The SKU lists a restriction for this subscription in this region (not available to it). */
  restricted: boolean;
}

export type VmSizeFit = { ok: true } | { ok: false; problem: string };

/** The Windows disk number of the data disk at LUN 0 on a size with / without a temporary disk. */
export function firstDataDiskNumber(sku: Pick<VmSkuFacts, 'maxResourceVolumeMB'>): number {
  return sku.maxResourceVolumeMB > 0 ? 2 : 1;
}

/** The disk number a setup script partitions (`New-Partition -DiskNumber N`), if it names one. */
export function scriptDataDiskNumber(script: string): number | undefined {
  const m = /^\s*New-Partition\b[^\r\n#]*-DiskNumber\s+(\d+)/im.exec(script);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

export function judgeVmSize(options: { vmSize: string; location: string; zones?: string[]; skus: VmSkuFacts[]; scriptDiskNumber?: number }): VmSizeFit {
  const { vmSize, location, skus } = options;
  const zones = options.zones ?? [];
  const fits = (s: VmSkuFacts): boolean =>
    !s.restricted && zones.every((z) => s.zones.includes(z)) && (options.scriptDiskNumber === undefined || firstDataDiskNumber(s) === options.scriptDiskNumber);
  const sku = skus.find((s) => s.name.toLowerCase() === vmSize.toLowerCase());
  const alternatives = (): string => {
    const working = skus.filter(fits);
    // Closest first: same vCPU count, then by name.
    const wanted = sku?.vCPUs ?? null;
    const ranked = [...working].sort((a, b) => Number(a.vCPUs !== wanted) - Number(b.vCPUs !== wanted) || a.name.localeCompare(b.name));
    return ranked.length ? `sizes that work here: ${ranked.slice(0, 5).map((s) => s.name).join(', ')}` : 'no size offered here works';
  };
  if (!sku) return { ok: false, problem: `scaleSet.vmSize: ${vmSize} is not offered in ${location} (Resource SKUs API); ${alternatives()}` };
  if (sku.restricted) return { ok: false, problem: `scaleSet.vmSize: ${vmSize} is restricted for this subscription in ${location}; ${alternatives()}` };
  const missingZones = zones.filter((z) => !sku.zones.includes(z));
  if (missingZones.length) return { ok: false, problem: `scaleSet.zones: ${vmSize} is not offered in zone(s) ${missingZones.join(', ')} of ${location}; ${alternatives()}` };
  if (options.scriptDiskNumber !== undefined && firstDataDiskNumber(sku) !== options.scriptDiskNumber) {
    const why =
      sku.maxResourceVolumeMB > 0
        ? `${vmSize} has a temporary disk (disk 1), so the data disk is disk 2`
        : `${vmSize} has no temporary disk (MaxResourceVolumeMB 0), so the data disk is disk 1`;
    return {
      ok: false,
      problem: `scaleSet.vmSize: ${why}, but the setup script partitions disk ${options.scriptDiskNumber} (New-Partition -DiskNumber ${options.scriptDiskNumber}) and could not create X: webdata; ${alternatives()}`,
    };
  }
  return { ok: true };
}
