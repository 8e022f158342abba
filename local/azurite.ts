/**
 * Starts Azurite's Blob service as a child process on a loopback port, with its data in a
 * project-local folder. Used by `npm run local`, the tests and the benchmarks.
 *
 * Without a fixed port Azurite listens on port 0 and the port is read from its own start-up line:
 * a port picked "free" beforehand can be taken by another server (or an outgoing connection)
 * before Azurite binds it, which on a busy machine happened many times in one test run.
 *
 * `--skipApiVersionCheck`: @azure/storage-blob 12.34 sends an `x-ms-version` newer than Azurite
 * 3.37 knows, which Azurite would otherwise reject.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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
  /** Fixed port; default one the system picks as Azurite listens. */
  port?: number;
  /** Milliseconds to wait for Azurite to answer. */
  startTimeoutMs?: number;
}

function azuriteBlobMain(): string {
  // Resolve through the package so a hoisted or nested install both work.
  const pkg = require.resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

/** Waits for Azurite's "successfully listens on http://127.0.0.1:PORT" line and returns the port. */
function listeningPort(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not start listening within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out = (out + chunk.toString()).slice(-4000);
      const match = /listens on https?:\/\/[^\s:]+:(\d+)/.exec(out);
      if (match) finish(() => resolve(Number(match[1])));
    };
    const onExit = (code: number | null): void => fail(new Error(`Azurite exited with code ${code} before it was ready\n${stderr()}${out}`));
    const finish = (then: () => void): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      then();
    };
    const fail = (error: Error): void => finish(() => reject(error));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before it was ready`);
    try {
      // Any answer from Azurite (it says 400 to a bare GET on the account) means it is serving —
      // but only Azurite's (a fixed port may be another server's).
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (!(res.headers.get('server') ?? '').startsWith('Azurite')) throw new Error(`port of ${url} answered by ${res.headers.get('server') ?? 'another server'}, not Azurite`);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`Azurite did not answer at ${url} within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startAzurite(options: AzuriteOptions): Promise<AzuriteHandle> {
  mkdirSync(options.dataDir, { recursive: true });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const child = spawn(
    process.execPath,
    [
      azuriteBlobMain(),
      '--blobHost', '127.0.0.1',
      '--blobPort', String(options.port ?? 0),
      '--location', options.dataDir,
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let blobEndpoint = '';
  let port = 0;
  try {
    port = await listeningPort(child, timeoutMs, () => stderr);
    blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
    await waitForHttp(blobEndpoint, child, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  // Azurite's later output is not read: keep the pipe drained so it never blocks.
  child.stdout?.resume();
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
