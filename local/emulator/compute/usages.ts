/**
 * Compute usages and the regional vCPU quota.
 *
 * `GET /subscriptions/{id}/providers/Microsoft.Compute/locations/{location}/usages` (operation
 * `Usage_List`, azure-rest-api-specs `Microsoft.Compute/ComputeRP/stable/*\/computeRPCommon.json`,
 * example `computeRPCommonExamples/Usage_List_MaximumSet_Gen.json`; `@azure/arm-compute` 25
 * `usage.list(location)` sends api-version 2026-04-01): one `{ unit: 'Count', currentValue, limit,
 * name: { value, localizedValue } }` per counter — `cores` ("Total Regional vCPUs"), one per VM
 * family (`standardDSv5Family`, "Standard DSv5 Family vCPUs"), `virtualMachines`,
 * `virtualMachineScaleSets`. Current usage is the scale sets' instances × the vCPUs of each one's
 * size (vmSizes.ts); deallocated instances count too ("quota is calculated based on the total
 * number of cores in use, both allocated and deallocated", learn.microsoft.com virtual-machines/quotas).
 * Overprovisioned extras are not counted (Azure does not charge them to the subscription).
 *
 * A scale-set create/update that would go over a family's or the regional limit is refused at once
 * with 409 `OperationNotAllowed` "Operation could not be completed as it results in exceeding
 * approved <family|Total Regional> Cores quota. Additional details - Deployment Model: Resource
 * Manager, Location: …, Current Limit: …, Current Usage: …, Additional Required: …, (Minimum) New
 * Limit Required: …" — the code, status and text Azure answers a PUT with (cloud-barista/cb-spider#1558,
 * nforgeio/neonKUBE#1671, Azure/azure_preview_modules#360; the family form: Azure/karpenter-provider-azure#192).
 *
 * Limits are per subscription and region in Azure; here per region, set by tests through
 * `POST /_emulator/quotas` (defaults below, roomy enough for every tier the tests build).
 */
import { ArmError } from '../core/contract';
import type { ComputeRoutes } from './computeRoutes';
import type { ScaleSetEngine, ScaleSetState } from './scaleSetEngine';
import { VM_SIZES, vmSize } from './vmSizes';

const DEFAULT_LIMITS: Readonly<Record<string, number>> = { cores: 350, virtualMachines: 25000, virtualMachineScaleSets: 2500, ...Object.fromEntries(VM_SIZES.map((s) => [s.family, 350])) };

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, '');

/** Quota limits by region, as tests set them (`POST /_emulator/quotas`). */
export class ComputeQuotas {
  private byLocation = new Map<string, Record<string, number>>();

  limitOf(location: string, name: string): number {
    const set = this.byLocation.get(norm(location)) ?? this.byLocation.get('*');
    const key = Object.keys(DEFAULT_LIMITS).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    return set?.[key] ?? DEFAULT_LIMITS[key] ?? 0;
  }

