/**
 * The setup script in Blob storage. Uploaded content-addressed (`setup-friday-<sha8>.ps1`), so a
 * re-run with the same script writes nothing and the extension's command changes exactly when the
 * script does. Instances read it through a short-lived read-only SAS URL (a secret: it only ever
 * goes into the extension's protected settings), or with their managed identity.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppSettings } from '../settings';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use to keep cold start small */
const loadBlob = (): typeof import('@azure/storage-blob') => require('@azure/storage-blob') as typeof import('@azure/storage-blob');
const loadIdentity = (): typeof import('@azure/identity') => require('@azure/identity') as typeof import('@azure/identity');
/* eslint-enable @typescript-eslint/no-require-imports */

export interface PublishedScript {
  blobName: string;
  sha256: string;
  /** `powershell -ExecutionPolicy Unrestricted -File <blobName>` — safe to store and show. */
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

export function setupCommand(blobName: string): string {
  return `powershell -ExecutionPolicy Unrestricted -File ${blobName}`;
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

/** Uploads the script unless a blob with its content hash is already there. */
export async function publishSetupScript(settings: AppSettings, options: { dryRun?: boolean } = {}): Promise<PublishedScript> {
  const content = setupScriptContent();
  const { blobName, sha256 } = scriptBlobName(content);
  const result = { blobName, sha256, commandToExecute: setupCommand(blobName) };
  const container = containerClient(settings);
  const blob = container.getBlockBlobClient(blobName);
  if (options.dryRun) return { ...result, uploaded: false };
  if (await blob.exists()) return { ...result, uploaded: false };
  await container.createIfNotExists();
  await blob.upload(content, Buffer.byteLength(content), { blobHTTPHeaders: { blobContentType: 'text/plain' }, metadata: { sha256 } });
  return { ...result, uploaded: true };
}

/** Protected settings that let an instance read the script. Contains a secret (SAS): never log or return it. */
export async function scriptAccess(settings: AppSettings, blobName: string, now: Date): Promise<Record<string, unknown>> {
  const container = containerClient(settings);
  const blob = container.getBlockBlobClient(blobName);
  if (settings.FRIDAY_SCRIPT_ACCESS === 'managedIdentity') {
    return { fileUris: [blob.url], managedIdentity: settings.FRIDAY_INSTANCE_IDENTITY_CLIENT_ID ? { clientId: settings.FRIDAY_INSTANCE_IDENTITY_CLIENT_ID } : {} };
  }
  const { BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } = loadBlob();
  const expiresOn = new Date(now.getTime() + settings.FRIDAY_SCRIPT_SAS_MINUTES * 60_000);
  const startsOn = new Date(now.getTime() - 5 * 60_000);
  const permissions = BlobSASPermissions.parse('r');
  if (container.credential instanceof StorageSharedKeyCredential) {
    // No start time: valid as soon as storage receives it, whatever the skew between clocks (Microsoft's
    // SAS best practice; learn.microsoft.com/azure/storage/common/storage-sas-overview#best-practices-when-using-sas).
    return { fileUris: [await blob.generateSasUrl({ permissions, expiresOn })] };
  }
  // Identity-based account: a user delegation SAS signed with a key the identity obtains.
  const { BlobServiceClient } = loadBlob();
  const accountUrl = new URL(container.url).origin;
  const { DefaultAzureCredential } = loadIdentity();
  const serviceClient = new BlobServiceClient(accountUrl, new DefaultAzureCredential(settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {}));
  const key = await serviceClient.getUserDelegationKey(startsOn, expiresOn);
  const sas = generateBlobSASQueryParameters({ containerName: container.containerName, blobName, permissions, startsOn, expiresOn }, key, serviceClient.accountName).toString();
  return { fileUris: [`${blob.url}?${sas}`] };
}
