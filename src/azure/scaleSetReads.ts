/**
 * Reading a scale set's model (one GET). Callers take a reader rather than clients so that one
 * answer needing the same scale set in two places — the fleet page wants a scheduled scale set's
 * shape for the schedule view and its facts — reads it from ARM once.
 */
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import type { ArmClients } from './armClients';

export interface ScaleSetRef {
  resourceGroup: string;
  scaleSetName: string;
}

export type ScaleSetReader = (target: ScaleSetRef) => Promise<VirtualMachineScaleSet>;

export function armScaleSetReader(clients: ArmClients): ScaleSetReader {
  return (target) => clients.compute().virtualMachineScaleSets.get(target.resourceGroup, target.scaleSetName);
}

/** Each scale set read once, however many parts of one answer ask for it (failures included). */
export function readingEachOnce(read: ScaleSetReader): ScaleSetReader {
  const reads = new Map<string, Promise<VirtualMachineScaleSet>>();
  return (target) => {
    const key = `${target.resourceGroup}/${target.scaleSetName}`.toLowerCase();
    let model = reads.get(key);
    if (!model) {
      model = read(target);
      reads.set(key, model);
    }
    return model;
  };
}
