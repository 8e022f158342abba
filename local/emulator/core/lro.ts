/**
 * Long-running operations as the SDK pollers expect them (see arm-wire-contract.md):
 * PUT/PATCH answer with `Azure-AsyncOperation`; POST/DELETE also with
 * `Location: …/operations/{id}?monitor=true`, which answers 202 while running and 200 when done.
 * The status body is `{ name, startTime, endTime?, status, error? }`.
 *
 * Work runs after the operation's simulated duration (Azure time, scaled by the clock). While it
 * runs, a status poll answers with the `Retry-After` the timing asks for
 * (`operationRetryAfterSeconds`, Azure's profile: 10 s) — or, with 0, is held open up to a second
 * (a long poll), so pollers told `Retry-After: 0` neither spin nor wait the SDK's default 2 s.
 * A `firstPoll` fault fails an operation's first status poll (500/503), as a flaky ARM front door
 * can; the operation itself goes on.
 */
import { randomUUID } from 'node:crypto';
import { ArmError } from './contract';
import type { ArmRequest, ArmResponse, Clock, EmulatorTiming, LroManager, Router } from './contract';
import type { FaultController } from './faults';

type Status = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

interface Operation {
  id: string;
  status: Status;
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
  done: Promise<void>;
  /** Injected: the first status poll fails with this status. */
  firstPollFails?: 500 | 503;
}

const API_VERSIONS: Record<string, string> = {
  'microsoft.compute': '2026-04-01',
  'microsoft.network': '2026-01-01',
  'microsoft.insights': '2022-10-01',
  'microsoft.resources': '2025-04-01',
};

const LONG_POLL_MS = 1000;

export class LroRegistry implements LroManager {
  private readonly operations = new Map<string, Operation>();
  baseUrl = '';

  constructor(
    private readonly clock: Clock,
    private readonly faults: FaultController,
    private readonly onError: (error: unknown) => void,
    /** Read at each use, so a timing change applies to the next answer. */
    private readonly timing: () => Pick<EmulatorTiming, 'operationRetryAfterSeconds'> = () => ({}),
  ) {}

  private retryAfter(): string {
    return String(this.timing().operationRetryAfterSeconds ?? 0);
  }

  begin(options: Parameters<LroManager['begin']>[0]): Record<string, string> {
    const id = randomUUID();
    const op: Operation = { id, status: 'InProgress', startTime: this.clock.now().toISOString(), done: Promise.resolve() };
    const run = async (): Promise<void> => {
      if ((options.durationMs ?? 0) > 0) await this.clock.sleep(options.durationMs ?? 0);
      else await new Promise((resolve) => setImmediate(resolve));
      const injected = this.faults.takeLroFailure(options.template);
      try {
        if (injected) throw new ArmError(500, injected.code, injected.message);
        await options.work();
        op.status = 'Succeeded';
      } catch (error) {
        op.status = 'Failed';
        op.error =
          error instanceof ArmError
            ? { code: error.code, message: error.message }
            : { code: 'InternalOperationError', message: error instanceof Error ? error.message : String(error) };
        if (!(error instanceof ArmError)) this.onError(error);
        if (op.error) options.onFailure?.(op.error);
      }
      op.endTime = this.clock.now().toISOString();
    };
    op.done = run();
    const firstPollFails = this.faults.takeFirstPollFault(options.template);
    if (firstPollFails) op.firstPollFails = firstPollFails;
    this.operations.set(id, op);
    const apiVersion = API_VERSIONS[options.provider.toLowerCase()] ?? '2025-01-01';
    const url = `${this.baseUrl}/subscriptions/${options.subscriptionId}/providers/${options.provider}/locations/${options.location}/operations/${id}?api-version=${apiVersion}`;
    const headers: Record<string, string> = { 'Azure-AsyncOperation': url, 'Retry-After': this.retryAfter() };
    if (options.method === 'POST' || options.method === 'DELETE') headers.Location = `${url}&monitor=true`;
    return headers;
  }

  /** Waits for every operation started so far (tests and orderly shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.operations.values()].map((op) => op.done));
  }

  register(router: Router): void {
    for (const provider of ['Microsoft.Compute', 'Microsoft.Network', 'Microsoft.Insights', 'Microsoft.Resources']) {
      router.add({
        method: 'GET',
        template: `/subscriptions/{subscriptionId}/providers/${provider}/locations/{location}/operations/{operationId}`,
        kind: 'read',
        action: `${provider}/locations/operations/read`,
        computePolicies: provider === 'Microsoft.Compute' ? ['GetOperation3Min', 'GetOperation30Min'] : undefined,
        handler: (req) => this.status(req),
      });
    }
  }

  private async status(req: ArmRequest): Promise<ArmResponse> {
    const op = this.operations.get(req.params.operationId ?? '');
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${req.params.operationId}' was not found.`);
    if (op.firstPollFails) {
      const status = op.firstPollFails;
      delete op.firstPollFails;
      throw new ArmError(status, status === 500 ? 'InternalServerError' : 'ServiceUnavailable', `Injected fault: the first status poll of operation ${op.id} failed with ${status}.`);
    }
    const retryAfter = this.retryAfter();
    if (op.status === 'InProgress' && retryAfter === '0') {
      await Promise.race([op.done, new Promise((resolve) => setTimeout(resolve, LONG_POLL_MS).unref())]);
    }
    const monitor = req.query.get('monitor') === 'true';
    const body = {
      name: op.id,
      startTime: op.startTime,
      status: op.status,
      ...(op.endTime ? { endTime: op.endTime } : {}),
      ...(op.error ? { error: op.error } : {}),
    };
    if (monitor && op.status === 'InProgress') return { status: 202, headers: { 'Retry-After': retryAfter } };
    return { status: 200, body, headers: op.status === 'InProgress' ? { 'Retry-After': retryAfter } : {} };
  }
}
