/**
 * Benchmark 5: cold start of the deployed entry point (package.json `main`) against a bare
 * `@azure/functions` hello-world, measured in the same run, in fresh processes, alternating so
 * that disk cache and CPU state favour neither. Figures are medians.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ColdStartSample {
  importMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  registrations: number;
}

export interface ColdStartResult {
  runs: number;
  app: ColdStartSample;
  helloWorld: ColdStartSample;
  /** Import time of the app / import time of hello-world. Target ≤ 2. */
  coldStartRatio: number;
  /** Heap after import of the app / of hello-world. Target ≤ 2. */
  memoryRatio: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function sample(repoRoot: string, entry: string): ColdStartSample {
  const child = path.join(repoRoot, 'dist', 'bench', 'coldStartChild.js');
  const out = execFileSync(process.execPath, ['--expose-gc', child, entry], { cwd: repoRoot, encoding: 'utf8' });
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as ColdStartSample;
}

function medianSample(samples: ColdStartSample[]): ColdStartSample {
  return {
    importMs: median(samples.map((s) => s.importMs)),
    rssBytes: median(samples.map((s) => s.rssBytes)),
    heapUsedBytes: median(samples.map((s) => s.heapUsedBytes)),
    registrations: samples[0]?.registrations ?? 0,
  };
}

export function measureColdStart(options: { repoRoot: string; runs?: number }): ColdStartResult {
  const runs = options.runs ?? 15;
  const pkg = JSON.parse(readFileSync(path.join(options.repoRoot, 'package.json'), 'utf8')) as { main: string };
  const appEntry = path.join(options.repoRoot, pkg.main);
  const helloEntry = path.join(options.repoRoot, 'dist', 'bench', 'fixtures', 'helloWorld.js');
  const appSamples: ColdStartSample[] = [];
  const helloSamples: ColdStartSample[] = [];
  for (let i = 0; i < runs; i++) {
    helloSamples.push(sample(options.repoRoot, helloEntry));
    appSamples.push(sample(options.repoRoot, appEntry));
  }
  const app = medianSample(appSamples);
  const helloWorld = medianSample(helloSamples);
  return {
    runs,
    app,
    helloWorld,
    coldStartRatio: app.importMs / helloWorld.importMs,
    memoryRatio: app.heapUsedBytes / helloWorld.heapUsedBytes,
  };
}

if (require.main === module) {
  const result = measureColdStart({ repoRoot: path.resolve(__dirname, '..', '..') });
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(`cold start (median of ${result.runs} fresh processes)`);
  console.log(`  hello-world: ${result.helloWorld.importMs.toFixed(1)} ms, heap ${mb(result.helloWorld.heapUsedBytes)} MiB, ${result.helloWorld.registrations} function(s)`);
  console.log(`  friday-fleet: ${result.app.importMs.toFixed(1)} ms, heap ${mb(result.app.heapUsedBytes)} MiB, ${result.app.registrations} function(s)`);
  console.log(`  coldStartRatio ${result.coldStartRatio.toFixed(2)} (target ≤ 2), memoryRatio ${result.memoryRatio.toFixed(2)}`);
}
