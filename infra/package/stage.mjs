// Stages what is deployed into .deploy/api, leaving the developer's checkout as it is (no prune):
// the bundle (dist/app), host.json, package.json, the setup script, .funcignore, and production
// node_modules installed there with `npm ci --omit=dev` (from the npm cache when it can). azd zips
// this folder (azure.yaml `dist: .deploy/api`, run from the `prepackage` hook after `npm run build`);
// `func azure functionapp publish <app>` can be run in it too. Usage: node infra/package/stage.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const stage = path.join(root, '.deploy', 'api');
const copied = ['dist/app', 'host.json', 'package.json', 'package-lock.json', '.funcignore', 'infra/scripts/setup-friday.ps1'];

for (const entry of copied) {
  if (!existsSync(path.join(root, entry))) {
    console.error(`stage: ${entry} is missing${entry === 'dist/app' ? ' (run `npm run build` first)' : ''}`);
    process.exit(1);
  }
}
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const entry of copied) cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });

// npm runs this script with npm_execpath set; run that same npm through this Node (works on Windows too).
const npmCli = process.env.npm_execpath;
const [command, prefix] = npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
execFileSync(command, [...prefix, 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
  cwd: stage,
  stdio: 'inherit',
  shell: process.platform === 'win32' && prefix.length === 0,
});
console.log(`stage: ${path.relative(root, stage)} holds ${copied.filter((e) => e !== 'package-lock.json' && e !== '.funcignore').join(', ')} and production node_modules`);
