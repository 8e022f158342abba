/**
 * durable-functions, loaded on first use instead of at import. Registering a durable function only
 * takes binding metadata — the same the library declares (`orchestrationTrigger`,
 * `activityTrigger`, `durableClient`) — so the entry point imports `@azure/functions` alone, and
 * the library with its dependencies (axios, lodash, validator, moment…: most of a cold start) loads
 * when the first orchestration, activity or durable client actually runs. Handlers are wrapped
 * exactly as `df.app.orchestration` / `df.app.activity` wrap them.
 */
import { app, input, trigger, type FunctionInput, type InvocationContext } from '@azure/functions';
import type * as DurableFunctions from 'durable-functions';

/* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose (cold start) */
let library: typeof DurableFunctions | undefined;
export function durable(): typeof DurableFunctions {
  library ??= require('durable-functions') as typeof DurableFunctions;
  return library;
}
type Invoke = (triggerInput: unknown, context: InvocationContext) => Promise<unknown>;
// The wrapper df.app.orchestration uses (durable-functions 3.x keeps it in util/testingUtils).
const createOrchestrator = (handler: DurableFunctions.OrchestrationHandler): Invoke =>
  (require('durable-functions/lib/src/util/testingUtils') as { createOrchestrator(fn: DurableFunctions.OrchestrationHandler): Invoke }).createOrchestrator(handler);
/* eslint-enable @typescript-eslint/no-require-imports */

// df.app.activity wraps handlers so failures carry the library's exception details; 3.x exports the wrapper untyped.
const wrapActivity = (handler: DurableFunctions.ActivityHandler): Invoke => {
  const wrap = (durable().app as unknown as { wrapActivityHandler?: (h: DurableFunctions.ActivityHandler) => Invoke }).wrapActivityHandler;
  return wrap ? wrap(handler) : async (triggerInput, context): Promise<unknown> => (await handler(triggerInput, context)) as unknown;
};

/** `df.input.durableClient()` without loading the library. */
export const durableClientInput: FunctionInput = input.generic({ type: 'durableClient' });

export function durableClient(context: InvocationContext): DurableFunctions.DurableClient {
  return durable().getClient(context);
}

export function registerOrchestration(name: string, handler: DurableFunctions.OrchestrationHandler): void {
  let invoke: Invoke | undefined;
  app.generic(name, {
    trigger: trigger.generic({ type: 'orchestrationTrigger' }),
    handler: (triggerInput, context) => (invoke ??= createOrchestrator(handler))(triggerInput, context),
  });
}

export function registerActivity(name: string, options: { handler: DurableFunctions.ActivityHandler; extraInputs?: FunctionInput[] }): void {
  let invoke: Invoke | undefined;
  app.generic(name, {
    trigger: trigger.generic({ type: 'activityTrigger' }),
    ...(options.extraInputs ? { extraInputs: options.extraInputs } : {}),
    handler: (triggerInput, context) => (invoke ??= wrapActivity(options.handler))(triggerInput, context),
  });
}

/** Retry policy objects are the library's own class: built on first use. */
export function retryPolicy(options: { firstRetryIntervalMs: number; maxAttempts: number; backoffCoefficient: number; maxRetryIntervalMs: number }): () => DurableFunctions.RetryOptions {
  let policy: DurableFunctions.RetryOptions | undefined;
  return () => {
    if (!policy) {
      policy = new (durable().RetryOptions)(options.firstRetryIntervalMs, options.maxAttempts);
      policy.backoffCoefficient = options.backoffCoefficient;
      policy.maxRetryIntervalInMilliseconds = options.maxRetryIntervalMs;
    }
    return policy;
  };
}
