/**
 * The whole local cloud in one call: Azurite (Blob), the ARM emulator and the Functions runner
 * with the app, wired together — the app's settings point at the emulator's endpoint and CA and
 * at Azurite. Used by `npm run local`, the demo, the end-to-end tests and the benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, startAzurite, type AzuriteHandle } from '../azurite';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../emulator';
import { startRunner, type RunnerHandle, type RunnerOptions } from '../runner';

export interface LocalCloudOptions {
  /** Folder for Azurite data, emulator certificates and durable state; default `<cwd>/.local`. */
  dataDir?: string;
  emulator?: EmulatorOptions;
  runner?: Partial<RunnerOptions>;
  /** Extra or overriding app settings. */
  settings?: Record<string, string>;
}

export interface LocalCloudHandle {
  baseUrl: string;
  functionKey: string;
  masterKey: string;
  /** The fleet page's read-only viewer key (FRIDAY_FLEET_VIEWER_KEY): reads fleet data, starts nothing. */
  viewerKey: string;
  armEndpoint: string;
  caCertFile: string;
  caCertPem: string;
  subscriptionId: string;
  emulator: EmulatorHandle;
  azurite: AzuriteHandle;
  runner: RunnerHandle;
  settings: Record<string, string>;
  close(): Promise<void>;
}

/** The folder with package.json above this file (works from `local/` sources and from `dist/`). */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * An instance's managed identity reading a blob, in the local cloud: Azurite has no Entra ID, so
 * the read is signed with Azurite's well-known development account key — the emulator only calls
 * this after checking the scale set really has the identity the extension asks for.
 */
async function azuriteIdentityDownload(uri: string): Promise<{ status: number; statusText: string; text: string }> {
  const { BlobClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  try {
    const buffer = await new BlobClient(uri, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY)).downloadToBuffer();
    return { status: 200, statusText: 'OK', text: buffer.toString('utf8') };
  } catch (error) {
    const e = error as { statusCode?: number; message?: string };
    return { status: e.statusCode ?? 500, statusText: e.message ?? 'download failed', text: '' };
  }
}

/** The app settings that point the app at this local cloud (also used to start a runner as a separate process). */
export function localAppSettings(options: { azurite: { connectionString: string }; emulator: Pick<EmulatorHandle, 'subscriptionId' | 'armEndpoint' | 'caCertFile' | 'adminUrl'>; extra?: Record<string, string> }): Record<string, string> {
  const { azurite, emulator } = options;
  return {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsStorage: azurite.connectionString,
    TASK_HUB_NAME: 'fridaylocal',
    AZURE_SUBSCRIPTION_ID: emulator.subscriptionId,
    FRIDAY_ARM_ENDPOINT: emulator.armEndpoint,
    FRIDAY_ARM_CA_CERT_FILE: emulator.caCertFile,
    FRIDAY_ARM_AUTH: 'local-static-token',
    FRIDAY_ADDRESS_MAP_URL: `${emulator.adminUrl}/address-map`,
    FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: azurite.connectionString,
    FRIDAY_SCRIPTS_CONTAINER: 'friday-scripts',
    FRIDAY_ADMIN_USERNAME: 'fridayadmin',
    // The fleet page's read-only key, generated per run (a person types it into the page once).
    FRIDAY_FLEET_VIEWER_KEY: randomBytes(18).toString('base64url'),
    ...(options.extra ?? {}),
  };
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloudHandle> {
  const dataDir = path.resolve(options.dataDir ?? path.join(process.cwd(), '.local'));
  mkdirSync(dataDir, { recursive: true });
  const repoRoot = packageRoot();
  // One clock for the whole local cloud: the emulator and the runner share its scale and origin.
  const timeScale = options.emulator?.timeScale ?? 1;
  const clockOriginMs = options.emulator?.clockOriginMs ?? Date.now();
  const [azurite, emulator] = await Promise.all([
    startAzurite({ dataDir: path.join(dataDir, 'azurite') }),
    startEmulator({ stateDir: path.join(dataDir, 'emulator'), identityDownload: azuriteIdentityDownload, ...options.emulator, timeScale, clockOriginMs }),
  ]);
  const settings = localAppSettings({ azurite, emulator, extra: options.settings });
  let runner: RunnerHandle;
  try {
    runner = await startRunner({
      appRoot: repoRoot,
      dataDir: path.join(dataDir, 'runner'),
      timeScale,
      clockOriginMs,
      ...options.runner,
      settings: { ...settings, ...(options.runner?.settings ?? {}) },
    });
  } catch (error) {
    await Promise.all([azurite.close(), emulator.close()]);
    throw error;
  }
  // The app's own public URL is only known once the runner listens.
  process.env.FRIDAY_PUBLIC_BASE_URL ??= runner.baseUrl;
  settings.FRIDAY_PUBLIC_BASE_URL = process.env.FRIDAY_PUBLIC_BASE_URL;
  return {
    baseUrl: runner.baseUrl,
    functionKey: runner.functionKey,
    masterKey: runner.masterKey,
    viewerKey: settings.FRIDAY_FLEET_VIEWER_KEY ?? '',
    armEndpoint: emulator.armEndpoint,
    caCertFile: emulator.caCertFile,
    caCertPem: emulator.caCertPem,
    subscriptionId: emulator.subscriptionId,
    emulator,
    azurite,
    runner,
    settings,
    close: async () => {
      await runner.close();
      await Promise.all([emulator.close(), azurite.close()]);
    },
  };
}
