/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Verifies a scale set with two activities side by side — the VM list with instance views (facts),
 * and the NIC list whose pages are probed as they arrive — then the front end, then pure verdicts.
 * Two paged activities keep the history small at any fleet size. Deterministic: time only from
 * context.df.currentUtcDateTime.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import { judgeFrontEnd, judgeInstance, type Expectations, type FrontEndVerdict, type InstanceVerdict, type ProbeResult } from '../../domain/verification/verdicts';
import type { CollectedFacts } from '../activities/collectInstanceFacts';
import type { FrontEndAnswer } from '../activities/probeFrontEnd';
import type { ListedProbes } from '../activities/probeInstances';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { registerOrchestration } from '../durable';
import { armActivity, armRetry } from './armActivity';

export interface VerifyScaleSetInput {
  resourceGroup: string;
  scaleSetName: string;
  frontEndPublicIpId?: string;
  /** Only these instances (e.g. the new ones after a scale-out); omitted → all. */
  instanceIds?: string[];
  expect?: Expectations;
}

export interface VerificationReport {
  scaleSet: { resourceGroup: string; name: string; vmSize: string; capacity: number; upgradePolicy: string; zones: string[] };
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  frontEnd: FrontEndVerdict;
  instances: InstanceVerdict[];
  totals: { instances: number; passed: number; failed: number };
  verifiedAt: string;
  /** `facts` and `probes` run together, so both report the same span (VM list ∥ NIC list with its probes). */
  timingsMs: { facts: number; probes: number; frontEnd: number; total: number };
}


export function failureText(outcome: Extract<StepOutcome<unknown>, { ok: false }>, extra = ''): string {
  const f = outcome.failure;
  return `Step '${f.step}' failed: ${f.code}${f.statusCode ? ` (HTTP ${f.statusCode})` : ''} — ${f.message}${extra}`;
}

export const verifyScaleSetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<VerifyScaleSetInput>();
  const t0 = context.df.currentUtcDateTime.getTime();
  context.df.setCustomStatus({ step: 'probes', message: 'listing instances and probing their pages' });
  // Both paged reads start at once: the VM list with instance views (the slowest read) runs while
  // the NIC list gives the addresses, each page probed as it arrives; IPs are joined here afterwards.
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  const probesInput = { ...target, ...(input.instanceIds ? { instanceIds: input.instanceIds } : {}) };
  const factsInput = { ...target, frontEndPublicIpId: input.frontEndPublicIpId, addresses: [] };
  const probesTask = context.df.callActivityWithRetry(ACTIVITY.probeListedInstances, armRetry(), probesInput);
  const factsTask = context.df.callActivityWithRetry(ACTIVITY.collectInstanceFacts, armRetry(), factsInput);
  yield context.df.Task.all([probesTask, factsTask]);
  // A long ARM throttle is waited out on a durable timer, then that read runs again.
  const listed = (yield* armActivity(context, ACTIVITY.probeListedInstances, probesInput, probesTask)) as StepOutcome<ListedProbes>;
  if (!listed.ok) throw new Error(failureText(listed));
  const collected = (yield* armActivity(context, ACTIVITY.collectInstanceFacts, factsInput, factsTask)) as StepOutcome<CollectedFacts>;
  if (!collected.ok) throw new Error(failureText(collected));
  const wanted = input.instanceIds ? new Set(input.instanceIds) : undefined;
  const probed: ProbeResult[] = listed.value.probes;
  const ipById = new Map(listed.value.addresses.map((a) => [a.instanceId, a.privateIp]));
  const facts = { ...collected, value: { ...collected.value, instances: collected.value.instances.map((i) => ({ ...i, privateIp: ipById.get(i.instanceId) ?? null })) } };
  const t1 = context.df.currentUtcDateTime.getTime();
  const subject = facts.value.instances.filter((i) => !wanted || wanted.has(i.instanceId));
  const byId = new Map(probed.map((p) => [p.instanceId, p]));
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
