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
    [{ subnetPrefix: '10.0.1.5/24' }, 'network.subnetPrefix: is not a valid IPv4 prefix'],
    [{ addressSpace: '10.0.0.0/33' }, 'network.addressSpace: is not a valid IPv4 prefix'],
    [{ subnetPrefix: '10.0.1.0/30' }, 'network.subnetPrefix: Azure subnets need at least /29'],
    [{ addressSpace: '256.0.0.0/8' }, 'network.addressSpace: is not a valid IPv4 prefix'],
  ])('refuses %j', (n, problem) => {
    expect(problems(network(n))).toContain(problem);
  });
  it('refuses an Application Gateway subnet overlapping the web subnet', () => {
    expect(problems(network({}, { loadBalancer: true, applicationGateway: { subnetPrefix: '10.0.1.0/25' } }))).toContain('frontEnd.applicationGateway.subnetPrefix: overlaps the web subnet');
  });
});
