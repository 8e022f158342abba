/**
 * Wraps a top-level orchestration so that, when it finishes — with a result or an error — its
 * record is kept (activity `recordRun`) for the fleet page's run history. Sub-orchestrations
 * (verifications inside a deployment) and generations that continue as new are not recorded.
 */
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { RunKind } from '../../domain/fleet/runRecord';
import type { RecordRunInput } from '../activities/recordRun';
import { ACTIVITY } from '../activities/names';

export function recordedRun<I>(kind: RunKind, scaleSetOf: (input: I) => { resourceGroup: string; name: string }, handler: OrchestrationHandler): OrchestrationHandler {
  return function* (context: OrchestrationContext) {
    const inner = handler(context) as Generator<Task, unknown, unknown>;
    if (context.df.parentInstanceId) return yield* inner;
    const startedAt = context.df.currentUtcDateTime.toISOString();
    const record = (extra: Pick<RecordRunInput, 'result' | 'error'>): RecordRunInput => ({
      runId: context.df.instanceId,
      kind,
      scaleSet: scaleSetOf(context.df.getInput<I>()),
      startedAt,
      finishedAt: context.df.currentUtcDateTime.toISOString(),
      ...extra,
    });
    let result: unknown;
    try {
      result = yield* inner;
    } catch (error) {
      yield context.df.callActivity(ACTIVITY.recordRun, record({ error: error instanceof Error ? error.message : String(error) }));
      throw error;
    }
    if (result === undefined) return result; // continued as new: the last generation records
    yield context.df.callActivity(ACTIVITY.recordRun, record({ result }));
    return result;
  };
}
