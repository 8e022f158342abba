import { describe, expect, it } from 'vitest';
import { watchInputAfter } from '../../../src/functions/eventGrid/scaleSetWatch';
import { parseSettings } from '../../../src/settings';

const settings = parseSettings({ AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-00000000f41d', FRIDAY_REPAIR_CONFIRMATIONS: '4', FRIDAY_REPAIR_CONFIRM_SECONDS: '30' });
const target = { resourceGroup: 'rg', scaleSetName: 'vmss' };

describe('a new watch run', () => {
  it('carries what the last watch verified and the events it saw, and takes its confirmation looks from the settings', () => {
    const input = watchInputAfter({ name: 'watchScaleSet', output: { verified: ['0', '1'], seenEventIds: ['e1'] } }, settings, target);
    expect(input).toEqual({ ...target, verified: ['0', '1'], actions: [], rounds: 0, confirm: { confirmations: 4, spacingSeconds: 30 }, seenEventIds: ['e1'] });
  });

  it('starts from nothing after any other run (a deployment or scaling changed what was verified)', () => {
    const input = watchInputAfter({ name: 'deployTier', output: { verified: ['0'], seenEventIds: ['e1'] } }, settings, target);
    expect(input.verified).toEqual([]);
    expect(input.seenEventIds).toEqual([]);
    expect(watchInputAfter(undefined, settings, target).verified).toEqual([]);
  });

  it('confirms over three looks a minute apart by default', () => {
    const defaults = parseSettings({ AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-00000000f41d' });
    expect(watchInputAfter(undefined, defaults, target).confirm).toEqual({ confirmations: 3, spacingSeconds: 60 });
    expect(defaults.FRIDAY_REPAIR_MIN_HEALTHY).toBeUndefined();
    expect(defaults.FRIDAY_READINESS_DEADLINE_SECONDS).toBe(1800);
  });
});
