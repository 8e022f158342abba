/**
 * Scale-set NIC lists as `@azure/arm-network` reads them (Network API, api-version 2018-10-01):
 * the scale set's paged NIC list, one VM's NICs, one NIC, and the (empty) public IP list.
 */
import { ArmError } from '../core/contract';
import type { InstanceState, Json, ScaleSetState } from './scaleSetEngine';
import { lower, TYPE, VM, VMSS, type ComputeRoutes } from './computeRoutes';

/** The scale set model's NIC configurations: one NIC per configuration per instance. */
export const nicConfigs = (state: ScaleSetState): Array<{ name: string; properties: Json }> =>
  ((((state.doc.properties.virtualMachineProfile)?.networkProfile as Json | undefined)?.networkInterfaceConfigurations ?? []) as Array<{ name: string; properties: Json }>);


export function registerScaleSetNicRoutes(c: ComputeRoutes): void {
  const { engine, route, mustGet, page, sortedInstances } = c;

  const nicDocs = (state: ScaleSetState, inst: InstanceState): Json[] => {
    const vmId = `${state.doc.id}/virtualMachines/${inst.instanceId}`;
    return nicConfigs(state).map((nic, n) => ({
      id: `${vmId}/networkInterfaces/${nic.name}`,
      name: nic.name,
      properties: {
        provisioningState: 'Succeeded',
        primary: nic.properties.primary ?? n === 0,
        virtualMachine: { id: vmId },
        ipConfigurations: ((nic.properties.ipConfigurations ?? []) as Array<{ name: string; properties?: Json }>).map((ip, i) => ({
          id: `${vmId}/networkInterfaces/${nic.name}/ipConfigurations/${ip.name}`,
          name: ip.name,
          properties: {
            ...(ip.properties ?? {}),
            primary: ip.properties?.primary ?? i === 0,
            privateIPAddress: n === 0 && i === 0 ? inst.privateIp : undefined,
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddressVersion: 'IPv4',
            provisioningState: 'Succeeded',
          },
        })),
      },
    }));
  };


  route({
    method: 'GET',
    template: `${VMSS}/networkInterfaces`,
    kind: 'read',
    action: `${TYPE}/networkInterfaces/read`,
    handler: (req) => {
      const state = mustGet(req);
      const nicCount = nicConfigs(state).length;
      const entries = sortedInstances(state).flatMap((inst) => Array.from({ length: nicCount }, (_, n) => ({ inst, n })));
      return page(req, entries, ({ inst, n }) => nicDocs(state, inst)[n] as Json);
    },
  });
  route({
    method: 'GET',
    template: `${VM}/networkInterfaces`,
    kind: 'read',
    action: `${TYPE}/virtualMachines/networkInterfaces/read`,
    handler: (req) => {
      const state = mustGet(req);
      return { status: 200, body: { value: nicDocs(state, engine.requireInstance(state, req.params.instanceId ?? '')) } };
    },
  });
  route({
    method: 'GET',
    template: `${VM}/networkInterfaces/{networkInterfaceName}`,
    kind: 'read',
    action: `${TYPE}/virtualMachines/networkInterfaces/read`,
    handler: (req) => {
      const state = mustGet(req);
      const nic = nicDocs(state, engine.requireInstance(state, req.params.instanceId ?? '')).find((n) => lower(n.name as string) === lower(req.params.networkInterfaceName));
      if (!nic) throw ArmError.resourceNotFound('Microsoft.Network/networkInterfaces', req.params.networkInterfaceName ?? '', state.resourceGroupName);
      return { status: 200, body: nic };
    },
  });
  route({
    method: 'GET',
    template: `${VMSS}/publicipaddresses`,
    kind: 'read',
    action: `${TYPE}/publicIPAddresses/read`,
    handler: (req) => {
      mustGet(req);
      return { status: 200, body: { value: [] } };
    },
  });
}
