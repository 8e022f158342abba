/**
 * `npm run emulator`: starts the ARM emulator and prints one ready line:
 *   FRIDAY_EMULATOR_READY {"armEndpoint":…,"caCertFile":…,"subscriptionId":…,"adminUrl":…}
 * Options: --port N, --state-dir DIR, --config FILE (or FRIDAY_EMULATOR_PORT / FRIDAY_EMULATOR_STATE_DIR /
 * FRIDAY_EMULATOR_CONFIG with the JSON itself): timing, timeScale, throttling — see config.ts.
 */
import { readFileSync } from 'node:fs';
import { parseEmulatorConfig, type EmulatorConfig } from './config';
import { startEmulator } from './index';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function readConfig(): EmulatorConfig {
  const file = flag('config');
  let text = process.env.FRIDAY_EMULATOR_CONFIG;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      console.error(`friday emulator: cannot read --config ${file}: ${(error as Error).message}`);
      process.exit(2);
    }
  }
  if (text === undefined || text.trim() === '') return {};
  const parsed = parseEmulatorConfig(text);
  if (!parsed.ok) {
    console.error(`friday emulator: the config ${file ?? '(FRIDAY_EMULATOR_CONFIG)'} is not valid:\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(2);
  }
  return parsed.config;
}

async function main(): Promise<void> {
  const portText = flag('port') ?? process.env.FRIDAY_EMULATOR_PORT;
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`friday emulator: --port must be a port number (0-65535), got '${portText}'`);
    process.exit(2);
  }
  const config = readConfig();
  const emulator = await startEmulator({ ...config, port, stateDir: flag('state-dir') ?? process.env.FRIDAY_EMULATOR_STATE_DIR });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('friday emulator: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Ready only once a stop signal would be handled.
  console.log(
    `FRIDAY_EMULATOR_READY ${JSON.stringify({
      armEndpoint: emulator.armEndpoint,
      caCertFile: emulator.caCertFile,
      subscriptionId: emulator.subscriptionId,
      adminUrl: emulator.adminUrl,
    })}`,
  );
}

main().catch((error: unknown) => {
  console.error(`friday emulator: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
