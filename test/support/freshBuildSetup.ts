/**
 * vitest setup file: before a test file that runs the built app (the runner loads dist/app/index.js,
 * package.json `main`, even in process) is collected, make sure dist/ exists and is newer than the
 * sources — a stale build would test yesterday's code and a missing one used to skip silently.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { requireFreshBuild, runsBuiltCode } from './freshBuild';

const testPath = expect.getState().testPath;
if (testPath && runsBuiltCode(readFileSync(testPath, 'utf8'))) requireFreshBuild();
