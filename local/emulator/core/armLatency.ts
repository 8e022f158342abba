/**
 * How long ARM takes to answer one page of a list, part of the emulator's Azure timing (issue 14's
 * timing profile takes this figure; the time scale divides it like every other duration).
 *
 * Source and honesty: Microsoft publishes no latency figure for list calls, so this is an
 * estimate, not a measurement. What is published: ARM measures each request's latency and exposes it
 * as a metric (learn.microsoft.com, "Azure Resource Manager metrics in Azure Monitor" — the way to
 * measure your own subscription's figure); Compute prices the VM list with instance views as a
 * "high cost" read with its own throttling policy (HighCostGetVMScaleSet*, aks-engine#2295); and
 * that list is known to run into timeouts when a zone is degraded
 * (kubernetes-sigs/cloud-provider-azure#9339). 600 ± 200 ms for a page of 100 is an order of
 * magnitude above a probe (20 ms), which is the point: verification time in Azure is bounded by
 * paging. Change it per run with `POST /_emulator/timing` or the `--config` timing block
 * (`listPageMs`, `listPageJitterMs`); replace it with a measured figure when one is at hand.
 */
export const AZURE_LIST_PAGE_LATENCY = { listPageMs: 600, listPageJitterMs: 200 } as const;

/** One page's latency: uniform in listPageMs ± listPageJitterMs (pages never answer in lockstep). */
export function listPageLatency(timing: { listPageMs?: number; listPageJitterMs?: number }, random: () => number = Math.random): number {
  const base = timing.listPageMs ?? 0;
  const jitter = Math.min(base, timing.listPageJitterMs ?? 0);
  return jitter > 0 ? base + (random() * 2 - 1) * jitter : base;
}
