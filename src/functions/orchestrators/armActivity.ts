/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- durable-functions types every `yield` result as any; callers annotate what each activity returns */
/**
 * ARM activities called from orchestrations. Transient failures are retried by the durable retry
 * policy (a few seconds apart); when ARM throttles and asks for a long wait (Compute can say 120 to
 * 1,200 s), the activity returns that as data instead of sleeping in a billed, time-limited
 * invocation, and the orchestration waits on a durable timer before calling again. Long-running
 * operations are handled the same way: the activity starts one and returns its handle, and the
 * orchestration polls it between durable timers (waitForOperation).
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { OperationProgress } from '../../azure/armOperations';
import type { StepOutcome } from '../../azure/armStep';
import { ACTIVITY } from '../activities/names';
import { retryPolicy } from '../durable';

/** Attempts at an ARM activity whose failures are transient (the first included). */
export const ARM_ATTEMPTS = 5;

/** Transient ARM failures (thrown by activities): retried with backoff, 2 s doubling to at most 60 s, five attempts. */
export const armRetry = retryPolicy({ firstRetryIntervalMs: 2000, maxAttempts: ARM_ATTEMPTS, backoffCoefficient: 2, maxRetryIntervalMs: 60_000 });

/**
 * How armStep throws a transient failure (`<step>: <code> (HTTP <status>) <message>`), as the
 * orchestration sees it: the library prefixes the error type (`Error: …`); the Functions host may
 * append details on later lines.
 */
const TRANSIENT_STEP_FAILURE = /^(?:\w+: )?(\w+): (\S+) \(HTTP (\d+|\?)\) ([^\n]*)/;

/**
 * The activity's result; when its transient failure outlasted every retry, that failure as a step
 * outcome (step, ARM code, message) — so the run reports it like any ARM failure, with the step
 * and what is already in place, instead of ending on the retry library's bare error.
 */
function* callWithRetries(context: OrchestrationContext, name: string, input: unknown): Generator<Task, any, any> {
  try {
    return yield context.df.callActivityWithRetry(name, armRetry(), input);
  } catch (error) {
    const m = TRANSIENT_STEP_FAILURE.exec(error instanceof Error ? error.message : String(error));
    if (!m) throw error;
    const statusCode = Number(m[3]);
    return { ok: false, failure: { step: m[1], code: m[2], ...(Number.isInteger(statusCode) ? { statusCode } : {}), message: `${(m[4] ?? '').trim()} (still failing after ${ARM_ATTEMPTS} attempts)`, transient: true } };
  }
}

/** Total time one call may spend waiting out throttling before its failure is reported. */
export const MAX_THROTTLE_WAIT_SECONDS = 3600;

/** The wait ARM asked for, when an activity's outcome is "throttled" (see armStep). */
export function throttledFor(result: unknown): number | undefined {
  const r = result as { ok?: boolean; failure?: { code?: string; retryAfterSeconds?: number } } | null;
  if (r?.ok !== false || r.failure?.code !== 'Throttled') return undefined;
  const seconds = r.failure.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

/**
 * Tries of a write ARM refused because another operation on the resource was in progress (the
 * first included). Azure does not queue such a write: it answers 409 `Conflict` ("The request failed
 * due to conflict with a concurrent request…") and the caller must send it again later
 * (kubernetes-sigs/cloud-provider-azure#2386 retries it; microsoft/onefuzz#2124).
 */
export const CONFLICT_TRIES = 8;
/** Wait before the second try when ARM sends no Retry-After; doubles each time, up to the cap. */
export const CONFLICT_FIRST_WAIT_SECONDS = 15;
export const CONFLICT_MAX_WAIT_SECONDS = 240;

/** Codes ARM answers a write with (HTTP 409) while another operation on the resource is in progress. */
const CONCURRENT_OPERATION_CODES = new Set(['Conflict', 'AnotherOperationInProgress']);

/** When an activity's outcome is ARM's "another operation is in progress" refusal: its failure. */
export function conflictOf(result: unknown): { message: string; retryAfterSeconds?: number } | undefined {
  const r = result as { ok?: boolean; failure?: { code?: string; statusCode?: number; message?: string; retryAfterSeconds?: number } } | null;
  if (r?.ok !== false || r.failure?.statusCode !== 409 || !CONCURRENT_OPERATION_CODES.has(r.failure.code ?? '')) return undefined;
  return { message: r.failure.message ?? '', ...(r.failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: r.failure.retryAfterSeconds } : {}) };
}

