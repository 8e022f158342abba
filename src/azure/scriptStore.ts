/**
 * The setup script in Blob storage. Uploaded content-addressed (`setup-friday-<sha8>.ps1`), so a
 * re-run with the same script writes nothing and the extension's command changes exactly when the
 * script does. Instances read it through a short-lived read-only SAS URL (a secret: it only ever
 * goes into the extension's protected settings), or with their managed identity.
 *
 * The blob is trusted by content, never by name: whoever can write to the container could swap
 * it, and instances run it as SYSTEM. Before the app uses the blob (an upload that found it there
 * already, and every time it hands out access to it) it downloads it and compares its SHA-256 with
 * the script this build ships; a mismatch is refused with `SetupScriptMismatch`.
 *
 * SAS: read-only, HTTPS-only, valid at most MAX_SCRIPT_SAS_MINUTES (a setting asking more is
 * refused at start-up; this clamps again). The one exception to HTTPS is a loopback blob
 * endpoint — the local cloud's Azurite, which serves plain HTTP; a non-loopback HTTP endpoint is
 * refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isLoopbackUrl, MAX_SCRIPT_SAS_MINUTES, type AppSettings } from '../settings';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use to keep cold start small */
const loadBlob = (): typeof import('@azure/storage-blob') => require('@azure/storage-blob') as typeof import('@azure/storage-blob');
const loadIdentity = (): typeof import('@azure/identity') => require('@azure/identity') as typeof import('@azure/identity');
/* eslint-enable @typescript-eslint/no-require-imports */

export interface PublishedScript {
  blobName: string;
  sha256: string;
  /** `powershell … -File <blobName> && powershell … -Command "<volume report>"` — safe to store and show. */
  commandToExecute: string;
  uploaded: boolean;
}

function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function setupScriptContent(): string {
  return readFileSync(path.join(packageRoot(), 'infra', 'scripts', 'setup-friday.ps1'), 'utf8');
}

