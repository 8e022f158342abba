/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Builds the FRIDAY web tier: network, front end, setup script, scale set with the Custom Script
 * Extension, upgrades per policy, capacity, optional autoscale — then verifies every instance.
 * Each step writes only what differs, so re-running a spec converges (no change → no writes) and
 * completes a partial earlier run. ARM failures end the run Failed naming the step, the ARM code
 * and message, and what already exists. Failing instances end it Completed with outcome "failed".
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a generator's `yield` results are any (durable-functions) */
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { DEFAULT_POLL_SECONDS } from '../../azure/armOperations';
import type { StepOutcome } from '../../azure/armStep';
import type { PublishedScript } from '../../azure/scriptStore';
import type { StepResult } from '../../azure/tierDeployment';
import { frontEndPublicIpId, scaleSetId as scaleSetIdOf, type TierStep } from '../../domain/deployment/desiredTier';
import type { DeploymentSpec } from '../../domain/deployment/spec';
import type { CapacityChange } from '../activities/setCapacity';
import type { RollingStatus } from '../activities/rollingUpgradeStatus';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { failureText, type VerificationReport, type VerifyScaleSetInput } from './verifyScaleSet';
import { armActivity, waitForOperation } from './armActivity';
import { changeCapacity, manualUpgrade } from './scaleSetOperations';
import { registerOrchestration } from '../durable';
import { checkedInput, checkDeployInput } from './inputChecks';

/** A step has a handful of resources; each call settles at least one of them. */
const MAX_STEP_CALLS = 50;

export interface DeployTierInput {
  spec: DeploymentSpec;
  subscriptionId: string;
  /** Seconds between rolling-upgrade status polls. */
  rollingPollSeconds?: number;
}

export interface StepRecord {
  name: string;
  status: 'succeeded' | 'failed' | 'skipped';
  changed: boolean;
  writes: number;
  startedAt: string;
  durationMs: number;
  detail?: string;
}

export interface DeploymentReport {
  deploymentId: string;
  outcome: 'succeeded' | 'failed';
  scaleSet: { resourceGroup: string; name: string };
  frontEndUrl: string | null;
  publicFrontEndUrl: string | null;
  instances: Array<{ instanceId: string; computerName: string; privateIp: string | null; zone: string | null; verdict: 'pass' | 'fail' | 'gone'; reason: string }>;
  totals: { instances: number; passed: number; failed: number; gone?: number };
  steps: StepRecord[];
  armWrites: number;
  plannedWrites: Array<{ step: string; action: string; kind: string; name: string; reason: string }>;
  verification: VerificationReport;
}

