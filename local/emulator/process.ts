/**
 * The emulator in a process of its own, as ARM and the VMs are never in the Function app's process
 * in Azure: the benchmarks use it so the instances' web servers do not share the app's one thread.
 * Starts the built `main.js` next to this file and waits for its FRIDAY_EMULATOR_READY line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorConfig } from './config';

export interface EmulatorProcessHandle {
  armEndpoint: string;
  caCertFile: string;
  caCertPem: string;
  subscriptionId: string;
  adminUrl: string;
  pid: number;
  close(): Promise<void>;
}

export async function startEmulatorProcess(options: { stateDir: string; config?: EmulatorConfig; readyTimeoutMs?: number }): Promise<EmulatorProcessHandle> {
  const child = spawn(process.execPath, [path.join(__dirname, 'main.js'), '--state-dir', options.stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FRIDAY_EMULATOR_CONFIG: JSON.stringify(options.config ?? {}) },
  });
  const info = await waitForReady(child, options.readyTimeoutMs ?? 30_000);
  // Keep draining output so a chatty emulator can never block on a full pipe.
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[emulator] ${chunk.toString()}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ...info,
    caCertPem: readFileSync(info.caCertFile, 'utf8'),
    pid: child.pid ?? 0,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<Omit<EmulatorProcessHandle, 'caCertPem' | 'pid' | 'close'>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator did not print FRIDAY_EMULATOR_READY within ${timeoutMs} ms: ${err.trim()}`));
    }, timeoutMs);
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('FRIDAY_EMULATOR_READY '));
      if (!line || !out.slice(out.indexOf(line)).includes('\n')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice('FRIDAY_EMULATOR_READY '.length)) as Omit<EmulatorProcessHandle, 'caCertPem' | 'pid' | 'close'>);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) before it was ready: ${err.trim()}`));
    });
  });
}
