/**
 * A simulated Windows guest: disks, Windows features, files and environment — just enough state
 * for the setup script's effects to be real and checkable. Disk numbering follows Azure Windows
 * VMs: 0 is the OS disk (C:), 1 the temporary disk (D:), data disks start at 2 in LUN order.
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

  constructor(options: { computerName: string; dataDisks: Array<{ lun: number; sizeGB: number }> }) {
    // Windows reports the NetBIOS computer name in upper case.
    this.env = { COMPUTERNAME: options.computerName.toUpperCase() };
    this.disks = [
      { number: 0, partitionStyle: 'GPT', isOffline: false, sizeGB: 127, partitions: [{ driveLetter: 'C', sizeGB: 127, fileSystem: 'NTFS', label: 'Windows' }] },
      { number: 1, partitionStyle: 'MBR', isOffline: false, sizeGB: 16, partitions: [{ driveLetter: 'D', sizeGB: 16, fileSystem: 'NTFS', label: 'Temporary Storage' }] },
      ...[...options.dataDisks]
        .sort((a, b) => a.lun - b.lun)
        .map((d, i): GuestDisk => ({ number: 2 + i, partitionStyle: 'RAW', isOffline: false, sizeGB: d.sizeGB, lun: d.lun, partitions: [] })),
    ];
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
      .filter((d) => d.number >= 2)
      .flatMap((d) => (d.partitions.length ? d.partitions.map((p) => ({ lun: d.lun, driveLetter: p.driveLetter, label: p.label, fileSystem: p.fileSystem })) : [{ lun: d.lun }]));
  }
}

/** IIS's default documents, in IIS's order. */
export const IIS_DEFAULT_DOCUMENTS = ['Default.htm', 'Default.asp', 'index.htm', 'index.html', 'iisstart.htm'];
export const WWWROOT = 'C:\\inetpub\\wwwroot';
