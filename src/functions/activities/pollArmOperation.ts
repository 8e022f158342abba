import { armClientsFor } from '../../azure/armClients';
import { pollOperationOnce, type OperationHandle, type OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/**
 * One status poll of a long-running operation another activity started: done, still running (with
 * the Retry-After ARM asked for), or failed (ARM's code and message, as data). A poll is a read, so
 * a transient failure (a 500 on the status URL) is simply thrown and polled again.
 */
export async function pollArmOperation(input: { step: string; handle: OperationHandle }): Promise<StepOutcome<OperationProgress>> {
  return armStep(input.step, () => pollOperationOnce(armClientsFor(loadSettings()), input.handle));
}

registerActivity(ACTIVITY.pollArmOperation, { handler: pollArmOperation });
