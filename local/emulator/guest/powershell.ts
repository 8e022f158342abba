/**
 * A small PowerShell interpreter for setup scripts: exactly the cmdlets the seed's script uses,
 * with PowerShell's quoting and `$env:` expansion.
 * - A cmdlet that fails (disk already initialised, drive letter in use) writes a non-terminating
 *   error to stderr and the script goes on, as `powershell -File` does; that is what lets the
 *   seed's script run again on an upgraded instance and still succeed.
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

export function runPowerShell(script: string, guest: WindowsGuest): ScriptResult {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines = script.replace(/^\uFEFF/, '').split(/\r?\n/);
  try {
    for (const [index, raw] of lines.entries()) {
      const line = stripComment(raw).trim();
      if (!line) continue;
      const exit = /^exit(?:\s+(-?\d+))?$/i.exec(line);
      if (exit) return { exitCode: Number(exit[1] ?? 0), stdout: stdout.join('\n'), stderr: stderr.join('\n') };
      let pipeline: PipelineItem[] = [];
      try {
        for (const stage of splitOutsideQuotes(line, '|')) pipeline = runCommand(parseCommand(stage, guest), pipeline, guest, stdout);
      } catch (error) {
        if (error instanceof UnknownCommandError) throw new UnknownCommandError(`At line:${index + 1} ${error.message}`);
        if (!(error instanceof ScriptError)) throw error;
        stderr.push(`At line:${index + 1} ${error.message}`);
      }
    }
  } catch (error) {
    if (error instanceof UnknownCommandError) return { exitCode: 1, stdout: stdout.join('\n'), stderr: [...stderr, error.message].join('\n') };
    throw error;
  }
  return { exitCode: 0, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

function runCommand(cmd: ParsedCommand, input: PipelineItem[], guest: WindowsGuest, stdout: string[]): PipelineItem[] {
  const p = cmd.params;
  switch (cmd.name.toLowerCase()) {
    case 'get-disk':
      return guest.disks.filter((d) => p.get('number') === undefined || d.number === Number(p.get('number'))).map(diskView);
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
