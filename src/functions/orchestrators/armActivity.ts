/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- durable-functions types every `yield` result as any; callers annotate what each activity returns */
/**
 * ARM activities called from orchestrations. Transient failures are retried by the durable retry
 * policy (a few seconds apart); when ARM throttles and asks for a long wait (Compute can say 120 to
 * 1,200 s), the activity returns that as data instead of sleeping in a billed, time-limited
 * invocation, and the orchestration waits on a durable timer before calling again.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { retryPolicy } from '../durable';

/** Transient ARM failures (thrown by activities): retried with backoff, 2 s doubling to at most 60 s, five attempts. */
export const armRetry = retryPolicy({ firstRetryIntervalMs: 2000, maxAttempts: 5, backoffCoefficient: 2, maxRetryIntervalMs: 60_000 });

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
 * Calls an ARM activity (or takes the result of one already scheduled, `scheduled`) and, while ARM
 * answers "throttled, come back in N s", waits N s on a durable timer and calls again — at most
 * MAX_THROTTLE_WAIT_SECONDS in all. Returns the activity's result.
 */
export function* armActivity(context: OrchestrationContext, name: string, input: unknown, scheduled?: Task): Generator<Task, any, any> {
  let result = scheduled ? scheduled.result : yield context.df.callActivityWithRetry(name, armRetry(), input);
  let waited = 0;
  const progress = context.df.customStatus;
  for (let wait = throttledFor(result); wait !== undefined && waited + wait <= MAX_THROTTLE_WAIT_SECONDS; wait = throttledFor(result)) {
    waited += wait;
    const retryAt = new Date(context.df.currentUtcDateTime.getTime() + wait * 1000);
    // A wait of minutes must not look like a hung run: the status keeps its step and says why.
    context.df.setCustomStatus(throttledStatus(progress, { activity: name, waitSeconds: wait, retryAt: retryAt.toISOString(), waitedSeconds: waited }));
    yield context.df.createTimer(retryAt);
    result = yield context.df.callActivityWithRetry(name, armRetry(), input);
  }
  if (waited > 0) context.df.setCustomStatus(progress);
  return result;
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
