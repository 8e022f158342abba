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
import { badRequest, busy, readJson, runningInstance } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';

const body = lazySchema((z) => z.object({ dryRun: z.boolean().default(false) }).strict());

export async function evaluateSchedulesNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  let value: unknown = {};
  if ((await request.clone().text()).trim()) {
    const json = await readJson(request);
    if (!json.ok) return json.response;
    value = json.value;
  }
  const parsed = body().safeParse(value);
  if (!parsed.success) return badRequest('InvalidRequest', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`));
  const client = durableClient(context);
  if (await runningInstance(client, SCHEDULE_EVALUATION_ID)) return busy(request, client, SCHEDULE_EVALUATION_ID);
  const input: EvaluateSchedulesInput = { trigger: 'http', dryRun: parsed.data.dryRun };
  await client.startNew(ORCHESTRATOR.evaluateSchedules, { instanceId: SCHEDULE_EVALUATION_ID, input });
  return client.createCheckStatusResponse(request, SCHEDULE_EVALUATION_ID);
}

app.http('schedulesEvaluate', { route: 'schedules/evaluate', methods: ['POST'], authLevel: 'function', extraInputs: [durableClientInput], handler: evaluateSchedulesNow });
