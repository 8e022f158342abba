/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Verifies a scale set with two activities side by side — the VM list with instance views (facts),
 * and the NIC list whose pages are probed as they arrive — then the front end, then pure verdicts.
 * Two paged activities keep the history small at any fleet size. Instances still being set up are
 * looked at again until ready or past the readiness deadline; instances that leave are `gone`.
 * Deterministic: time only from context.df.currentUtcDateTime.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import { rotationSettleSeconds, UNKNOWN_PROBE_SETTLE_SECONDS } from '../../domain/availability/frontEndProbe';
import { goneVerdict, judgeFrontEnd, judgeInstance, notReadyVerdict, readinessOf, readinessPolling, type Expectations, type FrontEndVerdict, type InstanceFacts, type InstanceVerdict } from '../../domain/verification/verdicts';
import type { CollectedFacts } from '../activities/collectInstanceFacts';
import type { FrontEndAnswer } from '../activities/probeFrontEnd';
import type { ListedProbes } from '../activities/probeInstances';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { registerOrchestration } from '../durable';
import { checkedInput, checkVerifyInput } from './inputChecks';
import { armActivity, armRetry } from './armActivity';

export interface VerifyScaleSetInput {
  resourceGroup: string;
  scaleSetName: string;
  frontEndPublicIpId?: string;
  /** Only these instances (e.g. the new ones after a scale-out); omitted → all. */
  instanceIds?: string[];
  expect?: Expectations;
  /** How long an instance may still be coming before that is its failure; omitted → the app setting. */
  readinessDeadlineSeconds?: number;
}

/** Used when neither the input nor the facts activity names a deadline. */
const DEFAULT_READINESS_DEADLINE_SECONDS = 1800;

export interface VerificationReport {
  scaleSet: { resourceGroup: string; name: string; vmSize: string; capacity: number; upgradePolicy: string; zones: string[] };
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  frontEnd: FrontEndVerdict;
  instances: InstanceVerdict[];
  /** `gone`: instances that left before they were judged (counted apart, never as failures). */
  totals: { instances: number; passed: number; failed: number; gone?: number };
  verifiedAt: string;
  /** `facts` and `probes` run together, so both report the same span (VM list ∥ NIC list with its probes). */
  timingsMs: { facts: number; probes: number; frontEnd: number; total: number };
}


/** Pause between front-end checks while new instances enter rotation. */
const FRONT_END_RETRY_MS = 1000;

export function failureText(outcome: Extract<StepOutcome<unknown>, { ok: false }>, extra = ''): string {
  const f = outcome.failure;
  return `Step '${f.step}' failed: ${f.code}${f.statusCode ? ` (HTTP ${f.statusCode})` : ''} — ${f.message}${extra}`;
}

