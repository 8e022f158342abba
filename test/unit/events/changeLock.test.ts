import { describe, expect, it } from 'vitest';
import { changeInstanceId, handOverInstanceId, holdsLock, scaleSetKey, scaleSetResourceId, verifyInstanceId } from '../../../src/domain/changeLock';
import { isMarkedManaged, MANAGED_TAGS } from '../../../src/domain/managedMark';
import { nameFromRecordPart, recordNamePart, runRecordName } from '../../../src/domain/fleet/runRecord';

const SUB = '00000000-0000-0000-0000-00000000f41d';
const ref = (resourceGroup: string, scaleSetName: string) => ({ subscriptionId: SUB, resourceGroup, scaleSetName });

describe('change lock ids', () => {
  it('are distinct for scale sets that shared one lock under the old scheme (rg-web/fe, rg/web-fe, rg/web_fe, rg/web.fe)', () => {
    const ids = [ref('rg-web', 'fe'), ref('rg', 'web-fe'), ref('rg', 'web_fe'), ref('rg', 'web.fe')].map(changeInstanceId);
    expect(new Set(ids).size).toBe(4);
    expect(ids[0]).toMatch(/^friday-change-rg-web-fe-[0-9a-f]{20}$/);
  });

  it('are the same however the names are cased (ARM names are case-insensitive), and differ per subscription', () => {
    expect(changeInstanceId(ref('RG-Friday', 'VMSS_1'))).toBe(changeInstanceId(ref('rg-friday', 'vmss_1')));
    expect(changeInstanceId({ ...ref('rg', 'a'), subscriptionId: '11111111-0000-0000-0000-000000000000' })).not.toBe(changeInstanceId(ref('rg', 'a')));
    expect(scaleSetResourceId(ref('RG', 'A'))).toBe(`/subscriptions/${SUB}/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/a`);
  });

  it('keep a readable prefix, stay short for long names, and share one key across the lock, verify and hand-over ids', () => {
    const long = ref('r'.repeat(90), 'v'.repeat(64));
    expect(changeInstanceId(long).length).toBeLessThan(100);
    expect(changeInstanceId(long)).not.toBe(changeInstanceId(ref('r'.repeat(90), `${'v'.repeat(63)}w`)));
    const key = scaleSetKey(ref('rg', 'web'));
    expect([changeInstanceId, verifyInstanceId, handOverInstanceId].map((f) => f(ref('rg', 'web')))).toEqual([`friday-change-${key}`, `friday-verify-${key}`, `friday-handover-${key}`]);
  });

  it('count Suspended as holding the lock', () => {
    expect(['Running', 'Pending', 'ContinuedAsNew', 'Suspended'].every(holdsLock)).toBe(true);
    expect(['Completed', 'Failed', 'Terminated'].some(holdsLock)).toBe(false);
  });
});

describe('run record names', () => {
  it('keep scale sets apart whose names differ only in _ - ( ) and read back to the name', () => {
    const names = ['web_fe', 'web-fe', 'web(fe)', 'web-fe-'].map(recordNamePart);
    expect(new Set(names).size).toBe(4);
    expect(names.map(nameFromRecordPart)).toEqual(['web_fe', 'web-fe', 'web(fe)', 'web-fe-']);
    expect(recordNamePart('VMSS-Friday')).toBe('vmss-friday'); // unchanged for plain names: older records still found
    const a = runRecordName({ scaleSet: { resourceGroup: 'rg', name: 'web_fe' }, startedAt: '2026-11-25T12:00:00.000Z', kind: 'repair', runId: 'x' });
    const b = runRecordName({ scaleSet: { resourceGroup: 'rg', name: 'web-fe' }, startedAt: '2026-11-25T12:00:00.000Z', kind: 'repair', runId: 'x' });
    expect(a).not.toBe(b);
  });
});

describe('the managed mark', () => {
  it('is the managed-by: friday-fleet tag (names case-insensitive), nothing else', () => {
    expect(isMarkedManaged({ ...MANAGED_TAGS })).toBe(true);
    expect(isMarkedManaged({ 'Managed-By': 'Friday-Fleet', env: 'prod' })).toBe(true);
    expect(isMarkedManaged({ 'managed-by': 'terraform' })).toBe(false);
    expect(isMarkedManaged({})).toBe(false);
    expect(isMarkedManaged(undefined)).toBe(false);
  });
});
