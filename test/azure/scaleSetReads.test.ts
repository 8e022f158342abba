import { describe, expect, it } from 'vitest';
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import { readingEachOnce, ScaleSetReadCache, type ScaleSetRef } from '../../src/azure/scaleSetReads';

describe('readingEachOnce', () => {
  it('reads each scale set once (names compared as ARM does, ignoring case), a failure included', async () => {
    const calls: ScaleSetRef[] = [];
    const read = readingEachOnce((target) => {
      calls.push(target);
      return target.scaleSetName === 'gone' ? Promise.reject(new Error('ResourceNotFound')) : Promise.resolve({ location: 'x', sku: { name: target.scaleSetName } } as VirtualMachineScaleSet);
    });
    const [a, b, c] = await Promise.all([read({ resourceGroup: 'rg', scaleSetName: 'web' }), read({ resourceGroup: 'RG', scaleSetName: 'WEB' }), read({ resourceGroup: 'rg', scaleSetName: 'api' })]);
    expect(a).toBe(b);
    expect(c.sku?.name).toBe('api');
    await expect(read({ resourceGroup: 'rg', scaleSetName: 'gone' })).rejects.toThrow('ResourceNotFound');
    await expect(read({ resourceGroup: 'rg', scaleSetName: 'gone' })).rejects.toThrow('ResourceNotFound');
    expect(calls.map((t) => t.scaleSetName)).toEqual(['web', 'api', 'gone']);
  });
});

describe('ScaleSetReadCache', () => {
  it('joins a read on its way (never a second concurrent listing), keeps an answer for the age asked, and a failure at most 10 s', async () => {
    let now = 0;
    const cache = new ScaleSetReadCache(() => now);
    let loads = 0;
    let release: (v: string) => void = () => undefined;
    const load = (): Promise<string> => {
      loads++;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const web = { resourceGroup: 'rg', scaleSetName: 'web' };
    const tabs = [cache.read('facts', web, 60_000, load), cache.read('facts', { resourceGroup: 'RG', scaleSetName: 'Web' }, 60_000, load), cache.read('facts', web, 0, load)];
    expect(loads).toBe(1);
    release('listing 1');
    expect(await Promise.all(tabs)).toEqual(['listing 1', 'listing 1', 'listing 1']);
    now = 59_000;
    expect(await cache.read('facts', web, 60_000, load)).toBe('listing 1');
    expect(loads).toBe(1);
    const second = cache.read('facts', web, 10_000, load);
    expect(loads).toBe(2); // older than the 10 s this reader accepts
    release('listing 2');
    expect(await second).toBe('listing 2');
    now = 200_000;
    const failing = (): Promise<string> => (loads++, Promise.reject(new Error('ResourceNotFound')));
    await expect(cache.read('facts', web, 60_000, failing)).rejects.toThrow('ResourceNotFound');
    now = 205_000;
    await expect(cache.read('facts', web, 60_000, failing)).rejects.toThrow('ResourceNotFound');
    expect(loads).toBe(3);
    now = 211_000;
    await expect(cache.read('facts', web, 60_000, failing)).rejects.toThrow('ResourceNotFound');
    expect(loads).toBe(4);
    expect(cache.stats).toEqual({ reads: 4, joined: 2, cached: 2, servedWhileRefreshing: 0 });
  });
});

describe('ScaleSetReadCache keepServing', () => {
  it('serves the last good answer at once while one new read runs behind it, and switches to the new one when it lands', async () => {
    let now = 0;
    const cache = new ScaleSetReadCache(() => now);
    const web = { resourceGroup: 'rg', scaleSetName: 'web' };
    let loads = 0;
    let release: (v: string) => void = () => undefined;
    const slow = (): Promise<string> => (loads++, new Promise<string>((resolve) => (release = resolve)));
    const first = cache.read('facts', web, 60_000, slow, { keepServing: true });
    release('listing 1');
    expect(await first).toBe('listing 1');
    now = 61_000;
    // Older than a minute: tabs still get listing 1 at once; one listing runs behind it.
    expect(await cache.read('facts', web, 60_000, slow, { keepServing: true })).toBe('listing 1');
    expect(await cache.read('facts', web, 60_000, slow, { keepServing: true })).toBe('listing 1');
    expect(loads).toBe(2);
    release('listing 2');
    await new Promise((r) => setImmediate(r));
    expect(await cache.read('facts', web, 60_000, slow, { keepServing: true })).toBe('listing 2');
    expect(loads).toBe(2);
    // Without keepServing (e.g. a run has just finished) the reader waits for a new read.
    now = 62_000;
    const waiting = cache.read('facts', web, 0, slow);
    expect(loads).toBe(3);
    release('listing 3');
    expect(await waiting).toBe('listing 3');
  });
});
