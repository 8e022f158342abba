/**
 * What Azure's Resource SKUs API (`Microsoft.Compute/skus`, `resourceSkus.list`) says about the VM
 * sizes of one region: one paged list call per spec check, filtered to the region.
 */
import type { VmSkuFacts } from '../domain/deployment/vmSizeFit';
import type { ArmClients } from './armClients';

export async function listVmSkus(clients: ArmClients, location: string): Promise<VmSkuFacts[]> {
  const out: VmSkuFacts[] = [];
  for await (const sku of clients.compute().resourceSkus.list({ filter: `location eq '${location}'` })) {
    if (sku.resourceType !== 'virtualMachines' || !sku.name) continue;
    const capability = (name: string): string | undefined => sku.capabilities?.find((c) => c.name === name)?.value;
    const info = sku.locationInfo?.find((l) => (l.location ?? '').toLowerCase() === location.toLowerCase());
    out.push({
      name: sku.name,
      zones: info?.zones ?? [],
      maxResourceVolumeMB: Number(capability('MaxResourceVolumeMB') ?? 0) || 0,
      ...(sku.family ? { family: sku.family } : {}),
      vCPUs: capability('vCPUs') !== undefined ? Number(capability('vCPUs')) : null,
      // A Location restriction takes the size away from this subscription in the region (Zone restrictions only some zones).
      restricted: (sku.restrictions ?? []).some((r) => r.type === 'Location' && (r.values ?? []).some((v) => v.toLowerCase() === location.toLowerCase())),
    });
  }
  return out;
}
