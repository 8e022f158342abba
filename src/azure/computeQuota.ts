/**
 * The vCPU quota a surge's new instances count against, as Azure says it: the Compute usages API
 * (`usage.list(location)`: `cores` = Total Regional vCPUs, and one counter per VM family) and the
 * vCPUs and family of each size from the Resource SKUs API (listVmSkus). Two reads.
 */
import type { QuotaFact } from '../domain/availability/surgeResize';
import type { ArmClients } from './armClients';
import { listVmSkus } from './vmSkus';

export interface QuotaFacts {
  vcpus: { from: number | null; to: number | null };
  /** null when the usages do not name the counters (then the quota is reported unchecked). */
  quotas: QuotaFact[] | null;
}

export async function readQuotaFacts(clients: ArmClients, options: { location: string; fromSize: string; toSize: string }): Promise<QuotaFacts> {
  const skus = await listVmSkus(clients, options.location);
  const sku = (name: string): (typeof skus)[number] | undefined => skus.find((s) => s.name.toLowerCase() === name.toLowerCase());
  const from = sku(options.fromSize);
  const to = sku(options.toSize);
  const usages = new Map<string, { label: string; limit: number; used: number; name: string }>();
  for await (const u of clients.compute().usage.list(options.location)) {
    const name = u.name?.value ?? '';
    if (name) usages.set(name.toLowerCase(), { name, label: u.name?.localizedValue ?? name, limit: u.limit, used: u.currentValue });
  }
  const cores = usages.get('cores');
  const family = to?.family ? usages.get(to.family.toLowerCase()) : undefined;
  const quotas: QuotaFact[] = [];
  if (cores) quotas.push({ ...cores, countsOld: true });
  // The old instances use the new size's family quota only when both sizes are of that family.
  if (family) quotas.push({ ...family, countsOld: (from?.family ?? '').toLowerCase() === (to?.family ?? '').toLowerCase() });
  return { vcpus: { from: from?.vCPUs ?? null, to: to?.vCPUs ?? null }, quotas: quotas.length ? quotas : null };
}
