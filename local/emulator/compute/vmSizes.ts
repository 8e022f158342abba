/**
 * The VM sizes this emulator offers, with the capabilities Azure's Resource SKUs API reports for
 * them (`GET /subscriptions/{id}/providers/Microsoft.Compute/skus`, api-version 2021-07-01; shape
 * from azure-rest-api-specs `Microsoft.Compute/Compute/stable/2017-09-01/examples/ListAvailableResourceSkus.json`).
 *
 * What matters to a guest is the local temporary disk: `MaxResourceVolumeMB` is 0 for sizes without
 * one (Dsv5, Dasv5, Esv5: "no local temp disk" in learn.microsoft.com dv5-dsv5-series), and for
 * sizes with one (Dv3/Dsv3, Ddsv5, B-series) Windows shows it as disk 1 (D:), so the first data
 * disk is disk 2; without one the first data disk is disk 1 (learn.microsoft.com
 * azure-vms-no-temp-disk FAQ). Figures (vCPUs, memory, temp disk, data disks) are the published
 * per-size tables (dv5-dsv5-series, ddv5-ddsv5-series, dv3-dsv3-series, bv1-series, easv5/esv5).
 */
export interface VmSize {
  name: string;
  family: string;
  vCPUs: number;
  memoryGB: number;
  /** Local temporary disk in MB; 0 = none. */
  maxResourceVolumeMB: number;
  maxDataDiskCount: number;
}

export const VM_SIZES: readonly VmSize[] = [
  { name: 'Standard_B2s', family: 'standardBSFamily', vCPUs: 2, memoryGB: 4, maxResourceVolumeMB: 8192, maxDataDiskCount: 4 },
  { name: 'Standard_B2ms', family: 'standardBSFamily', vCPUs: 2, memoryGB: 8, maxResourceVolumeMB: 16384, maxDataDiskCount: 4 },
  { name: 'Standard_D2s_v3', family: 'standardDSv3Family', vCPUs: 2, memoryGB: 8, maxResourceVolumeMB: 16384, maxDataDiskCount: 4 },
  { name: 'Standard_D4s_v3', family: 'standardDSv3Family', vCPUs: 4, memoryGB: 16, maxResourceVolumeMB: 32768, maxDataDiskCount: 8 },
  { name: 'Standard_D2s_v5', family: 'standardDSv5Family', vCPUs: 2, memoryGB: 8, maxResourceVolumeMB: 0, maxDataDiskCount: 4 },
  { name: 'Standard_D4s_v5', family: 'standardDSv5Family', vCPUs: 4, memoryGB: 16, maxResourceVolumeMB: 0, maxDataDiskCount: 8 },
  { name: 'Standard_D2ds_v5', family: 'standardDDSv5Family', vCPUs: 2, memoryGB: 8, maxResourceVolumeMB: 76800, maxDataDiskCount: 4 },
  { name: 'Standard_D4ds_v5', family: 'standardDDSv5Family', vCPUs: 4, memoryGB: 16, maxResourceVolumeMB: 153600, maxDataDiskCount: 8 },
  { name: 'Standard_D2as_v5', family: 'standardDASv5Family', vCPUs: 2, memoryGB: 8, maxResourceVolumeMB: 0, maxDataDiskCount: 4 },
  { name: 'Standard_E2s_v5', family: 'standardESv5Family', vCPUs: 2, memoryGB: 16, maxResourceVolumeMB: 0, maxDataDiskCount: 4 },
];

export function vmSize(name: string): VmSize | undefined {
  return VM_SIZES.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

/** The local temporary disk of a size in GB (0 = none). */
export function temporaryDiskGB(name: string): number {
  return Math.round((vmSize(name)?.maxResourceVolumeMB ?? 0) / 1024);
}
