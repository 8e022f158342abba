/**
 * ARM long-running operations, started in one activity and polled in later ones — never waited
 * out inside an invocation. A scale set or Application Gateway create takes minutes to a quarter
 * of an hour; an activity bounded by `functionTimeout` (10 minutes) that sat in `pollUntilDone()`
 * would be cut off, its worker restarted and its retry met by "operation in progress".
 *
 * How (core-lro 3, the poller of the new-generation SDKs): the SDK call returns a PollerLike that
 * sends nothing until asked. `submitted()` sends the request and reads ARM's answer (201/202 with
 * `Azure-AsyncOperation`/`Location`); `serialize()` gives the poller's state as JSON text
 * (`{state:{status, config:{initialRequestUrl, requestMethod, operationLocation, metadata}}}`) —
 * the handle an orchestration keeps. A later activity rebuilds the poller with the package's
 * `restorePoller(client, state, operation)` and calls `poll()` once: one GET of the status URL
 * (and, once done, the SDK's final GET). The `Retry-After` ARM sends with each answer is read off
 * the response by a pipeline policy, and the orchestration waits that long on a durable timer.
 * Sources: @azure/core-lro 3.3 `poller/poller.js` (submitted, poll, serialize, restoreFrom),
 * @azure/arm-compute 25 `restorePollerHelpers.js`, and "Track asynchronous Azure operations"
 * (learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import type { ArmClients } from './armClients';

/** Which SDK client's pipeline (auth, endpoint, retries) polls an operation. */
export type OperationClient = 'compute' | 'network';

export interface OperationHandle {
  client: OperationClient;
  /** The SDK poller's serialised state (`await poller.serialize()`). */
  state: string;
  /** What is being waited for ("create applicationGateway agw-friday"), for progress and errors. */
  description: string;
}

export type OperationProgress = { done: true; description: string } | { done: false; handle: OperationHandle; retryAfterSeconds: number };

/** When ARM sends no Retry-After the client picks its own interval (the async-operations page); ours. */
export const DEFAULT_POLL_SECONDS = 15;

/** The minimal PollerLike surface used here (core-lro 3). */
export interface StartedPoller {
  readonly isDone: boolean;
  readonly operationState: { status: string; error?: Error } | undefined;
  submitted(): Promise<void>;
  poll(): Promise<unknown>;
  serialize(): Promise<string>;
}

const retryAfterScope = new AsyncLocalStorage<{ seconds?: number }>();

/** Records the Retry-After of ARM's answers while an operation is started or polled. */
export const operationRetryAfterPolicy: PipelinePolicy = {
  name: 'fridayOperationRetryAfter',
  async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const response = await next(request);
    const capture = retryAfterScope.getStore();
    const value = response.headers.get('retry-after');
    if (capture && value !== undefined && /^\d+$/.test(value) && response.status < 400) capture.seconds = Number(value);
    return response;
  },
};

/** The poller's state without a result body: the handle stays small in durable history. */
function handleState(serialised: string): string {
  const parsed = JSON.parse(serialised) as { state?: Record<string, unknown> };
  if (parsed.state) delete parsed.state.result;
  return JSON.stringify(parsed);
}

async function progressOf(client: OperationClient, description: string, poller: StartedPoller, retryAfter: number | undefined): Promise<OperationProgress> {
  if (poller.operationState?.status === 'failed') throw poller.operationState.error ?? new Error(`The long-running operation has failed. ${description}.`);
  if (poller.isDone) return { done: true, description };
  return { done: false, handle: { client, state: handleState(await poller.serialize()), description }, retryAfterSeconds: retryAfter ?? DEFAULT_POLL_SECONDS };
}

/**
 * Sends the request (`start` makes the SDK call, whose poller sends it at once) and returns as soon
 * as ARM has accepted it: done, or the handle to poll.
 */
export async function startOperation(client: OperationClient, description: string, start: () => StartedPoller): Promise<OperationProgress> {
  const capture: { seconds?: number } = {};
  // The poller is a thenable that polls to the end when awaited: it is passed on boxed, never resolved.
  const { poller } = await retryAfterScope.run(capture, async () => {
    const started = start();
    await started.submitted();
    return { poller: started };
  });
  return progressOf(client, description, poller, capture.seconds);
}

/** One status poll of an operation started earlier (possibly by another process). */
export async function pollOperationOnce(clients: ArmClients, handle: OperationHandle): Promise<OperationProgress> {
  const poller = clients.restorePoller(handle.client, handle.state);
  const capture: { seconds?: number } = {};
  await retryAfterScope.run(capture, () => poller.poll());
  return progressOf(handle.client, handle.description, poller, capture.seconds);
}
