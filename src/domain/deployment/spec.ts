/**
 * The deployment spec: what an operator asks for, validated at the boundary with every problem
 * listed. Secrets are not part of it — admin credentials come from app settings.
 */
import type { z } from 'zod';
import { azureNameProblem, type AzureNameKind } from '../azureNames';
import { parseIpv4Prefix, prefixContains, prefixesOverlap, rdpSourceProblems } from '../ipv4';
import { lazySchema } from '../validation';

const deploymentSpecSchema = lazySchema((z) => {
  /** A name checked against Azure's rules for its kind (the message says which rule failed). */
  const name = (kind: AzureNameKind) =>
    z.string().superRefine((value, ctx) => {
      const problem = azureNameProblem(kind, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  const cidr = z.string().superRefine((value, ctx) => {
    const parsed = parseIpv4Prefix(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });

  return z
    .object({
      resourceGroup: name('resourceGroup'),
      location: z.string().regex(/^[a-z0-9]+$/, 'must be an Azure region name like koreacentral'),
      createResourceGroup: z.boolean().default(false),
      dryRun: z.boolean().default(false),
      network: z
        .object({
          vnetName: name('virtualNetwork').default('vnet-friday'),
          addressSpace: cidr.default('10.0.0.0/16'),
          subnetName: name('subnet').default('snet-web'),
          subnetPrefix: cidr.default('10.0.1.0/24'),
          natGateway: z.boolean().default(true),
        })
        .strict()
        .default({ vnetName: 'vnet-friday', addressSpace: '10.0.0.0/16', subnetName: 'snet-web', subnetPrefix: '10.0.1.0/24', natGateway: true }),
      frontEnd: z
        .object({
          loadBalancer: z.boolean().default(true),
          applicationGateway: z
            .object({ subnetPrefix: cidr.default('10.0.2.0/24'), capacity: z.number().int().min(1).max(125).default(2) })
            .strict()
            .optional(),
        })
        .strict()
        .default({ loadBalancer: true }),
      rdp: z
        .object({
          /** Source prefix allowed to reach RDP 3389; overrides FRIDAY_RDP_SOURCE_PREFIX. */
          sourcePrefix: z.string().optional(),
          /** RDP from anywhere only when said explicitly. */
          allowFromAnywhere: z.boolean().default(false),
        })
        .strict()
        .default({ allowFromAnywhere: false }),
      scaleSet: z
        .object({
          name: name('scaleSet'),
          vmSize: z.string().regex(/^Standard_[A-Za-z0-9_]+$/, 'must be a VM size like Standard_D2ds_v5'),
          capacity: z.number().int().min(0).max(1000),
          computerNamePrefix: z
            .string()
            .regex(/^[A-Za-z][A-Za-z0-9-]{0,8}$/, 'must start with a letter and have at most 9 letters, digits or hyphens (Windows names are prefix + 6 characters)')
            .default('friday'),
          image: z
            .object({ publisher: z.string().min(1), offer: z.string().min(1), sku: z.string().min(1), version: z.string().min(1) })
            .strict()
            .default({ publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', version: 'latest' }),
          zones: z.array(z.enum(['1', '2', '3'])).max(3).optional(),
          faultDomainCount: z.number().int().min(1).max(5).optional(),
          dataDiskSizeGB: z.number().int().min(1).max(32767).default(32),
          overprovision: z.boolean().default(true),
          /** Which instances a scale-in (a schedule's evening, autoscale, a person) removes first. */
          scaleInPolicy: z.enum(['Default', 'OldestVM', 'NewestVM']).default('Default'),
          upgradePolicy: z
            .object({
              mode: z.enum(['Manual', 'Automatic', 'Rolling']).default('Manual'),
              maxBatchInstancePercent: z.number().int().min(5).max(100).default(20),
              maxUnhealthyInstancePercent: z.number().int().min(5).max(100).default(20),
              maxUnhealthyUpgradedInstancePercent: z.number().int().min(0).max(100).default(20),
              pauseTimeBetweenBatches: z.string().regex(/^PT(\d+H)?(\d+M)?(\d+S)?$/, 'must be an ISO 8601 duration like PT0S').default('PT0S'),
            })
            .strict()
            .default({ mode: 'Manual', maxBatchInstancePercent: 20, maxUnhealthyInstancePercent: 20, maxUnhealthyUpgradedInstancePercent: 20, pauseTimeBetweenBatches: 'PT0S' }),
        })
        .strict(),
      autoscale: z
        .object({
          minimum: z.number().int().min(0).max(1000),
          maximum: z.number().int().min(1).max(1000),
          default: z.number().int().min(0).max(1000),
          scaleOutCpuPercent: z.number().min(1).max(100).default(75),
          scaleInCpuPercent: z.number().min(0).max(99).default(25),
          notifyWebhook: z.boolean().default(true),
        })
        .strict()
        .optional(),
    })
    .strict()
    .superRefine((spec, ctx) => {
      const { scaleSet, autoscale } = spec;
      // Prefix syntax problems are reported by the field itself; here only how they relate.
      const parsed = (text: string) => {
        const p = parseIpv4Prefix(text);
        return p.ok ? p.value : undefined;
      };
      const space = parsed(spec.network.addressSpace);
      const subnets: Array<[string[], string]> = [[['network', 'subnetPrefix'], spec.network.subnetPrefix]];
      if (spec.frontEnd.applicationGateway) subnets.push([['frontEnd', 'applicationGateway', 'subnetPrefix'], spec.frontEnd.applicationGateway.subnetPrefix]);
      for (const [path, prefix] of subnets) {
        const subnet = parsed(prefix);
        if (!subnet) continue;
        if (space && !prefixContains(space, subnet)) ctx.addIssue({ code: 'custom', path, message: `${prefix} is not inside the VNet address space ${spec.network.addressSpace}` });
        else if (subnet.bits > 29) ctx.addIssue({ code: 'custom', path, message: 'Azure subnets need at least /29' });
      }
      const [a, b] = subnets.map(([, p]) => parsed(p));
      if (a && b && prefixesOverlap(a, b)) {
        ctx.addIssue({ code: 'custom', path: ['frontEnd', 'applicationGateway', 'subnetPrefix'], message: 'overlaps the web subnet' });
      }
      if (scaleSet.zones?.length && scaleSet.faultDomainCount !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['scaleSet', 'faultDomainCount'], message: 'use either zones or faultDomainCount, not both' });
      }
      if (autoscale) {
        if (!(autoscale.minimum <= autoscale.default && autoscale.default <= autoscale.maximum)) {
          ctx.addIssue({ code: 'custom', path: ['autoscale'], message: 'must satisfy minimum <= default <= maximum' });
        }
        if (autoscale.scaleInCpuPercent >= autoscale.scaleOutCpuPercent) {
          ctx.addIssue({ code: 'custom', path: ['autoscale', 'scaleInCpuPercent'], message: 'must be below scaleOutCpuPercent' });
        }
      }
      if (spec.rdp.sourcePrefix !== undefined) {
        for (const message of rdpSourceProblems(spec.rdp.sourcePrefix, { allowFromAnywhere: spec.rdp.allowFromAnywhere })) ctx.addIssue({ code: 'custom', path: ['rdp', 'sourcePrefix'], message });
      }
      if (!spec.frontEnd.loadBalancer && !spec.frontEnd.applicationGateway) {
        ctx.addIssue({ code: 'custom', path: ['frontEnd'], message: 'needs a load balancer, an application gateway, or both' });
      }
      if (scaleSet.upgradePolicy.mode === 'Rolling' && !spec.frontEnd.loadBalancer) {
        ctx.addIssue({ code: 'custom', path: ['scaleSet', 'upgradePolicy', 'mode'], message: 'Rolling needs the load balancer health probe' });
      }
    });
});

export type DeploymentSpec = z.output<ReturnType<typeof deploymentSpecSchema>>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Validates a spec; on failure lists every problem as `path: message`. */
export function parseDeploymentSpec(input: unknown): ParseResult<DeploymentSpec> {
  const result = deploymentSpecSchema().safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(spec)'}: ${issue.message}`) };
}
