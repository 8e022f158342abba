/**
 * Reads and writes the tier's ARM resources by kind, through the real SDK clients. `get` answers
 * undefined for a resource that does not exist; `startPut` sends the write and returns once ARM
 * accepted it — with the operation's handle to poll when it is long-running (armOperations.ts).
 */
import type { ResourceKind } from '../domain/deployment/desiredTier';
import type { ArmClients } from './armClients';
import { startOperation, type OperationClient, type OperationProgress, type StartedPoller } from './armOperations';

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

/**
 * How each kind is read and written; one entry per kind keeps reads and writes side by side.
 * `put` gives the SDK's poller for long-running writes (`client` names whose pipeline polls it),
 * or the finished write for the synchronous ones (resource groups, autoscale settings).
 */
type Operations =
  | { get(rg: string, name: string): Promise<unknown>; client: OperationClient; put(rg: string, name: string, body: never): StartedPoller }
  | { get(rg: string, name: string): Promise<unknown>; client?: undefined; put(rg: string, name: string, body: never): Promise<unknown> };

function operations(clients: ArmClients, kind: ResourceKind): Operations {
  const n = (): ReturnType<ArmClients['network']> => clients.network();
  switch (kind) {
    case 'resourceGroup':
      return { get: (_rg, name) => clients.resources().resourceGroups.get(name), put: (_rg, name, b) => clients.resources().resourceGroups.createOrUpdate(name, b) };
    case 'networkSecurityGroup':
      return { client: 'network', get: (rg, name) => n().networkSecurityGroups.get(rg, name), put: (rg, name, b) => n().networkSecurityGroups.createOrUpdate(rg, name, b) };
    case 'publicIPAddress':
      return { client: 'network', get: (rg, name) => n().publicIPAddresses.get(rg, name), put: (rg, name, b) => n().publicIPAddresses.createOrUpdate(rg, name, b) };
    case 'natGateway':
      return { client: 'network', get: (rg, name) => n().natGateways.get(rg, name), put: (rg, name, b) => n().natGateways.createOrUpdate(rg, name, b) };
    case 'virtualNetwork':
      return { client: 'network', get: (rg, name) => n().virtualNetworks.get(rg, name), put: (rg, name, b) => n().virtualNetworks.createOrUpdate(rg, name, b) };
    case 'loadBalancer':
      return { client: 'network', get: (rg, name) => n().loadBalancers.get(rg, name), put: (rg, name, b) => n().loadBalancers.createOrUpdate(rg, name, b) };
    case 'applicationGateway':
      return { client: 'network', get: (rg, name) => n().applicationGateways.get(rg, name), put: (rg, name, b) => n().applicationGateways.createOrUpdate(rg, name, b) };
    case 'virtualMachineScaleSet':
      return { client: 'compute', get: (rg, name) => clients.compute().virtualMachineScaleSets.get(rg, name), put: (rg, name, b) => clients.compute().virtualMachineScaleSets.createOrUpdate(rg, name, b) };
    case 'autoscaleSetting':
      return { get: (rg, name) => clients.monitor().autoscaleSettings.get(rg, name), put: (rg, name, b) => clients.monitor().autoscaleSettings.createOrUpdate(rg, name, b) };
  }
}

export async function getResource(clients: ArmClients, kind: ResourceKind, resourceGroup: string, name: string): Promise<Body | undefined> {
  return plain(await orUndefined(() => operations(clients, kind).get(resourceGroup, name)));
}

/**
 * Sends a write and returns once ARM accepted it: done (synchronous kinds, or an operation that
 * finished at once), or the long-running operation's handle for the orchestration to poll.
 * Bodies are plain data from the domain, shaped like the SDK models.
 */
export async function startPut(clients: ArmClients, kind: ResourceKind, resourceGroup: string, name: string, body: Body, description: string): Promise<OperationProgress> {
  const ops = operations(clients, kind);
  if (ops.client === undefined) {
    await ops.put(resourceGroup, name, body as never);
    return { done: true, description };
  }
  return startOperation(ops.client, description, () => ops.put(resourceGroup, name, body as never));
}

/** ARM's provisioning states that end an operation; any other means one is still running. */
const SETTLED = new Set(['succeeded', 'failed', 'canceled']);

/** The provisioning state of a resource still being created or changed (an operation in progress), else undefined. */
export function operationInProgress(actual: Body | undefined): string | undefined {
  const state = (actual as { provisioningState?: string; properties?: { provisioningState?: string } } | undefined)?.provisioningState ?? (actual as { properties?: { provisioningState?: string } } | undefined)?.properties?.provisioningState;
  return state !== undefined && !SETTLED.has(state.toLowerCase()) ? state : undefined;
}
