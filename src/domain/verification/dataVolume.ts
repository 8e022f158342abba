/**
 * Proving the data disk is initialised, per instance, without a per-instance ARM call: the setup
 * command runs the seed's script unchanged and then reports the X: volume and the disk it is on
 * (`Format-List` of `Get-Volume` and `Get-Disk`) on its standard output, which the Custom Script
 * Extension hands back as its `StdOut` substatus — carried by the paged VM list with instance views
 * that verification already reads. A script that ran but left no X: reports nothing, and the
 * instance fails "data disk not initialised as X: webdata".
 *
 * Pure: parsing and judging only; the command line itself is built in src/azure/scriptStore.ts.
 */

/** The drive, file system and label the seed's script gives the data disk. */
export const DATA_VOLUME = { driveLetter: 'X', fileSystem: 'NTFS', label: 'webdata' } as const;

export interface DataVolumeReport {
  driveLetter: string;
  fileSystem: string;
  label: string;
  /** The Windows disk number X: is on, and that disk's size in GB (to tell the data disk from the OS and temporary disks). */
  diskNumber: number | null;
  diskSizeGB: number | null;
}

/** Reads the `Name : value` blocks the report writes; null when the output has no X: volume. */
export function parseDataVolumeReport(stdout: string | undefined): DataVolumeReport | null {
  const fields = new Map<string, string>();
  for (const line of (stdout ?? '').split(/\r?\n/)) {
    const m = /^(DriveLetter|FileSystem|FileSystemLabel|Number|Size)\s*:\s*(.*?)\s*$/.exec(line);
    if (m?.[1] && !fields.has(m[1])) fields.set(m[1], m[2] ?? '');
  }
  const driveLetter = fields.get('DriveLetter');
  if (!driveLetter) return null;
  const number = fields.get('Number');
  const size = fields.get('Size');
  return {
    driveLetter,
    fileSystem: fields.get('FileSystem') ?? '',
    label: fields.get('FileSystemLabel') ?? '',
    diskNumber: number !== undefined && /^\d+$/.test(number) ? Number(number) : null,
    diskSizeGB: size !== undefined && /^\d+$/.test(size) ? Number(size) / 1024 ** 3 : null,
  };
}

/**
 * Undefined when X: is the data disk's NTFS volume labelled webdata; otherwise why not. The data
 * disk is told apart by its size (the spec's dataDiskSizeGB) and by not being disk 0 (the OS disk).
 */
export function dataVolumeProblem(report: DataVolumeReport | null, expect: { dataDiskSizeGB?: number }): string | undefined {
  const wanted = `data disk not initialised as ${DATA_VOLUME.driveLetter}: ${DATA_VOLUME.label}`;
  if (!report || report.driveLetter.toUpperCase() !== DATA_VOLUME.driveLetter) return wanted;
  if (report.fileSystem.toUpperCase() !== DATA_VOLUME.fileSystem || report.label !== DATA_VOLUME.label) {
    return `${wanted} (X: is ${report.fileSystem || 'unformatted'} labelled '${report.label}')`;
  }
  if (report.diskNumber === 0 || (expect.dataDiskSizeGB !== undefined && report.diskSizeGB !== null && Math.round(report.diskSizeGB) !== expect.dataDiskSizeGB)) {
    return `${wanted} (X: is on disk ${report.diskNumber ?? '?'} of ${report.diskSizeGB ?? '?'} GB, not the ${expect.dataDiskSizeGB ?? '?'} GB data disk)`;
  }
  return undefined;
}