export const verifyScaleSetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<VerifyScaleSetInput>();
  const t0 = context.df.currentUtcDateTime.getTime();
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  // Instances are judged only once ready; one still coming is looked at again every pollSeconds
  // until the readiness deadline (counted from when this run first saw it). Instances that leave
  // meanwhile are `gone`.
  const judged = new Map<string, InstanceVerdict>();
  const firstSeen = new Map<string, number>();
  const lastFacts = new Map<string, InstanceFacts>();
  let want: string[] | undefined = input.instanceIds;
  let collectedValue: CollectedFacts | undefined;
  let t1 = t0;
  for (let round = 0; ; round++) {
    context.df.setCustomStatus({ step: 'probes', message: round === 0 ? 'listing instances and probing their pages' : `waiting for ${want?.length ?? 0} instance(s) still being set up`, ...(round ? { round } : {}) });
    // Both paged reads start at once: the VM list with instance views (the slowest read) runs while
    // the NIC list gives the addresses, each page probed as it arrives; IPs are joined here afterwards.
    const probesInput = { ...target, ...(want ? { instanceIds: want } : {}) };
    const factsInput = { ...target, frontEndPublicIpId: input.frontEndPublicIpId, addresses: [] };
    const probesTask = context.df.callActivityWithRetry(ACTIVITY.probeListedInstances, armRetry(), probesInput);
    const factsTask = context.df.callActivityWithRetry(ACTIVITY.collectInstanceFacts, armRetry(), factsInput);
    yield context.df.Task.all([probesTask, factsTask]);
    // A long ARM throttle is waited out on a durable timer, then that read runs again.
    const listed = (yield* armActivity(context, ACTIVITY.probeListedInstances, probesInput, probesTask)) as StepOutcome<ListedProbes>;
    if (!listed.ok) throw new Error(failureText(listed));
    const collected = (yield* armActivity(context, ACTIVITY.collectInstanceFacts, factsInput, factsTask)) as StepOutcome<CollectedFacts>;
    if (!collected.ok) throw new Error(failureText(collected));
    collectedValue = collected.value;
    const now = context.df.currentUtcDateTime.getTime();
    t1 = now;
    const polling = readinessPolling(input.readinessDeadlineSeconds ?? collected.value.readinessDeadlineSeconds ?? DEFAULT_READINESS_DEADLINE_SECONDS);
    const ipById = new Map(listed.value.addresses.map((a) => [a.instanceId, a.privateIp]));
    const byId = new Map(listed.value.probes.map((p) => [p.instanceId, p]));
    const listedIds = new Set(collected.value.instances.map((i) => i.instanceId));
    const wanted = want ? new Set(want) : undefined;
    const pending: string[] = [];
    for (const raw of collected.value.instances) {
      if (wanted && !wanted.has(raw.instanceId)) continue;
      const f: InstanceFacts = { ...raw, privateIp: ipById.get(raw.instanceId) ?? null };
      lastFacts.set(f.instanceId, f);
      if (!firstSeen.has(f.instanceId)) firstSeen.set(f.instanceId, now);
      const readiness = readinessOf(f);
      const waited = Math.round((now - (firstSeen.get(f.instanceId) ?? now)) / 1000);
      if (readiness.state === 'going') judged.set(f.instanceId, goneVerdict(f, `${readiness.reason} before it was judged`));
      else if (readiness.state === 'ready') judged.set(f.instanceId, judgeInstance(f, byId.get(f.instanceId), input.expect));
      else if (waited >= polling.deadlineSeconds) judged.set(f.instanceId, notReadyVerdict(f, readiness, waited));
      else pending.push(f.instanceId);
    }
    // Asked for (or seen still coming earlier) but no longer listed: it left before it was judged.
    for (const id of want ?? []) {
      if (!listedIds.has(id) && !judged.has(id)) judged.set(id, goneVerdict({ instanceId: id, ...lastFacts.get(id) }, firstSeen.has(id) ? 'disappeared before it was ready (deleted by the platform or an operator)' : 'not listed: deleted before it was verified'));
    }
    if (pending.length === 0) break;
    want = pending;
    yield context.df.createTimer(new Date(now + polling.pollSeconds * 1000));
  }
  const facts = collectedValue ?? { frontEndUrl: null, publicFrontEndUrl: null, frontEndProbe: null, vmSize: '', capacity: 0, upgradePolicy: 'Manual', zones: [], instances: [] };
  const order = (input.instanceIds ?? facts.instances.map((i) => i.instanceId)).filter((id, i, all) => all.indexOf(id) === i);
  for (const id of judged.keys()) if (!order.includes(id)) order.push(id);
  const instances = order.map((id) => judged.get(id)).filter((v): v is InstanceVerdict => v !== undefined).sort((a, b) => Number(a.instanceId) - Number(b.instanceId));
  const t2 = t1;
  const judgedNow = instances.filter((i) => i.verdict !== 'gone').length;
  context.df.setCustomStatus({ step: 'frontEnd', instancesTotal: judgedNow, instancesProbed: judgedNow });
  // The front end may serve any instance of the scale set that is not known to fail (or gone).
  const passingNames = facts.instances
    .filter((f) => { const v = judged.get(f.instanceId)?.verdict; return v !== 'fail' && v !== 'gone' && readinessOf(f).state === 'ready'; })
    .map((f) => f.computerName);
  let answers: FrontEndAnswer[] = [];
  const judgeFront = (given: FrontEndAnswer[]): FrontEndVerdict => judgeFrontEnd({ url: facts.frontEndUrl, answers: given, instanceNames: facts.instances.map((i) => i.computerName), passingNames });
  if (facts.frontEndUrl) {
    const requests = Math.min(300, Math.max(3, passingNames.length * 3));
    // New instances take traffic only once the front end's probe has passed them: ask again, a
    // durable second apart, until it reaches them or its probe's (threshold + 1) intervals passed.
    const settleMs = (facts.frontEndProbe ? rotationSettleSeconds(facts.frontEndProbe) : UNKNOWN_PROBE_SETTLE_SECONDS) * 1000;
    const deadline = context.df.currentUtcDateTime.getTime() + settleMs;
    for (;;) {
      answers = yield context.df.callActivity(ACTIVITY.probeFrontEnd, { url: facts.frontEndUrl, requests, expectedHosts: passingNames });
      if (judgeFront(answers).verdict !== 'fail' || context.df.currentUtcDateTime.getTime() >= deadline) break;
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + FRONT_END_RETRY_MS));
    }
  }
  const frontEnd = judgeFront(answers);
  const t3 = context.df.currentUtcDateTime.getTime();
  const passed = instances.filter((i) => i.verdict === 'pass').length;
  const failed = instances.filter((i) => i.verdict === 'fail').length;
  const gone = instances.length - passed - failed;
  const report: VerificationReport = {
    scaleSet: { resourceGroup: input.resourceGroup, name: input.scaleSetName, vmSize: facts.vmSize, capacity: facts.capacity, upgradePolicy: facts.upgradePolicy, zones: facts.zones },
    frontEndUrl: facts.frontEndUrl,
    publicFrontEndUrl: facts.publicFrontEndUrl,
    frontEnd,
    instances,
    totals: { instances: instances.length, passed, failed, ...(gone ? { gone } : {}) },
    verifiedAt: context.df.currentUtcDateTime.toISOString(),
    timingsMs: { facts: t1 - t0, probes: t1 - t0, frontEnd: t3 - t2, total: t3 - t0 },
  };
  context.df.setCustomStatus({ step: 'done', instancesTotal: judgedNow, instancesProbed: judgedNow, passed, failed, ...(gone ? { gone } : {}) });
  return report;
};

registerOrchestration(ORCHESTRATOR.verifyScaleSet, checkedInput(ORCHESTRATOR.verifyScaleSet, checkVerifyInput, recordedRun<VerifyScaleSetInput>('verify', (i) => ({ resourceGroup: i.resourceGroup, name: i.scaleSetName }), verifyScaleSetOrchestrator)));
