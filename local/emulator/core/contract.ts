/**
 * The seams between the ARM emulator's core (HTTPS server, routing, LRO lifecycle, errors,
 * throttling, faults, request log, resource store) and its resource providers
 * (`network/`, `compute/`, `insights/`). Providers register routes and talk to the core only
 * through these interfaces, so each can be built and tested on its own.
 *
 * Dependency direction: providers import `core`; `core` imports no provider; `server.ts` wires
 * them together. Nothing under `local/` is deployed and nothing here imports app code (`src/`).
 */

/** Injected time source: state machines never read the wall clock directly. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms` of this clock's time (real or scaled). */
  sleep(ms: number): Promise<void>;
}

/** A parsed ARM request as handlers see it. Paths are matched case-insensitively. */
export interface ArmRequest {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE' | 'HEAD';
  /** The request path as sent (percent-decoded), without the query string. */
  path: string;
  /** Values of the `{placeholders}` in the matched route template, original case. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
  apiVersion: string;
  subscriptionId: string;
  /** Present when the route is under a resource group. */
  resourceGroupName?: string;
  /** Absolute base URL of this emulator, e.g. `https://127.0.0.1:8443` (for building ids/links). */
  baseUrl: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Linked access checks ARM makes on resources this request references (e.g. a scale set that
   * puts its NICs in a subnet needs `Microsoft.Network/virtualNetworks/subnets/join/action`).
   * Logged for the least-privilege role test; not sent.
   */
  linkedActions?: string[];
}

/** Which ARM throttling bucket a route draws on. */
export type OperationKind = 'read' | 'write' | 'delete' | 'action';

export interface RouteSpec {
  method: ArmRequest['method'];
  /**
   * Path template with `{name}` placeholders, e.g.
   * `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}`.
   * The request log records this template (not the concrete path) so calls can be counted by route.
   */
  template: string;
  kind: OperationKind;
  /** Compute per-policy throttling counters this route draws on, e.g. `['HighCostGetVMScaleSet3Min', 'HighCostGetVMScaleSet30Min']`. */
  computePolicies?: string[];
  /** The ARM action (RBAC) this route needs, e.g. `Microsoft.Compute/virtualMachineScaleSets/write`. Logged for the least-privilege role test. */
  action: string;
  handler: (req: ArmRequest) => Promise<ArmResponse> | ArmResponse;
}

export interface Router {
  add(route: RouteSpec): void;
}

/** ARM error shape `{ error: { code, message, target?, details? } }` thrown by handlers. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: Array<{ code: string; message: string; target?: string }>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ArmError';
  }

  static resourceNotFound(resourceType: string, name: string, resourceGroupName: string): ArmError {
    return new ArmError(404, 'ResourceNotFound', `The Resource '${resourceType}/${name}' under resource group '${resourceGroupName}' was not found.`);
  }
  static resourceGroupNotFound(resourceGroupName: string): ArmError {
    return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroupName}' could not be found.`);
  }
  static invalidParameter(message: string, target: string): ArmError {
    return new ArmError(400, 'InvalidParameter', message, target);
  }
  static badRequest(code: string, message: string, target?: string): ArmError {
    return new ArmError(400, code, message, target);
  }
  static conflict(code: string, message: string): ArmError {
    return new ArmError(409, code, message);
  }
}

/**
 * Long-running operations. A handler that starts asynchronous work calls `begin` and returns the
 * headers it gets back (with 201/200 for PUT, 200 for PATCH, 202 for POST/DELETE). The core serves
 * the operation-status URLs and completes the operation per the configured timing
 * (immediate / scaled real-time delay / manual).
 */
