/** Offline consistency of the Bicep: parameters, module wiring, azd outputs, the role JSON. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, REPO } from '../support/infraChecks';

const infra = path.join(REPO, 'infra');
const read = (f: string): string => readFileSync(f, 'utf8');
const main = read(path.join(infra, 'main.bicep'));
const params = (text: string): Array<{ name: string; hasDefault: boolean }> =>
  [...text.matchAll(/^param (\w+) [\w.]+( =)?/gm)].map((m) => ({ name: m[1] ?? '', hasDefault: m[2] !== undefined }));

describe('infra/', () => {
  it('gives every main.bicep parameter a default or a value in main.parameters.json, and uses every parameter', () => {
    const values = Object.keys((JSON.parse(read(path.join(infra, 'main.parameters.json'))) as { parameters: Record<string, unknown> }).parameters);
    for (const p of params(main)) {
      expect(p.hasDefault || values.includes(p.name), `param ${p.name}`).toBe(true);
      expect(main.split(/\b/).filter((w) => w === p.name).length, `param ${p.name} is used`).toBeGreaterThan(1);
    }
    for (const v of values) expect(params(main).map((p) => p.name), `parameters.json names ${v}`).toContain(v);
  });

  it('passes each module exactly the parameters it declares (all required ones, no unknown ones)', () => {
    const modules = main.split(/\n(?=module )/).filter((b) => b.startsWith('module '));
    expect(modules.length).toBeGreaterThanOrEqual(7);
    for (const block of modules) {
      const [, name, file] = /^module (\w+) '([^']+)'/.exec(block) ?? [];
      const full = path.join(infra, file ?? '');
      expect(existsSync(full), full).toBe(true);
      const body = /params: \{([^\n]*?)\}\n|params: \{\n([\s\S]*?)\n {2}\}/.exec(block);
      const text = body?.[1] ?? body?.[2] ?? '';
      const given = new Set(body?.[1] !== undefined ? [...text.matchAll(/(\w+):/g)].map((x) => x[1] ?? '') : [...text.matchAll(/^\s{4}(\w+):/gm)].map((x) => x[1] ?? ''));
      const declared = params(read(full));
      for (const d of declared) if (!d.hasDefault) expect(given.has(d.name), `${name} needs ${d.name}`).toBe(true);
      for (const g of given) expect(declared.map((d) => d.name), `${name} does not declare ${g}`).toContain(g);
    }
  });

  it('loads the least-privilege role from JSON and assigns it on the target resource group only', () => {
    expect(main).toContain("loadJsonContent('role/friday-fleet-operator.json')");
    expect(main).toMatch(/module targetAccess 'app\/access\.bicep' = \{[\s\S]*?scope: resourceGroup\(targetResourceGroupName\)/);
    const access = read(path.join(infra, 'app', 'access.bicep'));
    expect(access).toContain('assignableScopes: [resourceGroup().id]');
    expect(access).not.toMatch(/subscription\(\)\.id/);
  });

  it('runs the app on Flex Consumption with Node 22 and identity-based storage, and filters Event Grid to scale sets', () => {
    const app = read(path.join(infra, 'app', 'functionapp.bicep'));
    expect(app).toMatch(/tier: 'FlexConsumption', name: 'FC1'/);
    expect(app).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(read(path.join(infra, 'app', 'storage.bicep'))).toContain('allowSharedKeyAccess: false');
    const events = read(path.join(infra, 'app', 'eventgrid.bicep'));
    expect(events).toContain("topicType: 'Microsoft.Resources.ResourceGroups'");
    expect(events).toContain("values: ['Microsoft.Compute/virtualMachineScaleSets']");
  });

  it('declares the outputs azure.yaml and the docs rely on, and contains no secret literals', () => {
    for (const output of ['AZURE_FUNCTION_APP_NAME', 'FUNCTION_APP_URL', 'AZURE_CLIENT_ID']) expect(main).toMatch(new RegExp(`^output ${output} `, 'm'));
    expect(existsSync(path.join(REPO, 'azure.yaml'))).toBe(true);
    for (const file of filesUnder(infra, '.bicep')) expect(read(file)).not.toMatch(/AccountKey=|password:\s*'[^'@$]/i);
  });
});
