/**
 * What to do about failing instances: reimage first; an instance still failing after its reimage
 * is replaced (deleted, so the scale set makes a new one). Bounded: at most `maxRepairsPerHour`
 * repairs per scale set in any sliding hour, and never while fewer than `minHealthy` instances
 * pass — a repair takes an instance out of rotation, and with too few healthy instances a repair
 * storm would make things worse (the report says so, and an operator decides).
 */
export interface RepairHistoryEntry {
  instanceId: string;
  action: 'reimage' | 'replace';
  at: string;
}

export interface RepairDecision {
  instanceId: string;
  action: 'reimage' | 'replace' | 'none';
  reason: string;
}

export function planRepairs(options: {
  verdicts: Array<{ instanceId: string; verdict: 'pass' | 'fail'; reason: string }>;
  /** Instances passing right now; default: the passing ones among `verdicts`. */
  healthy?: number;
  history: RepairHistoryEntry[];
  now: Date;
  limits: { maxRepairsPerHour: number; minHealthy: number };
}): RepairDecision[] {
  const hourAgo = options.now.getTime() - 3600_000;
  const recent = options.history.filter((h) => Date.parse(h.at) > hourAgo);
  let budget = Math.max(0, options.limits.maxRepairsPerHour - recent.length);
  const healthy = options.healthy ?? options.verdicts.filter((v) => v.verdict === 'pass').length;
  const decisions: RepairDecision[] = [];
  for (const v of options.verdicts.filter((x) => x.verdict === 'fail')) {
    if (healthy < options.limits.minHealthy) {
      decisions.push({ instanceId: v.instanceId, action: 'none', reason: `only ${healthy} healthy instance(s), below the minimum of ${options.limits.minHealthy}: not repairing` });
      continue;
    }
    if (budget <= 0) {
      decisions.push({ instanceId: v.instanceId, action: 'none', reason: `repair limit of ${options.limits.maxRepairsPerHour} per hour reached` });
      continue;
    }
    const reimaged = options.history.some((h) => h.instanceId === v.instanceId && h.action === 'reimage');
    budget -= 1;
    decisions.push(
      reimaged
        ? { instanceId: v.instanceId, action: 'replace', reason: `still failing after a reimage (${v.reason})` }
        : { instanceId: v.instanceId, action: 'reimage', reason: `failing (${v.reason})` },
    );
  }
  return decisions;
}