export interface LroManager {
  begin(options: {
    /** PUT/PATCH get `Azure-AsyncOperation` only; POST/DELETE also get `Location` (…?monitor=true). */
    method: ArmRequest['method'];
    provider: 'Microsoft.Compute' | 'Microsoft.Network' | 'Microsoft.Insights' | 'Microsoft.Resources';
    location: string;
    subscriptionId: string;
    /** Simulated duration of the operation in emulator ms before timing scale; 0 = immediate. */
    durationMs?: number;
    /** The work. Runs after the delay; a thrown ArmError ends the operation Failed with its code/message. */
    work: () => Promise<void> | void;
    /** Route template of the request, so fault injection can fail this LRO (`failLro`). */
    template: string;
    /** Called when the operation ends Failed: ARM leaves the resource in provisioning state Failed. */
    onFailure?: (error: { code: string; message: string }) => void;
  }): Record<string, string>;
}

/**
 * Generic resource store, keyed by full resource id (case-insensitive). Providers keep their
 * resource documents here (the wire shape, `properties` nested) and may keep richer private
 * state of their own (e.g. compute's instances) keyed the same way.
 */
export interface ResourceStore {
  resourceGroupExists(subscriptionId: string, resourceGroupName: string): boolean;
  getResourceGroup(subscriptionId: string, resourceGroupName: string): { name: string; location: string; tags?: Record<string, string> } | undefined;
  get<T = Record<string, unknown>>(id: string): T | undefined;
  put<T extends { id: string }>(resource: T): T;
  delete(id: string): boolean;
  /** Resources of one type (e.g. `Microsoft.Network/virtualNetworks`) in a resource group, or in the subscription when rg is omitted. */
  list<T = Record<string, unknown>>(options: { subscriptionId: string; resourceGroupName?: string; type: string }): T[];
}

/** What the network provider needs to know about running instances (compute implements it). */
export interface InstanceDirectory {
  /** Every instance whose NIC ip configuration references the given backend pool id (case-insensitive). */
  membersOfBackendPool(backendPoolId: string): Array<{ resourceId: string; privateIp: string; port: number; running: boolean }>;
  /** One instance by its resource id, in a pool or not (a front end keeps flows to a member it took out); undefined once deleted. */
  instance(resourceId: string): { port: number; running: boolean } | undefined;
}

/** What compute needs from the network provider. */
export interface SubnetAllocator {
  /** Reserve the next free private IP in a subnet (Azure skips .0–.3 and the broadcast address). Throws ArmError 400/404. */
  allocate(subnetId: string, ownerId: string): string;
  release(ownerId: string): void;
  /** Who holds addresses in a subnet (instance ids), for `InUseSubnetCannotBeDeleted`. */
  usersOf(subnetId: string): string[];
}

/**
 * Where a private or public address is reachable on this machine. The app's prober asks the
 * emulator for this map (`GET /_emulator/address-map`) the way a VNet-integrated Function App
 * would just connect to the private IP.
 */
export interface AddressMap {
  /** `address` is `ip:port` as seen inside the VNet / on the internet; `local` is `127.0.0.1:port`. */
  set(address: string, local: string): void;
  remove(address: string): void;
  snapshot(): Record<string, string>;
}

/** Resource events for Event Grid delivery (the delivery itself is implemented in `core/events.ts`). */
export interface ResourceEventSink {
  publish(event: {
    kind: 'ResourceWriteSuccess' | 'ResourceDeleteSuccess' | 'ResourceActionSuccess';
    subscriptionId: string;
    resourceGroupName: string;
    resourceUri: string;
    /** e.g. `Microsoft.Compute/virtualMachineScaleSets/write`. */
    operationName: string;
    httpMethod: string;
    httpUrl: string;
  }): void;
}

/** Fault injection hooks providers consult for guest-level faults. */
export interface GuestFaults {
  /** `page500` makes an instance answer 500; `hang` accepts and never answers; `close` resets the connection; `wrongHost` serves another name. */
  pageFault(vmssName: string, instanceId: string): 'page500' | 'hang' | 'close' | 'wrongHost' | undefined;
  /** Non-undefined: the next Custom Script Extension run on that instance fails with this message. */
  extensionFault(vmssName: string, instanceId: string): string | undefined;
}

