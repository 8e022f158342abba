/** Offline consistency of the Bicep: parameters, module wiring, azd outputs, the role JSON. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, REPO } from '../support/infraChecks';

const infra = path.join(REPO, 'infra');
const read = (f: string): string => readFileSync(f, 'utf8');
const main = read(path.join(infra, 'main.bicep'));
// A parameter has a value when it has a default, or when azd generates it once (`@metadata({ azd: { type: 'generate' … } })` on a line above it).
const params = (text: string): Array<{ name: string; hasDefault: boolean }> =>
  [...text.matchAll(/((?:^@.*\n)*)^param (\w+) [\w.]+( =)?/gm)].map((m) => ({ name: m[2] ?? '', hasDefault: m[3] !== undefined || /azd: \{ type: 'generate'/.test(m[1] ?? '') }));

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
    // Every module declaration in main.bicep is one block here (the split missed none).
    expect(modules.map((b) => /^module (\w+)/.exec(b)?.[1])).toEqual([...main.matchAll(/^module (\w+) /gm)].map((m) => m[1]));
    expect(modules.map((b) => /^module (\w+)/.exec(b)?.[1])).toContain('functionApp');
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

const readInfra = (...parts: string[]): string => read(path.join(infra, ...parts));

/** `resource sym 'Type@version' … = … { … }` blocks of a Bicep file (up to the closing brace at column 0). */
function resources(text: string): Array<{ symbol: string; type: string; body: string }> {
  return [...text.matchAll(/^resource (\w+) '([^']+)'[^\n]*\{\n([\s\S]*?)\n\}(?:\])?$/gm)].map((m) => ({ symbol: m[1] ?? '', type: m[2] ?? '', body: m[3] ?? '' }));
}

/** Property names written in a resource body: strings and comments removed, then every `name:`. */
function propertyNames(body: string): string[] {
  const code = body.replace(/\/\/[^\n]*/g, '').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  return [...new Set([...code.matchAll(/([A-Za-z_]\w*)\s*:(?!:)/g)].map((m) => m[1] ?? ''))];
}

// Every property the network and Key Vault Bicep writes, by resource type and api-version, as the
// REST spec (azure-rest-api-specs) and the Bicep types generated from it name them. Envelope keys
// are the ARM resource's own (name, location, tags, sku, properties, parent, dependsOn).
const ENVELOPE = ['name', 'location', 'tags', 'sku', 'properties', 'parent', 'dependsOn', 'id'];
const SPEC_PROPERTIES: Record<string, { spec: string; properties: string[] }> = {
  'Microsoft.Network/virtualNetworks@2024-05-01': {
    spec: 'specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/virtualNetwork.json (VirtualNetworkPropertiesFormat, AddressSpace, Subnet, SubnetPropertiesFormat, Delegation, ServiceDelegationPropertiesFormat)',
    properties: ['addressSpace', 'addressPrefixes', 'subnets', 'addressPrefix', 'delegations', 'serviceName', 'natGateway', 'defaultOutboundAccess'],
  },
  'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01': {
    spec: 'specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/virtualNetwork.json (VirtualNetworkPeeringPropertiesFormat)',
    properties: ['remoteVirtualNetwork', 'allowVirtualNetworkAccess', 'allowForwardedTraffic', 'allowGatewayTransit', 'useRemoteGateways'],
  },
  'Microsoft.Network/natGateways@2024-05-01': {
    spec: 'specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/natGateway.json (NatGatewayPropertiesFormat, NatGatewaySku)',
    properties: ['publicIpAddresses', 'idleTimeoutInMinutes'],
  },
  'Microsoft.Network/publicIPAddresses@2024-05-01': {
    spec: 'specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/publicIpAddress.json (PublicIPAddressPropertiesFormat, PublicIPAddressSku)',
    properties: ['publicIPAllocationMethod'],
  },
  'Microsoft.KeyVault/vaults/secrets@2023-07-01': {
    spec: 'specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2023-07-01/secrets.json (SecretProperties)',
    properties: ['value'],
  },
};
// The same names as @azure/arm-network's serializers (generated from the REST spec) write them.
const SDK_SERIALIZERS: Record<string, string[]> = {
  'Microsoft.Network/virtualNetworks@2024-05-01': ['virtualNetworkPropertiesFormatSerializer', 'addressSpaceSerializer', 'subnetPropertiesFormatSerializer', 'serviceDelegationPropertiesFormatSerializer'],
  'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01': ['virtualNetworkPeeringPropertiesFormatSerializer'],
  'Microsoft.Network/natGateways@2024-05-01': ['natGatewayPropertiesFormatSerializer'],
  'Microsoft.Network/publicIPAddresses@2024-05-01': ['publicIPAddressPropertiesFormatSerializer'],
};

