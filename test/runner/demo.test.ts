/**
 * `npm run demo -- --exit` (the README's main job, stopping after the report): its exit code is 0
 * only when the deployment succeeded with every instance passing, and non-zero otherwise. It runs
 * on Azure's time and says so as it goes: progress while it waits for the scale set's create (its
 * Azure minutes passing), each step's Azure time, and the whole in Azure and in real time. (How
 * long it takes in real time is a figure, not asserted here.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, requireFreshBuild } from '../support/freshBuild';

requireFreshBuild('dist/local/demo/deploy.js');
const entry = path.join(repoRoot, 'dist', 'local', 'demo', 'deploy.js');

/** Runs the built demo in a scratch directory (it keeps its data under ./.local/demo). */
function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'friday-demo-'));
  const child = spawn(process.execPath, [entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run demo -- --exit', () => {
  it('exits 0 after the report when every instance passed', async () => {
    const run = await demo(['--exit']);
    expect(run.stdout, run.stderr).toMatch(/Result: SUCCEEDED — 3\/3 instances passed/);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Progress while the scale set's create takes its Azure minutes (VM + extension: over four).
    expect(run.stdout).toMatch(/waiting for create virtualMachineScaleSet vmss-friday: 4 min \(Azure time\) so far/);
    const scaleSetStep = /scaleSet \(1 write, (\d+) min/.exec(run.stdout);
    expect(Number(scaleSetStep?.[1]), run.stdout).toBeGreaterThanOrEqual(4);
    expect(run.stdout).toMatch(/Azure time \d+ min( \d+ s)? in [\d.]+ s of real time\./);
  }, 120_000);

  it('exits non-zero when the deployment does not succeed (a refused spec), and 2 on a missing spec file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'friday-demo-spec-'));
    const refused = path.join(dir, 'bad.json');
    writeFileSync(refused, JSON.stringify({ resourceGroup: 'rg-demo', scaleSet: { name: 'vmss-friday', capacity: 5000 } }));
    const bad = await demo([refused, '--exit']);
    expect(bad.stdout).toContain('The spec was refused');
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    const missing = await demo([path.join(dir, 'nothing-here.json'), '--exit']);
    expect(missing.stderr).toContain('spec file not found');
    expect(missing.code).toBe(2);
  }, 120_000);
});
