/** The guard that makes process-level and end-to-end tests fail on a missing or stale dist/. */
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProblem, runsBuiltCode } from '../support/freshBuild';

function tree(files: Record<string, number>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'friday-build-'));
  for (const [file, seconds] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
    utimesSync(path.join(root, file), seconds, seconds);
  }
  return root;
}

describe('the fresh-build guard', () => {
  it('names what is missing, what is newer than the build, and passes a fresh build', () => {
    const sources = { 'tsconfig.json': 100, 'src/a.ts': 100, 'local/runner/main.ts': 100 };
    expect(buildProblem(['dist/local/runner/main.js'], tree(sources))).toMatch(/^dist\/app\/index\.js, dist\/local\/runner\/main\.js missing: run `npm run build`/);
    expect(buildProblem(['dist/local/runner/main.js'], tree({ ...sources, 'dist/app/index.js': 200, 'dist/local/runner/main.js': 200 }))).toBeUndefined();
    expect(buildProblem(['dist/local/runner/main.js'], tree({ ...sources, 'local/runner/main.ts': 300, 'dist/app/index.js': 200, 'dist/local/runner/main.js': 200 }))).toMatch(/^dist\/ is older than local\/runner\/main\.ts/);
    expect(buildProblem([], tree({ ...sources, 'test/fixtures/app.ts': 300, 'dist/app/index.js': 200 }))).toMatch(/older than test\/fixtures\/app\.ts/);
  });

  it('applies to test files that start the runner or name dist/, not to pure unit tests', () => {
    // Built from parts, so this file's own text does not look like a test that runs built code.
    const q = "'";
    expect(runsBuiltCode(`import { startLocalCloud } from ${q}../../local/cli/localCloud${q};`)).toBe(true);
    expect(runsBuiltCode(`import { startRunner } from ${q}../../local/runner${q};`)).toBe(true);
    expect(runsBuiltCode(`import { startRunnerProcess } from ${q}../support/runnerProcess${q};`)).toBe(true);
    expect(runsBuiltCode(`const entry = path.join(root, ${q}dist${q}, 'local', 'emulator', 'main.js');`)).toBe(true);
    expect(runsBuiltCode(`import { startEmulator } from ${q}../../local/emulator${q};`)).toBe(false);
    expect(runsBuiltCode(readFileSync(__filename, 'utf8'))).toBe(false);
  });
});
