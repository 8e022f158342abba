/**
 * Kill the runner process (SIGKILL) in the middle of an orchestration, start it again on the same
 * data directory: the orchestration completes, and every activity that had completed before the
 * kill is not run again (its result comes from the persisted history) — only the step whose result
 * was not yet saved when the process died may run twice (at-least-once).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../support/freshBuild';
import { startRunnerProcess, type RunnerProcess } from '../support/runnerProcess';

const repoRoot = path.resolve(__dirname, '..', '..');
const fixtureEntry = path.join(repoRoot, 'dist', 'test', 'fixtures', 'durable-app', 'index.js');
const children: ChildProcess[] = [];
requireFreshBuild('dist/local/runner/main.js', 'dist/test/fixtures/durable-app/index.js');

function startProcess(dataDir: string, fixtureDir: string): Promise<RunnerProcess> {
  return startRunnerProcess({ dataDir, entry: fixtureEntry, settings: { FIXTURE_DIR: fixtureDir, TASK_HUB_NAME: 'crashhub' }, children });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('a runner killed mid-orchestration', () => {
  it('resumes after restart and uses each completed activity result once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'friday-crash-'));
    const fixtureDir = mkdtempSync(path.join(tmpdir(), 'friday-crash-fx-'));
    const first = await startProcess(dataDir, fixtureDir);
    const started = await fetch(`${first.baseUrl}/api/start/slowSequence/crash-run`, { method: 'POST', headers: { 'x-functions-key': first.functionKey }, body: JSON.stringify('run1') });
    expect(started.status).toBe(202);
    const log = path.join(fixtureDir, 'steps-run1.log');
    // Wait until some (not all) of the six steps completed, then kill -9.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (!existsSync(log) || readFileSync(log, 'utf8').trim().split('\n').length < 2)) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const doneBeforeKill = readFileSync(log, 'utf8').trim().split('\n').length;
    expect(doneBeforeKill).toBeGreaterThanOrEqual(2);
    expect(doneBeforeKill).toBeLessThan(6);

    const second = await startProcess(dataDir, fixtureDir);
    let status: { runtimeStatus: string; output: unknown } = { runtimeStatus: 'Pending', output: null };
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const res = await fetch(`${second.baseUrl}/_rpc/durabletask/instances/crash-run`);
      status = (await res.json()) as typeof status;
      if (status.runtimeStatus === 'Completed' || status.runtimeStatus === 'Failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual([10, 20, 30, 40, 50, 60]);
    const steps = readFileSync(log, 'utf8').trim().split('\n').map(Number);
    // At-least-once, exactly: the steps run one after another, and a step logs its line before its
    // result is saved, so the kill may fall between the two for the last step logged before it —
    // that one step (and no other) may run a second time. Every other step ran exactly once.
    const inOrder = [1, 2, 3, 4, 5, 6];
    const lastBeforeKill = doneBeforeKill;
    const allowed = [inOrder, [...inOrder.slice(0, lastBeforeKill), lastBeforeKill, ...inOrder.slice(lastBeforeKill)]];
    expect(allowed.map((a) => a.join(','))).toContain(steps.join(','));
    second.child.kill('SIGTERM');
  });
});
