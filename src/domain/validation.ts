/**
 * zod, loaded when the first validation runs rather than when a module is imported: it is a large
 * part of the app's cold start, and most invocations (activities, orchestrator replays) never
 * validate anything. Schemas are built once, on first use.
 */
import type * as Zod from 'zod';

let zod: typeof Zod | undefined;

export function lazySchema<T>(build: (z: typeof Zod.z) => T): () => T {
  let schema: T | undefined;
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (cold start)
    zod ??= require('zod') as typeof Zod;
    schema ??= build(zod.z);
    return schema;
  };
}
