/**
 * The subscription-wide read pacer against a simulated Compute front door that counts reads per
 * policy over sliding windows, as the emulator and Azure do, on a simulated clock.
 */
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmReadBudget, armReadPacerPolicy, fairnessKey, parseRemainingResource, policyWindowMs, requestKind, type ReadPacerClock } from '../../src/azure/armReadPacer';

class SimulatedClock implements ReadPacerClock {
  t = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + ms, resolve }));
  }
  /** Runs simulated time forward until `work` settles. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const result = work.finally(() => (settled = true));
    for (let guard = 0; !settled && guard < 100_000; guard++) {
      for (let i = 0; i < 20; i++) await Promise.resolve();
      if (settled) break;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    return result;
  }
}

const SUB = '00000000-0000-0000-0000-000000000001';
const vmListUrl = (scaleSet: string, page = 0): string =>
  `https://management.azure.com/subscriptions/${SUB}/resourceGroups/rg-${scaleSet}/providers/Microsoft.Compute/virtualMachineScaleSets/${scaleSet}/virtualMachines?api-version=2026-04-01&%24expand=instanceView&%24skiptoken=${page}`;
const nicListUrl = (scaleSet: string): string =>
  `https://management.azure.com/subscriptions/${SUB}/resourceGroups/rg-${scaleSet}/providers/Microsoft.Compute/virtualMachineScaleSets/${scaleSet}/networkInterfaces?api-version=2018-10-01`;

/** Compute's front door: the VM list draws on HighCostGetVMScaleSet3Min (limit per 180 s, sliding), every read on 250 subscription reads per 10 s. */
function simulatedCompute(clock: SimulatedClock, options: { limit: number; pageMs: number }) {
  const hits: number[] = [];
  const subscriptionHits: number[] = [];
  const log: Array<{ at: number; scaleSet: string; status: number }> = [];
  const send = async (request: { url: string }): Promise<PipelineResponse> => {
    await clock.sleep(options.pageMs / 2); // to ARM
    const now = clock.now();
    while (hits.length && (hits[0] as number) <= now - 180_000) hits.shift();
    while (subscriptionHits.length && (subscriptionHits[0] as number) <= now - 10_000) subscriptionHits.shift();
    subscriptionHits.push(now);
    const scaleSet = /virtualMachineScaleSets\/([^/?]+)/.exec(request.url)?.[1] ?? '';
    const headers: Record<string, string> = { 'x-ms-ratelimit-remaining-subscription-reads': String(250 - subscriptionHits.length) };
    let status = 200;
    if (request.url.includes('/virtualMachines')) {
      if (hits.length >= options.limit) {
        status = 429;
        headers['retry-after'] = '1200';
      } else hits.push(now);
      headers['x-ms-ratelimit-remaining-resource'] = `Microsoft.Compute/HighCostGetVMScaleSet3Min;${Math.max(0, options.limit - hits.length)},Microsoft.Compute/HighCostGetVMScaleSet30Min;900`;
    }
    log.push({ at: now, scaleSet, status });
    await clock.sleep(options.pageMs / 2); // and back
    return { status, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: request.url }) };
  };
  return { send, log };
}

describe('what ARM says is left', () => {
  it('parses the Compute header, the window a policy names, request kinds and fairness keys', () => {
    expect([...parseRemainingResource('Microsoft.Compute/HighCostGetVMScaleSet3Min;107,Microsoft.Compute/HighCostGetVMScaleSet30Min;587')]).toEqual([
      ['HighCostGetVMScaleSet3Min', 107],
      ['HighCostGetVMScaleSet30Min', 587],
    ]);
    expect(parseRemainingResource(undefined).size).toBe(0);
    expect(parseRemainingResource('garbage').size).toBe(0);
    expect(policyWindowMs('HighCostGetVMScaleSet30Min')).toBe(1_800_000);
    expect(policyWindowMs('VMScaleSetBatchedVMRequests5Min')).toBe(300_000);
    expect(requestKind('GET', vmListUrl('a', 3))).toBe(requestKind('get', vmListUrl('other', 0)));
    expect(requestKind('GET', vmListUrl('a'))).toBe('GET /subscriptions/{}/resourcegroups/{}/providers/microsoft.compute/virtualmachinescalesets/{}/virtualmachines');
    expect(requestKind('GET', vmListUrl('a'))).not.toBe(requestKind('GET', nicListUrl('a')));
    expect(fairnessKey(vmListUrl('vmss-a'))).toBe('rg-vmss-a/vmss-a');
    expect(fairnessKey(`https://management.azure.com/subscriptions/${SUB}/providers/Microsoft.Compute/skus`)).toBe('/');
  });
});

