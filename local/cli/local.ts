/**
 * `npm run local`: starts Azurite, the ARM emulator and the Functions runner with the app, wired
 * together, and prints one line when ready:
 *   FRIDAY_LOCAL_READY {"baseUrl":…,"functionKey":…,"masterKey":…,"viewerKey":…,"armEndpoint":…,"caCertFile":…,"subscriptionId":…,"functions":[…]}
 * and then the fleet page's address for a person to open (no key in it) and its viewer key, which
 * the page asks for once.
 * Stops all three on SIGINT/SIGTERM.
 */
import { startLocalCloud } from './localCloud';

async function main(): Promise<void> {
  const cloud = await startLocalCloud({ runner: { log: (line) => console.error(line) } });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    cloud.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('friday local cloud: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const fleetUrl = `${cloud.baseUrl}/api/fleet`;
  // Ready only once a stop signal would be handled.
  console.log(
    `FRIDAY_LOCAL_READY ${JSON.stringify({
      baseUrl: cloud.baseUrl,
      functionKey: cloud.functionKey,
      masterKey: cloud.masterKey,
      viewerKey: cloud.viewerKey,
      armEndpoint: cloud.armEndpoint,
      caCertFile: cloud.caCertFile,
      subscriptionId: cloud.subscriptionId,
      functions: cloud.runner.functions,
    })}`,
  );
  console.log(`Fleet page: ${fleetUrl}`);
  console.log(`Fleet viewer key (the page asks for it once; read-only): ${cloud.viewerKey}`);
  console.error(`friday local cloud: app at ${cloud.baseUrl}/api/…, ARM emulator at ${cloud.armEndpoint}, Azurite at ${cloud.azurite.blobEndpoint}. Ctrl-C stops it.`);
}

main().catch((error: unknown) => {
  console.error(`friday local cloud: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
