/**
 * The deployed package, made the way `azd up` makes it (test/support/azdPackaging.ts: azd's step
 * order, its `npm run build --if-present`, its zip walk under go-gitignore semantics) from a copy
 * of this checkout, then unpacked into a folder with no access to the dev node_modules and loaded
 * on Node 22 with a stub `@azure/functions-core` (as the Functions worker provides it; see
 * local/runner/coreModule.ts): every function must register and every runtime dependency the
 * bundle requires — including the lazily loaded ones — must load from the package itself.
 *
 * On the seed's packaging (prepackage `npm ci && npm run build && npm prune --omit=dev`, a
 * .funcignore with unanchored names) this fails: azd's own build runs after the prune and finds
 * no `tsc`; and even built, the .funcignore drops node_modules/durable-functions/lib/src and the
 * like (the second test shows that part on its own, without npm).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azdPackage, azdZipEntries, CoreToolsIgnore, GoGitIgnore, readAzureYaml, type AzdPackageResult } from '../support/azdPackaging';
import { ACTIVITY, ORCHESTRATOR } from '../../src/functions/activities/names';
import { REPO } from '../support/infraChecks';

const node22 = path.join(REPO, 'node_modules', '.bin', 'node');
let work: string;
let project: string;
let packaged: AzdPackageResult;
let unpacked: string;

/** The checkout as a developer has it (tracked and new files, not ignored ones), with its installed node_modules hard-linked (a hook that pruned would not touch the real one). */
async function copyCheckout(to: string): Promise<void> {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(REPO, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    cpSync(from, path.join(to, file), { preserveTimestamps: true });
  }
  await promisify(execFile)('cp', ['-al', path.join(REPO, 'node_modules'), path.join(to, 'node_modules')]);
  // FRIDAY_PACKAGING_FROM_REV=<commit> packages with that commit's packaging files instead (e.g. the
  // seed's, cdd9db9, to watch this test fail on it); the hard-linked node_modules keeps a hook that
  // reinstalls or prunes away from the real one.
  const rev = process.env.FRIDAY_PACKAGING_FROM_REV;
  if (rev) {
    for (const file of ['azure.yaml', '.funcignore', 'package.json']) writeFileSync(path.join(to, file), execFileSync('git', ['show', `${rev}:${file}`], { cwd: REPO }));
  }
}

/** What the host does with the zip: the files, in a folder of their own. */
function unpack(from: string, entries: string[], to: string): void {
  for (const entry of entries) {
    mkdirSync(path.dirname(path.join(to, entry)), { recursive: true });
    writeFileSync(path.join(to, entry), readFileSync(path.join(from, entry))); // symlinks resolved, as rzip stores them
  }
}

interface LoadResult {
  registered: string[];
  required: Array<{ specifier: string; resolved?: string; error?: string }>;
  setupScript: boolean;
}

