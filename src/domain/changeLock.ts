/**
 * One change at a time per scale set: deployments, scaling, schedules and repairs all run under
 * one orchestration instance id per scale set, and the runtime refuses to start an id that is
 * still running. The same key names everything else kept per scale set (repair budget, events
 * waiting for the lock).
 *
 * The id must be collision-free: ARM names are case-insensitive, but `rg-web/fe`, `rg/web-fe` and
 * `rg/web_fe` are three different scale sets (joining names with `-` and mapping `.`, `_`, `-`
 * alike made them share one lock). So the id ends with a hash of the full, lower-cased resource id;
 * the readable prefix (resource group and name, shortened) is only there for people reading logs.
 */
import { createHash } from 'node:crypto';

export interface ScaleSetIdentity {
  subscriptionId: string;
  resourceGroup: string;
  scaleSetName: string;
}

/** ARM's resource id, lower-cased: the same scale set however its names are cased. */
export function scaleSetResourceId(scaleSet: ScaleSetIdentity): string {
  return `/subscriptions/${scaleSet.subscriptionId}/resourceGroups/${scaleSet.resourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${scaleSet.scaleSetName}`.toLowerCase();
}

/** Hex characters of the hash kept: 80 bits, no collision in any real fleet. */
const HASH_CHARS = 20;
/** Each readable part is cut to this length (durable instance ids stay far below their 256 limit). */
const READABLE_CHARS = 24;

/** `<resource group>-<name>-<hash>`: readable, and unique per scale set (the hash decides, the rest is for people). */
export function scaleSetKey(scaleSet: ScaleSetIdentity): string {
  const readable = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, READABLE_CHARS) || 'x';
  const hash = createHash('sha256').update(scaleSetResourceId(scaleSet)).digest('hex').slice(0, HASH_CHARS);
  return `${readable(scaleSet.resourceGroup)}-${readable(scaleSet.scaleSetName)}-${hash}`;
}

export function changeInstanceId(scaleSet: ScaleSetIdentity): string {
  return `friday-change-${scaleSetKey(scaleSet)}`;
}

/** On-demand verifications (reads only) run beside changes, under their own id. */
export function verifyInstanceId(scaleSet: ScaleSetIdentity): string {
  return `friday-verify-${scaleSetKey(scaleSet)}`;
}

/**
 * Waits for the change lock to be free and hands the events kept meanwhile to a verification run
 * (see functions/eventGrid/scaleSetWatch.ts). At most one per scale set.
 */
export function handOverInstanceId(scaleSet: ScaleSetIdentity): string {
  return `friday-handover-${scaleSetKey(scaleSet)}`;
}

/**
 * Runtime statuses that hold the lock. `Suspended` holds it too: a suspended run is resumed where
 * it stopped, and a second change started beside it would interleave ARM writes with it.
 */
export const LOCK_HOLDING_STATUSES: readonly string[] = ['Running', 'Pending', 'ContinuedAsNew', 'Suspended'];

export function holdsLock(runtimeStatus: string): boolean {
  return LOCK_HOLDING_STATUSES.includes(runtimeStatus);
}

/** The one schedule evaluation at a time (timer ticks and POST /api/schedules/evaluate share it). */
export const SCHEDULE_EVALUATION_ID = 'friday-schedule-evaluation';
