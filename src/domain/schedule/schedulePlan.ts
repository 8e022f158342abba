/**
 * What a schedule evaluation decides for each scale set, and how a VM-size change is cut into
 * batches. Pure: the instant and the scale sets' current shapes are passed in; the decisions are
 * data with a reason, so the timer, the HTTP view and dry runs all use the same code.
 */
import { nextChanges, orderResizeSteps, planScheduleChange, desiredStateAt, type DesiredState, type ScaleSetSchedule, type ScheduleChange } from './schedule';

/** What the evaluation needs to know about a scale set (read with GETs only). */
export interface ScaleSetShape {
  capacity: number;
  vmSize: string;
  upgradeMode: 'Manual' | 'Automatic' | 'Rolling';
  /** From the scale set's rolling upgrade policy when it has one. */
  rollingMaxBatchInstancePercent?: number;
  zones: string[];
}

export interface ScheduledScaleSet {
  schedule: ScaleSetSchedule;
  /** Absent when the scale set could not be read (`error` says why). */
  current?: ScaleSetShape;
  error?: string;
}

export interface ScaleSetDecision {
  resourceGroup: string;
  name: string;
  timeZone: string;
  action: 'none' | 'change' | 'error';
  reason: string;
  current: ScaleSetShape | null;
  desired: DesiredState;
  changes: ScheduleChange['changes'];
  /** Order the changes are applied in (capacity/vmSize). */
  order: Array<'capacity' | 'vmSize'>;
  nextChanges: ReturnType<typeof nextChanges>;
}

export function decideScaleSet(entry: ScheduledScaleSet, now: Date, horizonDays = 7): ScaleSetDecision {
  const { schedule } = entry;
  const desired = desiredStateAt(schedule, now);
  const base = { resourceGroup: schedule.resourceGroup, name: schedule.name, timeZone: schedule.timeZone, desired, nextChanges: nextChanges(schedule, now, horizonDays) };
  if (!entry.current) return { ...base, action: 'error', reason: entry.error ?? 'scale set could not be read', current: null, changes: [], order: [] };
  const change = planScheduleChange({ schedule, current: entry.current, now });
  if (change.action === 'none') {
    const reason = desired.source === 'none' ? desired.reason : `already as desired: ${desired.reason}`;
    return { ...base, action: 'none', reason, current: entry.current, changes: [], order: [] };
  }
  return { ...base, action: 'change', reason: change.reason, current: entry.current, changes: change.changes, order: orderResizeSteps(change) };
}

/**
 * Instances per resize batch. Manual: the schedule's percentage of the capacity (at least one).
 * Rolling scale sets are batched by the platform per their own policy; Automatic ones all at once.
 */
export function resizeBatches(options: { instanceIds: string[]; capacity: number; maxBatchInstancePercent: number }): string[][] {
  const size = Math.max(1, Math.ceil((Math.max(options.capacity, options.instanceIds.length) * options.maxBatchInstancePercent) / 100));
  const sorted = [...options.instanceIds].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const out: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}
