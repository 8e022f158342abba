import { afterEach, describe, expect, it, vi } from 'vitest';
import { readRepairLimits } from '../../../src/functions/activities/readRepairLimits';
import { watchInputAfter } from '../../../src/functions/eventGrid/scaleSetWatch';
import { checkWatchInput } from '../../../src/functions/orchestrators/inputChecks';
import { parseSettings, resetSettingsCache } from '../../../src/settings';

const target = { resourceGroup: 'rg', scaleSetName: 'vmss' };

afterEach(() => {
  vi.unstubAllEnvs();
  resetSettingsCache();
});

describe('a new watch run', () => {
  it('carries what the last watch verified and the events it saw, and no limit: those are not input', () => {
    const input = watchInputAfter({ name: 'watchScaleSet', output: { verified: ['0', '1'], seenEventIds: ['e1'] } }, target);
    expect(input).toEqual({ ...target, verified: ['0', '1'], actions: [], rounds: 0, seenEventIds: ['e1'] });
  });

  it('starts from nothing after any other run (a deployment or scaling changed what was verified)', () => {
    const input = watchInputAfter({ name: 'deployTier', output: { verified: ['0'], seenEventIds: ['e1'] } }, target);
    expect(input.verified).toEqual([]);
    expect(input.seenEventIds).toEqual([]);
    expect(watchInputAfter(undefined, target).verified).toEqual([]);
  });

  it('reads its limits from the app settings: three looks a minute apart, five repairs an hour by default', () => {
    vi.stubEnv('AZURE_SUBSCRIPTION_ID', '00000000-0000-0000-0000-00000000f41d');
    resetSettingsCache();
    expect(readRepairLimits()).toEqual({ confirmations: 3, spacingSeconds: 60, maxRepairsPerHour: 5, minHealthy: null });
    vi.stubEnv('FRIDAY_REPAIR_CONFIRMATIONS', '4');
    vi.stubEnv('FRIDAY_REPAIR_CONFIRM_SECONDS', '30');
    vi.stubEnv('FRIDAY_REPAIR_MAX_PER_HOUR', '1');
    vi.stubEnv('FRIDAY_REPAIR_MIN_HEALTHY', '2');
    resetSettingsCache();
    expect(readRepairLimits()).toEqual({ confirmations: 4, spacingSeconds: 30, maxRepairsPerHour: 1, minHealthy: 2 });
    const defaults = parseSettings({ AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-00000000f41d' });
    expect(defaults.FRIDAY_REPAIR_MIN_HEALTHY).toBeUndefined();
    expect(defaults.FRIDAY_READINESS_DEADLINE_SECONDS).toBe(1800);
  });

  it('checks its input without any limit in it (limits in a crafted input are not read, see repairSafety.test.ts)', () => {
    expect(checkWatchInput(watchInputAfter(undefined, target))).toEqual([]);
    expect(checkWatchInput({ ...target, verified: ['x'], actions: 'none', rounds: -1 })).toEqual([
      'verified: must be a list of at most 1000 instance ids (digits)',
      'actions: must be a list',
      'rounds: must be a whole number',
    ]);
  });
});
