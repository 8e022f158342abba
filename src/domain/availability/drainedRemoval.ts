/**
 * How an instance leaves a scale set (deleted by a scale-in, replaced by a repair, retired by a
 * surge resize) without a user's request failing.
 *
 * A Standard load balancer has no connection draining on VM delete: a deleted instance's flows
 * break, and until its health probe has failed `threshold` times it still gets new connections.
 * So an instance first leaves the rotation — it is taken out of the backend pool (a VMSS VM update
 * of its own network profile), which stops new connections while the flows it has go on — then the
 * change waits until the front end surely sends it nothing new (one probe interval × threshold,
 * the time the platform takes to act on a member that stopped answering, covers programming the
 * pool change too) and until requests in flight have finished, and only then deletes it. An
 * Application Gateway with connection draining lets in-flight requests to a member that left the
 * pool finish within its drain timeout: the wait covers that timeout. Without draining it cuts
 * them, which the plan says.
 *
 * Pure: time is passed in; the plan is data with a reason.
 */
import { UNKNOWN_PROBE_SETTLE_SECONDS, type FrontEndProbe } from './frontEndProbe';

export interface DrainedRemovalInput {
  instanceIds: string[];
  /** The front end's probe; null when the scale set has none known (the wait is then the longest default). */
  probe: FrontEndProbe | null;
  /** Longest a user's request takes on this tier (in-flight requests are given this long). */
  inFlightSeconds: number;
  /** What happens to the instances once out of rotation (a reimage restarts them, then they rejoin the pool). */
  then: 'delete' | 'replace' | 'reimage';
  now: Date;
}

export interface DrainedRemovalPlan {
  instanceIds: string[];
  /** 1. out of the backend pool (no new connection), 2. wait, 3. delete (a replace then restores the capacity), or reimage and back into the pool. */
  steps: Array<{ action: 'leaveBackendPool' | 'wait' | 'delete' | 'reimage' | 'joinBackendPool'; instanceIds: string[]; seconds?: number; reason: string }>;
  waitSeconds: number;
  /** Not before this instant may the instances be deleted (or reimaged). */
  deleteNotBefore: string;
  /** Something the operator should know (e.g. an App Gateway without connection draining). */
  warnings: string[];
  reason: string;
}

export function drainedRemovalPlan(input: DrainedRemovalInput): DrainedRemovalPlan {
  const { probe } = input;
  const inFlight = Math.max(0, input.inFlightSeconds);
  const warnings: string[] = [];
  let waitSeconds: number;
  let why: string;
  if (!probe) {
    waitSeconds = UNKNOWN_PROBE_SETTLE_SECONDS + inFlight;
    why = `front end probe unknown: waiting the longest default (${UNKNOWN_PROBE_SETTLE_SECONDS} s) plus ${inFlight} s for requests in flight`;
  } else if (probe.kind === 'applicationGateway' && probe.drainSeconds > 0) {
    const takeOut = probe.intervalSeconds * probe.threshold;
    waitSeconds = Math.max(probe.drainSeconds, takeOut);
    why = `Application Gateway drains a member that left the pool for ${probe.drainSeconds} s; waiting ${waitSeconds} s (its drain timeout, at least its probe's ${probe.intervalSeconds} s × ${probe.threshold})`;
    if (inFlight > probe.drainSeconds) warnings.push(`requests may take ${inFlight} s but the Application Gateway drains for ${probe.drainSeconds} s only: longer ones are cut; raise connectionDraining.drainTimeoutInSec`);
  } else {
    const takeOut = probe.intervalSeconds * probe.threshold;
    waitSeconds = takeOut + inFlight;
    why = `${probe.kind === 'loadBalancer' ? 'load balancer' : 'Application Gateway'} probe ${probe.intervalSeconds} s × ${probe.threshold} until no new connection can reach it, plus ${inFlight} s for requests in flight`;
    if (probe.kind === 'applicationGateway') warnings.push('the Application Gateway has no connection draining: requests in flight to an instance that leaves its backend pool are cut; enable connectionDraining on its backend settings');
  }
  const ids = [...input.instanceIds];
  return {
    instanceIds: ids,
    steps: [
      { action: 'leaveBackendPool', instanceIds: ids, reason: 'out of the backend pool first: the front end gives it no new connection, the ones it has go on' },
      { action: 'wait', instanceIds: ids, seconds: waitSeconds, reason: why },
      ...(input.then === 'reimage'
        ? [
            { action: 'reimage' as const, instanceIds: ids, reason: 'reimaged once out of rotation and idle: its restart breaks no connection' },
            { action: 'joinBackendPool' as const, instanceIds: ids, reason: "back into the scale set model's backend pools; the front end sends it new connections once its probe passes" },
          ]
        : [{ action: 'delete' as const, instanceIds: ids, reason: input.then === 'replace' ? 'deleted once out of rotation and idle; the capacity is then restored and the replacement verified' : 'deleted once out of rotation and idle' }]),
    ],
    waitSeconds,
    deleteNotBefore: new Date(input.now.getTime() + waitSeconds * 1000).toISOString(),
    warnings,
    reason: `${ids.length} instance(s) drained before ${{ delete: 'removal', replace: 'replacement', reimage: 'reimage' }[input.then]}: ${why}`,
  };
}

/**
 * Which instances a scale-in removes, as Azure's default scale-in policy would pick them (highest
 * ids from the zone with the most instances first), so the app can drain exactly those.
 */
export function scaleInVictims(options: { instances: Array<{ instanceId: string; zone: string | null }>; capacity: number }): string[] {
  const remaining = [...options.instances].sort((a, b) => Number(b.instanceId) - Number(a.instanceId) || b.instanceId.localeCompare(a.instanceId));
  const victims: string[] = [];
  while (remaining.length > Math.max(0, options.capacity)) {
    const counts = new Map<string, number>();
    for (const i of remaining) counts.set(i.zone ?? '', (counts.get(i.zone ?? '') ?? 0) + 1);
    const busiest = Math.max(...counts.values());
    const pick = remaining.findIndex((i) => counts.get(i.zone ?? '') === busiest);
    const [inst] = remaining.splice(pick, 1);
    if (inst) victims.push(inst.instanceId);
  }
  return victims;
}
