/**
 * Takes a scale-set instance out of its front end's rotation before it is deleted or reimaged (and
 * back in after a reimage): a VMSS VM
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

/**
 * Starts putting one instance back into the backend pools of the scale set's model (after a drained
 * reimage): each of its IP configurations gets the pools of the model's configuration of the same
 * name. No write when it is already in them.
 */
export async function returnToBackendPools(clients: ArmClients, options: Target & { instanceId: string }): Promise<{ written: boolean; operation?: OperationProgress }> {
  const compute = clients.compute();
  const [vmss, vm] = await Promise.all([
    compute.virtualMachineScaleSets.get(options.resourceGroup, options.scaleSetName),
    compute.virtualMachineScaleSetVMs.get(options.resourceGroup, options.scaleSetName, options.instanceId),
  ]);
  const modelNics = vmss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations ?? [];
  const nics = vm.networkProfileConfiguration?.networkInterfaceConfigurations ?? [];
  const ids = (pools: Array<{ id?: string }> | undefined): string => (pools ?? []).map((p) => (p.id ?? '').toLowerCase()).sort().join(',');
  let differs = false;
  for (const nic of nics) {
    const modelNic = modelNics.find((m) => m.name === nic.name);
    for (const ip of nic.ipConfigurations ?? []) {
      const modelIp = modelNic?.ipConfigurations?.find((m) => m.name === ip.name);
      const lb = modelIp?.loadBalancerBackendAddressPools ?? [];
      const agw = modelIp?.applicationGatewayBackendAddressPools ?? [];
      if (ids(ip.loadBalancerBackendAddressPools) !== ids(lb) || ids(ip.applicationGatewayBackendAddressPools) !== ids(agw)) differs = true;
      ip.loadBalancerBackendAddressPools = lb;
      ip.applicationGatewayBackendAddressPools = agw;
    }
  }
  if (!differs) return { written: false };
  const operation = await startOperation('compute', `put instance ${options.instanceId} of ${options.scaleSetName} back into its backend pools`, () =>
    compute.virtualMachineScaleSetVMs.update(options.resourceGroup, options.scaleSetName, options.instanceId, { ...vm, networkProfileConfiguration: { networkInterfaceConfigurations: nics } }),
  );
  return { written: true, operation };
}

/**
 * Starts deleting the instances still listed and not already being deleted (capacity goes down by
 * as many); none to send → no write. An instance listed `Deleting` is an earlier attempt's delete
 * (a retried or resumed call has no handle for it): it is returned in `deleting`, never named again
 * — ARM answers 400 InvalidParameter for an id that is not active — and the caller waits it out.
 */
export async function deleteScaleSetInstances(clients: ArmClients, options: Target & { instanceIds: string[] }): Promise<{ deleted: string[]; deleting: string[]; operation?: OperationProgress }> {
  const compute = clients.compute();
  const listed = new Map<string, string>();
  for await (const vm of compute.virtualMachineScaleSetVMs.list(options.resourceGroup, options.scaleSetName)) if (vm.instanceId) listed.set(vm.instanceId, (vm.provisioningState ?? '').toLowerCase());
  const deleting = options.instanceIds.filter((id) => listed.get(id) === 'deleting');
  const ids = options.instanceIds.filter((id) => listed.has(id) && !deleting.includes(id));
  if (ids.length === 0) return { deleted: [], deleting };
  const operation = await startOperation('compute', `delete instance(s) ${ids.join(', ')} of ${options.scaleSetName}`, () =>
    compute.virtualMachineScaleSets.deleteInstances(options.resourceGroup, options.scaleSetName, { instanceIds: ids }),
  );
  return { deleted: ids, deleting, operation };
}
