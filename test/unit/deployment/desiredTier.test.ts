import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredTier, type TierContext } from '../../../src/domain/deployment/desiredTier';
import { differences } from '../../../src/domain/deployment/diff';
import { planCapacity, planDeployment, planResource } from '../../../src/domain/deployment/plan';
import { parseDeploymentSpec, type DeploymentSpec } from '../../../src/domain/deployment/spec';
import { changeInstanceId } from '../../../src/domain/changeLock';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '../../../examples/deployment.json'), 'utf8')) as Record<string, unknown>;
const specOf = (overrides: Record<string, unknown> = {}): DeploymentSpec => {
  const r = parseDeploymentSpec({ ...example, ...overrides });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.value;
};
const ctx: TierContext = { subscriptionId: 'sub-1', adminUsername: 'fridayadmin', setupCommand: 'powershell -ExecutionPolicy Unrestricted -File setup-friday-abcd1234.ps1' };
type Rule = { name: string; destinationPortRange: string; sourceAddressPrefix: string };

describe('desiredTier', () => {
  it('orders resources so each exists before it is referenced', () => {
    const kinds = desiredTier(specOf(), ctx).map((r) => `${r.step}:${r.kind}`);
    expect(kinds).toEqual([
      'resourceGroup:resourceGroup',
      'network:networkSecurityGroup',
      'network:publicIPAddress',
      'network:natGateway',
      'network:virtualNetwork',
      'frontEnd:publicIPAddress',
      'frontEnd:loadBalancer',
      'scaleSet:virtualMachineScaleSet',
    ]);
  });

  it('opens 80 and 443, and RDP only from the configured prefix', () => {
    const rules = (rdp?: string) => (desiredTier(specOf(), { ...ctx, rdpSourcePrefix: rdp })[1]?.body.securityRules ?? []) as Rule[];
    expect(rules().map((r) => r.destinationPortRange)).toEqual(['80', '443']);
    const withRdp = rules('203.0.113.0/24').find((r) => r.name === 'allow-rdp');
    expect(withRdp).toMatchObject({ destinationPortRange: '3389', sourceAddressPrefix: '203.0.113.0/24' });
  });

  it('builds the scale set with zones, an empty data disk, the LB pool and NAT pool, and the script command (no secrets)', () => {
    const vmss = desiredTier(specOf(), ctx).find((r) => r.kind === 'virtualMachineScaleSet');
    const body = JSON.stringify(vmss?.body);
    expect(vmss?.body).toMatchObject({ zones: ['1', '2', '3'], sku: { name: 'Standard_D2ds_v5', capacity: 3 }, upgradePolicy: { mode: 'Manual' } });
    expect(body).toContain('"createOption":"Empty"');
    expect(body).toContain('/backendAddressPools/web');
    expect(body).toContain('/inboundNatPools/rdp');
    expect(body).toContain('setup-friday-abcd1234.ps1');
    expect(body).not.toMatch(/adminPassword|protectedSettings|sig=/);
  });

  it('adds the health probe for Rolling, an Application Gateway with its own subnet when asked, and fault domains instead of zones', () => {
    const rolling = desiredTier(specOf({ scaleSet: { ...(example.scaleSet as object), upgradePolicy: { mode: 'Rolling' } } }), ctx).find((r) => r.kind === 'virtualMachineScaleSet');
    expect(JSON.stringify(rolling?.body)).toContain('"healthProbe"');
    const agw = desiredTier(specOf({ frontEnd: { loadBalancer: true, applicationGateway: {} } }), ctx);
    expect(agw.some((r) => r.kind === 'applicationGateway')).toBe(true);
    expect(JSON.stringify(agw.find((r) => r.kind === 'virtualNetwork')?.body)).toContain('snet-appgw');
    const fd = desiredTier(specOf({ scaleSet: { ...(example.scaleSet as object), zones: undefined, faultDomainCount: 3 } }), ctx).find((r) => r.kind === 'virtualMachineScaleSet');
    expect(fd?.body).toMatchObject({ platformFaultDomainCount: 3 });
    expect(fd?.body.zones).toBeUndefined();
  });
});

describe('differences and planning', () => {
  it('treats ARM read-only extras as no change, compares ids case-insensitively and named arrays by name', () => {
    const desired = { location: 'koreacentral', securityRules: [{ name: 'a', priority: 100 }], subnet: { id: '/Subscriptions/S/x' } };
    const actual = { id: '/x', etag: 'W/"1"', provisioningState: 'Succeeded', location: 'koreacentral', securityRules: [{ name: 'A', priority: 100, id: '/r/a' }], subnet: { id: '/subscriptions/s/X' } };
    expect(differences(desired, actual)).toEqual([]);
    expect(differences({ securityRules: [{ name: 'a', priority: 200 }] }, actual)).toEqual(['securityRules[a].priority: 100 → 200']);
    expect(differences({ securityRules: [] }, actual)).toEqual(['securityRules[A]: not wanted']);
    expect(differences({ zones: ['1', '2'] }, { zones: ['2', '1'] })).toEqual([]);
  });

  it('plans creates for what is missing, updates with reasons, nothing when all matches', () => {
    const tier = desiredTier(specOf(), ctx);
    const nothing = planDeployment(tier, new Map());
    expect(nothing.every((w) => w.action === 'create' && w.reason === 'does not exist')).toBe(true);
    const everything = new Map(tier.map((r) => [r.id.toLowerCase(), structuredClone(r.body)]));
    expect(planDeployment(tier, everything)).toEqual([]);
    const vmss = tier.find((r) => r.kind === 'virtualMachineScaleSet');
    if (!vmss) throw new Error('no scale set');
    // A different capacity is the scale step's business, not a model update…
    expect(planResource(vmss, { ...structuredClone(vmss.body), sku: { name: 'Standard_D2ds_v5', tier: 'Standard', capacity: 7 } })).toBeUndefined();
    // …but a different VM size is.
    expect(planResource(vmss, { ...structuredClone(vmss.body), sku: { name: 'Standard_B2s', tier: 'Standard', capacity: 3 } })?.reason).toContain('sku.name: "Standard_B2s" → "Standard_D2ds_v5"');
    expect(planCapacity('vmss', 7, 3)?.reason).toBe('capacity 7 → 3');
    expect(planCapacity('vmss', 3, 3)).toBeUndefined();
  });

  it('gives each scale set one stable change lock id', () => {
    const a = changeInstanceId({ subscriptionId: '0000AAAA-1111', resourceGroup: 'RG-Friday', scaleSetName: 'vmss_1' });
    expect(a).toMatch(/^friday-change-rg-friday-vmss-1-[0-9a-f]{20}$/);
    expect(changeInstanceId({ subscriptionId: '0000aaaa-1111', resourceGroup: 'rg-friday', scaleSetName: 'vmss_1' })).toBe(a);
  });
});