/** The wait before try `tries + 1`: ARM's Retry-After when it sent one, else 15 s doubling up to 240 s. */
export function conflictWaitSeconds(tries: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) return retryAfterSeconds;
  return Math.min(CONFLICT_MAX_WAIT_SECONDS, CONFLICT_FIRST_WAIT_SECONDS * 2 ** (tries - 1));
}

/**
 * Calls an ARM activity (or takes the result of one already scheduled, `scheduled`) and, while ARM
 * answers "throttled, come back in N s", waits N s on a durable timer and calls again — at most
 * MAX_THROTTLE_WAIT_SECONDS in all. A write refused with 409 because another operation on the
 * resource is in progress (someone else's scale, an autoscale, a reimage) is waited out the same
 * way — a durable timer, never a sleep in the activity — and sent again, at most CONFLICT_TRIES
 * times; then the refusal comes back as the step's failure, saying how long it waited. Returns the
 * activity's result (a transient failure that outlasted every retry comes back as a failed step
 * outcome, see callWithRetries).
 */
export function* armActivity(context: OrchestrationContext, name: string, input: unknown, scheduled?: Task): Generator<Task, any, any> {
  let result = scheduled ? scheduled.result : yield* callWithRetries(context, name, input);
  let waited = 0;
  let tries = 1;
  let conflictWaited = 0;
  const progress = context.df.customStatus;
  for (;;) {
    const wait = throttledFor(result);
    if (wait !== undefined && waited + wait <= MAX_THROTTLE_WAIT_SECONDS) {
      waited += wait;
      const retryAt = new Date(context.df.currentUtcDateTime.getTime() + wait * 1000);
      // A wait of minutes must not look like a hung run: the status keeps its step and says why.
      context.df.setCustomStatus(throttledStatus(progress, { activity: name, waitSeconds: wait, retryAt: retryAt.toISOString(), waitedSeconds: waited }));
      yield context.df.createTimer(retryAt);
      result = yield* callWithRetries(context, name, input);
      continue;
    }
    const conflict = conflictOf(result);
    if (conflict && tries < CONFLICT_TRIES) {
      const seconds = conflictWaitSeconds(tries, conflict.retryAfterSeconds);
      conflictWaited += seconds;
      const retryAt = new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000);
      context.df.setCustomStatus(conflictStatus(progress, { activity: name, tries, maxTries: CONFLICT_TRIES, waitSeconds: seconds, retryAt: retryAt.toISOString(), waitedSeconds: conflictWaited, armMessage: conflict.message }));
      yield context.df.createTimer(retryAt);
      tries++;
      result = yield* callWithRetries(context, name, input);
      continue;
    }
    if (conflict) {
      const failure = (result as Extract<StepOutcome<unknown>, { ok: false }>).failure;
      result = { ok: false, failure: { ...failure, message: `${failure.message} Another operation on the resource was still in progress after ${tries} tries over ${conflictWaited} s of waiting; run this again once it has finished.`, transient: false } };
    }
    break;
  }
  if (waited > 0 || tries > 1) context.df.setCustomStatus(progress);
  return result;
}

export interface ConflictWait {
  activity: string;
  /** Tries so far (each refused with 409). */
  tries: number;
  maxTries: number;
  waitSeconds: number;
  retryAt: string;
  /** All the waiting for conflicts this call has done so far, this wait included. */
  waitedSeconds: number;
  armMessage: string;
}

/** The run's progress while a write waits for another operation on the resource: its own status (step kept) plus the wait. */
export function conflictStatus(progress: unknown, wait: ConflictWait): Record<string, unknown> {
  const base = progress !== null && typeof progress === 'object' && !Array.isArray(progress) ? (progress as Record<string, unknown>) : {};
  return { ...base, message: `another operation is in progress (409 Conflict, try ${wait.tries} of ${wait.maxTries}): waiting ${wait.waitSeconds} s, then ${wait.activity} runs again at ${wait.retryAt}`, conflict: wait };
}

