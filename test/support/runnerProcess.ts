/** The runner as a separate process (`dist/local/runner/main.js`), for tests that kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const runnerMain = path.join(repoRoot, 'dist', 'local', 'runner', 'main.js');

export interface RunnerProcess {
  child: ChildProcess;
  baseUrl: string;
  functionKey: string;
  masterKey: string;
}

/** Starts a runner on `dataDir` and resolves once it prints its ready line. */
export function startRunnerProcess(options: {
  dataDir: string;
  settings: Record<string, string>;
  entry?: string;
  children?: ChildProcess[];
  /** The emulator's clock (its `timeScale` and `clockOriginMs`), so both processes read one Azure time. */
  clock?: { timeScale: number; originMs: number };
}): Promise<RunnerProcess> {
  const clock = options.clock ? ['--time-scale', String(options.clock.timeScale), '--clock-origin', String(options.clock.originMs)] : [];
  const args = [runnerMain, '--app-root', repoRoot, ...(options.entry ? ['--entry', options.entry] : []), '--data-dir', options.dataDir, '--timers', 'manual', ...clock, '--settings-json', JSON.stringify(options.settings)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  options.children?.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('FRIDAY_RUNNER_READY '));
      if (line) resolve({ child, ...(JSON.parse(line.slice('FRIDAY_RUNNER_READY '.length)) as Omit<RunnerProcess, 'child'>) });
    });
    child.on('exit', (code) => reject(new Error(`runner exited (${String(code)}) before ready: ${out}`)));
  });
}

/** SIGKILL, and wait until the process is gone. */
export async function killRunner(runner: RunnerProcess): Promise<void> {
  if (runner.child.exitCode !== null) return;
  const exited = new Promise((r) => runner.child.once('exit', r));
  runner.child.kill('SIGKILL');
  await exited;
}
