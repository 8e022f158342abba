/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Verifies a scale set: facts from paged ARM lists (one activity), page probes fanned out in
 * batches (one activity per batch, so history stays small at 1000 instances), the front end, then
 * pure verdicts. Deterministic: time only from context.df.currentUtcDateTime.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import { batches, judgeFrontEnd, judgeInstance, type Expectations, type FrontEndVerdict, type InstanceVerdict, type ProbeResult } from '../../domain/verification/verdicts';
import type { CollectedFacts } from '../activities/collectInstanceFacts';
import type { FrontEndAnswer } from '../activities/probeFrontEnd';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { registerOrchestration, retryPolicy } from '../durable';

export interface VerifyScaleSetInput {
  resourceGroup: string;
  scaleSetName: string;
  frontEndPublicIpId?: string;
  /** Only these instances (e.g. the new ones after a scale-out); omitted → all. */
  instanceIds?: string[];
  expect?: Expectations;
  /** Instances per probe activity; default 250. */
  probeBatchSize?: number;
}

export interface VerificationReport {
  scaleSet: { resourceGroup: string; name: string; vmSize: string; capacity: number; upgradePolicy: string; zones: string[] };
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  frontEnd: FrontEndVerdict;
  instances: InstanceVerdict[];
  totals: { instances: number; passed: number; failed: number };
  verifiedAt: string;
  /** `facts` and `probes` run together, so both report the same span (addresses listed, then facts ∥ probes). */
  timingsMs: { facts: number; probes: number; frontEnd: number; total: number };
}

/** Transient ARM failures (thrown by activities): retried with backoff, 2 s doubling to at most 60 s, five attempts. */
export const armRetry = retryPolicy({ firstRetryIntervalMs: 2000, maxAttempts: 5, backoffCoefficient: 2, maxRetryIntervalMs: 60_000 });

export function failureText(outcome: Extract<StepOutcome<unknown>, { ok: false }>, extra = ''): string {
  const f = outcome.failure;
  return `Step '${f.step}' failed: ${f.code}${f.statusCode ? ` (HTTP ${f.statusCode})` : ''} — ${f.message}${extra}`;
}

export const verifyScaleSetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<VerifyScaleSetInput>();
  const t0 = context.df.currentUtcDateTime.getTime();
  context.df.setCustomStatus({ step: 'addresses', message: 'listing instance addresses and instance views' });
  // Both paged reads start at once: the VM list with instance views (the slowest read) runs while
  // the NIC list gives the addresses and the pages are probed; IPs are joined here afterwards.
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  const addressesTask = context.df.callActivityWithRetry(ACTIVITY.listInstanceAddresses, armRetry(), target);
  const factsTask = context.df.callActivityWithRetry(ACTIVITY.collectInstanceFacts, armRetry(), { ...target, frontEndPublicIpId: input.frontEndPublicIpId, addresses: [] });
  yield context.df.Task.any([addressesTask, factsTask]);
  if (!addressesTask.isCompleted) yield addressesTask;
  const addresses = addressesTask.result as StepOutcome<Array<{ instanceId: string; privateIp: string }>>;
  if (!addresses.ok) throw new Error(failureText(addresses));
  const wanted = input.instanceIds ? new Set(input.instanceIds) : undefined;
  const targets = addresses.value.filter((a) => !wanted || wanted.has(a.instanceId));
  context.df.setCustomStatus({ step: 'probes', instancesTotal: targets.length, instancesProbed: 0 });
  const probeBatches = batches(targets, input.probeBatchSize ?? 250);
  // FRIDAY_PROBE_CONCURRENCY bounds the probes in flight for the whole run: each batch gets its share.
  const probeTasks = probeBatches.map((b) => context.df.callActivity(ACTIVITY.probeInstances, { targets: b, shareOf: probeBatches.length }));
  // Only new tasks go into a compound: durable-functions would schedule a task again if it were
  // yielded inside a second compound. A task already scheduled may be yielded on its own.
  const probed: ProbeResult[][] = probeTasks.length ? yield context.df.Task.all(probeTasks) : [];
  if (!factsTask.isCompleted) yield factsTask;
  const collected = factsTask.result as StepOutcome<CollectedFacts>;
  if (!collected.ok) throw new Error(failureText(collected));
  const ipById = new Map(addresses.value.map((a) => [a.instanceId, a.privateIp]));
  const facts = { ...collected, value: { ...collected.value, instances: collected.value.instances.map((i) => ({ ...i, privateIp: ipById.get(i.instanceId) ?? null })) } };
  const t1 = context.df.currentUtcDateTime.getTime();
  const subject = facts.value.instances.filter((i) => !wanted || wanted.has(i.instanceId));
  const byId = new Map(probed.flat().map((p) => [p.instanceId, p]));
  const instances = subject.map((f) => judgeInstance(f, byId.get(f.instanceId), input.expect));
  const t2 = t1;
  context.df.setCustomStatus({ step: 'frontEnd', instancesTotal: subject.length, instancesProbed: subject.length });
  const passingNames = facts.value.instances
    .filter((f) => instances.find((v) => v.instanceId === f.instanceId)?.verdict !== 'fail')
    .map((f) => f.computerName);
  let answers: FrontEndAnswer[] = [];
  if (facts.value.frontEndUrl) {
    const requests = Math.min(300, Math.max(3, passingNames.length * 3));
    answers = yield context.df.callActivity(ACTIVITY.probeFrontEnd, { url: facts.value.frontEndUrl, requests, expectedHosts: passingNames });
  }
  const frontEnd = judgeFrontEnd({ url: facts.value.frontEndUrl, answers, instanceNames: facts.value.instances.map((i) => i.computerName), passingNames });
  const t3 = context.df.currentUtcDateTime.getTime();
  const passed = instances.filter((i) => i.verdict === 'pass').length;
  const report: VerificationReport = {
    scaleSet: { resourceGroup: input.resourceGroup, name: input.scaleSetName, vmSize: facts.value.vmSize, capacity: facts.value.capacity, upgradePolicy: facts.value.upgradePolicy, zones: facts.value.zones },
    frontEndUrl: facts.value.frontEndUrl,
    publicFrontEndUrl: facts.value.publicFrontEndUrl,
    frontEnd,
    instances,
    totals: { instances: instances.length, passed, failed: instances.length - passed },
    verifiedAt: context.df.currentUtcDateTime.toISOString(),
    timingsMs: { facts: t1 - t0, probes: t1 - t0, frontEnd: t3 - t2, total: t3 - t0 },
  };
  context.df.setCustomStatus({ step: 'done', instancesTotal: subject.length, instancesProbed: subject.length, passed, failed: instances.length - passed });
  return report;
};

registerOrchestration(ORCHESTRATOR.verifyScaleSet, recordedRun<VerifyScaleSetInput>('verify', (i) => ({ resourceGroup: i.resourceGroup, name: i.scaleSetName }), verifyScaleSetOrchestrator));
