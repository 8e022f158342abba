/** The emulator's Azure read budgets and list latency are on by default, with the cited figures. */
import { describe, expect, it } from 'vitest';
import { AZURE_LIST_PAGE_LATENCY, listPageLatency } from '../../local/emulator/core/armLatency';
import { ArmError } from '../../local/emulator/core/contract';
import { COMPUTE_SAMPLE_LIMITS, Throttler } from '../../local/emulator/core/throttling';
import { DEFAULT_TIMING } from '../../local/emulator/index';

const at = (ms: number) => ({ now: () => new Date(ms), sleep: () => Promise.resolve() });
const SUB = '00000000-0000-0000-0000-00000000f41d';
const HIGH_COST = ['HighCostGetVMScaleSet3Min', 'HighCostGetVMScaleSet30Min'];

describe('Compute policies by default', () => {
  it('allow 180 high-cost reads per 3 minutes, then answer 429 OperationNotAllowed naming the policy, with the remaining counts on every answer', () => {
    let now = 0;
    const throttler = new Throttler({ reads: { size: 100_000, refillPerSec: 1000 } }, { now: () => new Date(now), sleep: () => Promise.resolve() });
    let headers: Record<string, string> = {};
    for (let i = 0; i < 180; i++) headers = throttler.check(SUB, 'read', HIGH_COST);
    expect(headers['x-ms-ratelimit-remaining-resource']).toBe('Microsoft.Compute/HighCostGetVMScaleSet3Min;0,Microsoft.Compute/HighCostGetVMScaleSet30Min;720');
    let error: unknown;
    try {
      throttler.check(SUB, 'read', HIGH_COST);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArmError);
    expect(error).toMatchObject({ status: 429, code: 'OperationNotAllowed' });
    expect((error as ArmError).headers?.['Retry-After']).toBe('180');
    // The window slides: three minutes later the same read goes through.
    now = 180_001;
    expect(throttler.check(SUB, 'read', HIGH_COST)['x-ms-ratelimit-remaining-resource']).toContain('HighCostGetVMScaleSet3Min;179');
    expect(COMPUTE_SAMPLE_LIMITS.HighCostGetVMScaleSet30Min).toEqual({ limit: 900, windowSec: 1800 });
  });

  it('are replaced by a test’s own limits, and off with throttling: false', () => {
    const own = new Throttler({ reads: { size: 100_000, refillPerSec: 1000 }, compute: { GetVMScaleSet3Min: { limit: 1, windowSec: 180 } } }, at(0));
    // The high-cost policy is still counted and reported (as Azure reports every policy) but not enforced.
    let headers: Record<string, string> = {};
    for (let i = 0; i < 200; i++) headers = own.check(SUB, 'read', HIGH_COST);
    expect(headers['x-ms-ratelimit-remaining-resource']).toContain('HighCostGetVMScaleSet3Min;0');
    expect(new Throttler(false, at(0)).check(SUB, 'read', HIGH_COST)).toEqual({});
  });
});

describe('ARM list-page latency', () => {
  it('is on by default and drawn uniformly within its jitter', () => {
    expect(DEFAULT_TIMING.listPageMs).toBe(AZURE_LIST_PAGE_LATENCY.listPageMs);
    expect(DEFAULT_TIMING.listPageMs).toBeGreaterThan(0);
    expect(listPageLatency({ listPageMs: 600, listPageJitterMs: 200 }, () => 0)).toBe(400);
    expect(listPageLatency({ listPageMs: 600, listPageJitterMs: 200 }, () => 1)).toBe(800);
    expect(listPageLatency({ listPageMs: 600 }, () => 0.9)).toBe(600);
    expect(listPageLatency({}, () => 0.5)).toBe(0);
  });
});
