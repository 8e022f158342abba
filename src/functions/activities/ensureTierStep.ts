import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { ensureTierStep as ensureStep, type StepResult } from '../../azure/tierDeployment';
import type { TierStep } from '../../domain/deployment/desiredTier';
import type { DeploymentSpec } from '../../domain/deployment/spec';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface EnsureTierStepInput {
  spec: DeploymentSpec;
  step: TierStep;
  setupCommand: string;
  /** The orchestration's time (SAS start/expiry), so retries are deterministic in intent. */
  now: string;
  /** Resources this run already wrote in this step (see tierDeployment.ensureTierStep). */
  settled?: string[];
}

/**
 * Brings one step's resources to the spec: reads, compares, writes only what differs — and
 * returns as soon as a write starts a long-running operation (its handle in `operation`).
 */
export async function ensureTierStepActivity(input: EnsureTierStepInput): Promise<StepOutcome<StepResult>> {
  const settings = loadSettings();
  return armStep(input.step, () =>
    ensureStep({ settings, clients: armClientsFor(settings), spec: input.spec, step: input.step, setupCommand: input.setupCommand, now: new Date(input.now), ...(input.settled ? { settled: input.settled } : {}) }),
  );
}

registerActivity(ACTIVITY.ensureTierStep, { handler: ensureTierStepActivity });
