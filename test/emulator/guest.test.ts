/** The simulated Windows guest and its PowerShell subset, on the seed's script (unchanged). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computerNameFor } from '../../local/emulator/compute/scaleSetEngine';
import { runCommandLine } from '../../local/emulator/guest/commandLine';
import { defaultDocument, runPowerShell } from '../../local/emulator/guest/powershell';
import { WindowsGuest } from '../../local/emulator/guest/windowsGuest';
import { SEED_SCRIPT_PATH } from '../support/tier';

const seed = readFileSync(SEED_SCRIPT_PATH, 'utf8');
const guest = (name = 'friday000003') => new WindowsGuest({ computerName: name, dataDisks: [{ lun: 0, sizeGB: 32 }] });

describe('the seed script on a simulated guest', () => {
  it('initialises the RAW data disk as X: webdata, installs IIS and writes the page with the computer name', () => {
    const g = guest();
    const result = runPowerShell(seed, g);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(g.volume('X')).toMatchObject({ fileSystem: 'NTFS', label: 'webdata' });
    expect(g.volume('X')?.disk.number).toBe(2);
    expect(g.iisInstalled).toBe(true);
    expect(defaultDocument(g)?.trim()).toBe('Running FRIDAY Web Service from host FRIDAY000003 !');
  });

  it('runs again on the same guest and still succeeds (disk errors are non-terminating, as in powershell -File)', () => {
    const g = guest();
    runPowerShell(seed, g);
    const again = runPowerShell(seed, g);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('already in use');
    expect(defaultDocument(g)?.trim()).toBe('Running FRIDAY Web Service from host FRIDAY000003 !');
  });

  it('reports a missing data disk on stderr and leaves no X: drive', () => {
    const g = new WindowsGuest({ computerName: 'a', dataDisks: [] });
    const result = runPowerShell(seed, g);
    expect(result.stderr).toContain("No MSFT_Disk objects found with property 'Number' equal to '2'");
    expect(g.volume('X')).toBeUndefined();
  });

  it('fails with exit 1 on a command the guest does not know, and honours exit N', () => {
    expect(runPowerShell('Get-Disk\nInvoke-Nonsense\nSet-Content -Path "C:\\a.txt" -Value "x"', guest())).toMatchObject({ exitCode: 1 });
    expect(runPowerShell('exit 3', guest()).exitCode).toBe(3);
  });

  it('keeps single-quoted strings literal and expands $env: in double quotes', () => {
    const g = guest('web1');
    runPowerShell(`Set-Content -Path 'C:\\a.txt' -Value '$env:computername'\nSet-Content -Path "C:\\b.txt" -Value "$env:COMPUTERNAME"`, g);
    expect(g.readFile('C:\\a.txt')?.trim()).toBe('$env:computername');
    expect(g.readFile('C:\\b.txt')?.trim()).toBe('WEB1');
  });
});

describe('computer names', () => {
  it('follow Azure: prefix (max 9) + instance id in base 36, 6 digits', () => {
    expect(computerNameFor('friday', 0)).toBe('friday000000');
    expect(computerNameFor('friday', 10)).toBe('friday00000A');
    // The documented example: prefix nsgvmss, instance 85 → nsgvmss00002D (virtual-machine-scale-sets-instance-ids).
    expect(computerNameFor('nsgvmss', 85)).toBe('nsgvmss00002D');
    expect(computerNameFor('averylongprefix', 35)).toBe('averylong00000Z');
  });
});

/** The volume report the app appends to the setup command (src/azure/scriptStore.ts builds the same line). */
const REPORT =
  'powershell -ExecutionPolicy Unrestricted -Command "Get-Partition -DriveLetter X -ErrorAction SilentlyContinue | Get-Volume | Format-List DriveLetter,FileSystem,FileSystemLabel; Get-Partition -DriveLetter X -ErrorAction SilentlyContinue | Get-Disk | Format-List Number,Size; exit 0"';

