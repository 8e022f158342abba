/**
 * Every five minutes (NCRONTAB, UTC on Flex Consumption): start one schedule evaluation. The
 * evaluation is a singleton — if the previous one is still running this tick does nothing — and
 * decides at its orchestration time, so a late or replayed tick decides for when it actually runs.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { SCHEDULE_EVALUATION_ID } from '../../domain/changeLock';
import { loadSettings } from '../../settings';
import { ORCHESTRATOR } from '../activities/names';
import { startUnderLock } from '../http/problemResponse';
import type { EvaluateSchedulesInput } from '../orchestrators/evaluateSchedules';
import { durableClient, durableClientInput } from '../durable';

export async function scheduleTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const settings = loadSettings();
  if (!settings.FRIDAY_SCHEDULES && !settings.FRIDAY_SCHEDULES_BLOB) return; // no schedules configured: nothing to read, nothing to write
  const client = durableClient(context);
  const input: EvaluateSchedulesInput = { trigger: 'timer' };
  const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.evaluateSchedules, instanceId: SCHEDULE_EVALUATION_ID, input });
  if (!start.started) {
    context.log(`schedule evaluation still ${start.runtimeStatus}: this tick is skipped`);
    return;
  }
  context.log(`schedule evaluation started${timer.isPastDue ? ' (past due)' : ''}`);
}

app.timer('scheduleTimer', { schedule: '0 */5 * * * *', extraInputs: [durableClientInput], handler: scheduleTimer });
