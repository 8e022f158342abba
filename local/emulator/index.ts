/**
 * The ARM emulator, programmatically: `startEmulator()` for tests, benchmarks and the local
 * cloud; `main.ts` for `npm run emulator`. See README.md for the admin and fault API and the
 * LIMITATIONS list.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ArmResponse, Clock, EmulatorTiming, InstanceDirectory, ProviderContext, IdentityDownload } from './core/contract';
import { scaledClock } from './core/clock';
import { MemoryAddressMap } from './core/addressMap';
import { ResourceEventLog } from './core/events';
import { EventDelivery } from './core/eventDelivery';
import { FaultController } from './core/faults';
import { LroRegistry } from './core/lro';
import { RequestLog } from './core/requestLog';
import { RouteTable } from './core/router';
import { MemoryResourceStore } from './core/store';
import { SubnetIpAllocator } from './core/subnets';
import { Throttler, type ThrottlingOptions } from './core/throttling';
import { loadOrCreateTls } from './core/tls';
import { parseTimingChange } from './config';
import { AZURE_LIST_PAGE_LATENCY } from './core/armLatency';
import { createAdminServer, createEmulatorServer, type AdminApi } from './server';
import { registerResourceGroupProvider } from './resources';
import { registerNetworkProvider } from './network';
import { registerComputeProvider } from './compute';
import { registerInsightsProvider } from './insights';

export const DEFAULT_SUBSCRIPTION_ID = '00000000-0000-0000-0000-00000000f41d';

export interface EmulatorOptions {
  subscriptionId?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Port of the plain-HTTP admin API (loopback); 0 (default) = a free port. */
  adminPort?: number;
  /** Where the CA and server certificate live; default `<cwd>/.local/emulator`. */
  stateDir?: string;
  timing?: Partial<EmulatorTiming>;
  /** Azure ms per real ms: divides simulated durations and speeds the clock up (see core/clock.ts). */
  timeScale?: number;
  /** The real instant Azure time is measured from (share it with the runner so both read one clock). */
  clockOriginMs?: number;
  /** `false` turns throttling off; default: ARM's buckets and Compute's policies on (COMPUTE_SAMPLE_LIMITS). */
  throttling?: false | ThrottlingOptions;
  clock?: Clock;
  /** How an instance's managed identity reads a blob (see ProviderContext.identityDownload). */
  identityDownload?: IdentityDownload;
}

export interface EmulatorHandle {
  armEndpoint: string;
  caCertFile: string;
  caCertPem: string;
  subscriptionId: string;
  /** Plain-HTTP admin API base, `http://127.0.0.1:<port>/_emulator` (also served under the HTTPS endpoint). */
  adminUrl: string;
  requestLog: RequestLog;
  faults: FaultController;
  events: ResourceEventLog;
  delivery: EventDelivery;
  context: ProviderContext;
  routes: RouteTable;
  close(): Promise<void>;
}

export const DEFAULT_TIMING: EmulatorTiming = { networkOperationMs: 0, instanceProvisionMs: 0, extensionRunMs: 0, pageLatencyMs: 0, healthProbeIntervalMs: 100, ...AZURE_LIST_PAGE_LATENCY };

