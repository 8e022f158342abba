/**
 * What to do about failing instances — built so that a repair cannot do harm:
 *
 * - **Only repeated failures.** An instance is repaired only after `confirmations` consecutive
 *   failed verifications, spaced over a window (a Windows Update reboot or one slow page is not
 *   enough); one pass in between starts the count again. (`failureStreak` below.)
 * - **Only what is there and settled.** Targets must be listed as active right before acting, with
 *   provisioning Succeeded or Failed: never an instance still being created, updated or deleted,
 *   nor one that vanished (an overprovisioned extra).
 * - **Little at a time.** At most 20 % of the capacity per batch, one at a time under 5 instances
 *   — Azure's own default for rolling upgrades (`maxBatchInstancePercent` 20) — and never while
 *   fewer than `minHealthy` pass (default half the capacity, rounded up: when more fail than that,
 *   the cause is rarely the instances, and repairs would only take capacity away).
 * - **A budget that outlives runs.** At most `maxRepairsPerHour` per scale set in any sliding
 *   hour, counted from reservations kept in Blob (see azure/scaleSetState.ts), reserved before the
 *   repair is made, so neither a failed run nor a restart resets it.
 *
 * Reimage first (keeps id, IP and data disk); an instance reimaged within the hour and failing
 * again is replaced (deleted, and the capacity restored).
 */
export interface RepairReservation {
  instanceId: string;
  action: 'reimage' | 'replace';
  at: string;
  /** The run that reserved it: a retried reservation by the same run is not counted twice. */
  runId: string;
}

export interface RepairDecision {
  instanceId: string;
  action: 'reimage' | 'replace' | 'none';
  reason: string;
  /** `none` only because this batch is full: the instance may be repaired in the next batch. */
  nextBatch?: true;
}

export interface RepairLimits {
  maxRepairsPerHour: number;
  /** Unset → defaultMinHealthy(capacity). */
  minHealthy?: number;
}

export interface ActiveInstance {
  instanceId: string;
  provisioningState: string;
}

const HOUR_MS = 3600_000;

/** How many instances may be out for repair at once: ≤ 20 % of the capacity, one under 5 instances. */
export function maxConcurrentRepairs(capacity: number): number {
  return capacity < 5 ? 1 : Math.max(1, Math.floor(capacity * 0.2));
}

/** Half the capacity, rounded up, at least one. */
export function defaultMinHealthy(capacity: number): number {
  return Math.max(1, Math.ceil(capacity / 2));
}

/** The reservations still inside the sliding hour at `now`. */
export function reservationsInWindow(reservations: RepairReservation[], now: Date): RepairReservation[] {
  return reservations.filter((r) => Date.parse(r.at) > now.getTime() - HOUR_MS);
}

/**
 * Whether an instance's failures are confirmed: the last `confirmations` verdicts (oldest first)
 * all failed. A pass anywhere in that stretch — a flapping instance — is not confirmed.
 */
export function failureStreak(verdicts: Array<'pass' | 'fail' | 'gone'>, confirmations: number): { confirmed: boolean; consecutive: number } {
  let consecutive = 0;
  for (let i = verdicts.length - 1; i >= 0 && verdicts[i] === 'fail'; i--) consecutive += 1;
  return { confirmed: consecutive >= confirmations, consecutive };
}

export function planRepairs(options: {
  /** Instances whose failures are confirmed, with the reason of their last failure. */
  failing: Array<{ instanceId: string; reason: string }>;
  /** Instances listed right before acting (an id not listed is never a target). */
  active: ActiveInstance[];
  capacity: number;
  /** Instances passing right now. */
  healthy: number;
  reservations: RepairReservation[];
  now: Date;
  limits: RepairLimits;
}): RepairDecision[] {
  const recent = reservationsInWindow(options.reservations, options.now);
  let budget = Math.max(0, options.limits.maxRepairsPerHour - recent.length);
  let slots = maxConcurrentRepairs(options.capacity);
  const minHealthy = options.limits.minHealthy ?? defaultMinHealthy(options.capacity);
  const active = new Map(options.active.map((a) => [a.instanceId, a]));
  const decisions: RepairDecision[] = [];
  for (const f of options.failing) {
    const none = (reason: string): void => void decisions.push({ instanceId: f.instanceId, action: 'none', reason });
    const listed = active.get(f.instanceId);
    if (!listed) {
      none('no longer listed as an active instance: nothing to repair');
      continue;
    }
    if (!/^(succeeded|failed)$/i.test(listed.provisioningState)) {
      none(`provisioning state ${listed.provisioningState}: not repaired while Azure is still working on it`);
      continue;
    }
    if (options.healthy < minHealthy) {
      none(`only ${options.healthy} healthy instance(s), below the minimum of ${minHealthy}: not repairing (an operator decides)`);
      continue;
    }
    if (budget <= 0) {
      none(`repair budget of ${options.limits.maxRepairsPerHour} per hour used up`);
      continue;
    }
    if (slots <= 0) {
      decisions.push({ instanceId: f.instanceId, action: 'none', reason: `at most ${maxConcurrentRepairs(options.capacity)} repair(s) at a time for capacity ${options.capacity}: waits for the next batch`, nextBatch: true });
      continue;
    }
    budget -= 1;
    slots -= 1;
    const reimaged = recent.some((h) => h.instanceId === f.instanceId && h.action === 'reimage');
    decisions.push(
      reimaged
        ? { instanceId: f.instanceId, action: 'replace', reason: `still failing after a reimage (${f.reason})` }
        : { instanceId: f.instanceId, action: 'reimage', reason: `failing (${f.reason})` },
    );
  }
  return decisions;
}

/**
 * Reserves the repairs decided (the budget document's new content). A reservation this run already
 * made for the same instance and action is kept once, so a retried reservation counts once.
 */
export function reserveRepairs(options: { reservations: RepairReservation[]; decisions: RepairDecision[]; runId: string; now: Date }): RepairReservation[] {
  const kept = reservationsInWindow(options.reservations, options.now);
  for (const d of options.decisions) {
    if (d.action === 'none') continue;
    const action = d.action;
    if (kept.some((r) => r.runId === options.runId && r.instanceId === d.instanceId && r.action === action)) continue;
    kept.push({ instanceId: d.instanceId, action, at: options.now.toISOString(), runId: options.runId });
  }
  return kept;
}
