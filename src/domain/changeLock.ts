/**
 * One change at a time per scale set: deployments, scaling, schedules and repairs all run under
 * this orchestration instance id, and the runtime refuses to start an id that is still running.
 */
export function changeInstanceId(scaleSet: { subscriptionId: string; resourceGroup: string; scaleSetName: string }): string {
  const part = (s: string): string => s.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `friday-change-${part(scaleSet.subscriptionId).slice(0, 8)}-${part(scaleSet.resourceGroup)}-${part(scaleSet.scaleSetName)}`;
}

export function verifyInstanceId(scaleSet: { subscriptionId: string; resourceGroup: string; scaleSetName: string }): string {
  return changeInstanceId(scaleSet).replace('friday-change-', 'friday-verify-');
}

/** The one schedule evaluation at a time (timer ticks and POST /api/schedules/evaluate share it). */
export const SCHEDULE_EVALUATION_ID = 'friday-schedule-evaluation';