describe('infra/ for a real deployment (issue 18)', () => {
  it('generates the webhook token once (azd `generate`), never per provision, and accepts a previous token during a rotation; no instance password at all (issue 19)', () => {
    for (const file of filesUnder(infra, '.bicep')) expect(read(file), file).not.toMatch(/newGuid\(\)/);
    // Each scale set gets a generated admin password nobody keeps (src/azure/adminPassword.ts): none is provisioned.
    expect(main).not.toMatch(/param adminPassword/);
    for (const name of ['autoscaleWebhookToken']) {
      expect(main).toMatch(new RegExp(`@secure\\(\\)\\n@metadata\\(\\{ azd: \\{ type: 'generate'[^\\n]*\\n@description[^\\n]*\\nparam ${name} string\\n`));
    }
    expect(main).toMatch(/type: 'generate', config: \{ length: 48, noSpecial: true \}[^\n]*\n[^\n]*\nparam autoscaleWebhookToken string/);
    const parameters = JSON.parse(readInfra('main.parameters.json')) as { parameters: Record<string, { value: string }> };
    expect(parameters.parameters.adminPassword).toBeUndefined(); // no longer from an azd .env value
    expect(parameters.parameters.autoscaleWebhookTokenPrevious?.value).toBe('${FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS=}');
    expect(main).toMatch(/FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS: empty\(autoscaleWebhookTokenPrevious\) \? '' : '@Microsoft\.KeyVault\(SecretUri=\$\{vault\.outputs\.autoscaleWebhookTokenPreviousSecretUri\}\)'/);
    const vault = readInfra('app', 'keyvault.bicep');
    expect(vault).toMatch(/resource previousTokenSecret '[^']+' = if \(!empty\(autoscaleWebhookTokenPrevious\)\)/);
    // The app may write its per-scale-set secrets into the vault (Key Vault Secrets Officer) and knows where it is.
    expect(readInfra('app', 'app-access.bicep')).toContain("keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'");
    expect(main).toMatch(/FRIDAY_KEY_VAULT_URI: vault\.outputs\.uri/);
  });

  it('integrates the app with its own VNet (delegated subnet, NAT outbound) and peers it both ways with each listed tier VNet', () => {
    const network = readInfra('app', 'network.bicep');
    expect(network).toMatch(/delegations: \[\{ name: 'flex-consumption', properties: \{ serviceName: 'Microsoft\.App\/environments' \} \}\]/);
    expect(network).toMatch(/natGateway: \{ id: nat\.id \}/);
    expect(network).toMatch(/defaultOutboundAccess: false/);
    expect(main).toMatch(/integrationSubnetId: network\.outputs\.integrationSubnetId/);
    expect(readInfra('app', 'functionapp.bicep')).toMatch(/virtualNetworkSubnetId: empty\(integrationSubnetId\) \? null : integrationSubnetId/);
    const tier = readInfra('app', 'tier-network.bicep');
    const tierVnet = resources(tier).find((r) => r.type.startsWith('Microsoft.Network/virtualNetworks@'));
    // No subnets property: a redeploy keeps the subnets the tier deployment made.
    expect(propertyNames(tierVnet?.body ?? '')).not.toContain('subnets');
    expect(tier).toMatch(/remoteVirtualNetwork: \{ id: appVirtualNetworkId \}/);
    expect(main).toMatch(/module tierNetwork 'app\/tier-network\.bicep' = \{\n {2}name: 'tier-network'\n {2}scope: resourceGroup\(targetResourceGroupName\)/);
    expect(main).toMatch(/remoteVirtualNetwork: \{ id: tierNetwork\.outputs\.virtualNetworks\[i\]\.id \}[\s\S]*?dependsOn: \[network\]/);
    const parameters = JSON.parse(readInfra('main.parameters.json')) as { parameters: Record<string, { value: string }> };
    expect(parameters.parameters.tierVirtualNetworks?.value).toBe('${FRIDAY_TIER_VNETS=}');
  });

  it('orders provisioning: role assignments after what they are scoped to, the event subscription after the function on every azd up', () => {
    expect(main).toMatch(/module appAccess[\s\S]*?applicationInsightsName: monitoring\.outputs\.applicationInsightsName/);
    expect(main).toMatch(/module appAccess[\s\S]*?storageAccountName: storage\.outputs\.name[\s\S]*?keyVaultName: vault\.outputs\.name/);
    const parameters = JSON.parse(readInfra('main.parameters.json')) as { parameters: Record<string, { value: string }> };
    expect(parameters.parameters.createEventSubscription?.value).toBe('${FRIDAY_POSTDEPLOY_PROVISION=false}');
    const yaml = read(path.join(REPO, 'azure.yaml'));
    // Passed to that one provision through the process environment; never stored with `azd env set`.
    expect(yaml).not.toMatch(/azd env set/);
    expect(yaml).toMatch(/postdeploy:\n {4}posix:\n {6}shell: sh\n {6}run: FRIDAY_POSTDEPLOY_PROVISION=true azd provision --no-prompt/);
    expect(readInfra('app', 'eventgrid.bicep')).toMatch(/resource subscription '[^']+' = if \(createEventSubscription\)/);
  });

  it('makes schedules work in a deployment: the schedules blob is configured unless a document is given inline', () => {
    expect(main).toMatch(/FRIDAY_SCHEDULES: schedulesJson\n\s+FRIDAY_SCHEDULES_BLOB: empty\(schedulesJson\) \? schedulesBlobName : ''/);
    expect(main).toMatch(/param schedulesBlobName string = 'schedules\.json'/);
  });

  it('writes only properties the REST spec / Bicep types define for each network and Key Vault resource (named per type and api-version)', () => {
    const files = [readInfra('app', 'network.bicep'), readInfra('app', 'tier-network.bicep'), readInfra('app', 'keyvault.bicep'), main];
    const checked = new Set<string>();
    for (const r of files.flatMap(resources)) {
      const allowed = SPEC_PROPERTIES[r.type];
      if (!allowed) continue;
      checked.add(r.type);
      for (const name of propertyNames(r.body)) expect([...ENVELOPE, ...allowed.properties], `${r.symbol} (${r.type}, ${allowed.spec}) writes ${name}`).toContain(name);
    }
    expect([...checked].sort()).toEqual(Object.keys(SPEC_PROPERTIES).sort());
    // Cross-check the network names against @azure/arm-network's serializers, generated from the same spec.
    const models = read(require.resolve('@azure/arm-network').replace(/index\.js$/, path.join('models', 'common', 'models.js')));
    for (const [type, serializers] of Object.entries(SDK_SERIALIZERS)) {
      const source = serializers.map((fn) => new RegExp(`function ${fn}\\(item\\) \\{[\\s\\S]*?\\n\\}`).exec(models)?.[0] ?? '').join('\n');
      expect(source, type).not.toBe('');
      for (const name of SPEC_PROPERTIES[type]?.properties ?? []) expect(source.includes(`${name}:`), `${type}: ${name} in the SDK serializer`).toBe(true);
    }
  });
});
