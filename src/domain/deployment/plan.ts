/**
 * The plan: every ARM write a deployment would make, with the reason — computed from what exists.
 * A dry run returns it; a real run carries it out step by step. No change → no writes.
 */
import type { DesiredResource, ResourceKind, TierStep } from './desiredTier';
import { differences } from './diff';

export interface PlannedWrite {
  step: TierStep;
  action: 'create' | 'update';
  kind: ResourceKind;
  name: string;
  reason: string;
}

/** Fields ARM keeps but we set only once (changing them is a separate, explicit action). */
export function comparable(resource: DesiredResource, actual: Record<string, unknown> | undefined): unknown {
  if (resource.kind !== 'virtualMachineScaleSet' || !actual) return resource.body;
  // Capacity is the scale step's business, not a model change.
  const body = structuredClone(resource.body) as { sku?: { capacity?: number } };
  if (body.sku) delete body.sku.capacity;
  return body;
}

export function planResource(resource: DesiredResource, actual: Record<string, unknown> | undefined): PlannedWrite | undefined {
  if (!actual) return { step: resource.step, action: 'create', kind: resource.kind, name: resource.name, reason: 'does not exist' };
  // A resource whose last operation failed is re-applied: ARM retries the operation on a new PUT.
  const state = (actual as { provisioningState?: string; properties?: { provisioningState?: string } }).provisioningState ?? (actual as { properties?: { provisioningState?: string } }).properties?.provisioningState;
  if (state?.toLowerCase() === 'failed') return { step: resource.step, action: 'update', kind: resource.kind, name: resource.name, reason: 'its last operation failed (provisioning state Failed): re-applied' };
  const diffs = differences(comparable(resource, actual), actual);
  if (diffs.length === 0) return undefined;
  const shown = diffs.slice(0, 3).join('; ');
  return { step: resource.step, action: 'update', kind: resource.kind, name: resource.name, reason: diffs.length > 3 ? `${shown}; and ${diffs.length - 3} more` : shown };
}

export function planDeployment(resources: DesiredResource[], observed: Map<string, Record<string, unknown> | undefined>): PlannedWrite[] {
  return resources.map((r) => planResource(r, observed.get(r.id.toLowerCase()))).filter((w): w is PlannedWrite => w !== undefined);
}

/** Capacity change as a planned write, when the scale set exists with another capacity. */
export function planCapacity(name: string, current: number | undefined, wanted: number): PlannedWrite | undefined {
  if (current === undefined || current === wanted) return undefined;
  return { step: 'scaleSet', action: 'update', kind: 'virtualMachineScaleSet', name, reason: `capacity ${current} → ${wanted}` };
}
