/**
 * Reads and writes the tier's ARM resources by kind, through the real SDK clients. `get` answers
 * undefined for a resource that does not exist; `put` waits for the long-running operation.
 */
import type { ResourceKind } from '../domain/deployment/desiredTier';
import type { ArmClients } from './armClients';

type Body = Record<string, unknown>;

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Plain JSON (dates as strings), so results can cross activity boundaries. */
const plain = (value: unknown): Body | undefined => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Body));

export async function getResource(clients: ArmClients, kind: ResourceKind, resourceGroup: string, name: string): Promise<Body | undefined> {
  const n = clients.network();
  switch (kind) {
    case 'resourceGroup':
      return plain(await orUndefined(() => clients.resources().resourceGroups.get(name)));
    case 'networkSecurityGroup':
      return plain(await orUndefined(() => n.networkSecurityGroups.get(resourceGroup, name)));
    case 'publicIPAddress':
      return plain(await orUndefined(() => n.publicIPAddresses.get(resourceGroup, name)));
    case 'natGateway':
      return plain(await orUndefined(() => n.natGateways.get(resourceGroup, name)));
    case 'virtualNetwork':
      return plain(await orUndefined(() => n.virtualNetworks.get(resourceGroup, name)));
    case 'loadBalancer':
      return plain(await orUndefined(() => n.loadBalancers.get(resourceGroup, name)));
    case 'applicationGateway':
      return plain(await orUndefined(() => n.applicationGateways.get(resourceGroup, name)));
    case 'virtualMachineScaleSet':
      return plain(await orUndefined(() => clients.compute().virtualMachineScaleSets.get(resourceGroup, name)));
    case 'autoscaleSetting':
      return plain(await orUndefined(() => clients.monitor().autoscaleSettings.get(resourceGroup, name)));
  }
}

export async function putResource(clients: ArmClients, kind: ResourceKind, resourceGroup: string, name: string, body: Body): Promise<void> {
  const n = clients.network();
  // Bodies are plain data built by the domain, shaped like the SDK models (see desiredTier.ts).
  const b = body as never;
  switch (kind) {
    case 'resourceGroup':
      await clients.resources().resourceGroups.createOrUpdate(name, b);
      return;
    case 'networkSecurityGroup':
      await n.networkSecurityGroups.createOrUpdate(resourceGroup, name, b);
      return;
    case 'publicIPAddress':
      await n.publicIPAddresses.createOrUpdate(resourceGroup, name, b);
      return;
    case 'natGateway':
      await n.natGateways.createOrUpdate(resourceGroup, name, b);
      return;
    case 'virtualNetwork':
      await n.virtualNetworks.createOrUpdate(resourceGroup, name, b);
      return;
    case 'loadBalancer':
      await n.loadBalancers.createOrUpdate(resourceGroup, name, b);
      return;
    case 'applicationGateway':
      await n.applicationGateways.createOrUpdate(resourceGroup, name, b);
      return;
    case 'virtualMachineScaleSet':
      await clients.compute().virtualMachineScaleSets.createOrUpdate(resourceGroup, name, b);
      return;
    case 'autoscaleSetting':
      await clients.monitor().autoscaleSettings.createOrUpdate(resourceGroup, name, b);
      return;
  }
}
