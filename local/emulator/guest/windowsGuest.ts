/**
 * A simulated Windows guest: disks, Windows features, files and environment — just enough state
 * for the setup script's effects to be real and checkable. Disk numbering follows Azure Windows
 * VMs and depends on the size: 0 is the OS disk (C:); a size with a local temporary disk shows it
 * as disk 1 (D:) and data disks from 2 in LUN order; a size without one (Dsv5, Dasv5, Esv5:
 * `MaxResourceVolumeMB` 0) shows the first data disk as disk 1 (learn.microsoft.com
 * azure-vms-no-temp-disk; compute/vmSizes.ts).
 */
export interface GuestDisk {
  number: number;
  partitionStyle: 'RAW' | 'GPT' | 'MBR';
  isOffline: boolean;
  sizeGB: number;
  lun?: number;
  partitions: Array<{ driveLetter?: string; sizeGB: number; fileSystem?: string; label?: string }>;
}

export class WindowsGuest {
  readonly disks: GuestDisk[];
  readonly features = new Set<string>();
  /** Files by lower-cased absolute path; values keep their original path for listing. */
  private readonly files = new Map<string, { path: string; content: string }>();
  readonly env: Record<string, string>;

  /**
   * `temporaryDiskGB`: the size's local temporary disk (0 = the size has none); the default, 16,
   * is a Dsv3-like size.
   */
  constructor(options: { computerName: string; dataDisks: Array<{ lun: number; sizeGB: number }>; temporaryDiskGB?: number }) {
    // Windows reports the NetBIOS computer name in upper case.
    this.env = { COMPUTERNAME: options.computerName.toUpperCase() };
    this.disks = [
      { number: 0, partitionStyle: 'GPT', isOffline: false, sizeGB: 127, partitions: [{ driveLetter: 'C', sizeGB: 127, fileSystem: 'NTFS', label: 'Windows' }] },
      ...[...options.dataDisks].sort((a, b) => a.lun - b.lun).map((d): GuestDisk => ({ number: 0, partitionStyle: 'RAW', isOffline: false, sizeGB: d.sizeGB, lun: d.lun, partitions: [] })),
    ];
    this.setTemporaryDisk(options.temporaryDiskGB ?? 16);
  }

  /**
   * The size's temporary disk after a boot on that size (a resize re-places the VM): it comes and
   * goes with the size, empty; data disks keep their partitions and are renumbered after it.
   */
  setTemporaryDisk(sizeGB: number): void {
    const os = this.disks.filter((d) => d.number === 0 && d.lun === undefined);
    const data = this.disks.filter((d) => d.lun !== undefined).sort((a, b) => (a.lun ?? 0) - (b.lun ?? 0));
    const temp: GuestDisk[] = sizeGB > 0 ? [{ number: 1, partitionStyle: 'MBR', isOffline: false, sizeGB, partitions: [{ driveLetter: 'D', sizeGB, fileSystem: 'NTFS', label: 'Temporary Storage' }] }] : [];
    data.forEach((d, i) => (d.number = 1 + temp.length + i));
    this.disks.splice(0, this.disks.length, ...os, ...temp, ...data);
  }

  writeFile(path: string, content: string): void {
    const drive = /^([A-Za-z]):\\/.exec(path)?.[1]?.toUpperCase();
    if (!drive || !this.volume(drive)) throw new Error(`Could not find a part of the path '${path}'.`);
    this.files.set(path.toLowerCase(), { path, content });
  }

  readFile(path: string): string | undefined {
    return this.files.get(path.toLowerCase())?.content;
  }

  volume(driveLetter: string): { disk: GuestDisk; fileSystem?: string; label?: string } | undefined {
    for (const disk of this.disks) {
      const partition = disk.partitions.find((p) => p.driveLetter === driveLetter.toUpperCase());
      if (partition) return { disk, fileSystem: partition.fileSystem, label: partition.label };
    }
    return undefined;
  }

  get iisInstalled(): boolean {
    return this.features.has('web-server');
  }

  /** What the data disk looks like now (for the instance view and verification). */
  dataVolumes(): Array<{ lun?: number; driveLetter?: string; label?: string; fileSystem?: string }> {
    return this.disks
      .filter((d) => d.lun !== undefined)
      .flatMap((d) => (d.partitions.length ? d.partitions.map((p) => ({ lun: d.lun, driveLetter: p.driveLetter, label: p.label, fileSystem: p.fileSystem })) : [{ lun: d.lun }]));
  }
}

/** IIS's default documents, in IIS's order. */
export const IIS_DEFAULT_DOCUMENTS = ['Default.htm', 'Default.asp', 'index.htm', 'index.html', 'iisstart.htm'];
export const WWWROOT = 'C:\\inetpub\\wwwroot';
