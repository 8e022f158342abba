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

/** How each kind is read and written; one entry per kind keeps reads and writes side by side. */
function operations(clients: ArmClients, kind: ResourceKind): { get(rg: string, name: string): Promise<unknown>; put(rg: string, name: string, body: never): Promise<unknown> } {
  const n = (): ReturnType<ArmClients['network']> => clients.network();
  switch (kind) {
    case 'resourceGroup':
      return { get: (_rg, name) => clients.resources().resourceGroups.get(name), put: (_rg, name, b) => clients.resources().resourceGroups.createOrUpdate(name, b) };
    case 'networkSecurityGroup':
      return { get: (rg, name) => n().networkSecurityGroups.get(rg, name), put: async (rg, name, b) => n().networkSecurityGroups.createOrUpdate(rg, name, b) };
    case 'publicIPAddress':
      return { get: (rg, name) => n().publicIPAddresses.get(rg, name), put: async (rg, name, b) => n().publicIPAddresses.createOrUpdate(rg, name, b) };
    case 'natGateway':
      return { get: (rg, name) => n().natGateways.get(rg, name), put: async (rg, name, b) => n().natGateways.createOrUpdate(rg, name, b) };
    case 'virtualNetwork':
      return { get: (rg, name) => n().virtualNetworks.get(rg, name), put: async (rg, name, b) => n().virtualNetworks.createOrUpdate(rg, name, b) };
    case 'loadBalancer':
      return { get: (rg, name) => n().loadBalancers.get(rg, name), put: async (rg, name, b) => n().loadBalancers.createOrUpdate(rg, name, b) };
    case 'applicationGateway':
      return { get: (rg, name) => n().applicationGateways.get(rg, name), put: async (rg, name, b) => n().applicationGateways.createOrUpdate(rg, name, b) };
    case 'virtualMachineScaleSet':
      return { get: (rg, name) => clients.compute().virtualMachineScaleSets.get(rg, name), put: async (rg, name, b) => clients.compute().virtualMachineScaleSets.createOrUpdate(rg, name, b) };
    case 'autoscaleSetting':
      return { get: (rg, name) => clients.monitor().autoscaleSettings.get(rg, name), put: (rg, name, b) => clients.monitor().autoscaleSettings.createOrUpdate(rg, name, b) };
  }
}

export async function getResource(clients: ArmClients, kind: ResourceKind, resourceGroup: string, name: string): Promise<Body | undefined> {
  return plain(await orUndefined(() => operations(clients, kind).get(resourceGroup, name)));
}

/** Writes and waits for the long-running operation. Bodies are plain data from the domain, shaped like the SDK models. */
export async function putResource(clients: ArmClients, kind: ResourceKind, resourceGroup: string, name: string, body: Body): Promise<void> {
  await operations(clients, kind).put(resourceGroup, name, body as never);
}
