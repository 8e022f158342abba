/**
 * POST /api/deployments — validate a deployment spec (400 listing every problem; the VM size is
 * checked against Azure's Resource SKUs API and the setup script's disk layout), then either
 * return the dry-run plan (every ARM write it would make, with reasons; nothing written) or start
 * the deployment orchestration (202 with its id and friday-fleet's own status route — never the
 * durable extension's management URLs, which carry its system key).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { armClientsFor } from '../../azure/armClients';
import { describeArmError } from '../../azure/armErrors';
import { publishSetupScript, setupScriptContent } from '../../azure/scriptStore';
import { listVmSkus } from '../../azure/vmSkus';
import { judgeVmSize, scriptDataDiskNumber } from '../../domain/deployment/vmSizeFit';
import { ensureTierStep, scaleSetImmutableProblems, stepsFor } from '../../azure/tierDeployment';
import { changeInstanceId } from '../../domain/changeLock';
import { planCapacity } from '../../domain/deployment/plan';
import { parseDeploymentSpec, type DeploymentSpec } from '../../domain/deployment/spec';
import { loadSettings } from '../../settings';
import { ORCHESTRATOR } from '../activities/names';
import type { DeployTierInput } from '../orchestrators/deployTier';
import { badRequest, busy, readJson, startUnderLock, started } from './problemResponse';
import { durableClient, durableClientInput } from '../durable';

async function dryRunPlan(spec: DeploymentSpec): Promise<HttpResponseInit> {
  const settings = loadSettings();
  const clients = armClientsFor(settings);
  try {
    const script = await publishSetupScript(settings, { dryRun: true });
    const writes = [];
    let capacityBefore: number | null = null;
    for (const step of stepsFor(spec)) {
      const result = await ensureTierStep({ settings, clients, spec, step, setupCommand: script.commandToExecute, now: new Date(), dryRun: true });
      writes.push(...result.writes);
      if (result.scaleSet) capacityBefore = result.scaleSet.capacityBefore;
    }
    const capacity = planCapacity(spec.scaleSet.name, capacityBefore ?? undefined, spec.scaleSet.capacity);
    if (capacity) writes.push(capacity);
    return { status: 200, jsonBody: { dryRun: true, writes, message: writes.length ? `${writes.length} ARM write(s) would be made` : 'nothing to change' } };
  } catch (error) {
    const failure = describeArmError(error);
    return { status: 502, jsonBody: { error: 'PlanFailed', code: failure.code, message: failure.message } };
  }
}

/**
 * Refuses a VM size the tier cannot be built and verified on, asking Azure's Resource SKUs API
 * (domain/deployment/vmSizeFit.ts says why); undefined when the size fits.
 */
async function vmSizeRefusal(spec: DeploymentSpec): Promise<HttpResponseInit | undefined> {
  const settings = loadSettings();
  let skus;
  try {
    skus = await listVmSkus(armClientsFor(settings), spec.location);
  } catch (error) {
    const failure = describeArmError(error);
    return { status: 502, jsonBody: { error: 'SkuCheckFailed', code: failure.code, message: `could not read the Resource SKUs API to check scaleSet.vmSize: ${failure.message}` } };
  }
  const fit = judgeVmSize({ vmSize: spec.scaleSet.vmSize, location: spec.location, ...(spec.scaleSet.zones ? { zones: spec.scaleSet.zones } : {}), skus, scriptDiskNumber: scriptDataDiskNumber(setupScriptContent()) });
  return fit.ok ? undefined : badRequest('InvalidDeploymentSpec', [fit.problem]);
}

/**
 * Refuses a spec that would change what an existing scale set cannot change (Azure answers 409
 * PropertyChangeNotAllowed only once the scale-set step is reached, after other writes): 400 naming
 * each property and what to do instead, before any write — dry run included.
 */
async function immutableChangeRefusal(spec: DeploymentSpec): Promise<HttpResponseInit | undefined> {
  const settings = loadSettings();
  try {
    const problems = await scaleSetImmutableProblems({ settings, clients: armClientsFor(settings), spec });
    return problems.length ? badRequest('InvalidDeploymentSpec', problems) : undefined;
  } catch (error) {
    const failure = describeArmError(error);
    return { status: 502, jsonBody: { error: 'PlanFailed', code: failure.code, message: `could not read the existing scale set: ${failure.message}` } };
  }
}

export async function startDeployment(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const parsed = parseDeploymentSpec(body.value);
  if (!parsed.ok) return badRequest('InvalidDeploymentSpec', parsed.problems);
  const spec = parsed.value;
  const refusal = await vmSizeRefusal(spec);
  if (refusal) return refusal;
  const immutable = await immutableChangeRefusal(spec);
  if (immutable) return immutable;
  if (spec.dryRun) return dryRunPlan(spec);
  const settings = loadSettings();
  const client = durableClient(context);
  const instanceId = changeInstanceId({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: spec.resourceGroup, scaleSetName: spec.scaleSet.name });
  const input: DeployTierInput = { spec, subscriptionId: settings.AZURE_SUBSCRIPTION_ID };
  const start = await startUnderLock(client, { orchestrator: ORCHESTRATOR.deployTier, instanceId, input });
  if (!start.started) return busy(request, instanceId, start);
  context.log(`deployment ${instanceId} started for ${spec.resourceGroup}/${spec.scaleSet.name}`);
  return started(request, instanceId);
}

app.http('deployments', { route: 'deployments', methods: ['POST'], authLevel: 'function', extraInputs: [durableClientInput], handler: startDeployment });
