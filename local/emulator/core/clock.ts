/**
 * The local cloud's one clock. Azure time runs `timeScale` times faster than the machine's: an
 * Azure minute takes 60 000 / timeScale real ms. The emulator's operation durations, the runner's
 * durable timers, `currentUtcDateTime`, timer triggers and its `functionTimeout` cut-off all read
 * this clock, so a ten-minute App Gateway create is ten minutes to the orchestration that waits for
 * it and to the time limit that would cut off an activity waiting inside — however fast the run.
 *
 * Two processes (the runner as a child process, the emulator in a test) agree when they are given
 * the same `timeScale` and `originMs`: Azure time is `originMs + (real now − originMs) × timeScale`.
 */
import type { Clock } from './contract';

export interface ScaledClockOptions {
  /** Azure ms per real ms (1 = real time; 200 = one Azure minute in 300 real ms). */
  timeScale?: number;
  /** The real instant at which Azure time and real time agree (default: now). */
  originMs?: number;
}

export interface ScaledClock extends Clock {
  readonly timeScale: number;
  readonly originMs: number;
  /** Real ms that `azureMs` of Azure time takes. */
  realMs(azureMs: number): number;
}

export function scaledClock(options: ScaledClockOptions = {}): ScaledClock {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, not ${String(timeScale)}`);
  const originMs = options.originMs ?? Date.now();
  const realMs = (azureMs: number): number => Math.max(0, azureMs / timeScale);
  return {
    timeScale,
    originMs,
    realMs,
    now: () => new Date(timeScale === 1 ? Date.now() : originMs + (Date.now() - originMs) * timeScale),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, realMs(ms))),
  };
}
