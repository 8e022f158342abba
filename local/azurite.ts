/**
 * Starts Azurite's Blob service as a child process on a free loopback port, with its data in a
 * project-local folder. Used by `npm run local`, the tests and the benchmarks.
 *
 * `--skipApiVersionCheck`: @azure/storage-blob 12.34 sends an `x-ms-version` newer than Azurite
 * 3.37 knows, which Azurite would otherwise reject.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteHandle {
  blobEndpoint: string;
  connectionString: string;
  port: number;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  /** Folder for Azurite's data; created if missing. */
  dataDir: string;
  /** Fixed port; default a free one. */
  port?: number;
  /** Milliseconds to wait for Azurite to answer. */
  startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function azuriteBlobMain(): string {
  // Resolve through the package so a hoisted or nested install both work.
  const pkg = require.resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

class PortTakenError extends Error {}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before it was ready`);
    try {
      // Any answer from Azurite (it says 400 to a bare GET on the account) means it is listening —
      // but only Azurite's: the free port may have been taken meanwhile by another server (the
      // emulator starting beside it took it once, and every blob call then got its 404).
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (!(res.headers.get('server') ?? '').startsWith('Azurite')) throw new PortTakenError(`port of ${url} answered by ${res.headers.get('server') ?? 'another server'}, not Azurite`);
      return;
    } catch (error) {
      if (error instanceof PortTakenError) throw error;
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`Azurite did not answer at ${url} within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startAzurite(options: AzuriteOptions): Promise<AzuriteHandle> {
  // A port found free can be taken before Azurite binds it (other servers start at the same time):
  // then start again on another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAzuriteOnce(options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || options.port !== undefined || attempt >= 5) throw error;
    }
  }
}

async function startAzuriteOnce(options: AzuriteOptions): Promise<AzuriteHandle> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      azuriteBlobMain(),
      '--blobHost', '127.0.0.1',
      '--blobPort', String(port),
      '--location', options.dataDir,
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  try {
    await waitForHttp(blobEndpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    if (error instanceof PortTakenError) throw error;
    // The other way a taken port shows: Azurite itself could not listen on it.
    if (stderr.includes('EADDRINUSE')) throw new PortTakenError(`port ${port} was taken before Azurite could listen on it`);
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};` +
    `BlobEndpoint=${blobEndpoint};`;
  return {
    blobEndpoint,
    connectionString,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
