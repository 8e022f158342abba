import { armClientsFor } from '../../azure/armClients';
import { startOperation, type OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
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
 * - `reimage`: reimage the instances (keeps id, IP, data disk; reruns the setup);
 * - `delete`: delete those of the instances still listed (a retried phase never names an instance
 *   already gone — ARM answers 400 InvalidParameter for an inactive id);
 * - `restore`: set the capacity back to `capacity`, the value the orchestration read before the
 *   delete (never re-read here: after the delete it is lower, and a retried restore must not keep it);
 *   returns the instance ids before the write, so the new ones can be told apart.
 */
export type RepairPhaseInput = RepairInput & ({ phase: 'reimage' | 'delete' } | { phase: 'restore'; capacity: number });

export interface RepairPhase {
  operation?: OperationProgress;
  /** restore: instance ids before the capacity write. */
  existing?: string[];
}

export async function repairInstances(input: RepairPhaseInput): Promise<StepOutcome<RepairPhase>> {
  const compute = armClientsFor(loadSettings()).compute();
  const { resourceGroup: rg, scaleSetName: name } = input;
  const listed = async (): Promise<string[]> => {
    const out: string[] = [];
    for await (const vm of compute.virtualMachineScaleSetVMs.list(rg, name)) if (vm.instanceId) out.push(vm.instanceId);
    return out;
  };
  return armStep('repair', async () => {
    if (input.phase === 'reimage') {
      return { operation: await startOperation('compute', `reimage of instance(s) ${input.instanceIds.join(', ')} on ${name}`, () => compute.virtualMachineScaleSets.reimage(rg, name, { vmScaleSetReimageInput: { instanceIds: input.instanceIds } })) };
    }
    if (input.phase === 'delete') {
      const present = new Set(await listed());
      const ids = input.instanceIds.filter((id) => present.has(id));
      if (ids.length === 0) return {};
      return { operation: await startOperation('compute', `delete of instance(s) ${ids.join(', ')} on ${name}`, () => compute.virtualMachineScaleSets.deleteInstances(rg, name, { instanceIds: ids })) };
    }
    const target = input.phase === 'restore' ? input.capacity : 0;
    const existing = await listed();
    const current = (await compute.virtualMachineScaleSets.get(rg, name)).sku?.capacity ?? 0;
    if (current === target) return { existing };
    return { existing, operation: await startOperation('compute', `capacity ${current} → ${target} on ${name} (replacing ${input.instanceIds.join(', ')})`, () => compute.virtualMachineScaleSets.update(rg, name, { sku: { capacity: target } })) };
  });
}

registerActivity(ACTIVITY.repairInstances, { handler: repairInstances });
