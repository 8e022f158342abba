/**
 * The instance ids ARM lists as active right now. An action naming any other instance — deleted,
 * or being deleted — is refused whole with 400 InvalidParameter ("The provided instanceId N is not
 * an active Virtual Machine Scale Set VM instanceId."), and minutes can pass between deciding to act
 * on an instance and acting (a verification, confirmation looks, a 409 conflict waited out): so
 * repairs and upgrades list the active instances in the same activity, right before they act, and
 * act only on those still there.
 */
import type { ArmClients } from './armClients';

export async function activeInstanceIds(clients: ArmClients, target: { resourceGroup: string; scaleSetName: string }): Promise<Set<string>> {
  const active = new Set<string>();
  for await (const vm of clients.compute().virtualMachineScaleSetVMs.list(target.resourceGroup, target.scaleSetName)) {
    if (vm.instanceId && vm.provisioningState?.toLowerCase() !== 'deleting') active.add(vm.instanceId);
  }
  return active;
}
