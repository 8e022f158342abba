/**
 * POST /api/schedules/evaluate {dryRun?: boolean} — run a schedule evaluation now, as the timer
 * would. With dryRun it decides and reports (`wouldChange`) without starting any change. 409 while
 * an evaluation is running.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { SCHEDULE_EVALUATION_ID } from '../../domain/changeLock';
import { lazySchema } from '../../domain/validation';
import { ORCHESTRATOR } from '../activities/names';
import type { EvaluateSchedulesInput } from '../orchestrators/evaluateSchedules';
import { busy, parseBody, startUnderLock, started } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';

const body = lazySchema((z) => z.object({ dryRun: z.boolean().default(false) }).strict());

export async function evaluateSchedulesNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = await parseBody(request, body(), { allowEmpty: true });
  if (!parsed.ok) return parsed.response;
  const client = durableClient(context);
  const input: EvaluateSchedulesInput = { trigger: 'http', dryRun: parsed.value.dryRun };
  const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.evaluateSchedules, instanceId: SCHEDULE_EVALUATION_ID, input });
  if (!start.started) return busy(request, SCHEDULE_EVALUATION_ID, start);
  return started(request, SCHEDULE_EVALUATION_ID);
}

app.http('schedulesEvaluate', { route: 'schedules/evaluate', methods: ['POST'], authLevel: 'function', extraInputs: [durableClientInput], handler: evaluateSchedulesNow });
