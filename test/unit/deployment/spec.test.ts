import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeploymentSpec } from '../../../src/domain/deployment/spec';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '../../../examples/deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const withScaleSet = (scaleSet: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({ ...example, ...rest, scaleSet: { ...example.scaleSet, ...scaleSet } });

describe('parseDeploymentSpec', () => {
  it('accepts the README example and fills defaults', () => {
    const result = parseDeploymentSpec(example);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.scaleSet.capacity).toBe(3);
    expect(result.value.scaleSet.upgradePolicy.maxBatchInstancePercent).toBe(20);
    expect(result.value.rdp.allowFromAnywhere).toBe(false);
    expect(result.value.dryRun).toBe(false);
  });

  it.each([
    [{ capacity: 1001 }, 'scaleSet.capacity'],
    [{ capacity: -1 }, 'scaleSet.capacity'],
    [{ vmSize: 'D2s_v5' }, 'scaleSet.vmSize'],
    [{ computerNamePrefix: 'averyveryverylong' }, 'scaleSet.computerNamePrefix'],
    [{ computerNamePrefix: '9lives' }, 'scaleSet.computerNamePrefix'],
    [{ zones: ['4'] }, 'scaleSet.zones.0'],
    [{ zones: ['1'], faultDomainCount: 2 }, 'scaleSet.faultDomainCount'],
    [{ upgradePolicy: { mode: 'Sometimes' } }, 'scaleSet.upgradePolicy.mode'],
    [{ dataDiskSizeGB: 0 }, 'scaleSet.dataDiskSizeGB'],
  ])('rejects scaleSet %j naming %s', (scaleSet, pathText) => {
    const result = parseDeploymentSpec(withScaleSet(scaleSet));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.join('\n')).toContain(pathText);
  });

  it('lists every problem at once, including unknown keys', () => {
    const result = parseDeploymentSpec({ resourceGroup: '', location: 'Korea Central', scaleSet: { name: 'x' }, surprise: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    for (const p of ['resourceGroup', 'location', 'scaleSet.vmSize', 'scaleSet.capacity', 'surprise']) expect(text).toContain(p);
  });

  it('never opens RDP to the internet unless the spec says so explicitly', () => {
    const open = parseDeploymentSpec({ ...example, rdp: { sourcePrefix: '*' } });
    expect(open.ok).toBe(false);
    if (!open.ok) expect(open.problems[0]).toContain('allowFromAnywhere');
    expect(parseDeploymentSpec({ ...example, rdp: { sourcePrefix: '*', allowFromAnywhere: true } }).ok).toBe(true);
    expect(parseDeploymentSpec({ ...example, rdp: { sourcePrefix: '203.0.113.0/24' } }).ok).toBe(true);
    expect(parseDeploymentSpec({ ...example, rdp: { sourcePrefix: 'my office' } }).ok).toBe(false);
  });

  it.each([
    ['0.0.0.0/1', /opens RDP to 2\^31 addresses.*allowFromAnywhere/],
    ['128.0.0.0/1', /opens RDP to 2\^31 addresses.*allowFromAnywhere/],
    ['0.0.0.0/0', /opens RDP to 2\^32 addresses/],
    ['10.0.0.0/7', /wider than a \/8/],
    ['Internet', /the whole internet/],
    ['any', /the whole internet/],
    ['999.999.999.999/99', /octet above 255/],
    ['10.0.0.1/8', /host bits set/],
    ['1.2.3.4/33', /prefix length above 32/],
  ])('refuses RDP from %s without allowFromAnywhere', (sourcePrefix, message) => {
    const result = parseDeploymentSpec({ ...example, rdp: { sourcePrefix } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(message);
  });

  it('accepts a /8 or narrower, or a single address, for RDP; wider only with allowFromAnywhere', () => {
    for (const sourcePrefix of ['10.0.0.0/8', '203.0.113.7', '203.0.113.7/32']) expect(parseDeploymentSpec({ ...example, rdp: { sourcePrefix } }).ok, sourcePrefix).toBe(true);
    expect(parseDeploymentSpec({ ...example, rdp: { sourcePrefix: '0.0.0.0/1', allowFromAnywhere: true } }).ok).toBe(true);
    // allowFromAnywhere never makes a malformed prefix acceptable.
    expect(parseDeploymentSpec({ ...example, rdp: { sourcePrefix: '999.999.999.999/99', allowFromAnywhere: true } }).ok).toBe(false);
  });

  it.each([
    [{ resourceGroup: '..' }, "resourceGroup: '..' is not a resource group name: letters, digits, _ - . ( ) only, not ending with a period"],
    [{ resourceGroup: 'rg/../other' }, "resourceGroup: 'rg/../other' is not a resource group name"],
    [{ resourceGroup: 'rg-friday.' }, 'not ending with a period'],
    [{ resourceGroup: 'x'.repeat(91) }, '1–90 characters (has 91)'],
    [{ resourceGroup: 'rg friday' }, 'is not a resource group name'],
    [{ resourceGroup: 'rg%2Fx' }, 'is not a resource group name'],
    [{ network: { vnetName: 'v' } }, "network.vnetName: 'v' is not a virtual network name: 2–64 characters (has 1)"],
    [{ network: { vnetName: 'vnet-' } }, 'network.vnetName'],
    [{ network: { subnetName: '_snet' } }, 'network.subnetName'],
    [{ scaleSet: { ...example.scaleSet, name: 'vmss.' } }, "scaleSet.name: 'vmss.' is not a scale set name"],
    [{ scaleSet: { ...example.scaleSet, name: 'vmss#1' } }, 'scaleSet.name'],
    [{ scaleSet: { ...example.scaleSet, name: 'v'.repeat(65) } }, '1–64 characters (has 65)'],
  ] as Array<[Record<string, unknown> & { network?: object }, string]>)('refuses names Azure refuses: %j', (change, message) => {
    const spec = { ...example, ...change, ...(change.network ? { network: { ...(example.network as object), ...change.network } } : {}) };
    const result = parseDeploymentSpec(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(message);
  });

  it('accepts names Azure accepts, Unicode letters and parentheses in a resource group included', () => {
    for (const resourceGroup of ['rg-friday', 'RG_Friday.prod', 'rg(prod)', 'rg-東京', '-']) expect(parseDeploymentSpec({ ...example, resourceGroup }).ok, resourceGroup).toBe(true);
    expect(parseDeploymentSpec({ ...example, scaleSet: { ...example.scaleSet, name: 'vmss_web.01_' } }).ok).toBe(true);
  });

  it('checks autoscale bounds and that Rolling has a load balancer probe', () => {
    const bad = parseDeploymentSpec({ ...example, autoscale: { minimum: 3, maximum: 2, default: 2, scaleOutCpuPercent: 50, scaleInCpuPercent: 60 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toHaveLength(2);
    const rolling = parseDeploymentSpec(withScaleSet({ upgradePolicy: { mode: 'Rolling' } }, { frontEnd: { loadBalancer: false, applicationGateway: {} } }));
    expect(rolling.ok).toBe(false);
  });
});

describe('network prefixes', () => {
  const network = (n: Record<string, unknown>, frontEnd?: Record<string, unknown>) => parseDeploymentSpec({ ...example, network: { ...(example.network as object), ...n }, ...(frontEnd ? { frontEnd } : {}) });
  const problems = (r: ReturnType<typeof parseDeploymentSpec>) => (r.ok ? [] : r.problems);
  it('accepts subnets inside the address space', () => {
    expect(network({ addressSpace: '10.0.0.0/16', subnetPrefix: '10.0.255.0/24' }).ok).toBe(true);
    expect(network({ addressSpace: '172.16.0.0/12', subnetPrefix: '172.31.0.0/24' }, { loadBalancer: true, applicationGateway: { subnetPrefix: '172.31.1.0/24' } }).ok).toBe(true);
  });
  it.each([
    [{ subnetPrefix: '10.9.0.0/24' }, 'network.subnetPrefix: 10.9.0.0/24 is not inside the VNet address space 10.0.0.0/16'],
    [{ subnetPrefix: '10.0.1.5/24' }, "network.subnetPrefix: '10.0.1.5/24' has host bits set (the prefix is 10.0.1.0/24)"],
    [{ addressSpace: '10.0.0.0/33' }, "network.addressSpace: '10.0.0.0/33' has a prefix length above 32"],
    [{ subnetPrefix: '10.0.1.0/30' }, 'network.subnetPrefix: Azure subnets need at least /29'],
    [{ addressSpace: '256.0.0.0/8' }, "network.addressSpace: '256.0.0.0/8' has an octet above 255"],
    [{ addressSpace: '999.999.999.999/99' }, "network.addressSpace: '999.999.999.999/99' has an octet above 255"],
    [{ subnetPrefix: '10.0.1.0' }, "network.subnetPrefix: '10.0.1.0' is not an IPv4 prefix like 10.0.0.0/16"],
  ])('refuses %j', (n, problem) => {
    expect(problems(network(n))).toContain(problem);
  });
  it('refuses an Application Gateway subnet overlapping the web subnet', () => {
    expect(problems(network({}, { loadBalancer: true, applicationGateway: { subnetPrefix: '10.0.1.0/25' } }))).toContain('frontEnd.applicationGateway.subnetPrefix: overlaps the web subnet');
  });
});
