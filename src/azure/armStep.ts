/**
 * Runs one ARM step inside an activity. Transient failures (429, 5xx, timeouts) are thrown so the
 * orchestration's retry policy tries again; permanent ones (bad request, conflict, not found,
 * failed long-running operation) come back as data, so the orchestration fails at once with the
 * step, the ARM code and message instead of retrying what cannot succeed. A long throttle
 * (code `Throttled`, with the seconds ARM asked for) also comes back as data: the orchestration
 * waits it out on a durable timer (armActivity).
 */
import { describeArmError, type ArmFailure } from './armErrors';

export type StepOutcome<T> = { ok: true; value: T } | { ok: false; failure: ArmFailure & { step: string } };

export async function armStep<T>(step: string, work: () => Promise<T>): Promise<StepOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const failure = describeArmError(error);
    if (failure.transient && !(failure.code === 'Throttled' && failure.retryAfterSeconds !== undefined)) throw new Error(`${step}: ${failure.code} (HTTP ${failure.statusCode ?? '?'}) ${failure.message}`);
    // A long-running operation that ended Failed arrives as a plain Error with the code in its text.
    const lro = /The long-running operation has failed\. ([^.]+)\. (.*)/s.exec(failure.message);
    return { ok: false, failure: { ...failure, ...(lro?.[1] ? { code: lro[1], message: lro[2] ?? failure.message } : {}), step } };
  }
}
