import type { InvocationContext } from '@azure/functions';
import { scrubSecrets } from '../../azure/armErrors';
import { saveRunRecord } from '../../azure/runReports';
import { runRecordFrom, type RunKind } from '../../domain/fleet/runRecord';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface RecordRunInput {
  runId: string;
  kind: RunKind;
  scaleSet: { resourceGroup: string; name: string };
  startedAt: string;
  finishedAt: string;
  result?: unknown;
  error?: string;
}

/**
 * Keeps a finished run's record (summary, verdicts, report) for the fleet page. Never fails the
 * run it records: a storage problem is logged and the record is lost, not the run.
 */
export async function recordRun(input: RecordRunInput, context: InvocationContext): Promise<{ saved: string | null }> {
  const record = runRecordFrom({ ...input, startedAt: new Date(input.startedAt), finishedAt: new Date(input.finishedAt), ...(input.error !== undefined ? { error: scrubSecrets(input.error) } : {}) });
  try {
    return { saved: await saveRunRecord(loadSettings(), record) };
  } catch (error) {
    context.warn(`run record for ${input.runId} not saved: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`);
    return { saved: null };
  }
}

registerActivity(ACTIVITY.recordRun, { handler: recordRun });
