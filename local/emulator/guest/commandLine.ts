/**
 * Runs a Custom Script Extension `commandToExecute` as the Windows extension does: through
 * cmd.exe (MicrosoftDocs/azure-docs#19827), so `A && B` runs B only when A exited 0, `A || B` only
 * when it did not, `A & B` both; the command line's exit code is the last one run, and the
 * extension succeeds exactly when it is 0 (MicrosoftDocs/azure-docs#46732: "only succeeds when
 * exit code returned from commandToExecute is 0"). Each command is a `powershell[.exe]` invocation
 * with `-File <script>` (a downloaded file) or `-Command "<statements>"`; exit codes per mode in
 * powershell.ts.
 */
import { runPowerShell, type ScriptResult } from './powershell';
import type { WindowsGuest } from './windowsGuest';

export interface CommandLineResult extends ScriptResult {
  /** Set when the command line itself cannot run here (not PowerShell, missing -File script). */
  notRunnable?: string;
}

type Joiner = '&&' | '||' | '&';

/** Splits a cmd.exe line on `&&`, `||` and `&` outside double quotes. */
function splitCommands(line: string): Array<{ command: string; joiner?: Joiner }> {
  const out: Array<{ command: string; joiner?: Joiner }> = [];
  let current = '';
  let quoted = false;
  let pending: Joiner | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '&' || (ch === '|' && line[i + 1] === '|'))) {
      const joiner: Joiner = ch === '&' && line[i + 1] === '&' ? '&&' : ch === '|' ? '||' : '&';
      out.push({ command: current.trim(), ...(pending ? { joiner: pending } : {}) });
      pending = joiner;
      current = '';
      if (joiner !== '&') i++;
      continue;
    }
    current += ch;
  }
  out.push({ command: current.trim(), ...(pending ? { joiner: pending } : {}) });
  return out.filter((c) => c.command !== '');
}

function runOne(command: string, guest: WindowsGuest, files: Map<string, string>): CommandLineResult {
  if (!/^powershell(\.exe)?\b/i.test(command)) {
    return { exitCode: 1, stdout: '', stderr: '', notRunnable: `only 'powershell … -File <script>' or 'powershell … -Command "…"' commands can run on this guest (got '${command}')` };
  }
  const file = /\s-File\s+("([^"]+)"|'([^']+)'|(\S+))/i.exec(command);
  if (file) {
    const scriptName = (file[2] ?? file[3] ?? file[4] ?? '').split(/[\\/]/).pop() ?? '';
    const script = files.get(scriptName.toLowerCase());
    // powershell.exe itself reports this and exits non-zero.
    if (script === undefined) return { exitCode: 1, stdout: '', stderr: `The argument '${scriptName}' to the -File parameter does not exist.` };
    return runPowerShell(script, guest, { mode: 'file' });
  }
  const inline = /\s-Command\s+(?:"((?:[^"]|"")*)"|(.+))$/i.exec(command);
  if (inline) return runPowerShell((inline[1] ?? inline[2] ?? '').replace(/""/g, '"'), guest, { mode: 'command' });
  return { exitCode: 1, stdout: '', stderr: '', notRunnable: `neither -File nor -Command in '${command}'` };
}

export function runCommandLine(line: string, guest: WindowsGuest, files: Map<string, string>): CommandLineResult {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let exitCode = 0;
  for (const { command, joiner } of splitCommands(line)) {
    if (joiner === '&&' && exitCode !== 0) continue;
    if (joiner === '||' && exitCode === 0) continue;
    const result = runOne(command, guest, files);
    if (result.notRunnable) return { ...result, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    if (result.stdout) stdout.push(result.stdout);
    if (result.stderr) stderr.push(result.stderr);
    exitCode = result.exitCode;
  }
  return { exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
