import { armStep, type StepOutcome } from '../../azure/armStep';
import { publishSetupScript, type PublishedScript } from '../../azure/scriptStore';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** Uploads the setup script (content-addressed; nothing written when it is already there). */
export async function uploadSetupScript(input: { dryRun?: boolean }): Promise<StepOutcome<PublishedScript>> {
  return armStep('setupScript', () => publishSetupScript(loadSettings(), { dryRun: input?.dryRun }));
}

registerActivity(ACTIVITY.uploadSetupScript, { handler: uploadSetupScript });
