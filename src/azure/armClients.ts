/**
 * One place that builds the Azure SDK clients from settings. The SDK packages are loaded lazily
 * (on first use, not at import time) so the Function App's cold start stays small: the HTTP and
 * timer entry points that never touch ARM never pay for loading arm-compute/arm-network.
 *
 * In Azure: DefaultAzureCredential (the user-assigned managed identity via AZURE_CLIENT_ID).
 * In the local cloud: a static token against the emulator's loopback endpoint, whose own CA is
 * trusted through `tlsOptions.ca` (the real SDK clients, unchanged, over HTTPS).
 */
import { readFileSync } from 'node:fs';
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { MonitorClient } from '@azure/arm-monitor';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { AppSettings } from '../settings';
import { operationRetryAfterPolicy, type OperationClient, type StartedPoller } from './armOperations';
import { armReadBudgetFor, armReadPacerPolicy } from './armReadPacer';

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading keeps cold start small (see header) */
const loadCompute = (): typeof import('@azure/arm-compute') => require('@azure/arm-compute') as typeof import('@azure/arm-compute');
const loadNetwork = (): typeof import('@azure/arm-network') => require('@azure/arm-network') as typeof import('@azure/arm-network');
const loadMonitor = (): typeof import('@azure/arm-monitor') => require('@azure/arm-monitor') as typeof import('@azure/arm-monitor');
const loadResources = (): typeof import('@azure/arm-resources') => require('@azure/arm-resources') as typeof import('@azure/arm-resources');
const loadIdentity = (): typeof import('@azure/identity') => require('@azure/identity') as typeof import('@azure/identity');
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ArmClients {
  subscriptionId: string;
  compute(): ComputeManagementClient;
  network(): NetworkManagementClient;
  monitor(): MonitorClient;
  resources(): ResourceManagementClient;
  /** Rebuilds an SDK poller from its serialised state (the package's `restorePoller`), to poll it once. */
  restorePoller(client: OperationClient, state: string): StartedPoller;
}

/** A fixed bearer token: the emulator accepts any token; Azure never sees this (loopback only, enforced by settings). */
function staticTokenCredential(): TokenCredential {
  return {
    getToken: async () => ({ token: 'friday-local-emulator-token', expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }),
  };
}

function credentialFor(settings: AppSettings): TokenCredential {
  if (settings.FRIDAY_ARM_AUTH === 'local-static-token') return staticTokenCredential();
  const { DefaultAzureCredential } = loadIdentity();
  return new DefaultAzureCredential(settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {});
}

/** Seconds from a 429's Retry-After (seconds or HTTP date) or retry-after-ms / x-ms-retry-after-ms. */
function retryAfterSeconds(response: PipelineResponse, now: number): number | undefined {
  const ms = response.headers.get('retry-after-ms') ?? response.headers.get('x-ms-retry-after-ms');
  if (ms !== undefined && /^\d+$/.test(ms)) return Number(ms) / 1000;
  const value = response.headers.get('retry-after');
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, (at - now) / 1000) : undefined;
}

/**
 * The SDK's own retry covers 429 only when ARM says how long to wait (Retry-After); a 429 without
 * it would go straight back to the caller. This policy waits with jittered exponential backoff
 * (0.5 s, 1 s, 2 s, 4 s) and tries again, so short throttling bursts never reach the orchestration.
 */
export const throttledWithoutRetryAfterPolicy: PipelinePolicy = {
  name: 'fridayThrottledWithoutRetryAfter',
  async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await next(request);
      if (response.status !== 429 || retryAfterSeconds(response, Date.now()) !== undefined || attempt >= 4) return response;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt * (0.8 + Math.random() * 0.4)));
    }
  },
};

/** ARM answered 429 and asked for a longer wait than an activity should spend asleep. */
export class ArmThrottledError extends Error {
  readonly statusCode = 429;
  readonly code = 'Throttled';
  constructor(
    readonly retryAfterSeconds: number,
    detail: string,
  ) {
    super(`ARM throttled the request and asked to retry after ${retryAfterSeconds} s${detail}`);
    this.name = 'ArmThrottledError';
  }
}

/**
 * Inside the SDK's retry loop: a 429 whose Retry-After is longer than `maxInlineSeconds` is not
 * slept on here (the SDK would wait as told, in a billed invocation bounded by the Functions
 * timeout); it is thrown as ArmThrottledError, which the retry policy passes straight up, so the
 * orchestration can wait on a durable timer instead.
 */