export const deployTierOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<DeployTierInput>();
  const { spec } = input;
  const steps: StepRecord[] = [];
  const created: string[] = [];
  const plannedWrites: DeploymentReport['plannedWrites'] = [];
  const stepNames = [...(spec.createResourceGroup ? ['resourceGroup'] : []), 'network', 'frontEnd', 'setupScript', 'scaleSet', 'upgrade', 'capacity', ...(spec.autoscale ? ['autoscale'] : []), 'verify'];
  const now = (): Date => context.df.currentUtcDateTime;
  const progress = (step: string, message: string, extra: Record<string, unknown> = {}): void => {
    context.df.setCustomStatus({ step, steps: stepNames, stepsDone: steps.map((s) => s.name), message, ...extra });
  };
  const fail = (outcome: Extract<StepOutcome<unknown>, { ok: false }>): Error =>
    new Error(failureText(outcome, `. Already in place: ${created.length ? created.join(', ') : 'nothing'}.`));
  const record = (name: string, started: Date, changed: boolean, writes: number, detail?: string, status: StepRecord['status'] = 'succeeded'): void => {
    steps.push({ name, status, changed, writes, startedAt: started.toISOString(), durationMs: now().getTime() - started.getTime(), ...(detail ? { detail } : {}) });
  };
  /**
   * An extension that failed on an instance ends Azure's scale-set create / update / scale / manual
   * upgrade Failed with VMExtensionProvisioningError, but the scale set and its instances exist:
   * the step is recorded failed with Azure's code and message, the rest of the scale-set steps are
   * skipped, and verification still runs and reports every instance with its reason (a re-run
   * re-applies the Failed scale set). Any other failure ends the run.
   */
  let extensionFailure: string | undefined;
  const failOrContinue = (name: string, started: Date, outcome: Extract<StepOutcome<unknown>, { ok: false }>): void => {
    if (outcome.failure.code !== 'VMExtensionProvisioningError') throw fail(outcome);
    extensionFailure = `${outcome.failure.code}: ${outcome.failure.message}`;
    record(name, started, true, 0, extensionFailure, 'failed');
  };

  let setupCommand = '';
  let scaleSetInfo: StepResult['scaleSet'];

  /**
   * One tier step, one write per activity: each call writes until a write starts a long-running
   * operation, which is polled here (durable timers at ARM's Retry-After), then the step is called
   * again with that resource settled. The step's result joins the calls' writes; what the scale set
   * looked like comes from the first call that read it (before it was written).
   */
  const ensureStep = function* (step: TierStep): Generator<Task, StepOutcome<StepResult>, any> {
    const settled: string[] = [];
    let joined: StepResult | undefined;
    for (let call = 0; call < MAX_STEP_CALLS; call++) {
      const outcome: StepOutcome<StepResult> = yield* armActivity(context, ACTIVITY.ensureTierStep, { spec, step, setupCommand, now: now().toISOString(), settled: [...settled] });
      if (!outcome.ok) return outcome;
      const { operation, operationResourceId, busy, ...result } = outcome.value;
      joined = joined ? { ...result, writes: [...joined.writes, ...result.writes], ...(joined.scaleSet ? { scaleSet: joined.scaleSet } : {}) } : result;
      if (operation && !operation.done) {
        const failed = yield* waitForOperation(context, step, operation);
        if (failed) return failed;
        if (operationResourceId) settled.push(operationResourceId);
        continue;
      }
      if (!busy) return { ok: true, value: joined };
      // Found mid-operation (an earlier attempt's write survived a restart): wait, read again.
      progress(step, `waiting for ${busy.resourceId.split('/').pop() ?? ''} (provisioning state ${busy.provisioningState}) before writing it`);
      yield context.df.createTimer(new Date(now().getTime() + DEFAULT_POLL_SECONDS * 1000));
    }
    throw new Error(`Step '${step}' did not settle after ${MAX_STEP_CALLS} calls. Already in place: ${created.join(', ') || 'nothing'}.`);
  };
  for (const step of ['resourceGroup', 'network', 'frontEnd', 'setupScript', 'scaleSet', 'autoscale'] as const) {
    if (!stepNames.includes(step)) continue;
    const started = now();
    progress(step, `step ${step}`);
    if (step === 'setupScript') {
      const script: StepOutcome<PublishedScript> = yield* armActivity(context, ACTIVITY.uploadSetupScript, {});
      if (!script.ok) throw fail(script);
      setupCommand = script.value.commandToExecute;
      record(step, started, script.value.uploaded, script.value.uploaded ? 1 : 0, script.value.blobName);
      continue;
    }
    const outcome: StepOutcome<StepResult> = yield* ensureStep(step);
    if (!outcome.ok && step === 'scaleSet') {
      failOrContinue(step, started, outcome);
      created.push(scaleSetIdOf({ subscriptionId: input.subscriptionId, adminUsername: '', setupCommand: '' }, spec));
      for (const skipped of ['upgrade', 'capacity']) steps.push({ name: skipped, status: 'skipped', changed: false, writes: 0, startedAt: now().toISOString(), durationMs: 0, detail: `skipped: step scaleSet failed (${extensionFailure ?? ''})` });
      continue;
    }
    if (!outcome.ok) throw fail(outcome);
    created.push(...outcome.value.resourceIds);
    plannedWrites.push(...outcome.value.writes);
    if (step === 'scaleSet') scaleSetInfo = outcome.value.scaleSet;
    record(step, started, outcome.value.writes.length > 0, outcome.value.writes.length, outcome.value.writes.map((w) => `${w.action} ${w.kind} ${w.name}: ${w.reason}`).join('; ') || undefined);

    if (step === 'scaleSet') {
      // Bring existing instances to the new model, per upgrade policy.
      const upgradeStarted = now();
      const mode = spec.scaleSet.upgradePolicy.mode;
      if (!scaleSetInfo?.modelChanged) record('upgrade', upgradeStarted, false, 0, 'model unchanged');
      else if (mode === 'Manual') {
        progress('upgrade', 'bringing instances to the latest model (manual upgrade)');
        const batchSize = Math.max(1, Math.ceil(((scaleSetInfo.capacityBefore ?? spec.scaleSet.capacity) * spec.scaleSet.upgradePolicy.maxBatchInstancePercent) / 100));
        const upgraded: StepOutcome<{ upgraded: string[]; batches: number }> = yield* manualUpgrade(context, { resourceGroup: spec.resourceGroup, scaleSetName: spec.scaleSet.name, batchSize });
        if (!upgraded.ok) failOrContinue('upgrade', upgradeStarted, upgraded);
        else record('upgrade', upgradeStarted, upgraded.value.upgraded.length > 0, upgraded.value.batches, `${upgraded.value.upgraded.length} instance(s) upgraded in batches of ${batchSize}`);
      } else if (mode === 'Rolling') {
        let status: RollingStatus | null = null;
        for (let poll = 0; poll < 720; poll++) {
          const s: StepOutcome<RollingStatus | null> = yield* armActivity(context, ACTIVITY.rollingUpgradeStatus, { resourceGroup: spec.resourceGroup, scaleSetName: spec.scaleSet.name });
          if (!s.ok) throw fail(s);
          status = s.value;
          progress('upgrade', `rolling upgrade ${status?.code ?? 'not started'}`, { rolling: status });
          if (status && status.code !== 'RollingForward') break;
          yield context.df.createTimer(new Date(now().getTime() + (input.rollingPollSeconds ?? 2) * 1000));
        }
        if (status?.code === 'Faulted' || status?.code === 'Cancelled') {
          throw new Error(`Step 'upgrade' failed: rolling upgrade ${status.code}${status.error ? ` — ${status.error}` : ''}. Already in place: ${created.join(', ')}.`);
        }
        record('upgrade', upgradeStarted, true, 0, `rolling upgrade ${status?.code ?? 'not reported'}: ${status?.successful ?? 0} upgraded`);
      } else record('upgrade', upgradeStarted, true, 0, 'automatic upgrade policy applies the model');

      const capacityStarted = now();
      progress('capacity', `scaling to ${spec.scaleSet.capacity}`);
      if (scaleSetInfo?.created || scaleSetInfo?.capacityBefore === spec.scaleSet.capacity) {
        record('capacity', capacityStarted, false, 0, `capacity ${spec.scaleSet.capacity}`);
      } else {
        const change: StepOutcome<CapacityChange> = yield* changeCapacity(context, { resourceGroup: spec.resourceGroup, scaleSetName: spec.scaleSet.name, capacity: spec.scaleSet.capacity });
        if (!change.ok) {
          failOrContinue('capacity', capacityStarted, change);
          continue;
        }
        if (change.value.written) plannedWrites.push({ step: 'capacity', action: 'update', kind: 'virtualMachineScaleSet', name: spec.scaleSet.name, reason: `capacity ${change.value.before} → ${change.value.after}` });
        record('capacity', capacityStarted, change.value.written, change.value.written ? 1 : 0, `capacity ${change.value.before} → ${change.value.after}`);
      }
    }
  }

  const verifyStarted = now();
  progress('verify', 'verifying every instance');
  const verifyInput: VerifyScaleSetInput = {
    resourceGroup: spec.resourceGroup,
    scaleSetName: spec.scaleSet.name,
    frontEndPublicIpId: frontEndPublicIpId({ subscriptionId: input.subscriptionId, adminUsername: '', setupCommand: '' }, spec),
    expect: { vmSize: spec.scaleSet.vmSize, latestModelApplied: true },
  };
  const verification: VerificationReport = yield context.df.callSubOrchestrator(ORCHESTRATOR.verifyScaleSet, verifyInput, `${context.df.instanceId}-verify`);
  record('verify', verifyStarted, false, 0, `${verification.totals.passed}/${verification.totals.instances} passed; front end ${verification.frontEnd.verdict}`);

  const report: DeploymentReport = {
    deploymentId: context.df.instanceId,
    outcome: !extensionFailure && verification.totals.failed === 0 && verification.frontEnd.verdict !== 'fail' ? 'succeeded' : 'failed',
    scaleSet: { resourceGroup: spec.resourceGroup, name: spec.scaleSet.name },
    frontEndUrl: verification.frontEndUrl,
    publicFrontEndUrl: verification.publicFrontEndUrl,
    instances: verification.instances.map((i) => ({ instanceId: i.instanceId, computerName: i.computerName, privateIp: i.privateIp, zone: i.zone, verdict: i.verdict, reason: i.reason })),
    totals: verification.totals,
    steps,
    armWrites: steps.reduce((sum, s) => sum + s.writes, 0),
    plannedWrites,
    verification,
  };
  context.df.setCustomStatus({ step: 'done', steps: stepNames, stepsDone: steps.map((s) => s.name), message: `${report.outcome}: ${report.totals.passed}/${report.totals.instances} instances passed`, instancesVerified: report.totals.passed });
  return report;
};

registerOrchestration(ORCHESTRATOR.deployTier, checkedInput(ORCHESTRATOR.deployTier, checkDeployInput, recordedRun<DeployTierInput>('deploy', (i) => ({ resourceGroup: i.spec.resourceGroup, name: i.spec.scaleSet.name }), deployTierOrchestrator)));
