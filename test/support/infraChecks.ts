/**
 * Offline checks of infra/ (the Bicep compiler cannot be installed here): which app settings the
 * code reads versus what the Bicep and the sample settings define, Bicep parameters and module
 * wiring, and the least-privilege role versus the actions the code was seen to perform.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');

export function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full, ext);
    return full.endsWith(ext) ? [full] : [];
  });
}

/** Setting names a source text reads from the environment. */
export function settingsReadBy(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) if (m[1]) names.add(m[1]);
  for (const m of source.matchAll(/process\.env\[['"]([A-Za-z_][A-Za-z0-9_]*)['"]\]/g)) if (m[1]) names.add(m[1]);
  return [...names];
}

/** Keys of the `var appSettings = { … }` object in main.bicep. */
export function bicepAppSettings(mainBicep: string): string[] {
  const block = /var appSettings = \{([\s\S]*?)\n\}/.exec(mainBicep)?.[1] ?? '';
  return [...block.matchAll(/^\s+([A-Za-z_][A-Za-z0-9_]*):/gm)].map((m) => m[1] ?? '');
}

/** Settings the code reads that neither the Bicep nor the sample file defines. */
export function undefinedSettings(read: string[], options: { bicep: string[]; sample: string[]; hostProvided: string[] }): string[] {
  const defined = new Set([...options.hostProvided, ...options.bicep.filter((b) => options.sample.includes(b) || options.hostProvided.includes(b))]);
  return read.filter((name) => !(options.bicep.includes(name) && options.sample.includes(name)) && !defined.has(name)).sort();
}

export interface RoleDefinition {
  Actions: string[];
  NotActions: string[];
  DataActions: string[];
  NotDataActions: string[];
}

/** Compares the role with observed actions: what is missing (used but not allowed) and what is unused. */
export function compareRole(role: RoleDefinition, observed: string[], expectedDataActions: string[]): { missing: string[]; unused: string[]; wildcards: string[] } {
  const allowed = new Set(role.Actions.map((a) => a.toLowerCase()));
  const missing = observed.filter((a) => !allowed.has(a.toLowerCase())).sort();
  const seen = new Set([...observed, ...expectedDataActions].map((a) => a.toLowerCase()));
  const unused = [...role.Actions, ...role.DataActions].filter((a) => !seen.has(a.toLowerCase())).sort();
  const missingData = expectedDataActions.filter((a) => !role.DataActions.concat(role.Actions).map((x) => x.toLowerCase()).includes(a.toLowerCase()));
  const wildcards = [...role.Actions, ...role.NotActions, ...role.DataActions, ...role.NotDataActions].filter((a) => a.includes('*'));
  return { missing: [...missing, ...missingData].sort(), unused, wildcards };
}
