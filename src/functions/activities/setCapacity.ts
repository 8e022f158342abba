import { armClientsFor } from '../../azure/armClients';
import { startOperation, type OperationProgress } from '../../azure/armOperations';
import { armStep, type StepOutcome } from '../../azure/armStep';
import { operationInProgress } from '../../azure/tierResources';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export interface CapacityChange {
  before: number;
  after: number;
  /** Instance ids that exist after the change and did not before (the ones to verify). */
  newInstanceIds: string[];
  written: boolean;
}

export interface CapacityStart {
  before: number;
  after: number;
  written: boolean;
  /** Instance ids before the write (the new ones are those listed afterwards and not here). */
  existing: string[];
  /** The capacity write's long-running operation (scale-out: minutes per instance). */
  operation?: OperationProgress;
  /** The scale set is mid-operation (someone else's, or an earlier attempt's): wait, then call again. */
  busy?: string;
}

interface Target {
  resourceGroup: string;
  scaleSetName: string;
}

async function instanceIds(input: Target): Promise<string[]> {
  const out: string[] = [];
  for await (const vm of armClientsFor(loadSettings()).compute().virtualMachineScaleSetVMs.list(input.resourceGroup, input.scaleSetName)) if (vm.instanceId) out.push(vm.instanceId);
  return out;
}

/**
 * Starts setting `sku.capacity` — `capacity`, or `add` more than now — (no write when it already matches) and returns at once with the
 * operation's handle; the orchestration polls it, then asks for the new instances
 * (listNewInstances). A scale set mid-operation is not written (ARM would answer 409).
 */
export async function setCapacity(input: Target & { capacity: number; add?: number }): Promise<StepOutcome<CapacityStart>> {
  const compute = armClientsFor(loadSettings()).compute();
  return armStep('capacity', async () => {
    const vmss = await compute.virtualMachineScaleSets.get(input.resourceGroup, input.scaleSetName);
    const before = vmss.sku?.capacity ?? 0;
    // `add`: that many more than the scale set has now (a surge batch keeps what autoscale added meanwhile).
    if (input.add !== undefined) input = { ...input, capacity: before + input.add };
    const busy = operationInProgress(JSON.parse(JSON.stringify(vmss)) as Record<string, unknown>);
    if (busy) return { before, after: before, written: false, existing: [], busy };
    if (before === input.capacity) return { before, after: before, written: false, existing: [] };
    const existing = await instanceIds(input);
    const operation = await startOperation('compute', `capacity ${before} → ${input.capacity} on ${input.scaleSetName}`, () =>
      compute.virtualMachineScaleSets.update(input.resourceGroup, input.scaleSetName, { sku: { capacity: input.capacity } }),
    );
    return { before, after: input.capacity, written: true, existing, operation };
  });
}

/** The instances listed now that were not in `existing` (after a capacity change settled). */
export async function listNewInstances(input: Target & { existing: string[] }): Promise<StepOutcome<string[]>> {
  return armStep('capacity', async () => {
    const existing = new Set(input.existing);
    return (await instanceIds(input)).filter((id) => !existing.has(id));
  });
}

registerActivity(ACTIVITY.setCapacity, { handler: setCapacity });
registerActivity(ACTIVITY.listNewInstances, { handler: listNewInstances });
