/**
 * How a scale set's front end decides who gets traffic, as far as a change must wait for it.
 *
 * A Standard load balancer sends new connections only to members whose health probe passed, takes
 * a member out after `threshold` consecutive failed probes and brings it back after as many passes,
 * one probe per `intervalSeconds`; an Application Gateway does the same with its own interval and
 * unhealthy threshold, and can drain a member that leaves its backend pool (in-flight requests may
 * finish within `drainSeconds`). So, counted from the moment it changes, a member is surely in (or
 * out of) rotation after (threshold + 1) intervals: up to one interval until the next probe, then
 * `threshold` probes.
 */

export interface FrontEndProbe {
  kind: 'loadBalancer' | 'applicationGateway';
  intervalSeconds: number;
  /** Consecutive probes to go out of rotation (and back in). */
  threshold: number;
  /** App Gateway connection draining timeout; 0 = no draining (always 0 for a load balancer). */
  drainSeconds: number;
}

/** Azure's defaults when a definition leaves them out: LB 15 s × 1, App Gateway 30 s × 3. */
export function probeWithDefaults(kind: FrontEndProbe['kind'], given: { intervalSeconds?: number | undefined; threshold?: number | undefined; drainSeconds?: number | undefined }): FrontEndProbe {
  const positive = (v: number | undefined, fallback: number): number => (v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback);
  return kind === 'loadBalancer'
    ? { kind, intervalSeconds: positive(given.intervalSeconds, 15), threshold: Math.round(positive(given.threshold, 1)), drainSeconds: 0 }
    : { kind, intervalSeconds: positive(given.intervalSeconds, 30), threshold: Math.round(positive(given.threshold, 3)), drainSeconds: positive(given.drainSeconds, 0) };
}

/** Seconds after which a member whose probe result changed is surely in (or out of) rotation. */
export function rotationSettleSeconds(probe: FrontEndProbe): number {
  return probe.intervalSeconds * (probe.threshold + 1);
}

/** Without a known probe: the slowest of the defaults (App Gateway 30 s × (3 + 1)). */
export const UNKNOWN_PROBE_SETTLE_SECONDS = 120;
