import { activeInstanceIds } from '../../azure/activeInstances';
import { armClientsFor } from '../../azure/armClients';
import { startOperation, type OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { operationInProgress } from '../../azure/tierResources';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface RepairInput {
  resourceGroup: string;
  scaleSetName: string;
  action: 'reimage' | 'replace';
  instanceIds: string[];
}

/**
 * One phase of a repair, each a short activity that starts at most one long-running operation:
 * - `reimage`: reimage those of the instances still active, listed right before acting
 *   (activeInstances.ts says why; keeps id, IP, data disk; reruns the setup); returns them in `acted`;
 * - `delete`: delete those of the instances still listed and not already being deleted (a retried
 *   or resumed phase never names an instance already gone or `Deleting` — ARM answers 400
 *   InvalidParameter for an id that is not active); returns those still `Deleting` (an earlier
 *   attempt's delete: the orchestration waits and calls again until none is listed) and the
 *   instances that stay (`existing`: what the restore's new instances are told apart from);
 * - `restore`: set the capacity back to `capacity`, the value the orchestration read before the
 *   delete (never re-read here: after the delete it is lower, and a retried restore must not keep
 *   it); a scale set mid-operation (an earlier attempt's write) is not written — `busy`, the
 *   orchestration waits and calls again.
 */
export type RepairPhaseInput = RepairInput & ({ phase: 'reimage' | 'delete' } | { phase: 'restore'; capacity: number });

export interface RepairPhase {
  operation?: OperationProgress;
  /** delete: the instance ids that stay (listed, not among those repaired). */
  existing?: string[];
  /** delete: instances of this repair still being deleted by an earlier attempt's operation. */
  deleting?: string[];
  /** restore: the scale set's provisioning state while another operation runs on it. */
  busy?: string;
  /** reimage: the instances acted on (those of the input still active right before). */
  acted?: string[];
}

export async function repairInstances(input: RepairPhaseInput): Promise<StepOutcome<RepairPhase>> {
  const compute = armClientsFor(loadSettings()).compute();
  const { resourceGroup: rg, scaleSetName: name } = input;
  return armStep('repair', async () => {
    if (input.phase === 'reimage') {
      const active = await activeInstanceIds(armClientsFor(loadSettings()), input);
      const ids = input.instanceIds.filter((id) => active.has(id));
      if (ids.length === 0) return { acted: [] };
      return { acted: ids, operation: await startOperation('compute', `reimage of instance(s) ${ids.join(', ')} on ${name}`, () => compute.virtualMachineScaleSets.reimage(rg, name, { vmScaleSetReimageInput: { instanceIds: ids } })) };
    }
    if (input.phase === 'delete') {
      const listed = new Map<string, string>();
      for await (const vm of compute.virtualMachineScaleSetVMs.list(rg, name)) if (vm.instanceId) listed.set(vm.instanceId, vm.provisioningState ?? '');
      const targets = new Set(input.instanceIds);
      const existing = [...listed.keys()].filter((id) => !targets.has(id));
      const deleting = input.instanceIds.filter((id) => listed.get(id)?.toLowerCase() === 'deleting');
      const ids = input.instanceIds.filter((id) => listed.has(id) && !deleting.includes(id));
      if (ids.length === 0) return { existing, deleting };
      return { existing, deleting, operation: await startOperation('compute', `delete of instance(s) ${ids.join(', ')} on ${name}`, () => compute.virtualMachineScaleSets.deleteInstances(rg, name, { instanceIds: ids })) };
    }
    const target = input.phase === 'restore' ? input.capacity : 0;
    const vmss = await compute.virtualMachineScaleSets.get(rg, name);
    const busy = operationInProgress(JSON.parse(JSON.stringify(vmss)) as Record<string, unknown>);
    if (busy) return { busy };
    const current = vmss.sku?.capacity ?? 0;
    if (current === target) return {};
    return { operation: await startOperation('compute', `capacity ${current} → ${target} on ${name} (replacing ${input.instanceIds.join(', ')})`, () => compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity: target } })) };
  });
}

registerActivity(ACTIVITY.repairInstances, { handler: repairInstances });