describe('disk layout per VM size', () => {
  it('with a temporary disk (D:) the data disk is disk 2 and the seed script creates X: webdata on it', () => {
    const g = new WindowsGuest({ computerName: 'a', dataDisks: [{ lun: 0, sizeGB: 32 }], temporaryDiskGB: 75 });
    expect(g.disks.map((d) => d.number)).toEqual([0, 1, 2]);
    expect(runPowerShell(seed, g, { mode: 'file' }).exitCode).toBe(0);
    expect(g.volume('X')).toMatchObject({ fileSystem: 'NTFS', label: 'webdata', disk: { number: 2, lun: 0 } });
  });

  it('without one the data disk is disk 1: the seed script leaves no X:, yet -File still exits 0 and the page is written', () => {
    const g = new WindowsGuest({ computerName: 'a', dataDisks: [{ lun: 0, sizeGB: 32 }], temporaryDiskGB: 0 });
    expect(g.disks.map((d) => d.number)).toEqual([0, 1]);
    const result = runPowerShell(seed, g, { mode: 'file' });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("No MSFT_Disk objects found with property 'Number' equal to '2'");
    expect(g.volume('X')).toBeUndefined();
    expect(defaultDocument(g)?.trim()).toBe('Running FRIDAY Web Service from host A !');
  });

  it('a resize brings the new size’s temporary disk and renumbers the data disks, keeping their volumes', () => {
    const g = new WindowsGuest({ computerName: 'a', dataDisks: [{ lun: 0, sizeGB: 32 }], temporaryDiskGB: 16 });
    runPowerShell(seed, g);
    g.setTemporaryDisk(0);
    expect(g.volume('X')?.disk.number).toBe(1);
    expect(g.volume('D')).toBeUndefined();
  });
});

describe('command lines as the Custom Script Extension runs them (cmd.exe, powershell -File / -Command)', () => {
  const files = new Map([['setup.ps1', seed]]);
  it('runs the seed script then reports the X: volume and its disk in StdOut', () => {
    const g = new WindowsGuest({ computerName: 'a', dataDisks: [{ lun: 0, sizeGB: 32 }], temporaryDiskGB: 16 });
    const result = runCommandLine(`powershell -ExecutionPolicy Unrestricted -File setup.ps1 && ${REPORT}`, g, files);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/DriveLetter\s+: X\nFileSystem\s+: NTFS\nFileSystemLabel : webdata/);
    expect(result.stdout).toMatch(/Number : 2\nSize\s+: 34359738368/);
  });

  it('reports nothing (and still exits 0) when the script left no X:', () => {
    const g = new WindowsGuest({ computerName: 'a', dataDisks: [{ lun: 0, sizeGB: 32 }], temporaryDiskGB: 0 });
    const result = runCommandLine(`powershell -ExecutionPolicy Unrestricted -File setup.ps1 && ${REPORT}`, g, files);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('DriveLetter');
    expect(result.stderr).toContain("equal to '2'");
  });

  it('-Command exits 1 when its last statement wrote an error, 0 otherwise; exit N wins', () => {
    const g = guest();
    expect(runCommandLine('powershell -Command "Get-Volume -DriveLetter Q"', g, files)).toMatchObject({ exitCode: 1 });
    expect(runCommandLine('powershell -Command "Get-Volume -DriveLetter Q -ErrorAction SilentlyContinue"', g, files)).toMatchObject({ exitCode: 1, stderr: '' });
    expect(runCommandLine('powershell -Command "Get-Volume -DriveLetter Q; Write-Output ok"', g, files)).toMatchObject({ exitCode: 0, stdout: 'ok' });
    expect(runCommandLine('powershell -Command "Write-Output a; exit 4"', g, files).exitCode).toBe(4);
  });

  it('chains as cmd.exe does: && stops after a failure, || runs only after one, & always; the last exit code counts', () => {
    const g = guest();
    const fail = 'powershell -Command "exit 3"';
    const ok = 'powershell -Command "Write-Output ran"';
    expect(runCommandLine(`${fail} && ${ok}`, g, files)).toMatchObject({ exitCode: 3, stdout: '' });
    expect(runCommandLine(`${fail} || ${ok}`, g, files)).toMatchObject({ exitCode: 0, stdout: 'ran' });
    expect(runCommandLine(`${fail} & ${ok}`, g, files)).toMatchObject({ exitCode: 0, stdout: 'ran' });
    expect(runCommandLine(`${ok} & ${fail}`, g, files)).toMatchObject({ exitCode: 3 });
    expect(runCommandLine('powershell -File missing.ps1', g, files)).toMatchObject({ exitCode: 1, stderr: "The argument 'missing.ps1' to the -File parameter does not exist." });
  });
});
