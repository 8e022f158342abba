import type { Clock } from './contract';

/** The real clock, with durations divided by `timeScale` (benchmarks speed simulated time up). */
export function realClock(timeScale = 1): Clock {
  return {
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / timeScale))),
  };
}
