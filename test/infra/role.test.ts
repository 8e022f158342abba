/**
 * The least-privilege role versus the ARM actions the app was seen performing in the end-to-end
 * tests (recorded from the emulator's request log into .local/observed-actions/, emptied when
 * `npm run test:suite` starts so no earlier run's actions count — `npm test` runs
 * this file in a second pass, after them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OBSERVED_ACTIONS_DIR } from '../support/observedActions';
import { compareRole, REPO, type RoleDefinition } from '../support/infraChecks';

const role = JSON.parse(readFileSync(path.join(REPO, 'infra', 'role', 'friday-fleet-operator.json'), 'utf8')) as RoleDefinition;
/**
 * Data actions the role must grant: none. The script store (src/azure/scriptStore.ts) and run
 * records live in the app's own storage account, where infra/app/app-access.bicep grants the
 * app's identity its data roles; the target group's storage accounts are none of its business.
 */
const SCRIPT_STORE_ACTIONS: string[] = [];

function observed(): string[] {
  if (!existsSync(OBSERVED_ACTIONS_DIR)) return [];
  return [...new Set(readdirSync(OBSERVED_ACTIONS_DIR).filter((f) => f.endsWith('.json')).flatMap((f) => (JSON.parse(readFileSync(path.join(OBSERVED_ACTIONS_DIR, f), 'utf8')) as { actions: string[] }).actions))].sort();
}

describe('the friday-fleet operator role', () => {
  it('allows every ARM action the end-to-end tests observed, and nothing no code path uses', () => {
    const actions = observed();
    if (actions.length === 0 && process.env.FRIDAY_ROLE_TEST_ALLOW_EMPTY !== '1') {
      throw new Error('No observed actions in .local/observed-actions/: run the end-to-end tests first (npm test does, then runs this file).');
    }
    const result = compareRole(role, actions, SCRIPT_STORE_ACTIONS);
    expect(result.wildcards).toEqual([]);
    expect(result.missing, 'used by the code but not allowed by the role').toEqual([]);
    expect(result.unused, 'allowed by the role but used by no code path').toEqual([]);
  });

  it('grants no storage rights in the target group (no control-plane storage action, no data action)', () => {
    expect([...role.Actions, ...role.DataActions].filter((a) => a.toLowerCase().startsWith('microsoft.storage'))).toEqual([]);
    expect(role.DataActions).toEqual([]);
  });

  it('reports a new ARM call that the role does not allow, and an allowed action no code uses', () => {
    const extra = compareRole(role, [...role.Actions.filter((a) => !a.startsWith('Microsoft.Storage')), 'Microsoft.Compute/virtualMachineScaleSets/delete'], SCRIPT_STORE_ACTIONS);
    expect(extra.missing).toEqual(['Microsoft.Compute/virtualMachineScaleSets/delete']);
    const fewer = compareRole(role, role.Actions.filter((a) => a !== 'Microsoft.Insights/autoscalesettings/write' && !a.startsWith('Microsoft.Storage')), SCRIPT_STORE_ACTIONS);
    expect(fewer.unused).toEqual(['Microsoft.Insights/autoscalesettings/write']);
    expect(compareRole({ ...role, Actions: ['Microsoft.Compute/*'] }, [], []).wildcards).toEqual(['Microsoft.Compute/*']);
  });
});
