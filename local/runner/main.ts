/**
 * The runner as a process: `node dist/local/runner/main.js --app-root . --data-dir .local/runner
 * [--entry file] [--port N] [--timers manual] [--settings-json '{"K":"V"}'] [--time-scale N --clock-origin MS]`. Prints
 * `FRIDAY_RUNNER_READY {"baseUrl":…,"functionKey":…,"masterKey":…,"functions":[…]}` and stops on
 * SIGINT/SIGTERM. Used by the crash test (kill -9, restart on the same data dir).
 */
import path from 'node:path';
import { startRunner } from './index';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  let settings: Record<string, string> = {};
  const settingsJson = flag('settings-json');
  if (settingsJson) {
    try {
      settings = JSON.parse(settingsJson) as Record<string, string>;
    } catch {
      console.error('friday runner: --settings-json must be a JSON object of strings');
      process.exit(2);
    }
  }
  const runner = await startRunner({
    appRoot: path.resolve(flag('app-root') ?? '.'),
    entry: flag('entry'),
    dataDir: path.resolve(flag('data-dir') ?? '.local/runner'),
    port: Number(flag('port') ?? 0),
    timers: flag('timers') === 'manual' ? 'manual' : 'auto',
    // The emulator's scale and origin, so the runner reads the same clock (local/emulator/core/clock.ts).
    ...(flag('time-scale') ? { timeScale: Number(flag('time-scale')) } : {}),
    ...(flag('clock-origin') ? { clockOriginMs: Number(flag('clock-origin')) } : {}),
    settings,
  });
  const stop = (): void => {
    runner.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`FRIDAY_RUNNER_READY ${JSON.stringify({ baseUrl: runner.baseUrl, functionKey: runner.functionKey, masterKey: runner.masterKey, functions: runner.functions })}`);
}

main().catch((error: unknown) => {
  console.error(`friday runner: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
