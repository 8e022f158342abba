/** The simulated Windows guest and its PowerShell subset, on the seed's script (unchanged). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computerNameFor } from '../../local/emulator/compute/scaleSetEngine';
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
