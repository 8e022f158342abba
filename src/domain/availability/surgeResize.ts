/**
 * A VM-size change that never lowers the number of instances serving: new capacity first, then
 * retire ("surge"). The model is changed to the new size, instances on the new model are added —
 * a batch at a time — and only once they are verified and in the front end's rotation are as many
 * old instances drained out and deleted; batch after batch, until the scale set is at the asked
 * capacity on the new size. A failing surge batch is deleted and the change rolls back; the old
 * instances are never touched until the new ones serve.
 *
 * Surge needs room: for each batch, vCPU quota for the instances added while the old ones still
 * run, and a free private address each in the subnet. The batch shrinks to what fits; when not even
 * one instance fits, surge is impossible and the plan says so, with what the fallback — resizing
 * the instances in place, a batch restarting at a time — would cost in serving instances.
 *
 * Rolling scale sets whose policy has `maxSurge` get the platform's MaxSurge rolling upgrade (the
 * platform adds the upgraded instances before it deletes the old ones). Other Rolling and Automatic
 * scale sets would restart every instance as soon as the model changes: the surge path then sets
 * the upgrade mode to Manual with the size and restores it at the end.
 *
 * Pure: everything is passed in; the plan is data with a reason.
 */

export interface SurgeResizeInput {
  /** The instances now (all on the old size). */
  instances: Array<{ instanceId: string; zone: string | null }>;
  /** Instances wanted at the end, on the new size. */
  capacity: number;
  fromSize: string;
  toSize: string;
  maxBatchInstancePercent: number;
  upgradeMode: 'Manual' | 'Automatic' | 'Rolling';
  /** `rollingUpgradePolicy.maxSurge` of a Rolling scale set. */
  rollingMaxSurge?: boolean;
  /** vCPUs of one instance of each size; unknown sizes leave the quota unchecked (and say so). */
  vcpus: { from: number | null; to: number | null };
  /**
   * The vCPU quotas the new instances count against (the region's total and the new size's family),
   * `used` as Azure's usages API says now (this scale set's instances included when they count:
   * `countsOld` — false for a family quota the old size is not in); null = unknown.
   */
  quotas: QuotaFact[] | null;
  /** Free private addresses in the scale set's subnet; null = unknown. */
  freeAddresses: number | null;
}

export interface QuotaFact {
  /** Usage name as Azure's usages API gives it (`cores`, `standardDSv5Family`). */
  name: string;
  /** Its display name (`Total Regional vCPUs`). */
  label: string;
  limit: number;
  used: number;
  countsOld: boolean;
}

export interface SurgeBatch {
  index: number;
  /** New instances to add (on the new size) before anything is removed. */
  add: number;
  /** Old instances drained and deleted once this batch's new ones serve. */
  remove: string[];
  /** Instances in rotation at this batch's lowest point (after its removals). */
  inRotationAfter: number;
}

export type SurgeResizePlan =
  | {
      kind: 'surge';
      batchSize: number;
      batches: SurgeBatch[];
      /** Fewest instances in the front end's rotation at any point of the change. */
      minInRotation: number;
      peak: { instances: number; vcpus: number | null; addresses: number };
      /** Set the upgrade mode to Manual with the size (and back to this at the end). */
      switchToManualFrom?: 'Automatic' | 'Rolling';
      notes: string[];
      reason: string;
    }
  | { kind: 'platformMaxSurge'; minInRotation: number; reason: string }
  | {
      kind: 'impossible';
      problems: string[];
      /** What resizing in place would cost instead: instances out of rotation while a batch restarts. */
      fallback: { kind: 'inPlace'; batchSize: number; minInRotation: number; cost: string };
      reason: string;
    };

/** Old instances in the order they retire: from the zone with the most left first, highest id first. */
function retireOrder(instances: SurgeResizeInput['instances']): string[] {
  const remaining = [...instances].sort((a, b) => Number(b.instanceId) - Number(a.instanceId) || b.instanceId.localeCompare(a.instanceId));
  const out: string[] = [];
  while (remaining.length) {
    const counts = new Map<string, number>();
    for (const i of remaining) counts.set(i.zone ?? '', (counts.get(i.zone ?? '') ?? 0) + 1);
    const busiest = Math.max(...counts.values());
    const [inst] = remaining.splice(remaining.findIndex((i) => counts.get(i.zone ?? '') === busiest), 1);
    if (inst) out.push(inst.instanceId);
  }
  return out;
}

/** How many instances can be added at once while `old` old and `fresh` new ones exist. */
function room(input: SurgeResizeInput, old: number, fresh: number): { instances: number; limitedBy: string[] } {
  const limits: Array<{ n: number; why: string }> = [];
  if (input.freeAddresses !== null) {
    // Addresses: every instance the scale set has now holds one; removals give theirs back.
    const used = old + fresh - input.instances.length;
    limits.push({ n: input.freeAddresses - used, why: `${input.freeAddresses} free address(es) in the subnet` });
  }
  if (input.quotas && input.vcpus.to !== null && input.vcpus.from !== null) {
    const to = input.vcpus.to;
    for (const q of input.quotas) {
      const from = q.countsOld ? input.vcpus.from : 0;
      const usedNow = q.used - input.instances.length * from + old * from + fresh * to;
      const n = Math.floor((q.limit - usedNow) / to);
      // How many vCPUs the quota lacks for one more instance (what a quota increase must add).
      const short = n < 1 ? usedNow + to - q.limit : 0;
      limits.push({ n, why: `${q.label} quota (${q.name}) ${q.used}/${q.limit} vCPUs used (${input.toSize}: ${to} vCPUs each)${short > 0 ? `: ${short} vCPU(s) short` : ''}` });
    }
  }
  const n = Math.min(Number.MAX_SAFE_INTEGER, ...limits.map((l) => l.n));
  return { instances: Math.max(0, n), limitedBy: limits.filter((l) => l.n === n).map((l) => l.why) };
}

