/**
 * POST /api/scalesets/{name}/scale {capacity, resourceGroup?} — scale and verify.
 * POST /api/scalesets/{name}/verify {resourceGroup?}        — verify on demand.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { azureNameProblem } from '../../domain/azureNames';
import { changeInstanceId, verifyInstanceId } from '../../domain/changeLock';
import { lazySchema } from '../../domain/validation';
import { loadSettings } from '../../settings';
import { ORCHESTRATOR } from '../activities/names';
import type { ScaleScaleSetInput } from '../orchestrators/scaleScaleSet';
import type { VerifyScaleSetInput } from '../orchestrators/verifyScaleSet';
import { badRequest, busy, parseBody, startUnderLock, started } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';

const bodies = lazySchema((z) => {
  const target = z.object({ resourceGroup: z.string().min(1).optional() });
  return { scale: target.extend({ capacity: z.number().int().min(0).max(1000) }).strict(), verify: target.strict() };
});

function resourceGroupOf(body: { resourceGroup?: string }, request: HttpRequest): string | undefined {
  return body.resourceGroup ?? request.query.get('resourceGroup') ?? loadSettings().FRIDAY_DEFAULT_RESOURCE_GROUP;
}

/**
 * The shared start sequence: validate, find the resource group, refuse while the lock's run is
 * busy (race-safe: a start that lost to another answers 409 too), start the orchestration under
 * the lock id, answer with the check-status body.
 */
async function startScaleSetRun<T extends z.ZodTypeAny>(options: {
  request: HttpRequest;
  context: InvocationContext;
  schema: T;
  allowEmptyBody: boolean;
  lockId: typeof changeInstanceId;
  orchestrator: string;
  input: (args: { resourceGroup: string; scaleSetName: string; body: z.infer<T> }) => unknown;
}): Promise<HttpResponseInit> {
  const { request, context } = options;
  const body = await parseBody(request, options.schema, { allowEmpty: options.allowEmptyBody });
  if (!body.ok) return body.response;
  const resourceGroup = resourceGroupOf(body.value as { resourceGroup?: string }, request);
  const scaleSetName = request.params.name ?? '';
  // Both names go into ARM URLs: Azure's naming rules, checked before anything starts.
  const problems = [
    resourceGroup === undefined ? 'resourceGroup: required (in the body, the query, or FRIDAY_DEFAULT_RESOURCE_GROUP)' : azureNameProblem('resourceGroup', resourceGroup),
    azureNameProblem('scaleSet', scaleSetName),
  ].flatMap((p, i) => (p ? [p.startsWith('resourceGroup:') ? p : `${i === 0 ? 'resourceGroup' : 'name (path)'}: ${p}`] : []));
  if (problems.length > 0 || resourceGroup === undefined) return badRequest('InvalidRequest', problems);
  const settings = loadSettings();
  const client = durableClient(context);
  const instanceId = options.lockId({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup, scaleSetName });
  const input = options.input({ resourceGroup, scaleSetName, body: body.value });
  const start = await startUnderLock(client, { orchestrator: options.orchestrator, instanceId, input });
  if (!start.started) return busy(request, instanceId, start);
  return started(request, instanceId);
}

export async function scaleScaleSet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return startScaleSetRun({
    request,
    context,
    schema: bodies().scale,
    allowEmptyBody: false,
    lockId: changeInstanceId,
    orchestrator: ORCHESTRATOR.scaleScaleSet,
    input: ({ resourceGroup, scaleSetName, body }): ScaleScaleSetInput => ({ resourceGroup, scaleSetName, capacity: body.capacity }),
  });
}

export async function verifyScaleSet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return startScaleSetRun({
    request,
    context,
    schema: bodies().verify,
    allowEmptyBody: true,
    lockId: verifyInstanceId,
    orchestrator: ORCHESTRATOR.verifyScaleSet,
    input: ({ resourceGroup, scaleSetName }): VerifyScaleSetInput => ({ resourceGroup, scaleSetName }),
  });
}

app.http('scaleSetsScale', { route: 'scalesets/{name}/scale', methods: ['POST'], authLevel: 'function', extraInputs: [durableClientInput], handler: scaleScaleSet });
app.http('scaleSetsVerify', { route: 'scalesets/{name}/verify', methods: ['POST'], authLevel: 'function', extraInputs: [durableClientInput], handler: verifyScaleSet });
