/**
 * A small PowerShell interpreter for setup scripts: the cmdlets the seed's script uses, the volume
 * report the app appends (`Get-Partition`, `Get-Volume`, `Get-Disk` over a pipeline, `Format-List`),
 * PowerShell's quoting and `$env:` expansion, `;` between statements and `-ErrorAction`.
 * Exit codes as powershell.exe sets them (about_PowerShell_exe, "-File" and "-Command"):
 * - A cmdlet that fails (disk already initialised, drive letter in use, no such disk) writes a
 *   non-terminating error to stderr and the script goes on; with `-File` the exit code stays 0
 *   (that is what lets the seed's script run again on an upgraded instance and "succeed", and also
 *   what hides a script that never created X:).
 * - With `-Command` the exit code is that of the last statement: 1 when it wrote an error
 *   (`$?` false, even with `-ErrorAction SilentlyContinue`), else 0.
 * - A command the guest does not know is terminating (exit 1): the guest cannot run the script.
 * - `exit N` ends the script with that code.
 */
import { IIS_DEFAULT_DOCUMENTS, WWWROOT, type GuestDisk, type WindowsGuest } from './windowsGuest';

export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

class ScriptError extends Error {}
/** The guest cannot run this script at all. */
class UnknownCommandError extends ScriptError {}

type Value = string | number | boolean;
type PipelineItem = GuestDisk | Record<string, unknown>;

/** Splits on a separator outside quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (quote) throw new ScriptError('The string is missing the terminator: ' + quote + '.');
  parts.push(current);
  return parts;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') return line.slice(0, i);
  }
  return line;
}

function tokenize(command: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(command)) !== null) tokens.push(m[0]);
  return tokens;
}

function expand(token: string, guest: WindowsGuest): Value {
  if (token.startsWith("'") && token.endsWith("'")) return token.slice(1, -1);
  if (token.startsWith('"') && token.endsWith('"')) {
    return token
      .slice(1, -1)
      .replace(/\$\(\$env:(\w+)\)|\$env:(\w+)/gi, (_all, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b ?? '').toUpperCase();
        return guest.env[name] ?? '';
      });
  }
  if (/^\$true$/i.test(token)) return true;
  if (/^\$false$/i.test(token)) return false;
  if (/^-?\d+$/.test(token)) return Number(token);
  if (/^\$env:(\w+)$/i.test(token)) return guest.env[token.slice(5).toUpperCase()] ?? '';
  if (token.startsWith('$')) throw new ScriptError(`The variable '${token}' cannot be retrieved because it has not been set.`);
  return token;
}

interface ParsedCommand {
  name: string;
  params: Map<string, Value>;
  positional: Value[];
}

function parseCommand(text: string, guest: WindowsGuest): ParsedCommand {
  const tokens = tokenize(text.trim());
  const name = tokens.shift() ?? '';
  const params = new Map<string, Value>();
  const positional: Value[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const colon = /^-(\w+):(.+)$/.exec(token);
    if (colon?.[1] && colon[2] !== undefined) {
      params.set(colon[1].toLowerCase(), expand(colon[2], guest));
    } else if (/^-[A-Za-z]\w*$/.test(token)) {
      const next = tokens[i + 1];
      if (next !== undefined && !/^-[A-Za-z]\w*(:.*)?$/.test(next)) {
        params.set(token.slice(1).toLowerCase(), expand(next, guest));
        i++;
      } else params.set(token.slice(1).toLowerCase(), true);
    } else positional.push(expand(token, guest));
  }
  return { name, params, positional };
}

function diskView(disk: GuestDisk): Record<string, unknown> {
  return { Number: disk.number, PartitionStyle: disk.partitionStyle, IsOffline: disk.isOffline, Size: disk.sizeGB * 1024 ** 3 };
}

function requireDisk(guest: WindowsGuest, number: Value | undefined, cmdlet: string): GuestDisk {
  const disk = guest.disks.find((d) => d.number === Number(number));
  if (!disk) throw new ScriptError(`${cmdlet} : No MSFT_Disk objects found with property 'Number' equal to '${String(number)}'.`);
  return disk;
}

function disksFrom(input: PipelineItem[], guest: WindowsGuest): GuestDisk[] {
  return input.map((item) => requireDisk(guest, (item as { Number?: number; number?: number }).Number ?? (item as GuestDisk).number, 'Disk'));
}

export function runPowerShell(script: string, guest: WindowsGuest, options: { mode?: 'file' | 'command' } = {}): ScriptResult {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines = script.replace(/^\uFEFF/, '').split(/\r?\n/);
  let lastSucceeded = true;
  const done = (exitCode: number): ScriptResult => ({ exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n') });
  try {
    for (const [index, raw] of lines.entries()) {
      for (const statement of splitOutsideQuotes(stripComment(raw), ';')) {
        const line = statement.trim();
        if (!line) continue;
        const exit = /^exit(?:\s+(-?\d+))?$/i.exec(line);
        if (exit) return done(Number(exit[1] ?? 0));
        let pipeline: PipelineItem[] = [];
        let silent = false;
        lastSucceeded = true;
        try {
          for (const stage of splitOutsideQuotes(line, '|')) {
            const command = parseCommand(stage, guest);
            silent = /^(silentlycontinue|ignore)$/i.test(String(command.params.get('erroraction') ?? command.params.get('ea') ?? ''));
            pipeline = runCommand(command, pipeline, guest, stdout);
          }
        } catch (error) {
          if (error instanceof UnknownCommandError) throw new UnknownCommandError(`At line:${index + 1} ${error.message}`);
          if (!(error instanceof ScriptError)) throw error;
          lastSucceeded = false;
          if (!silent) stderr.push(`At line:${index + 1} ${error.message}`);
        }
      }
    }
  } catch (error) {
    if (error instanceof UnknownCommandError) {
      stderr.push(error.message);
      return done(1);
    }
    throw error;
  }
  return done(options.mode === 'command' && !lastSucceeded ? 1 : 0);
}

/** What `Format-List` prints for one object: `Name : value` lines, names padded to the longest. */
function formatList(item: Record<string, unknown>, properties: string[]): string {
  const names = properties.length ? properties : Object.keys(item);
  const width = Math.max(...names.map((n) => n.length));
  return names.map((n) => `${n.padEnd(width)} : ${formatValue(item[n])}`).join('\n');
}

function formatValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === undefined || value === null) return '';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function partitionView(disk: GuestDisk, index: number): Record<string, unknown> {
  const p = disk.partitions[index];
  return { DiskNumber: disk.number, PartitionNumber: index + 1, DriveLetter: p?.driveLetter ?? '', Size: (p?.sizeGB ?? 0) * 1024 ** 3 };
}

function volumeView(guest: WindowsGuest, letter: string): Record<string, unknown> | undefined {
  const v = guest.volume(letter);
  if (!v) return undefined;
  return { DriveLetter: letter.toUpperCase(), FileSystem: v.fileSystem ?? '', FileSystemLabel: v.label ?? '', Size: v.disk.sizeGB * 1024 ** 3 };
}

function runCommand(cmd: ParsedCommand, input: PipelineItem[], guest: WindowsGuest, stdout: string[]): PipelineItem[] {
  const p = cmd.params;
  switch (cmd.name.toLowerCase()) {
    case 'get-disk': {
      // From a pipeline of partitions: the disks they are on.
      const fromPipeline = input.map((i) => (i as { DiskNumber?: unknown }).DiskNumber).filter((n): n is number => typeof n === 'number');
      if (input.length > 0 && fromPipeline.length > 0) return guest.disks.filter((d) => fromPipeline.includes(d.number)).map(diskView);
      return guest.disks.filter((d) => p.get('number') === undefined || d.number === Number(p.get('number'))).map(diskView);
    }
    case 'get-partition': {
      const letter = p.has('driveletter') ? String(p.get('driveletter')).toUpperCase() : undefined;
      const diskNumber = p.has('disknumber') ? Number(p.get('disknumber')) : undefined;
      const found = guest.disks.flatMap((d) => d.partitions.map((part, i) => ({ d, part, i }))).filter(({ d, part }) => (letter === undefined || part.driveLetter === letter) && (diskNumber === undefined || d.number === diskNumber));
      if (found.length === 0) {
        const [property, value] = letter !== undefined ? ['DriveLetter', letter] : ['DiskNumber', String(diskNumber)];
        throw new ScriptError(`Get-Partition : No MSFT_Partition objects found with property '${property}' equal to '${value}'.`);
      }
      return found.map(({ d, i }) => partitionView(d, i));
    }
    case 'get-volume': {
      const letters = input.length > 0 ? input.map((i) => (i as { DriveLetter?: unknown }).DriveLetter).filter((l): l is string => typeof l === 'string' && l !== '') : [String(p.get('driveletter') ?? '').toUpperCase()];
      const volumes = letters.map((l) => volumeView(guest, l));
      const missing = letters.find((_, i) => !volumes[i]);
      if (missing !== undefined) throw new ScriptError(`Get-Volume : No MSFT_Volume objects found with property 'DriveLetter' equal to '${missing}'.`);
      return volumes.filter((v): v is Record<string, unknown> => v !== undefined);
    }
    case 'format-list': {
      const properties = String(cmd.positional[0] ?? p.get('property') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      if (input.length) stdout.push(['', ...input.map((item) => formatList(item as Record<string, unknown>, properties)), ''].join('\n\n').replace(/\n{3,}/g, '\n\n'));
      return [];
    }
    case 'where-object': {
      // Simplified syntax: Where-Object <Property> -EQ|-NE <value>
      const property = String(cmd.positional[0] ?? '');
      const op = p.has('eq') ? 'eq' : p.has('ne') ? 'ne' : undefined;
      if (!property || !op) throw new ScriptError('Where-Object : only the form "Where-Object <Property> -EQ|-NE <Value>" is supported.');
      const wanted = p.get(op);
      return input.filter((item) => {
        const actual = (item as Record<string, unknown>)[property];
        const equal = typeof actual === 'string' && typeof wanted === 'string' ? actual.toLowerCase() === wanted.toLowerCase() : actual === wanted;
        return op === 'eq' ? equal : !equal;
      });
    }
    case 'set-disk': {
      const disks = p.has('number') ? [requireDisk(guest, p.get('number'), 'Set-Disk')] : disksFrom(input, guest);
      if (p.has('isoffline')) for (const d of disks) d.isOffline = p.get('isoffline') === true;
      return [];
    }
    case 'initialize-disk': {
      const disks = p.has('number') ? [requireDisk(guest, p.get('number'), 'Initialize-Disk')] : disksFrom(input, guest);
      for (const d of disks) {
        if (d.partitionStyle !== 'RAW') throw new ScriptError(`Initialize-Disk : The disk has already been initialized. (disk ${d.number})`);
        if (d.isOffline) throw new ScriptError(`Initialize-Disk : The disk is offline. (disk ${d.number})`);
        d.partitionStyle = String(p.get('partitionstyle') ?? 'GPT').toUpperCase() === 'MBR' ? 'MBR' : 'GPT';
      }
      return disks.map(diskView);
    }
    case 'new-partition': {
      const disk = requireDisk(guest, p.get('disknumber'), 'New-Partition');
      if (disk.partitionStyle === 'RAW') throw new ScriptError(`New-Partition : The disk has not been initialized. (disk ${disk.number})`);
      const letter = String(p.get('driveletter') ?? '').toUpperCase();
      if (!/^[A-Z]$/.test(letter)) throw new ScriptError('New-Partition : -DriveLetter must be a single letter.');
      if (guest.volume(letter)) throw new ScriptError(`New-Partition : The requested access path is already in use. (${letter}:)`);
      if (disk.partitions.length > 0 && p.has('usemaximumsize')) throw new ScriptError('New-Partition : Not enough available capacity.');
      disk.partitions.push({ driveLetter: letter, sizeGB: disk.sizeGB });
      return [{ DriveLetter: letter, DiskNumber: disk.number }];
    }
    case 'format-volume': {
      const letter = String(p.get('driveletter') ?? '').toUpperCase();
      const partition = guest.disks.flatMap((d) => d.partitions).find((x) => x.driveLetter === letter);
      if (!partition) throw new ScriptError(`Format-Volume : No MSFT_Volume objects found with property 'DriveLetter' equal to '${letter}'.`);
      partition.fileSystem = String(p.get('filesystem') ?? 'NTFS').toUpperCase();
      partition.label = String(p.get('newfilesystemlabel') ?? '');
      return [{ DriveLetter: letter, FileSystemLabel: partition.label }];
    }
    case 'install-windowsfeature':
    case 'add-windowsfeature': {
      const name = String(p.get('name') ?? cmd.positional[0] ?? '');
      if (!name) throw new ScriptError('Install-WindowsFeature : -Name is required.');
      if (name.toLowerCase() !== 'web-server') throw new ScriptError(`Install-WindowsFeature : ArgumentNotValid: The role, role service, or feature name is not valid: '${name}'.`);
      guest.features.add('web-server');
      if (guest.readFile(`${WWWROOT}\\iisstart.htm`) === undefined) guest.writeFile(`${WWWROOT}\\iisstart.htm`, '<html><body>IIS Windows Server</body></html>');
      stdout.push('Success Restart Needed Exit Code      Feature Result\n------- -------------- ---------      --------------\nTrue    No             Success        {Web-Server}');
      return [];
    }
    case 'set-content': {
      const path = String(p.get('path') ?? cmd.positional[0] ?? '');
      const value = p.get('value') ?? cmd.positional[1];
      if (!path || value === undefined) throw new ScriptError('Set-Content : -Path and -Value are required.');
      try {
        // Set-Content ends the file with a newline, as PowerShell does.
        guest.writeFile(path, `${String(value)}\r\n`);
      } catch (error) {
        throw new ScriptError(`Set-Content : ${(error as Error).message}`);
      }
      return [];
    }
    case 'write-output':
    case 'write-host':
      stdout.push(cmd.positional.map(String).join(' '));
      return [];
    default:
      throw new UnknownCommandError(
        `${cmd.name} : The term '${cmd.name}' is not recognized as the name of a cmdlet, function, script file, or operable program.`,
      );
  }
}

/** The document IIS would serve for `/`, if any. */
export function defaultDocument(guest: WindowsGuest): string | undefined {
  if (!guest.iisInstalled) return undefined;
  for (const doc of IIS_DEFAULT_DOCUMENTS) {
    const content = guest.readFile(`${WWWROOT}\\${doc}`);
    if (content !== undefined) return content;
  }
  return undefined;
}
