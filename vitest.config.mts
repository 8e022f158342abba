import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Integration tests start real local servers (emulator, Azurite, runner); keep them in separate
// forks and give them room, but never rely on timing for assertions.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Files that run the built app fail loudly on a missing or stale dist/ (test/support/freshBuildSetup.ts).
    setupFiles: ['test/support/freshBuildSetup.ts'],
    pool: 'forks',
    // At least two files at a time, even on a 2-core machine (vitest would take one: cores − 1). Most of an
    // end-to-end file's time is waiting on the local cloud's scaled Azure clock, not CPU, so two
    // overlap well: the suite took 451 s instead of 846 s here, at a load average near 3.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests marked concurrent in one file (the fault cases of test/reliability/faults.test.ts, nine)
    // run side by side, so their real-time waits overlap.
    maxConcurrency: 9,
  },
});
