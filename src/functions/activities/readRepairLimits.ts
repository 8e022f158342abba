import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** The limits a watch run applies, as the app settings give them (never the run's input). */
export interface RepairLimits {
  /** Failed looks before a failure is real (FRIDAY_REPAIR_CONFIRMATIONS). */
  confirmations: number;
  /** Seconds between looks (FRIDAY_REPAIR_CONFIRM_SECONDS). */
  spacingSeconds: number;
  /** Repairs per scale set per hour (FRIDAY_REPAIR_MAX_PER_HOUR); reserveRepairs enforces it from the settings too. */
  maxRepairsPerHour: number;
  /** Healthy instances a repair must leave (FRIDAY_REPAIR_MIN_HEALTHY); null: the domain's default. */
  minHealthy: number | null;
}

/**
 * Reads the repair limits from the app settings. An activity, so the orchestration gets them
 * deterministically (the result is in its history and replays the same) and no input — which
 * anyone holding the durable system key could craft — can loosen them.
 */
export function readRepairLimits(): RepairLimits {
  const settings = loadSettings();
  return {
    confirmations: settings.FRIDAY_REPAIR_CONFIRMATIONS,
    spacingSeconds: settings.FRIDAY_REPAIR_CONFIRM_SECONDS,
    maxRepairsPerHour: settings.FRIDAY_REPAIR_MAX_PER_HOUR,
    minHealthy: settings.FRIDAY_REPAIR_MIN_HEALTHY ?? null,
  };
}

registerActivity(ACTIVITY.readRepairLimits, { handler: readRepairLimits });
