/**
 * Takes a scale-set instance out of its front end's rotation before it is deleted: a VMSS VM
 * update of the instance's own network profile with no load balancer or App Gateway backend pool
 * (how Kubernetes' Azure cloud provider takes a node out of a load balancer, EnsureBackendPoolDeleted).
 * The front end then opens no new connection to it; the connections it has go on until it is deleted.
 * Deletes go through the scale set (`deleteInstances`), which lowers its capacity by as many.
 * Both start their long-running operation and return its handle (the orchestration polls it).
 */
import { startOperation, type OperationProgress } from './armOperations';
import type { ArmClients } from './armClients';

interface Target {
  resourceGroup: string;
  scaleSetName: string;
}

/** Starts taking one instance out of its backend pools; no write when it is in none. */
export async function takeOutOfBackendPools(clients: ArmClients, options: Target & { instanceId: string }): Promise<{ written: boolean; operation?: OperationProgress }> {
  const vms = clients.compute().virtualMachineScaleSetVMs;
  const vm = await vms.get(options.resourceGroup, options.scaleSetName, options.instanceId);
  const nics = vm.networkProfileConfiguration?.networkInterfaceConfigurations ?? [];
  const inPool = nics.some((nic) => (nic.ipConfigurations ?? []).some((ip) => (ip.loadBalancerBackendAddressPools?.length ?? 0) + (ip.applicationGatewayBackendAddressPools?.length ?? 0) > 0));
  if (!inPool) return { written: false };
  for (const nic of nics) {
    for (const ip of nic.ipConfigurations ?? []) {
      ip.loadBalancerBackendAddressPools = [];
      ip.applicationGatewayBackendAddressPools = [];
    }
  }
  const operation = await startOperation('compute', `take instance ${options.instanceId} of ${options.scaleSetName} out of its backend pools`, () =>
    vms.update(options.resourceGroup, options.scaleSetName, options.instanceId, { ...vm, networkProfileConfiguration: { networkInterfaceConfigurations: nics } }),
  );
  return { written: true, operation };
}

/** Starts deleting the instances still listed (capacity goes down by as many); none listed → no write. */
export async function deleteScaleSetInstances(clients: ArmClients, options: Target & { instanceIds: string[] }): Promise<{ deleted: string[]; operation?: OperationProgress }> {
  const compute = clients.compute();
  const present = new Set<string>();
  for await (const vm of compute.virtualMachineScaleSetVMs.list(options.resourceGroup, options.scaleSetName)) if (vm.instanceId) present.add(vm.instanceId);
  const ids = options.instanceIds.filter((id) => present.has(id));
  if (ids.length === 0) return { deleted: [] };
  const operation = await startOperation('compute', `delete instance(s) ${ids.join(', ')} of ${options.scaleSetName}`, () =>
    compute.virtualMachineScaleSets.deleteInstances(options.resourceGroup, options.scaleSetName, { instanceIds: ids }),
  );
  return { deleted: ids, operation };
}
