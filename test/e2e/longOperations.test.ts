/**
 * Azure's time on the local cloud: with the Azure timing profile an Application Gateway takes
 * fifteen Azure minutes to create — longer than host.json's ten-minute functionTimeout, which the
 * runner enforces on the same clock. The production app starts the create, polls it from the
 * orchestration between durable timers and completes; the same flow with the old in-activity wait
 * (fixture `in-activity-wait`: the SDK's poll loop inside the activity) is cut off by the time
 * limit, and the same check reports it — so the check can fail.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../local/azurite';
import { localAppSettings } from '../../local/cli/localCloud';
import { startEmulator } from '../../local/emulator';
import { azureTime } from '../../local/emulator/core/timingProfile';
import { testClients } from '../support/armTestClients';
import { startRunnerProcess } from '../support/runnerProcess';

const repoRoot = path.resolve(__dirname, '..', '..');
const example = JSON.parse(readFileSync(path.join(repoRoot, 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const inActivityWait = path.join(repoRoot, 'dist', 'test', 'fixtures', 'in-activity-wait', 'index.js');
/** Upper end of what App Gateway v2 creates take (README "Azure time"); host.json allows 10 minutes. */
const APP_GATEWAY_CREATE_MS = 15 * 60_000;
const FUNCTION_TIMEOUT_MS = 10 * 60_000;

interface Seen {
  runtimeStatus: string;
  output: unknown;
  /** Everything that shows the run cannot pass on Azure; empty when it can. */
  problems: string[];
  /** Progress messages seen while it ran. */
  messages: string[];
}

/**
 * Deploys a tier with an Application Gateway on a fresh local cloud (Azure profile) and judges the
 * run. The runner is its own process (the production bundle, or `entry`), as the host's worker is,
 * reading the emulator's clock.
 */
async function deployWithGateway(entry?: string): Promise<Seen> {
  const dir = mkdtempSync(path.join(tmpdir(), 'friday-long-ops-'));
  const time = azureTime({ timing: { applicationGatewayOperationMs: APP_GATEWAY_CREATE_MS } });
  const clockOriginMs = Date.now();
  const [azurite, emulator] = await Promise.all([
    startAzurite({ dataDir: path.join(dir, 'azurite') }),
    startEmulator({ stateDir: path.join(dir, 'emulator'), ...time, clockOriginMs }),
  ]);
  const children: ChildProcess[] = [];
  try {
    const runner = await startRunnerProcess({ dataDir: path.join(dir, 'runner'), settings: localAppSettings({ azurite, emulator }), children, clock: { timeScale: time.timeScale, originMs: clockOriginMs }, ...(entry ? { entry } : {}) });
    const cloud = { baseUrl: runner.baseUrl, functionKey: runner.functionKey, masterKey: runner.masterKey };
    const rg = 'rg-long-ops';
    const spec = { ...example, resourceGroup: rg, frontEnd: { loadBalancer: true, applicationGateway: { subnetPrefix: '10.0.2.0/24' } }, scaleSet: { ...example.scaleSet, overprovision: false } };
    const res = await fetch(`${cloud.baseUrl}/api/deployments`, { method: 'POST', headers: { 'x-functions-key': cloud.functionKey, 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const statusUrl = `${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}&showHistory=true`;
    const messages = new Set<string>();
    const problems: string[] = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      const s = (await (await fetch(statusUrl)).json()) as { runtimeStatus: string; output: unknown; customStatus?: { message?: string } | null; historyEvents?: Array<{ FailureDetails?: { ErrorType?: string; ErrorMessage?: string } }> };
      if (s.customStatus?.message) messages.add(s.customStatus.message);
      // An activity cut off at functionTimeout is a failure on Azure (the worker restarts), whatever a retry does next.
      const cutOff = (s.historyEvents ?? []).map((e) => e.FailureDetails).filter((f) => f?.ErrorType === 'FunctionTimeoutException');
      if (cutOff.length > 0) {
        problems.push(...cutOff.map((f) => `${f?.ErrorType}: ${f?.ErrorMessage}`));
        await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=cut-off&code=${cloud.masterKey}`, { method: 'POST' });
        return { runtimeStatus: s.runtimeStatus, output: s.output, problems, messages: [...messages] };
      }
      if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) {
        const report = s.output as { outcome?: string; totals?: { failed: number }; steps?: Array<{ name: string; durationMs: number }> } | null;
        if (s.runtimeStatus !== 'Completed') problems.push(`run ${s.runtimeStatus}: ${JSON.stringify(s.output)}`);
        else if (report?.outcome !== 'succeeded') problems.push(`outcome ${report?.outcome}`);
        const gateway = await testClients(emulator).network.applicationGateways.get(rg, 'agw-vmss-friday').catch((e: unknown) => ({ provisioningState: String(e) }));
        const state = (gateway as { provisioningState?: string }).provisioningState ?? (gateway as { properties?: { provisioningState?: string } }).properties?.provisioningState;
        if (state !== 'Succeeded') problems.push(`application gateway ${state}`);
        return { runtimeStatus: s.runtimeStatus, output: s.output, problems, messages: [...messages] };
      }
      if (Date.now() > deadline) throw new Error(`still ${s.runtimeStatus}: ${JSON.stringify(s.customStatus)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([azurite.close(), emulator.close()]);
  }
}

describe('an Application Gateway create longer than functionTimeout (Azure timing profile)', () => {
  it('completes and passes: the orchestration polls the create between durable timers and reports that it waits', async () => {
    const seen = await deployWithGateway();
    expect(seen.problems).toEqual([]);
    const frontEnd = (seen.output as { steps: Array<{ name: string; durationMs: number }> }).steps.find((s) => s.name === 'frontEnd');
    // The step really took Azure's time (orchestration time), longer than an activity may run.
    expect(frontEnd?.durationMs).toBeGreaterThan(FUNCTION_TIMEOUT_MS);
    expect(seen.messages.some((m) => /^waiting for create applicationGateway agw-vmss-friday: \d+ s so far, Azure asked to check again in \d+ s$/.test(m))).toBe(true);
  }, 240_000);

  it('the same flow with the old in-activity wait is cut off at functionTimeout — the check above fails on it', async () => {
    const seen = await deployWithGateway(inActivityWait);
    expect(seen.problems, JSON.stringify(seen.problems)).toContain('FunctionTimeoutException: Timeout value of 00:10:00 was exceeded by function: Functions.ensureTierStep');
  }, 240_000);
});