const emptyDirectory: InstanceDirectory = { membersOfBackendPool: () => [], instance: () => undefined };

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const subscriptionId = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const stateDir = path.resolve(options.stateDir ?? path.join(process.cwd(), '.local', 'emulator'));
  const tls = await loadOrCreateTls(stateDir);
  const clock = options.clock ?? scaledClock({ timeScale: options.timeScale ?? 1, ...(options.clockOriginMs !== undefined ? { originMs: options.clockOriginMs } : {}) });
  const store = new MemoryResourceStore();
  const routes = new RouteTable();
  const requestLog = new RequestLog();
  const faults = new FaultController();
  const throttler = new Throttler(options.throttling ?? {}, clock);
  const lro = new LroRegistry(clock, faults, (error) => console.error('[emulator] operation failed unexpectedly:', error), () => context.timing);
  const events = new ResourceEventLog(clock);
  const addressMap = new MemoryAddressMap();
  const shutdownHooks: Array<() => Promise<void> | void> = [];
  const context: ProviderContext = {
    router: routes,
    store,
    lro,
    clock,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    addressMap,
    events,
    faults,
    subnets: new SubnetIpAllocator(store),
    instances: emptyDirectory,
    baseUrl: '',
    onShutdown: (hook) => shutdownHooks.push(hook),
    ...(options.identityDownload ? { identityDownload: options.identityDownload } : {}),
  };

  const delivery = new EventDelivery(events);
  shutdownHooks.push(() => delivery.close());

  /** Simulated Azure Monitor autoscale: change capacity, then call the setting's webhooks like autoscale does. */
  const autoscale = async (body: unknown): Promise<ArmResponse> => {
    const b = (body ?? {}) as { resourceGroup?: unknown; scaleSet?: unknown; delta?: unknown };
    if (typeof b.resourceGroup !== 'string' || typeof b.scaleSet !== 'string' || !Number.isInteger(b.delta) || b.delta === 0) {
      return json(400, { error: 'InvalidAutoscale', problems: ['body must be { resourceGroup, scaleSet, delta: non-zero integer }'] });
    }
    if (!context.simulatedAutoscale) return json(500, { error: 'compute provider missing' });
    try {
      const change = await context.simulatedAutoscale({ subscriptionId, resourceGroup: b.resourceGroup, scaleSet: b.scaleSet, delta: b.delta as number });
      const settings = store.list<{ id: string; name: string; properties: { targetResourceUri?: string; notifications?: Array<{ webhooks?: Array<{ serviceUri?: string }> }> } }>({ subscriptionId, type: 'Microsoft.Insights/autoscalesettings' })
        .filter((s) => (s.properties.targetResourceUri ?? '').toLowerCase() === change.scaleSetId.toLowerCase());
      const webhooks = settings.flatMap((s) => (s.properties.notifications ?? []).flatMap((n) => (n.webhooks ?? []).map((w) => ({ setting: s, uri: w.serviceUri }))));
      const calls = await Promise.all(
        webhooks.filter((w): w is { setting: (typeof settings)[number]; uri: string } => typeof w.uri === 'string').map(async ({ setting, uri }) => {
          const res = await fetch(uri, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              version: '1.0',
              status: 'Activated',
              operation: change.newCapacity > change.oldCapacity ? 'Scale Out' : 'Scale In',
              context: {
                timestamp: clock.now().toISOString(),
                id: setting.id,
                name: setting.name,
                details: `Autoscale successfully started scale operation for resource '${b.scaleSet as string}' from capacity '${change.oldCapacity}' to capacity '${change.newCapacity}'`,
                subscriptionId,
                resourceGroupName: b.resourceGroup,
                resourceName: b.scaleSet,
                resourceType: 'microsoft.compute/virtualmachinescalesets',
                resourceId: change.scaleSetId,
                portalLink: 'https://portal.azure.com',
                resourceRegion: 'koreacentral',
                oldCapacity: String(change.oldCapacity),
                newCapacity: String(change.newCapacity),
              },
              properties: {},
            }),
          }).catch((e: unknown) => ({ status: 0, statusText: String(e) }));
          return { status: res.status };
        }),
      );
      return json(200, { ...change, webhooks: calls });
    } catch (error) {
      return json(404, { error: (error as Error).message });
    }
  };

  lro.register(routes);
  const deletedListeners: Array<(ids: string[]) => void> = [];
  registerResourceGroupProvider(context, store, { onResourcesDeleted: (ids) => deletedListeners.forEach((l) => l(ids)) });
  registerNetworkProvider(context);
  registerComputeProvider(context);
  registerInsightsProvider(context);

  const json = (status: number, body: unknown): ArmResponse => ({ status, body });
  const admin: AdminApi = {
    handle: async (method, adminPath, url, body) => {
      const route = `${method} ${adminPath.replace(/\/+$/, '')}`;
      switch (route) {
        case 'GET /_emulator/health':
          return json(200, { status: 'ok', subscriptionId });
        case 'GET /_emulator/request-log': {
          const since = url.searchParams.get('since');
          return json(200, { lastSeq: requestLog.lastSeq, entries: requestLog.entries(since ? { since: Number(since) } : {}) });
        }
        case 'DELETE /_emulator/request-log':
          requestLog.clear();
          return json(200, { cleared: true });
        case 'POST /_emulator/faults': {
          const specs = Array.isArray(body) ? (body as unknown[]) : [body];
          const problems: string[] = [];
          for (const spec of specs) {
            const added = faults.add(spec);
            if (!added.ok) problems.push(...added.problems);
          }
          return problems.length ? json(400, { error: 'InvalidFault', problems }) : json(200, { added: specs.length });
        }
        case 'DELETE /_emulator/faults':
          faults.clear();
          return json(200, { cleared: true });
        case 'GET /_emulator/address-map': {
          // `?address=ip:port` (repeatable): just those entries, for a caller that needs one front end.
          const only = url.searchParams.getAll('address');
          if (only.length === 0) return json(200, addressMap.snapshot());
          return json(200, Object.fromEntries(only.flatMap((a) => { const local = addressMap.resolve(a); return local ? [[a, local]] : []; })));
        }
        case 'GET /_emulator/events':
          return json(200, { events: events.list() });
        case 'POST /_emulator/event-subscriptions': {
          const b = (body ?? {}) as { endpoint?: unknown };
          if (typeof b.endpoint !== 'string' || !/^https?:\/\//.test(b.endpoint)) return json(400, { error: 'InvalidSubscription', problems: ['endpoint: an http(s) URL is required'] });
          const added = await delivery.add(body as Parameters<EventDelivery['add']>[0]);
          return json(added.validated ? 200 : 400, added);
        }
        case 'GET /_emulator/event-subscriptions':
          return json(200, { subscriptions: delivery.list() });
        case 'POST /_emulator/autoscale':
          return autoscale(body);
        case 'GET /_emulator/timing':
          return json(200, context.timing);
        case 'POST /_emulator/timing': {
          // Timing is read at each use, so a change applies to the next operation or page answer.
          const change = parseTimingChange(body);
          if (!change.ok) return json(400, { error: 'InvalidTiming', problems: change.problems });
          Object.assign(context.timing, change.timing);
          return json(200, context.timing);
        }
        case 'GET /_emulator/quotas':
          return json(200, context.computeQuotas?.snapshot() ?? {});
        case 'POST /_emulator/quotas': {
          // Regional vCPU quota limits (compute/usages.ts): `{ location?: '<region>' | '*', limits: { cores?: n, <family>?: n } }`.
          const problems = context.computeQuotas?.set(body) ?? ['compute provider missing'];
          return problems.length ? json(400, { error: 'InvalidQuota', problems }) : json(200, context.computeQuotas?.snapshot() ?? {});
        }
        case 'DELETE /_emulator/quotas':
          context.computeQuotas?.reset();
          return json(200, { reset: true });
        case 'GET /_emulator/routes':
          return json(200, { routes: routes.list() });
        case 'POST /_emulator/reset':
          requestLog.clear();
          faults.clear();
          throttler.reset();
          return json(200, { reset: true });
        default:
          return undefined;
      }
    },
  };

  const server = createEmulatorServer({
    routes,
    requestLog,
    throttler,
    faults,
    context,
    admin,
    tls: { cert: tls.serverCertPem, key: tls.serverKeyPem },
    onBaseUrl: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const armEndpoint = `https://127.0.0.1:${port}`;
  const adminServer = createAdminServer(admin);
  await new Promise<void>((resolve, reject) => {
    adminServer.once('error', reject);
    adminServer.listen(options.adminPort ?? 0, '127.0.0.1', () => resolve());
  });
  const adminUrl = `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}/_emulator`;
  context.baseUrl = armEndpoint;
  lro.baseUrl = armEndpoint;

  let closed = false;
  return {
    armEndpoint,
    caCertFile: tls.caCertFile,
    caCertPem: tls.caCertPem,
    subscriptionId,
    adminUrl,
    requestLog,
    faults,
    events,
    delivery,
    context,
    routes,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const hook of shutdownHooks.reverse()) await hook();
      await Promise.all(
        [server, adminServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