/**
 * Timing knobs, in ms of emulator (Azure) time: the clock divides them by its `timeScale` (tests
 * use 0 for immediate). `core/timingProfile.ts` holds Azure's figures, with their sources.
 */
export interface EmulatorTiming {
  /** Default LRO duration for network writes. */
  networkOperationMs: number;
  /** LRO duration of an Application Gateway create or update (networkOperationMs when unset). */
  applicationGatewayOperationMs?: number;
  /** `Retry-After` (seconds) on a running operation's status, as ARM asks pollers to wait (0 = long poll, answer at once). */
  operationRetryAfterSeconds?: number;
  /** Time to provision one VM instance (create/reimage) before its extensions run. */
  instanceProvisionMs: number;
  /** Time one Custom Script Extension run takes on an instance. */
  extensionRunMs: number;
  /** Time to delete one instance (scale-in, instance delete, scale-set delete; instances in parallel). 0 when unset. */
  instanceDeleteMs?: number;
  /** Time to power off or deallocate one instance (guest shutdown, then stop / release). 0 when unset. */
  instanceStopMs?: number;
  /**
   * Time Compute takes to apply a model write before any instance acts (scale-set PUT/PATCH,
   * extension PUT/DELETE), and one instance to take a model change that needs neither a restart
   * nor an extension run. 0 when unset.
   */
  modelWriteMs?: number;
  /** Mean latency each instance web page adds to a response (benchmarks set this to model t_probe). */
  pageLatencyMs: number;
  /**
   * Each answer's latency is drawn uniformly from pageLatencyMs ± this. Real pages never answer in
   * lockstep; a constant latency makes every probe of a wave finish in the same millisecond.
   */
  pageLatencyJitterMs?: number;
  /**
   * When > 0, every load balancer / Application Gateway health probe runs this often (emulator ms,
   * divided by timeScale like every duration) instead of its definition's interval; the thresholds
   * stay the definition's. 0 = the definition's own interval (Azure: LB `intervalInSeconds`, App
   * Gateway `interval`). The instant profile (all durations 0) uses a short one.
   */
  healthProbeIntervalMs?: number;
  /**
   * Time ARM takes to answer one page of a list (VMs with instance views, NICs, scale sets), drawn
   * uniformly from listPageMs ± listPageJitterMs, in emulator ms (divided by the time scale). Default:
   * AZURE_LIST_PAGE_LATENCY (core/armLatency.ts); 0 = instant.
   */
  listPageMs?: number;
  listPageJitterMs?: number;
}

/** Everything a provider gets when it is registered. */
export interface ProviderContext {
  router: Router;
  store: ResourceStore;
  lro: LroManager;
  clock: Clock;
  timing: EmulatorTiming;
  addressMap: AddressMap;
  events: ResourceEventSink;
  faults: GuestFaults;
  subnets: SubnetAllocator;
  /** Set by compute when it registers; read lazily by network (the LB proxy). */
  instances: InstanceDirectory;
  /** `https://127.0.0.1:<port>` once the server listens (for ids and links in bodies). */
  baseUrl: string;
  /** Set by compute: change a scale set's capacity as Azure Monitor autoscale would. */
  simulatedAutoscale?: (options: { subscriptionId: string; resourceGroup: string; scaleSet: string; delta: number }) => Promise<{ scaleSetId: string; oldCapacity: number; newCapacity: number }>;
  /** Set by compute: the regional vCPU quota limits tests set (`POST /_emulator/quotas`, compute/usages.ts). */
  computeQuotas?: { set(body: unknown): string[]; reset(): void; snapshot(): Record<string, Record<string, number>> };
  /** Providers register what must stop when the emulator closes (listeners, proxies, timers). */
  onShutdown(hook: () => Promise<void> | void): void;
  /**
   * Stands in for an instance's managed identity reading a blob (IMDS token + storage RBAC): the
   * local cloud wires it to Azurite. Unset → identity-based downloads are refused (403).
   */
  identityDownload?: IdentityDownload;
}

export type IdentityDownload = (uri: string) => Promise<{ status: number; statusText: string; text: string }>;