/** Loads an app folder on Node 22 with a stub `@azure/functions-core`, then requires every package the bundle requires (forcing the lazy loads). */
function loadApp(appRoot: string): LoadResult {
  const loader = path.join(work, 'load-app.cjs');
  writeFileSync(
    loader,
    `'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const registered = [];
class Disposable { constructor(cb) { this.cb = cb; } static from(...items) { return new Disposable(() => items.forEach((i) => i.dispose())); } dispose() { this.cb(); } }
let model;
const core = {
  version: 'packaging-test',
  registerFunction(metadata) { if (registered.includes(metadata.name)) throw new Error('registered twice: ' + metadata.name); registered.push(metadata.name); return new Disposable(() => {}); },
  registerHook: () => new Disposable(() => {}),
  setProgrammingModel: (m) => { model = m; },
  getProgrammingModel: () => model,
  log: () => {},
  Disposable,
};
const original = Module.prototype.require;
Module.prototype.require = function (id) { return id === '@azure/functions-core' ? core : original.call(this, id); };
const root = process.argv[2];
const main = path.join(root, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).main);
require(main);
const bundle = fs.readFileSync(main, 'utf8');
const specifiers = [...new Set([...bundle.matchAll(/\\brequire\\((["'])([^"'.][^"']*)\\1\\)/g)].map((m) => m[2]))]
  .filter((s) => !s.startsWith('node:') && !Module.builtinModules.includes(s) && s !== '@azure/functions-core').sort();
const fromApp = Module.createRequire(main);
const required = specifiers.map((specifier) => {
  try { fromApp(specifier); return { specifier, resolved: fromApp.resolve(specifier) }; }
  catch (e) { return { specifier, error: String(e && e.message).split('\\n')[0] }; }
});
const setupScript = fs.existsSync(path.join(root, 'infra', 'scripts', 'setup-friday.ps1'));
process.stdout.write('LOAD_RESULT ' + JSON.stringify({ registered: registered.sort(), required, setupScript }) + '\\n');
`,
  );
  // NODE_PATH empty and the folder in tmp: nothing outside it can satisfy a require.
  const res = spawnSync(node22, [loader, appRoot], { cwd: appRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_PATH: '', HOME: work } });
  const line = res.stdout.split('\n').find((l) => l.startsWith('LOAD_RESULT '));
  if (!line) throw new Error(`the app did not load from ${appRoot}: ${res.stderr.slice(0, 2000)}`);
  return JSON.parse(line.slice('LOAD_RESULT '.length)) as LoadResult;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    const full = path.join(dir, d.name);
    return d.isDirectory() || (d.isSymbolicLink() && statSync(full).isDirectory()) ? filesUnder(full, rel) : [rel];
  });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'friday-package-'));
  project = path.join(work, 'project');
  await copyCheckout(project);
  // azd runs with the developer's PATH; npm scripts put the project's Node 22 first themselves.
  packaged = await azdPackage({ projectRoot: project, env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' } });
  unpacked = path.join(work, 'wwwroot');
  unpack(packaged.packageRoot, packaged.entries, unpacked);
}, 900_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the package azd deploys', () => {
  it('is built without touching the checkout: azd order, no prune, no remote build', () => {
    expect(packaged.steps).toEqual(['restore: dependencies up to date', 'prepackage hook: npm run package:stage', 'npm run build --if-present', 'zip']);
    expect(packaged.remoteBuild).toBe(false);
    // The developer's dependencies are all still there (the seed's hook pruned them).
    for (const dev of ['typescript', 'esbuild', 'vitest', 'node']) expect(existsSync(path.join(project, 'node_modules', dev, 'package.json')), dev).toBe(true);
  });

  it('holds exactly the bundle, host.json, package.json, production node_modules and the setup script', () => {
    const top = new Set(packaged.entries.map((e) => (e.startsWith('node_modules/') ? 'node_modules/' : e.startsWith('dist/app/') ? 'dist/app/' : e)));
    expect([...top].sort()).toEqual(['dist/app/', 'host.json', 'infra/scripts/setup-friday.ps1', 'node_modules/', 'package.json']);
    expect(packaged.entries).toContain('dist/app/index.js');
    // Every file npm installed is in the zip: no ignore pattern reaches into node_modules.
    const installed = filesUnder(path.join(packaged.packageRoot, 'node_modules')).map((f) => `node_modules/${f}`);
    expect(packaged.entries.filter((e) => e.startsWith('node_modules/')).sort()).toEqual(installed.sort());
    // Production dependencies only: npm marked none of them dev, and the dev tools are absent.
    const lock = JSON.parse(readFileSync(path.join(packaged.packageRoot, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    expect(Object.entries(lock.packages).filter(([, p]) => p.dev).map(([name]) => name)).toEqual([]);
    for (const dev of ['typescript', 'esbuild', 'vitest', 'azurite', 'node', 'playwright-core']) expect(existsSync(path.join(unpacked, 'node_modules', dev)), dev).toBe(false);
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dependency of Object.keys(pkg.dependencies)) expect(existsSync(path.join(unpacked, 'node_modules', dependency, 'package.json')), dependency).toBe(true);
  });

  it('loads on Node 22 from the package alone: every function registers and every runtime dependency loads', () => {
    const reference = loadApp(project); // the same build with the dev node_modules: what must register
    const deployed = loadApp(unpacked);
    // Exactly the functions the sources declare: every activity and orchestrator the orchestrations
    // call by name, and every HTTP, timer and Event Grid function (a module left out of the entry
    // point, or a name called but never registered, shows here).
    const triggers = readdirSync(path.join(REPO, 'src', 'functions'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(path.join(REPO, 'src', 'functions', f), 'utf8').matchAll(/\bapp\.(?:http|timer|eventGrid)\('(\w+)'/g)].map((m) => m[1] ?? ''));
    expect(reference.registered).toEqual([...new Set([...Object.values(ACTIVITY), ...Object.values(ORCHESTRATOR), ...triggers])].sort());
    expect(deployed.registered).toEqual(reference.registered);
    expect(deployed.required.filter((r) => r.error)).toEqual([]);
    expect(deployed.required.map((r) => r.specifier)).toEqual(expect.arrayContaining(['@azure/arm-compute', '@azure/arm-network', '@azure/storage-blob', '@azure/identity', 'durable-functions', 'zod', 'luxon']));
    for (const r of deployed.required) expect(r.resolved?.startsWith(`${unpacked}${path.sep}`), `${r.specifier} → ${r.resolved}`).toBe(true);
    expect(deployed.setupScript).toBe(true);
  });
});

describe('.funcignore', () => {
  const current = readFileSync(path.join(REPO, '.funcignore'), 'utf8');
  // The seed's .funcignore (before issue 18), kept here to show what its patterns did to node_modules.
  const seed = ['.git*', '.vscode', '.local', '.ci/', 'local/', 'test/', 'bench/', 'docs/', 'examples/', 'dist/src/', 'dist/local/', 'dist/test/', 'dist/bench/', 'src/', '*.ts', '*.map', 'infra/*.bicep', 'infra/*.json', 'infra/app/', 'infra/role/', 'infra/README.md'].join('\n');

  it('under go-gitignore, the seed patterns dropped runtime code deep in node_modules; the anchored ones drop nothing there', () => {
    const nodeModules = packaged.entries.filter((e) => e.startsWith('node_modules/'));
    const droppedBy = (content: string): string[] => {
      const ignore = new GoGitIgnore(content);
      return nodeModules.filter((file) => {
        const parts = file.split('/');
        // An excluded folder is never entered: check each ancestor as a directory, then the file.
        return parts.some((_, i) => ignore.relative(parts.slice(0, i + 1).join('/'), i < parts.length - 1)?.ignore === true);
      });
    };
    const seedDropped = droppedBy(seed);
    expect(seedDropped.some((f) => f.startsWith('node_modules/durable-functions/lib/src/'))).toBe(true);
    expect(seedDropped.some((f) => /^node_modules\/@azure\/storage-blob\/dist\/commonjs\/generated\/src\//.test(f))).toBe(true);
    expect(droppedBy(current)).toEqual([]);
  });

  it('keeps node_modules in for azd (remoteBuild: false) and reads the same for Core Tools in the staged folder', () => {
    expect(new GoGitIgnore(current).relative('node_modules', true)).toBeUndefined();
    expect(readAzureYaml(REPO).services.api?.remoteBuild).toBe(false);
    // `func azure functionapp publish` run in .deploy/api: the same files as azd's zip (it keeps the ignore file itself out of nothing, so compare without it).
    const core = new CoreToolsIgnore(current);
    const staged = filesUnder(packaged.packageRoot).filter((f) => !core.denies(f) && f !== '.funcignore');
    expect(staged.sort()).toEqual([...packaged.entries].sort());
  });

  it('go-gitignore quirks the patterns avoid: unanchored names match at any depth, anchored wildcards cross "/"', () => {
    expect(new GoGitIgnore('src/').relative('node_modules/debug/src', true)?.ignore).toBe(true);
    expect(new GoGitIgnore('/src').relative('node_modules/debug/src', true)).toBeUndefined();
    expect(new GoGitIgnore('/*.ts').relative('node_modules/x/y.ts', false)?.ignore).toBe(true);
    expect(new GoGitIgnore('infra/*.json').relative('node_modules/infra/a.json', false)).toBeUndefined();
    expect(new GoGitIgnore('a/**/b').relative('a/x/y/b', false)?.ignore).toBe(true);
    expect(new GoGitIgnore('*.map\n!keep.map').relative('dist/keep.map', false)?.ignore).toBe(false);
    // the walk never enters an excluded folder and drops local.settings.json and the ignore file itself
    const dir = mkdtempSync(path.join(tmpdir(), 'friday-walk-'));
    for (const f of ['a/b.txt', 'skip/c.txt', 'local.settings.json', '.funcignore', '.azure/x']) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), f === '.funcignore' ? '/skip\n' : 'x');
    }
    expect(azdZipEntries(dir)).toEqual(['a/b.txt']);
    rmSync(dir, { recursive: true, force: true });
  });
});