export function longThrottlePolicy(maxInlineSeconds: number): PipelinePolicy {
  return {
    name: 'fridayLongThrottle',
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      const response = await next(request);
      if (response.status !== 429) return response;
      const seconds = retryAfterSeconds(response, Date.now());
      if (seconds === undefined || seconds <= maxInlineSeconds) return response;
      const policy = response.headers.get('x-ms-ratelimit-remaining-resource');
      throw new ArmThrottledError(Math.ceil(seconds), policy ? ` (${policy})` : '');
    },
  };
}

/** ARM did not answer one request within the timeout (transient: a later try may be answered). */
export class ArmRequestTimeoutError extends Error {
  readonly code = 'ArmRequestTimeout';
  constructor(description: string, seconds: number) {
    super(`ARM did not answer ${description} within ${seconds} s`);
    this.name = 'ArmRequestTimeoutError';
  }
}

/**
 * Gives every ARM request a deadline (the SDK sets none: a request that is never answered would
 * hold the activity until the Functions timeout cut it off), and turns the transport's bare
 * "The operation was aborted." into an error that says which request went unanswered.
 */
export function requestTimeoutPolicy(seconds: number): PipelinePolicy {
  return {
    name: 'fridayArmRequestTimeout',
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      if (!request.timeout) request.timeout = seconds * 1000;
      try {
        return await next(request);
      } catch (error) {
        const callerAborted = request.abortSignal?.aborted === true;
        if (callerAborted || (error as { name?: string } | null)?.name !== 'AbortError') throw error;
        throw new ArmRequestTimeoutError(`${request.method} ${new URL(request.url).pathname}`, request.timeout / 1000);
      }
    },
  };
}

function clientOptions(settings: AppSettings): { endpoint: string; tlsOptions?: { ca: string }; additionalPolicies: Array<{ policy: PipelinePolicy; position: 'perCall' | 'perRetry' }> } {
  const options: ReturnType<typeof clientOptions> = {
    endpoint: settings.FRIDAY_ARM_ENDPOINT,
    additionalPolicies: [
      { policy: throttledWithoutRetryAfterPolicy, position: 'perCall' },
      { policy: operationRetryAfterPolicy, position: 'perCall' },
      { policy: longThrottlePolicy(settings.FRIDAY_ARM_MAX_INLINE_WAIT_SECONDS), position: 'perRetry' },
      { policy: requestTimeoutPolicy(settings.FRIDAY_ARM_REQUEST_TIMEOUT_SECONDS), position: 'perRetry' },
      // Innermost, next to the wire: every attempt of every read draws on the subscription's one
      // budget, which every client of this process shares (armReadPacer.ts).
      { policy: armReadPacerPolicy(armReadBudgetFor(settings.FRIDAY_ARM_ENDPOINT, settings.AZURE_SUBSCRIPTION_ID)), position: 'perRetry' },
    ],
  };
  if (settings.FRIDAY_ARM_CA_CERT_FILE) options.tlsOptions = { ca: readFileSync(settings.FRIDAY_ARM_CA_CERT_FILE, 'utf8') };
  return options;
}

/** Builds (lazily, once each) the ARM clients for the given settings. */
export function createArmClients(settings: AppSettings): ArmClients {
  let credential: TokenCredential | undefined;
  const cred = (): TokenCredential => (credential ??= credentialFor(settings));
  let compute: ComputeManagementClient | undefined;
  let network: NetworkManagementClient | undefined;
  let monitor: MonitorClient | undefined;
  let resources: ResourceManagementClient | undefined;
  const subscriptionId = settings.AZURE_SUBSCRIPTION_ID;
  return {
    subscriptionId,
    compute: () => (compute ??= new (loadCompute().ComputeManagementClient)(cred(), subscriptionId, clientOptions(settings))),
    network: () => (network ??= new (loadNetwork().NetworkManagementClient)(cred(), subscriptionId, clientOptions(settings))),
    monitor: () => (monitor ??= new (loadMonitor().MonitorClient)(cred(), subscriptionId, clientOptions(settings))),
    resources: () => (resources ??= new (loadResources().ResourceManagementClient)(cred(), subscriptionId, clientOptions(settings))),
    restorePoller(client, state) {
      // `restorePoller` finds the operation by the state's request URL and method; the last argument only names it in errors.
      if (client === 'compute') {
        const c = this.compute();
        return loadCompute().restorePoller(c, state, c.virtualMachineScaleSets.createOrUpdate);
      }
      const n = this.network();
      return loadNetwork().restorePoller(n, state, n.applicationGateways.createOrUpdate);
    },
  };
}

let shared: { settings: AppSettings; clients: ArmClients } | undefined;

/** Process-wide clients for the given settings (reused across invocations, like the host would). */
export function armClientsFor(settings: AppSettings): ArmClients {
  if (!shared || shared.settings !== settings) shared = { settings, clients: createArmClients(settings) };
  return shared.clients;
}
