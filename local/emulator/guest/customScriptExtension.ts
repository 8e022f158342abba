/**
 * Custom Script Extension (Windows, Microsoft.Compute/CustomScriptExtension 1.10) on a simulated
 * guest: download every `fileUris` entry over HTTP (e.g. Azurite SAS URLs), then run
 * `commandToExecute` through cmd.exe semantics (commandLine.ts: `-File`, `-Command`, `&&`) with the
 * PowerShell subset. The outcome is reported as Azure reports it: a status code and message, and
 * the StdOut / StdErr substatuses.
 */
import { runCommandLine } from './commandLine';
import type { WindowsGuest } from './windowsGuest';

export interface ExtensionOutcome {
  ok: boolean;
  /** e.g. `ProvisioningState/succeeded`, `ProvisioningState/failed/1`. */
  code: string;
  message: string;
  /** The command's output streams, reported as the `StdOut` / `StdErr` substatuses (absent when it never ran). */
  stdout?: string;
  stderr?: string;
}

/** Each stream is reported by its last 4,096 bytes (the limit Run Command documents for its output). */
const STD_STREAM_LIMIT = 4096;

export interface CustomScriptSettings {
  fileUris?: unknown;
  commandToExecute?: unknown;
  /** `{}` (system-assigned) or `{ clientId }` / `{ objectId }` (user-assigned): download with the instance's identity. */
  managedIdentity?: unknown;
}

/** The scale set's identity and how it reads blobs; absent → identity downloads fail like an unauthorised request. */
export interface InstanceIdentity {
  /** The scale set's `identity` as stored (type, userAssignedIdentities). */
  assigned?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
  download?: (uri: string) => Promise<{ status: number; statusText: string; text: string }>;
}

const DOWNLOAD_TIMEOUT_MS = 15_000;

function fileNameOf(uri: string): string {
  const path = new URL(uri).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/** Never put a SAS signature into a status message. */
function redactUri(uri: string): string {
  return uri.replace(/([?&]sig=)[^&]+/i, '$1<redacted>');
}

/** Why the extension cannot get a token for `managedIdentity`, or undefined when the scale set has a matching identity. */
function identityProblem(requested: unknown, assigned: InstanceIdentity['assigned']): string | undefined {
  if (typeof requested !== 'object' || requested === null || Array.isArray(requested)) return 'Invalid configuration: managedIdentity must be an object.';
  const wantsUserAssigned = 'clientId' in requested || 'objectId' in requested;
  const type = (assigned?.type ?? '').toLowerCase();
  const userAssigned = Object.keys(assigned?.userAssignedIdentities ?? {}).length;
  if (wantsUserAssigned && (!type.includes('userassigned') || userAssigned === 0)) return 'Failed to get a managed identity token: no user-assigned identity is assigned to this scale set.';
  if (!wantsUserAssigned && !type.includes('systemassigned') && userAssigned !== 1) return 'Failed to get a managed identity token: the scale set has no system-assigned identity.';
  return undefined;
}

export async function runCustomScriptExtension(options: {
  guest: WindowsGuest;
  settings: CustomScriptSettings;
  protectedSettings: CustomScriptSettings;
  identity?: InstanceIdentity;
}): Promise<ExtensionOutcome> {
  const command = options.protectedSettings.commandToExecute ?? options.settings.commandToExecute;
  const uris = options.protectedSettings.fileUris ?? options.settings.fileUris ?? [];
  if (typeof command !== 'string' || command.trim() === '') {
    return { ok: false, code: 'ProvisioningState/failed/-1', message: 'Invalid configuration: commandToExecute is required.' };
  }
  if (!Array.isArray(uris) || !uris.every((u): u is string => typeof u === 'string')) {
    return { ok: false, code: 'ProvisioningState/failed/-1', message: 'Invalid configuration: fileUris must be an array of strings.' };
  }
  const managedIdentity = options.protectedSettings.managedIdentity;
  if (managedIdentity !== undefined) {
    const problem = identityProblem(managedIdentity, options.identity?.assigned);
    if (problem) return { ok: false, code: 'ProvisioningState/failed/3', message: `Failed to download all specified files. Exiting. Error Message: ${problem}` };
  }
  const downloaded = new Map<string, string>();
  for (const uri of uris) {
    try {
      const response =
        managedIdentity !== undefined
          ? options.identity?.download
            ? await options.identity.download(uri)
            : { status: 403, statusText: 'This request is not authorized to perform this operation using this permission', text: '' }
          : await fetch(uri, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) }).then(async (r) => ({ status: r.status, statusText: r.statusText, text: await r.text() }));
      if (response.status < 200 || response.status > 299) {
        return {
          ok: false,
          code: 'ProvisioningState/failed/3',
          message: `Failed to download all specified files. Exiting. Error Message: The remote server returned an error: (${response.status}) ${response.statusText}. (${redactUri(uri)})`,
        };
      }
      downloaded.set(fileNameOf(uri).toLowerCase(), response.text);
    } catch (error) {
      return {
        ok: false,
        code: 'ProvisioningState/failed/3',
        message: `Failed to download all specified files. Exiting. Error Message: ${(error as Error).message} (${redactUri(uri)})`,
      };
    }
  }
  const result = runCommandLine(command, options.guest, downloaded);
  if (result.notRunnable) return { ok: false, code: 'ProvisioningState/failed/1', message: `Command execution failed: ${result.notRunnable}.`, stdout: '', stderr: '' };
  const stdout = result.stdout.slice(-STD_STREAM_LIMIT);
  const stderr = result.stderr.slice(-STD_STREAM_LIMIT);
  if (result.exitCode !== 0) {
    return {
      ok: false,
      code: `ProvisioningState/failed/${result.exitCode}`,
      message: `Command execution finished, but failed because it returned a non-zero exit code of: '${result.exitCode}'. The command had an error output of: '${stderr}'`,
      stdout,
      stderr,
    };
  }
  return { ok: true, code: 'ProvisioningState/succeeded', message: 'Command execution finished', stdout, stderr };
}
