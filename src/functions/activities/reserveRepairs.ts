import { updateRepairBudget } from '../../azure/scaleSetState';
import { changeInstanceId, scaleSetKey } from '../../domain/changeLock';
import { planRepairs, reserveRepairs as reserve, type ActiveInstance, type RepairDecision } from '../../domain/repair/planRepairs';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface ReserveRepairsInput {
  resourceGroup: string;
  scaleSetName: string;
  failing: Array<{ instanceId: string; reason: string }>;
  active: ActiveInstance[];
  capacity: number;
  healthy: number;
  /** The orchestration's time (the budget's clock). */
  now: string;
  /** Unique per reservation within a run: a retried activity reserves once. */
  reservationKey: string;
}

/**
 * Decides the repairs (domain/repair/planRepairs.ts) against the scale set's durable repair budget
 * and reserves them in the same conditional write, before any repair is made: a run that fails or
 * is restarted after this point has still used the budget.
 */
export async function reserveRepairs(input: ReserveRepairsInput): Promise<{ decisions: RepairDecision[]; reservedInLastHour: number }> {
  const settings = loadSettings();
  const scaleSet = { subscriptionId: settings.AZURE_SUBSCRIPTION_ID, resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  const now = new Date(input.now);
  const runId = `${changeInstanceId(scaleSet)}:${input.reservationKey}`;
  return updateRepairBudget(settings, scaleSetKey(scaleSet), (reservations) => {
    // A retry of this very reservation finds its own entries: it returns the same decisions.
    const mine = reservations.filter((r) => r.runId === runId);
    const others = reservations.filter((r) => r.runId !== runId);
    const decisions = mine.length
      ? input.failing.map((f): RepairDecision => {
          const r = mine.find((m) => m.instanceId === f.instanceId);
          return r ? { instanceId: f.instanceId, action: r.action, reason: `failing (${f.reason})` } : { instanceId: f.instanceId, action: 'none', reason: 'not reserved by this batch' };
        })
      : planRepairs({
          failing: input.failing,
          active: input.active,
          capacity: input.capacity,
          healthy: input.healthy,
          reservations: others,
          now,
          limits: { maxRepairsPerHour: settings.FRIDAY_REPAIR_MAX_PER_HOUR, ...(settings.FRIDAY_REPAIR_MIN_HEALTHY !== undefined ? { minHealthy: settings.FRIDAY_REPAIR_MIN_HEALTHY } : {}) },
        });
    const next = mine.length ? reservations : reserve({ reservations, decisions, runId, now });
    return { reservations: next, result: { decisions, reservedInLastHour: next.length } };
  });
}

registerActivity(ACTIVITY.reserveRepairs, { handler: reserveRepairs });