export interface ThrottleWait {
  activity: string;
  waitSeconds: number;
  retryAt: string;
  /** All the waiting this call has done so far, this wait included. */
  waitedSeconds: number;
}

/** The run's progress while it waits out throttling: its own status (step kept) plus the wait. */
export function throttledStatus(progress: unknown, wait: ThrottleWait): Record<string, unknown> {
  const base = progress !== null && typeof progress === 'object' && !Array.isArray(progress) ? (progress as Record<string, unknown>) : {};
  return { ...base, message: `ARM is throttling: waiting ${wait.waitSeconds} s as it asked, then ${wait.activity} runs again at ${wait.retryAt}`, throttled: wait };
}

/** Longest a run waits for one long-running operation before reporting it as stuck. */
export const MAX_OPERATION_WAIT_SECONDS = 3 * 3600;

export interface OperationWait {
  operation: string;
  since: string;
  polls: number;
  retryAt: string;
  waitedSeconds: number;
}

/**
 * Waits for a long-running operation an activity started (its handle in `operation`): a durable
 * timer for the `Retry-After` ARM asked, then one status poll in a short activity, until the
 * operation is done — no invocation sits in the SDK's poll loop, however long Azure takes. While it
 * waits, the run's progress keeps its step and says what it waits for. Returns a failed outcome
 * when the operation ends Failed (or waits past MAX_OPERATION_WAIT_SECONDS), undefined when done.
 */
export function* waitForOperation(
  context: OrchestrationContext,
  step: string,
  operation: OperationProgress | undefined,
): Generator<Task, Extract<StepOutcome<unknown>, { ok: false }> | undefined, any> {
  let current = operation;
  if (!current || current.done) return undefined;
  const progress = context.df.customStatus;
  const since = context.df.currentUtcDateTime;
  let polls = 0;
  while (!current.done) {
    const waitedSeconds = (context.df.currentUtcDateTime.getTime() - since.getTime()) / 1000;
    if (waitedSeconds > MAX_OPERATION_WAIT_SECONDS) {
      context.df.setCustomStatus(progress);
      return { ok: false, failure: { step, code: 'OperationTimedOut', message: `${current.handle.description} was still running after ${Math.round(waitedSeconds)} s`, transient: false } };
    }
    const retryAt = new Date(context.df.currentUtcDateTime.getTime() + current.retryAfterSeconds * 1000);
    const wait: OperationWait = { operation: current.handle.description, since: since.toISOString(), polls, retryAt: retryAt.toISOString(), waitedSeconds: Math.round(waitedSeconds) };
    context.df.setCustomStatus(operationStatus(progress, wait, current.retryAfterSeconds));
    yield context.df.createTimer(retryAt);
    const polled: StepOutcome<OperationProgress> = yield* armActivity(context, ACTIVITY.pollArmOperation, { step, handle: current.handle });
    polls++;
    if (!polled.ok) {
      context.df.setCustomStatus(progress);
      return polled;
    }
    current = polled.value;
  }
  context.df.setCustomStatus(progress);
  return undefined;
}

/** The run's progress while it waits for an operation: its own status (step kept) plus the wait. */
export function operationStatus(progress: unknown, wait: OperationWait, retryAfterSeconds: number): Record<string, unknown> {
  const base = progress !== null && typeof progress === 'object' && !Array.isArray(progress) ? (progress as Record<string, unknown>) : {};
  return { ...base, message: `waiting for ${wait.operation}: ${wait.waitedSeconds} s so far, Azure asked to check again in ${retryAfterSeconds} s`, waiting: wait };
}

/**
 * Calls an activity that may start a long-running operation (its result's `operation`) and waits
 * for that operation as waitForOperation does. Returns the activity's outcome, or the operation's
 * failure.
 */
export function* armOperation<T extends { operation?: OperationProgress }>(context: OrchestrationContext, name: string, input: unknown, step: string): Generator<Task, StepOutcome<T>, any> {
  const outcome: StepOutcome<T> = yield* armActivity(context, name, input);
  if (!outcome.ok) return outcome;
  const failed = yield* waitForOperation(context, step, outcome.value.operation);
  return failed ?? outcome;
}