export function planSurgeResize(input: SurgeResizeInput): SurgeResizePlan {
  const current = input.instances.length;
  const capacity = Math.max(0, input.capacity);
  const wanted = Math.max(1, Math.ceil((Math.max(current, capacity) * input.maxBatchInstancePercent) / 100));
  if (input.upgradeMode === 'Rolling' && input.rollingMaxSurge === true) {
    return {
      kind: 'platformMaxSurge',
      minInRotation: Math.min(current, capacity),
      reason: `Rolling scale set with maxSurge: the platform adds upgraded instances before it deletes old ones (${input.fromSize} → ${input.toSize})`,
    };
  }
  const notes: string[] = [];
  if (input.quotas && (input.vcpus.from === null || input.vcpus.to === null)) notes.push(`vCPUs of ${input.vcpus.to === null ? input.toSize : input.fromSize} unknown: quota not checked`);
  if (input.freeAddresses === null) notes.push('free addresses in the subnet unknown: not checked');
  if (!input.quotas) notes.push('vCPU quota unknown: not checked');

  const order = retireOrder(input.instances);
  const first = room(input, current, 0);
  const batchSize = Math.min(wanted, Math.max(first.instances, 0));
  if (capacity > 0 && batchSize < 1) {
    const inPlace = Math.max(1, Math.ceil((Math.max(current, 1) * input.maxBatchInstancePercent) / 100));
    const minInRotation = Math.max(0, current - inPlace);
    const problems = [`no room to add even one ${input.toSize} instance beside the ${current} running: ${first.limitedBy.join('; ')}`];
    // In place, a batch changes size without new instances: it needs quota only for what the new size adds.
    const inPlaceQuota = (input.quotas ?? []).flatMap((q) => {
      if (input.vcpus.from === null || input.vcpus.to === null) return [];
      const extra = inPlace * (input.vcpus.to - (q.countsOld ? input.vcpus.from : 0));
      return q.used + extra > q.limit ? [`${q.label} quota (${q.name}) ${q.used}/${q.limit} is ${q.used + extra - q.limit} vCPU(s) short for it too`] : [];
    });
    const serving = minInRotation === 0
      ? `resizing in place restarts ${inPlace} of ${current} instance(s) at once: the tier serves nothing while they restart (requests fail)`
      : `resizing in place takes ${inPlace} of ${current} instance(s) out of rotation per batch while they restart (${minInRotation} keep serving)`;
    return {
      kind: 'impossible',
      problems,
      fallback: {
        kind: 'inPlace',
        batchSize: inPlace,
        minInRotation,
        cost: inPlaceQuota.length ? `${serving}; and ${inPlaceQuota.join('; ')}` : serving,
      },
      reason: `surge resize ${input.fromSize} → ${input.toSize} impossible: ${problems.join('; ')}`,
    };
  }
  if (batchSize < wanted) notes.push(`batches of ${batchSize} instead of ${wanted}: ${first.limitedBy.join('; ')}`);

  const batches: SurgeBatch[] = [];
  let old = current;
  let fresh = 0;
  let minInRotation = current;
  let peakInstances = current;
  const vcpusOf = (o: number, f: number): number | null => (input.vcpus.from !== null && input.vcpus.to !== null ? o * input.vcpus.from + f * input.vcpus.to : null);
  let peakVcpus = vcpusOf(current, 0);
  while (fresh < capacity || old > 0) {
    const add = Math.min(batchSize, capacity - fresh, room(input, old, fresh).instances);
    fresh += add;
    peakInstances = Math.max(peakInstances, old + fresh);
    const v = vcpusOf(old, fresh);
    if (v !== null && peakVcpus !== null) peakVcpus = Math.max(peakVcpus, v);
    // As many old retire as new were added; all that are left once the new capacity is reached.
    const remove = order.slice(current - old, current - old + (fresh >= capacity ? old : Math.min(add, old)));
    old -= remove.length;
    if (add === 0 && remove.length === 0) break; // no room left for the next batch (a larger size eats the quota)
    minInRotation = Math.min(minInRotation, old + fresh);
    batches.push({ index: batches.length + 1, add, remove, inRotationAfter: old + fresh });
  }
  if (fresh < capacity) {
    const problems = [`room for ${fresh} of ${capacity} ${input.toSize} instance(s) only, even retiring the old ones batch by batch: ${room(input, old, fresh).limitedBy.join('; ')}`];
    return {
      kind: 'impossible',
      problems,
      fallback: { kind: 'inPlace', batchSize, minInRotation: Math.max(0, current - batchSize), cost: `resizing in place would not fit either: the quota cannot hold ${capacity} × ${input.toSize}` },
      reason: `surge resize ${input.fromSize} → ${input.toSize} impossible: ${problems.join('; ')}`,
    };
  }
  return {
    kind: 'surge',
    batchSize,
    batches,
    minInRotation,
    peak: { instances: peakInstances, vcpus: peakVcpus, addresses: peakInstances },
    ...(input.upgradeMode !== 'Manual' ? { switchToManualFrom: input.upgradeMode } : {}),
    notes,
    reason: `surge resize ${input.fromSize} → ${input.toSize}: ${current} → ${capacity} instance(s) in ${batches.length} batch(es) of up to ${batchSize}, new before old, never fewer than ${minInRotation} serving`,
  };
}