export function scriptBlobName(content: string): { blobName: string; sha256: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
  const sha256 = (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(content).digest('hex');
  return { blobName: `setup-friday-${sha256.slice(0, 8)}.ps1`, sha256 };
}

/**
 * The seed's script, unchanged (`-File`), then — only when it exited 0 (cmd.exe `&&`; the Windows
 * Custom Script Extension runs the line through cmd) — a report of the X: volume and its disk on
 * standard output, which Azure returns as the extension's StdOut substatus (see
 * domain/verification/dataVolume.ts). The report never fails the extension (`exit 0`): a missing X:
 * is verification's verdict, with its own reason.
 */
export function setupCommand(blobName: string): string {
  const report = [
    'Get-Partition -DriveLetter X -ErrorAction SilentlyContinue | Get-Volume | Format-List DriveLetter,FileSystem,FileSystemLabel',
    'Get-Partition -DriveLetter X -ErrorAction SilentlyContinue | Get-Disk | Format-List Number,Size',
    'exit 0',
  ].join('; ');
  return `powershell -ExecutionPolicy Unrestricted -File ${blobName} && powershell -ExecutionPolicy Unrestricted -Command "${report}"`;
}

/** The script blob a setup command runs (`-File <blob>`). */
export function scriptBlobOf(command: string): string | undefined {
  return /\s-File\s+(\S+)/.exec(command)?.[1];
}

/**
 * A container of the app's storage account: the scripts container by default (it also holds the
 * schedule document when FRIDAY_SCHEDULES_BLOB names one), or another one (run reports).
 */
export function containerClient(settings: AppSettings, containerName = settings.FRIDAY_SCRIPTS_CONTAINER) {
  const { BlobServiceClient } = loadBlob();
  if (settings.FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING) {
    return BlobServiceClient.fromConnectionString(settings.FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING).getContainerClient(containerName);
  }
  if (!settings.FRIDAY_SCRIPTS_ACCOUNT_URL) throw new Error('Set FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING or FRIDAY_SCRIPTS_ACCOUNT_URL for the setup script store.');
  const { DefaultAzureCredential } = loadIdentity();
  const credential = new DefaultAzureCredential(settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {});
  return new BlobServiceClient(settings.FRIDAY_SCRIPTS_ACCOUNT_URL, credential).getContainerClient(containerName);
}

/** A setup blob whose content is not the script this build ships (swapped, or another name). */
export class SetupScriptMismatchError extends Error {
  readonly code = 'SetupScriptMismatch';
  constructor(message: string) {
    super(message);
    this.name = 'SetupScriptMismatchError';
  }
}

const sha256Of = (content: Buffer | string): string =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
  (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(content).digest('hex');

/**
 * Downloads the blob and checks it is byte for byte the shipped script (by SHA-256). Throws
 * SetupScriptMismatchError when it is not — the blob's own metadata is not trusted, only its bytes.
 */
export async function verifySetupBlob(settings: AppSettings, blobName: string): Promise<{ sha256: string }> {
  const expected = scriptBlobName(setupScriptContent());
  if (blobName !== expected.blobName) throw new SetupScriptMismatchError(`setup blob ${blobName} is not the script this build ships (${expected.blobName}): refusing to hand it to instances`);
  const actual = sha256Of(await containerClient(settings).getBlockBlobClient(blobName).downloadToBuffer());
  if (actual !== expected.sha256) {
    throw new SetupScriptMismatchError(`setup blob ${blobName} has been changed (its SHA-256 is ${actual}, the shipped script's is ${expected.sha256}): refusing to use it; delete the blob and deploy again to re-upload it`);
  }
  return { sha256: actual };
}

/** Uploads the script unless a blob with its content hash is already there — and then checks that blob's content. */
export async function publishSetupScript(settings: AppSettings, options: { dryRun?: boolean } = {}): Promise<PublishedScript> {
  const content = setupScriptContent();
  const { blobName, sha256 } = scriptBlobName(content);
  const result = { blobName, sha256, commandToExecute: setupCommand(blobName) };
  const container = containerClient(settings);
  const blob = container.getBlockBlobClient(blobName);
  if (options.dryRun) return { ...result, uploaded: false };
  if (await blob.exists()) {
    await verifySetupBlob(settings, blobName);
    return { ...result, uploaded: false };
  }
  await container.createIfNotExists();
  // Only create: if another writer got there first, its content is checked, not overwritten blindly.
  try {
    await blob.upload(content, Buffer.byteLength(content), { blobHTTPHeaders: { blobContentType: 'text/plain' }, metadata: { sha256 }, conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    await verifySetupBlob(settings, blobName);
    return { ...result, uploaded: false };
  }
  return { ...result, uploaded: true };
}

/**
 * The SAS a script download gets: read-only (a user delegation key starts 5 minutes back for clock
 * skew; a shared-key SAS has no start time), ending
 * FRIDAY_SCRIPT_SAS_MINUTES ahead but never more than a day, and HTTPS-only unless the endpoint
 * is a loopback one (Azurite in the local cloud). A plain-HTTP remote endpoint gets no SAS at all.
 */
export function scriptSasWindow(settings: Pick<AppSettings, 'FRIDAY_SCRIPT_SAS_MINUTES'>, blobUrl: string, now: Date): { startsOn: Date; expiresOn: Date; httpsOnly: boolean } {
  const https = new URL(blobUrl).protocol === 'https:';
  if (!https && !isLoopbackUrl(blobUrl)) throw new Error(`the scripts storage endpoint ${new URL(blobUrl).origin} is not HTTPS: refusing to issue a SAS that could travel in clear text`);
  const minutes = Math.min(settings.FRIDAY_SCRIPT_SAS_MINUTES, MAX_SCRIPT_SAS_MINUTES);
  return { startsOn: new Date(now.getTime() - 5 * 60_000), expiresOn: new Date(now.getTime() + minutes * 60_000), httpsOnly: https };
}

/**
 * Protected settings that let an instance read the script — after checking the blob is the
 * shipped script. Contains a secret (SAS): never log or return it.
 */
export async function scriptAccess(settings: AppSettings, blobName: string, now: Date): Promise<Record<string, unknown>> {
  await verifySetupBlob(settings, blobName);
  const container = containerClient(settings);
  const blob = container.getBlockBlobClient(blobName);
  if (settings.FRIDAY_SCRIPT_ACCESS === 'managedIdentity') {
    return { fileUris: [blob.url], managedIdentity: settings.FRIDAY_INSTANCE_IDENTITY_CLIENT_ID ? { clientId: settings.FRIDAY_INSTANCE_IDENTITY_CLIENT_ID } : {} };
  }
  const { BlobSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } = loadBlob();
  const { startsOn, expiresOn, httpsOnly } = scriptSasWindow(settings, blob.url, now);
  const protocol = httpsOnly ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
  const permissions = BlobSASPermissions.parse('r');
  if (container.credential instanceof StorageSharedKeyCredential) {
    // No start time: valid as soon as storage receives it, whatever the skew between clocks (Microsoft's
    // SAS best practice; learn.microsoft.com/azure/storage/common/storage-sas-overview#best-practices-when-using-sas).
    return { fileUris: [await blob.generateSasUrl({ permissions, expiresOn, protocol })] };
  }
  // Identity-based account: a user delegation SAS signed with a key the identity obtains.
  const { BlobServiceClient } = loadBlob();
  const accountUrl = new URL(container.url).origin;
  const { DefaultAzureCredential } = loadIdentity();
  const serviceClient = new BlobServiceClient(accountUrl, new DefaultAzureCredential(settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {}));
  const key = await serviceClient.getUserDelegationKey(startsOn, expiresOn);
  const sas = generateBlobSASQueryParameters({ containerName: container.containerName, blobName, permissions, startsOn, expiresOn, protocol }, key, serviceClient.accountName).toString();
  return { fileUris: [`${blob.url}?${sas}`] };
}
