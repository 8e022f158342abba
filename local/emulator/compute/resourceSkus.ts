/**
 * Resource SKUs (`GET /subscriptions/{id}/providers/Microsoft.Compute/skus`, api-version 2021-07-01
 * as `@azure/arm-compute` 25 sends it): the VM sizes of `vmSizes.ts` with their capabilities, so a
 * client asks Azure which sizes have a temporary disk (`MaxResourceVolumeMB`) instead of keeping
 * its own table. Shape from azure-rest-api-specs
 * `Microsoft.Compute/Compute/stable/2017-09-01/examples/ListAvailableResourceSkus.json`;
 * `$filter=location eq '<region>'` narrows to one region (learn.microsoft.com rest/api/compute/resource-skus/list).
 */
import type { ComputeRoutes } from './computeRoutes';
import { VM_SIZES, type VmSize } from './vmSizes';

/** Regions listed when no location filter is given; every region offers every size here (LIMITATIONS). */
const DEFAULT_REGIONS = ['koreacentral', 'eastus', 'westeurope'];

function skuDoc(size: VmSize, locations: string[]): Record<string, unknown> {
  const capability = (name: string, value: string | number): { name: string; value: string } => ({ name, value: String(value) });
  return {
    resourceType: 'virtualMachines',
    name: size.name,
    tier: 'Standard',
    size: size.name.replace(/^Standard_/, ''),
    family: size.family,
    locations,
    locationInfo: locations.map((location) => ({ location, zones: ['1', '2', '3'], zoneDetails: [] })),
    capabilities: [
      capability('MaxResourceVolumeMB', size.maxResourceVolumeMB),
      capability('OSVhdSizeMB', 1047552),
      capability('vCPUs', size.vCPUs),
      capability('MemoryGB', size.memoryGB),
      capability('MaxDataDiskCount', size.maxDataDiskCount),
      capability('PremiumIO', 'True'),
      capability('vCPUsAvailable', size.vCPUs),
      capability('HyperVGenerations', 'V1,V2'),
    ],
    restrictions: [],
  };
}

export function registerResourceSkuRoutes(c: ComputeRoutes): void {
  c.route({
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/skus',
    kind: 'read',
    action: 'Microsoft.Compute/skus/read',
    computePolicies: ['GetSubscriptionInfo3Min', 'GetSubscriptionInfo30Min'],
    handler: (req) => {
      const filter = req.query.get('$filter') ?? '';
      const location = /location\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase().replace(/\s+/g, '');
      const locations = location ? [location] : DEFAULT_REGIONS;
      return { status: 200, body: { value: VM_SIZES.map((s) => skuDoc(s, locations)) } };
    },
  });
}
