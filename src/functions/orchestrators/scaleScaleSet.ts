/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Scales a scale set and proves the result: after a scale-out only the new instances are
 * verified (the others were already); after a scale-in, all that remain.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { StepOutcome } from '../../azure/armStep';
import type { CapacityChange } from '../activities/setCapacity';
import { ORCHESTRATOR } from '../activities/names';
import { recordedRun } from './recordedRun';
import { failureText, type VerificationReport, type VerifyScaleSetInput } from './verifyScaleSet';
import { changeCapacity } from './scaleSetOperations';
import { registerOrchestration } from '../durable';
import { checkedInput, checkScaleInput } from './inputChecks';

export interface ScaleScaleSetInput {
  resourceGroup: string;
  scaleSetName: string;
  capacity: number;
}

export const scaleScaleSetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ScaleScaleSetInput>();
  context.df.setCustomStatus({ step: 'capacity', message: `scaling to ${input.capacity}` });
  const change: StepOutcome<CapacityChange> = yield* changeCapacity(context, input);
  if (!change.ok) throw new Error(failureText(change));
  context.df.setCustomStatus({ step: 'verify', message: `verifying ${change.value.newInstanceIds.length ? 'new instances' : 'all instances'}` });
  const verifyInput: VerifyScaleSetInput = {
    resourceGroup: input.resourceGroup,
    scaleSetName: input.scaleSetName,
    ...(change.value.after > change.value.before ? { instanceIds: change.value.newInstanceIds } : {}),
  };
  const verification: VerificationReport = yield context.df.callSubOrchestrator(ORCHESTRATOR.verifyScaleSet, verifyInput, `${context.df.instanceId}-verify`);
  const outcome = verification.totals.failed === 0 ? 'succeeded' : 'failed';
  context.df.setCustomStatus({ step: 'done', message: `${outcome}: capacity ${change.value.before} → ${change.value.after}` });
  return { outcome, before: change.value.before, after: change.value.after, armWrites: change.value.written ? 1 : 0, newInstanceIds: change.value.newInstanceIds, frontEndUrl: verification.frontEndUrl, instances: verification.instances, totals: verification.totals, verification };
};

registerOrchestration(ORCHESTRATOR.scaleScaleSet, checkedInput(ORCHESTRATOR.scaleScaleSet, checkScaleInput, recordedRun<ScaleScaleSetInput>('scale', (i) => ({ resourceGroup: i.resourceGroup, name: i.scaleSetName }), scaleScaleSetOrchestrator)));
