/**
 * Process-level tests run the built code in dist/ (a separate process cannot load TypeScript). A
 * missing dist/ used to skip them silently and an old one ran yesterday's code: both looked green.
 * These tests call `requireFreshBuild` at load time, so the file fails loudly instead.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Sources that end up in dist/ (tsc compiles them; esbuild bundles src/ into dist/app/index.js). */
const SOURCE_DIRS = ['src', 'local', path.join('test', 'fixtures'), 'bench'];
const BUILD_INPUTS = ['tsconfig.json'];

function newestSource(dir: string): { file: string; mtimeMs: number } | undefined {
  if (!existsSync(dir)) return undefined;
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestSource(full) : /\.ts$/.test(entry.name) ? { file: full, mtimeMs: statSync(full).mtimeMs } : undefined;
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/**
 * What is wrong with the build for these entry points (repository-relative paths under dist/):
 * missing, or older than a source file changed since. Undefined when the build is fresh.
 */
export function buildProblem(entries: string[], root = repoRoot): string | undefined {
  const outputs = [path.join('dist', 'app', 'index.js'), ...entries];
  const missing = outputs.filter((e) => !existsSync(path.join(root, e)));
  if (missing.length > 0) return `${missing.join(', ')} missing: run \`npm run build\` first (npm test does).`;
  const oldest = Math.min(...outputs.map((e) => statSync(path.join(root, e)).mtimeMs));
  const sources = [...SOURCE_DIRS.map((d) => newestSource(path.join(root, d))), ...BUILD_INPUTS.map((f) => ({ file: path.join(root, f), mtimeMs: statSync(path.join(root, f)).mtimeMs }))];
  const newest = sources.reduce<{ file: string; mtimeMs: number } | undefined>((a, b) => (b && (!a || b.mtimeMs > a.mtimeMs) ? b : a), undefined);
  if (newest && newest.mtimeMs > oldest) return `dist/ is older than ${path.relative(root, newest.file)}: this test would run stale code. Run \`npm run build\` first (npm test does).`;
  return undefined;
}

/** Throws (failing the test file) unless the built entry points exist and are newer than every source. */
export function requireFreshBuild(...entries: string[]): void {
  const problem = buildProblem(entries);
  if (problem) throw new Error(problem);
}

/** A test file runs built code when it starts the runner (in process or as a child) or names dist/. */
export function runsBuiltCode(testSource: string): boolean {
  return /from '(?:\.\.\/)+local\/(?:cli\/localCloud|runner)'|support\/runnerProcess'|, 'dist', /.test(testSource);
}
