import { armClientsFor } from '../../azure/armClients';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface RollingStatus {
  code: string;
  successful: number;
  failed: number;
  pending: number;
  error?: string;
}

/** The latest rolling upgrade's state (the orchestration polls it with durable timers). */
export async function rollingUpgradeStatus(input: { resourceGroup: string; scaleSetName: string }): Promise<StepOutcome<RollingStatus | null>> {
  const compute = armClientsFor(loadSettings()).compute();
  return armStep('upgrade', async () => {
    try {
      const s = await compute.virtualMachineScaleSetRollingUpgrades.getLatest(input.resourceGroup, input.scaleSetName);
      return {
        code: s.runningStatus?.code ?? 'Unknown',
        successful: s.progress?.successfulInstanceCount ?? 0,
        failed: s.progress?.failedInstanceCount ?? 0,
        pending: (s.progress?.pendingInstanceCount ?? 0) + (s.progress?.inProgressInstanceCount ?? 0),
        ...(s.error?.message ? { error: `${s.error.code ?? ''} ${s.error.message}`.trim() } : {}),
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  });
}

registerActivity(ACTIVITY.rollingUpgradeStatus, { handler: rollingUpgradeStatus });
