/**
 * The README's main job: start the local cloud, deploy a FRIDAY tier (examples/deployment.json or
 * the spec file given), show progress as it goes, print the verification report and the front-end
 * URL, and keep the local cloud up until Ctrl-C so a person can open the URL and watch the host
 * name change on reload. `--exit` stops after the report (exit code 0 only if every instance
 * passed).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startLocalCloud, type LocalCloudHandle } from '../cli/localCloud';
import { azureTime } from '../emulator/core/timingProfile';

/** GET /api/deployments/{id}: progress while running, the report (or the error) when done. */
interface Status {
  runtimeStatus: string;
  progress?: { step?: string; steps?: string[]; stepsDone?: string[]; message?: string; waiting?: { operation: string; waitedSeconds: number } } | null;
  report?: unknown;
  error?: unknown;
}
interface Report {
  outcome: string;
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  totals: { instances: number; passed: number; failed: number };
  armWrites: number;
  instances: Array<{ instanceId: string; computerName: string; zone: string | null; privateIp: string | null; verdict: string; reason: string }>;
  steps: Array<{ name: string; writes: number; durationMs: number; detail?: string }>;
}

const say = (line: string): void => console.log(line);

/** An Azure-time duration as a person reads it: "4 min 30 s", "12 s". */
const azureDuration = (ms: number): string => {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}` : `${seconds} s`;
};

function fail(message: string): never {
  console.error(`friday demo: ${message}`);
  process.exit(2);
}

function readSpec(file: string): unknown {
  if (!existsSync(file)) fail(`spec file not found: ${file}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    fail(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

async function run(cloud: LocalCloudHandle, spec: unknown): Promise<Report | undefined> {
  const res = await fetch(`${cloud.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  const body = (await res.json()) as { statusQueryGetUri?: string; id?: string; problems?: string[]; error?: string; message?: string };
  if (res.status === 400) {
    say(`The spec was refused (${body.error}):`);
    for (const p of body.problems ?? []) say(`  - ${p}`);
    return undefined;
  }
  if (res.status !== 202 || !body.statusQueryGetUri) {
    say(`Deployment did not start: HTTP ${res.status} ${JSON.stringify(body)}`);
    return undefined;
  }
  say(`Deployment ${body.id} started.`);
  const printed = new Set<string>();
  let lastMessage = '';
  for (;;) {
    const status = (await (await fetch(body.statusQueryGetUri, { headers: { 'x-functions-key': cloud.functionKey } })).json()) as Status;
    const cs = status.progress;
    const all = cs?.steps ?? [];
    // Every finished step once, in order, even if it finished between two polls.
    for (const done of cs?.stepsDone ?? []) {
      if (printed.has(done)) continue;
      printed.add(done);
      say(`  ✓ [${all.indexOf(done) + 1}/${all.length}] ${done}`);
    }
    // A long operation's wait: once when it starts, then each further Azure minute (not every poll).
    const waiting = cs?.waiting;
    const line = waiting ? `waiting for ${waiting.operation}${waiting.waitedSeconds >= 60 ? `: ${Math.floor(waiting.waitedSeconds / 60)} min (Azure time) so far` : ''}` : cs?.message;
    if (line && line !== lastMessage && cs?.step !== 'done') {
      lastMessage = line;
      say(`    … ${line}`);
    }
    if (status.runtimeStatus === 'Failed') {
      say(`\nDeployment FAILED: ${typeof status.error === 'string' ? status.error : JSON.stringify(status.error)}`);
      return undefined;
    }
    if (status.runtimeStatus === 'Completed') return status.report as Report;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const exitAfter = args.includes('--exit');
  const specFile = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..', '..', '..', 'examples', 'deployment.json'));
  const spec = readSpec(specFile);
  const dataDir = path.resolve('.local', 'demo');
  // A fresh local cloud each time: the emulator keeps no state across runs, so neither does the runner.
  rmSync(dataDir, { recursive: true, force: true });
  say('Starting the local cloud (Azurite, ARM emulator, Functions runner)…');
  // Azure's durations (core/timingProfile.ts) at the default time scale: one Azure minute in half a real second.
  const time = azureTime();
  const cloud = await startLocalCloud({ dataDir, emulator: time, runner: { log: () => undefined } });
  say(`  Azure time: operations take what they take in Azure, ${time.timeScale}× faster (one Azure minute = ${Math.round(60_000 / time.timeScale)} ms).`);
  say(`  app ${cloud.baseUrl}   ARM emulator ${cloud.armEndpoint}   Azurite ${cloud.azurite.blobEndpoint}`);
  say(`Deploying ${path.relative(process.cwd(), specFile)}…`);
  const started = Date.now();
  const report = await run(cloud, spec);
  if (report) {
    say('');
    say(table([['instance', 'computer name', 'zone', 'private IP', 'verdict', 'reason'], ...report.instances.map((i) => [i.instanceId, i.computerName, i.zone ?? '-', i.privateIp ?? '-', i.verdict.toUpperCase(), i.reason])]));
    say('');
    say(`Steps (Azure time): ${report.steps.map((s) => `${s.name} (${s.writes} write${s.writes === 1 ? '' : 's'}, ${azureDuration(s.durationMs)})`).join(', ')}`);
    say(`Azure time ${azureDuration(report.steps.reduce((sum, s) => sum + s.durationMs, 0))} in ${((Date.now() - started) / 1000).toFixed(1)} s of real time.`);
    say(`Result: ${report.outcome.toUpperCase()} — ${report.totals.passed}/${report.totals.instances} instances passed, ${report.armWrites} ARM writes.`);
    say(`Front end: ${report.frontEndUrl ?? '(none)'}  (public address in the emulator: ${report.publicFrontEndUrl ?? '-'})`);
    say(`Fleet page: ${cloud.baseUrl}/api/fleet  (viewer key, asked once by the page: ${cloud.viewerKey})`);
  }
  if (exitAfter || !report) {
    await cloud.close();
    process.exit(report?.outcome === 'succeeded' ? 0 : 1);
  }
  say('\nOpen the front end in a browser and reload: the host name changes as the load balancer spreads requests. Ctrl-C stops the local cloud.');
  const stop = (): void => {
    cloud.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`friday demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
