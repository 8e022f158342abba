/**
 * The reads and writes a schedule change needs: the scale set's shape (one GET), its VM size
 * (a PATCH of `sku.name` only when it differs), the instances not on the latest model (one paged
 * list with a `$filter`), and a manual upgrade of one batch (one POST).
 */
import type { ScaleSetShape } from '../domain/schedule/schedulePlan';
import type { ArmClients } from './armClients';
import { startOperation, type OperationProgress } from './armOperations';
import type { ScaleSetReader, ScaleSetRef } from './scaleSetReads';

/** The shape a schedule compares with: capacity, size, upgrade mode and zones. */
export async function readScaleSetShape(read: ScaleSetReader, target: ScaleSetRef): Promise<ScaleSetShape> {
  const vmss = await read(target);
  const mode = vmss.upgradePolicy?.mode ?? 'Manual';
  const rollingPercent = vmss.upgradePolicy?.rollingUpgradePolicy?.maxBatchInstancePercent;
  return {
    capacity: vmss.sku?.capacity ?? 0,
    vmSize: vmss.sku?.name ?? '',
    upgradeMode: mode === 'Rolling' || mode === 'Automatic' ? mode : 'Manual',
    ...(rollingPercent !== undefined ? { rollingMaxBatchInstancePercent: rollingPercent } : {}),
    zones: vmss.zones ?? [],
  };
}

/**
 * Starts setting the model's VM size (a PATCH of `sku`, long-running); no write when it already
 * matches. Capacity is sent unchanged: ARM treats `sku` as one object.
 */
export async function setScaleSetVmSize(
  clients: ArmClients,
  options: { resourceGroup: string; scaleSetName: string; vmSize: string; upgradeMode?: 'Manual' | 'Automatic' | 'Rolling' },
): Promise<{ before: string; beforeMode: 'Manual' | 'Automatic' | 'Rolling'; written: boolean; operation?: OperationProgress }> {
  const compute = clients.compute();
  const vmss = await compute.virtualMachineScaleSets.get(options.resourceGroup, options.scaleSetName);
  const before = vmss.sku?.name ?? '';
  const mode = vmss.upgradePolicy?.mode;
  const beforeMode = mode === 'Automatic' || mode === 'Rolling' ? mode : 'Manual';
  const sizeChanges = before.toLowerCase() !== options.vmSize.toLowerCase();
  // `upgradeMode`: set in the same write (a surge resize of a Rolling or Automatic scale set goes
  // Manual with the size, so the platform restarts nothing, and back afterwards); the upgrade
  // policy is not part of the instances' model, so changing it alone moves no instance.
  const modeChanges = options.upgradeMode !== undefined && options.upgradeMode !== beforeMode;
  if (!sizeChanges && !modeChanges) return { before, beforeMode, written: false };
  const what = [sizeChanges ? `VM size ${before} → ${options.vmSize}` : '', modeChanges ? `upgrade mode ${beforeMode} → ${options.upgradeMode ?? ''}` : ''].filter(Boolean).join(', ');
  const operation = await startOperation('compute', `${what} on ${options.scaleSetName}`, () =>
    compute.virtualMachineScaleSets.update(options.resourceGroup, options.scaleSetName, {
      sku: { name: options.vmSize, tier: vmss.sku?.tier ?? 'Standard', capacity: vmss.sku?.capacity ?? 0 },
      ...(modeChanges ? { upgradePolicy: { ...vmss.upgradePolicy, mode: options.upgradeMode } } : {}),
    }),
  );
  return { before, beforeMode, written: true, operation };
}

export async function listStaleInstances(clients: ArmClients, options: { resourceGroup: string; scaleSetName: string }): Promise<string[]> {
  const stale: string[] = [];
  for await (const vm of clients.compute().virtualMachineScaleSetVMs.list(options.resourceGroup, options.scaleSetName, { filter: 'properties/latestModelApplied eq false' })) {
    // One being deleted is not active: naming it would fail the whole upgrade (activeInstances.ts).
    if (vm.instanceId && vm.provisioningState?.toLowerCase() !== 'deleting') stale.push(vm.instanceId);
  }
  return stale;
}

/** Starts a manual upgrade of one batch (a restart per instance when the size changed); returns the operation to poll. */
export async function upgradeInstanceBatch(clients: ArmClients, options: { resourceGroup: string; scaleSetName: string; instanceIds: string[] }): Promise<OperationProgress> {
  const description = `manual upgrade of instance(s) ${options.instanceIds.join(', ')} on ${options.scaleSetName}`;
  if (options.instanceIds.length === 0) return { done: true, description };
  return startOperation('compute', description, () => clients.compute().virtualMachineScaleSets.updateInstances(options.resourceGroup, options.scaleSetName, { instanceIds: options.instanceIds }));
}
