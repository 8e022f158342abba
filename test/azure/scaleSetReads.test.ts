import { describe, expect, it } from 'vitest';
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import { readingEachOnce, type ScaleSetRef } from '../../src/azure/scaleSetReads';

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