describe('the read pacer', () => {
  const run = async (options: { paced: boolean; scaleSets: number; pages: number; limit: number }) => {
    const clock = new SimulatedClock();
    const compute = simulatedCompute(clock, { limit: options.limit, pageMs: 500 });
    const budget = new ArmReadBudget({ clock });
    const policy = armReadPacerPolicy(budget);
    const listing = async (scaleSet: string): Promise<number> => {
      let throttled = 0;
      for (let page = 0; page < options.pages; page++) {
        const request = createPipelineRequest({ url: vmListUrl(scaleSet, page), method: 'GET' });
        const response = options.paced ? await policy.sendRequest(request, compute.send) : await compute.send(request);
        if (response.status === 429) throttled++;
      }
      return throttled;
    };
    const names = Array.from({ length: options.scaleSets }, (_, i) => `vmss-${i}`);
    const throttled = await clock.run(Promise.all(names.map(listing)));
    return { throttled: throttled.reduce((a, b) => a + b, 0), log: compute.log, budget, endedAt: clock.t };
  };

  it('lists 10 scale sets × 10 pages against a policy of 40 calls / 3 min with no 429, pacing at the window; unpaced, the same reads are throttled', async () => {
    const unpaced = await run({ paced: false, scaleSets: 10, pages: 10, limit: 40 });
    expect(unpaced.throttled).toBe(60);

    const paced = await run({ paced: true, scaleSets: 10, pages: 10, limit: 40 });
    expect(paced.throttled).toBe(0);
    expect(paced.log.filter((e) => e.status === 429)).toEqual([]);
    expect(paced.log).toHaveLength(100);
    // 100 calls on 40 per 180 s (2 spare): the last ones wait for the first calls to leave the window.
    expect(paced.endedAt).toBeGreaterThan(2 * 180_000);
    expect(paced.endedAt).toBeLessThan(3 * 180_000 + 60_000);
    expect(paced.budget.stats.waited).toBeGreaterThan(0);
  });

  it('serves waiting scale sets in turn: no scale set gets two pages through while another that is waiting gets none', async () => {
    const paced = await run({ paced: true, scaleSets: 4, pages: 12, limit: 12 });
    expect(paced.throttled).toBe(0);
    // After the first window is spent, grants rotate over the scale sets: in any 4 consecutive
    // paced calls each scale set appears once.
    const waitedCalls = paced.log.filter((e) => e.at > 1000).map((e) => e.scaleSet);
    for (let i = 0; i + 4 <= waitedCalls.length - 4; i += 4) expect(new Set(waitedCalls.slice(i, i + 4)).size).toBe(4);
  });

  it('does not pace reads that have room, and never holds writes', async () => {
    const fast = await run({ paced: true, scaleSets: 3, pages: 5, limit: 180 });
    expect(fast.budget.stats.waitedMs).toBeLessThan(600 * 3); // at most the first answer of a kind is waited for
    expect(fast.endedAt).toBeLessThan(5 * 500 + 600);
    const clock = new SimulatedClock();
    const budget = new ArmReadBudget({ clock });
    let sent = 0;
    const write = createPipelineRequest({ url: vmListUrl('w'), method: 'PUT' });
    await armReadPacerPolicy(budget).sendRequest(write, async () => (sent++, { status: 200, headers: createHttpHeaders({}), request: write }));
    expect(sent).toBe(1);
    expect(budget.stats.granted).toBe(0);
  });

  it('closes a kind of read for the Retry-After of a 429 another caller caused', async () => {
    const clock = new SimulatedClock();
    const budget = new ArmReadBudget({ clock });
    const url = vmListUrl('a');
    const granted = await clock.run(budget.acquire('GET', url));
    budget.observe('GET', url, granted, { status: 429, headers: createHttpHeaders({ 'retry-after': '120', 'x-ms-ratelimit-remaining-resource': 'Microsoft.Compute/HighCostGetVMScaleSet3Min;0' }) });
    const next = await clock.run(budget.acquire('GET', url));
    expect(next.at).toBeGreaterThanOrEqual(120_000);
  });
});