  /** `{ location?: string ('*' = every region), limits: { cores?: n, <family>?: n } }`; returns the problems (empty = applied). */
  set(body: unknown): string[] {
    const b = (body ?? {}) as { location?: unknown; limits?: unknown };
    const problems: string[] = [];
    if (b.location !== undefined && typeof b.location !== 'string') problems.push('location: a region name (or "*") is expected');
    if (typeof b.limits !== 'object' || b.limits === null || Array.isArray(b.limits)) problems.push('limits: an object of quota name → limit is required');
    const entries = Object.entries((b.limits ?? {}) as Record<string, unknown>);
    for (const [name, value] of entries) {
      if (!Object.keys(DEFAULT_LIMITS).some((k) => k.toLowerCase() === name.toLowerCase())) problems.push(`limits.${name}: unknown quota (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
      if (!Number.isInteger(value) || (value as number) < 0) problems.push(`limits.${name}: a non-negative integer is expected`);
    }
    if (problems.length) return problems;
    const location = norm(typeof b.location === 'string' ? b.location : '*');
    const current = this.byLocation.get(location) ?? {};
    for (const [name, value] of entries) current[Object.keys(DEFAULT_LIMITS).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name] = value as number;
    this.byLocation.set(location, current);
    return [];
  }

  reset(): void {
    this.byLocation.clear();
  }

  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries(this.byLocation);
  }
}

/** vCPUs used per counter (`cores` and each family) by instances of the given scale sets. */
function usageOf(states: Iterable<ScaleSetState>): Map<string, number> {
  const used = new Map<string, number>();
  const add = (name: string, n: number): void => void used.set(name, (used.get(name) ?? 0) + n);
  for (const state of states) {
    for (const inst of state.instances.values()) {
      if (inst.extra) continue;
      const size = vmSize(inst.vmSize);
      if (!size) continue;
      add('cores', size.vCPUs);
      add(size.family, size.vCPUs);
    }
  }
  return used;
}

function inRegion(engine: ScaleSetEngine, subscriptionId: string, location: string): ScaleSetState[] {
  return [...engine.scaleSets.values()].filter((s) => s.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() && norm(s.doc.location) === norm(location));
}

/** "Standard DSv5 Family vCPUs" from `standardDSv5Family`, as the portal and the usages API name families. */
function familyDisplayName(family: string): string {
  const core = family.replace(/^standard/, '').replace(/Family$/, '');
  return `Standard ${core} Family vCPUs`;
}

/**
 * Refuses a scale-set write that would take the region over a quota. `next`: the scale set's size,
 * capacity and upgrade mode after the write; `state`: the scale set now (undefined on create).
 * A size change on an Automatic/Rolling scale set moves every instance to the new size; on a Manual
 * one only the instances a scale-out adds are on it.
 */
export function checkQuota(options: { engine: ScaleSetEngine; quotas: ComputeQuotas; subscriptionId: string; location: string; state: ScaleSetState | undefined; next: { size: string; capacity: number; mode: string } }): void {
  const { engine, quotas, subscriptionId, location, state, next } = options;
  const size = vmSize(next.size);
  if (!size) return; // an unknown size is refused by the model's validation
  const existing = state ? [...state.instances.values()].filter((i) => !i.extra) : [];
  const mine = usageOf(state ? [state] : []);
  const projected = new Map<string, number>();
  const add = (name: string, n: number): void => void projected.set(name, (projected.get(name) ?? 0) + n);
  const sizeChanges = state !== undefined && state.doc.sku.name.toLowerCase() !== next.size.toLowerCase();
  if (sizeChanges && next.mode !== 'Manual') {
    add('cores', next.capacity * size.vCPUs);
    add(size.family, next.capacity * size.vCPUs);
  } else {
    for (const [name, n] of mine) add(name, n);
    const added = Math.max(0, next.capacity - existing.length);
    add('cores', added * size.vCPUs);
    add(size.family, added * size.vCPUs);
  }
  const used = usageOf(inRegion(engine, subscriptionId, location));
  // The family first, then the region: Azure names the family quota when both would be exceeded.
  for (const name of [size.family, 'cores']) {
    const required = Math.max(0, (projected.get(name) ?? 0) - (mine.get(name) ?? 0));
    if (required === 0) continue;
    const limit = quotas.limitOf(location, name);
    const current = used.get(name) ?? 0;
    if (current + required <= limit) continue;
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation could not be completed as it results in exceeding approved ${name === 'cores' ? 'Total Regional' : name} Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${location}, Current Limit: ${limit}, Current Usage: ${current}, Additional Required: ${required}, (Minimum) New Limit Required: ${current + required}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView by specifying parameters listed in the 'Details' section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/regional-quota-requests`,
    );
  }
}

export function registerUsageRoutes(c: ComputeRoutes, quotas: ComputeQuotas): void {
  c.route({
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/usages',
    kind: 'read',
    action: 'Microsoft.Compute/locations/usages/read',
    computePolicies: ['GetSubscriptionInfo3Min', 'GetSubscriptionInfo30Min'],
    handler: (req) => {
      const location = norm(req.params.location ?? '');
      const states = inRegion(c.engine, req.subscriptionId, location);
      const used = usageOf(states);
      const counter = (name: string, localizedValue: string, currentValue: number): Record<string, unknown> => ({ unit: 'Count', currentValue, limit: quotas.limitOf(location, name), name: { value: name, localizedValue } });
      const families = [...new Set(VM_SIZES.map((s) => s.family))];
      const instances = states.reduce((n, s) => n + [...s.instances.values()].filter((i) => !i.extra).length, 0);
      return {
        status: 200,
        body: {
          value: [
            counter('cores', 'Total Regional vCPUs', used.get('cores') ?? 0),
            counter('virtualMachines', 'Virtual Machines', instances),
            counter('virtualMachineScaleSets', 'Virtual Machine Scale Sets', states.length),
            ...families.map((f) => counter(f, familyDisplayName(f), used.get(f) ?? 0)),
          ],
        },
      };
    },
  });
}
