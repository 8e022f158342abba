/** Scale-set VMs: the paged list (optionally with instance views), GET, update (its backend pools), instance view, per-VM actions and DELETE. */
import { ArmError, type ArmResponse } from '../core/contract';
import { backendPoolIdsOfNics, dataDisksOf, extensionsOf, instanceNicConfigurations, type InstanceState, type Json, type ScaleSetState } from './scaleSetEngine';
import { DELETE, GET_VM, HIGH_COST, lower, PUT, RG, TYPE, VM, type ComputeRoutes } from './computeRoutes';
import { nicConfigs } from './scaleSetNics';

export function registerScaleSetVmRoutes(c: ComputeRoutes): void {
  const { ctx, engine, route, mustGet, publish, status, page, sortedInstances, beginComputeOperation } = c;

  const instanceView = (state: ScaleSetState, inst: InstanceState): Json => ({
    platformUpdateDomain: inst.faultDomain,
    platformFaultDomain: inst.faultDomain,
    computerName: inst.computerName,
    osName: 'Windows Server 2022 Datacenter Azure Edition',
    osVersion: '10.0.20348',
    statuses: [
      status(`ProvisioningState/${lower(inst.provisioningState)}`, `Provisioning ${lower(inst.provisioningState)}`),
      status(`PowerState/${inst.power}`, `VM ${inst.power}`),
    ],
    extensions: [...inst.extensionStatus.entries()].map(([name, s]) => ({
      name: extensionsOf(state.doc).find((e) => lower(e.name) === name)?.name ?? name,
      type: s.type,
      typeHandlerVersion: s.typeHandlerVersion,
      statuses: [status(s.code, s.ok ? 'Provisioning succeeded' : 'Provisioning failed', s.message)],
      // The Windows Custom Script Extension reports its streams as two substatuses
      // (ComponentStatus/StdOut|StdErr/succeeded, as `az vm get-instance-view` shows them in
      // learn.microsoft.com custom-script-windows "Troubleshoot and support").
      ...(s.stdout !== undefined || s.stderr !== undefined
        ? {
            substatuses: [
              status('ComponentStatus/StdOut/succeeded', 'Provisioning succeeded', s.stdout ?? ''),
              status('ComponentStatus/StdErr/succeeded', 'Provisioning succeeded', s.stderr ?? ''),
            ],
          }
        : {}),
    })),
    disks: [
      { name: `${state.doc.name}_${inst.instanceId}_OsDisk`, statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded')] },
      ...dataDisksOf(state.doc).map((d) => ({ name: `${state.doc.name}_${inst.instanceId}_disk${d.lun + 2}`, statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded')] })),
    ],
  });


  const vmDoc = (state: ScaleSetState, inst: InstanceState, expand: boolean): Json => {
    const id = `${state.doc.id}/virtualMachines/${inst.instanceId}`;
    const profile = (state.doc.properties.virtualMachineProfile ?? {});
    const os = (profile.osProfile ?? {}) as Json;
    return {
      id,
      name: `${state.doc.name}_${inst.instanceId}`,
      type: `${TYPE}/virtualMachines`,
      location: state.doc.location,
      instanceId: inst.instanceId,
      sku: { name: inst.vmSize, tier: 'Standard' },
      ...(inst.zone ? { zones: [inst.zone] } : {}),
      properties: {
        latestModelApplied: inst.modelVersion === state.modelVersion,
        vmId: inst.vmId,
        provisioningState: inst.provisioningState,
        hardwareProfile: { vmSize: inst.vmSize },
        storageProfile: {
          imageReference: (profile.storageProfile as Json | undefined)?.imageReference,
          osDisk: { name: `${state.doc.name}_${inst.instanceId}_OsDisk`, osType: 'Windows', createOption: 'FromImage' },
          dataDisks: dataDisksOf(state.doc).map((d) => ({ lun: d.lun, name: `${state.doc.name}_${inst.instanceId}_disk${d.lun + 2}`, createOption: 'Empty', diskSizeGB: d.diskSizeGB })),
        },
        osProfile: { computerName: inst.computerName, adminUsername: os.adminUsername, windowsConfiguration: os.windowsConfiguration },
        networkProfile: {
          networkInterfaces: nicConfigs(state).map((nic) => ({ id: `${id}/networkInterfaces/${nic.name}`, properties: { primary: nic.properties.primary ?? true } })),
        },
        networkProfileConfiguration: { networkInterfaceConfigurations: instanceNicConfigurations(state.doc, inst) },
        ...(expand ? { instanceView: instanceView(state, inst) } : {}),
      },
    };
  };


  route({
    method: 'GET',
    template: `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{virtualMachineScaleSetName}/virtualMachines`,
    kind: 'read',
    action: `${TYPE}/virtualMachines/read`,
    computePolicies: HIGH_COST,
    handler: (req) => {
      const state = mustGet(req);
      const expand = lower(req.query.get('$expand') ?? '').includes('instanceview');
      const filter = req.query.get('$filter') ?? '';
      const latest = /latestModelApplied\s+eq\s+(true|false)/i.exec(filter)?.[1];
      const items = sortedInstances(state).filter((i) => latest === undefined || (i.modelVersion === state.modelVersion) === (latest.toLowerCase() === 'true'));
      return page(req, items, (i) => vmDoc(state, i, expand));
    },
  });
  route({
    method: 'GET',
    template: VM,
    kind: 'read',
    action: `${TYPE}/virtualMachines/read`,
    computePolicies: GET_VM,
    handler: (req) => {
      const state = mustGet(req);
      const inst = engine.requireInstance(state, req.params.instanceId ?? '');
      return { status: 200, body: vmDoc(state, inst, lower(req.query.get('$expand') ?? '').includes('instanceview')) };
    },
  });
  /** A backend pool (or any network sub-resource) exists in the store. */
  const poolExists = (id: string): boolean => {
    const m = /^(.*\/providers\/Microsoft\.Network\/[^/]+\/[^/]+)\/([^/]+)\/([^/]+)$/i.exec(id);
    const parent = m?.[1] ? ctx.store.get<{ properties: Json }>(m[1]) : undefined;
    return ((parent?.properties[m?.[2] ?? ''] ?? []) as Array<{ name?: string }>).some((s) => lower(s.name) === lower(m?.[3]));
  };
  // VMSS VM update (VirtualMachineScaleSetVMs_Update): friday-fleet uses it, as Kubernetes' Azure
  // cloud provider does (EnsureBackendPoolDeleted), to take one instance out of its load balancer's
  // backend pool through `properties.networkProfileConfiguration`. Only the backend pools of that
  // configuration are applied; the rest of an instance's model follows the scale set's.
  route({
    method: 'PUT',
    template: VM,
    kind: 'write',
    action: `${TYPE}/virtualMachines/write`,
    computePolicies: PUT,
    handler: (req) => {
      const state = mustGet(req);
      const inst = engine.requireInstance(state, req.params.instanceId ?? '');
      const body = (req.body ?? {}) as { properties?: { networkProfileConfiguration?: { networkInterfaceConfigurations?: unknown } } };
      const nics = body.properties?.networkProfileConfiguration?.networkInterfaceConfigurations;
      const pools = nics === undefined ? undefined : backendPoolIdsOfNics(nics);
      pools?.forEach((id, i) => {
        if (!poolExists(id)) throw new ArmError(400, 'InvalidResourceReference', `Resource ${id} referenced by resource ${state.doc.id}/virtualMachines/${inst.instanceId} was not found.`, `properties.networkProfileConfiguration.backendAddressPools[${i}].id`);
      });
      const headers = beginComputeOperation(req, state, {
        template: VM,
        durationMs: ctx.timing.networkOperationMs,
        run: () => {
          if (pools !== undefined) inst.backendPoolIds = pools;
        },
        then: () => publish(state, 'ResourceWriteSuccess', `${TYPE}/virtualMachines/write`, 'PUT', `${state.doc.id}/virtualMachines/${inst.instanceId}`),
      });
      const view = vmDoc(state, inst, false);
      return { status: 200, body: { ...view, properties: { ...(view.properties as Json), provisioningState: 'Updating' } }, headers };
    },
  });
  route({
    method: 'GET',
    template: `${VM}/instanceView`,
    kind: 'read',
    action: `${TYPE}/virtualMachines/instanceView/read`,
    computePolicies: ['VMScaleSetVMViews3Min'],
    handler: (req) => {
      const state = mustGet(req);
      return { status: 200, body: instanceView(state, engine.requireInstance(state, req.params.instanceId ?? '')) };
    },
  });
  const vmAction = (name: string, rbac: string, run: (state: ScaleSetState, inst: InstanceState) => Promise<void>): void => {
    const template = `${VM}/${name}`;
    route({
      method: 'POST',
      template,
      kind: 'action',
      action: `${TYPE}/virtualMachines/${rbac}/action`,
      computePolicies: PUT,
      handler: (req) => {
        const state = mustGet(req);
        const inst = engine.requireInstance(state, req.params.instanceId ?? '');
        const headers = beginComputeOperation(req, state, {
          template,
          // A VM reimage that re-ran a failing extension ends Failed as well.
          extensionsOn: [inst],
          run: () => run(state, inst),
          then: () => publish(state, 'ResourceActionSuccess', `${TYPE}/virtualMachines/${rbac}/action`, 'POST', `${state.doc.id}/virtualMachines/${inst.instanceId}`),
        });
        return { status: 202, headers };
      },
    });
  };
  vmAction('reimage', 'reimage', (s, i) => engine.reimage(s, i));
  vmAction('reimageall', 'reimageall', (s, i) => engine.reimage(s, i));
  vmAction('deallocate', 'deallocate', (s, i) => engine.setPower(s, i, 'deallocated'));
  vmAction('start', 'start', (s, i) => engine.setPower(s, i, 'running'));
  vmAction('powerOff', 'powerOff', (s, i) => engine.setPower(s, i, 'stopped'));
  vmAction('restart', 'restart', async (s, i) => {
    await engine.setPower(s, i, 'stopped');
    await engine.setPower(s, i, 'running');
  });
  route({
    method: 'DELETE',
    template: VM,
    kind: 'delete',
    action: `${TYPE}/virtualMachines/delete`,
    computePolicies: DELETE,
    handler: (req): ArmResponse => {
      const state = mustGet(req);
      const inst = state.instances.get(req.params.instanceId ?? '');
      if (!inst) return { status: 204 };
      const headers = beginComputeOperation(req, state, {
        template: VM,
        queued: true,
        run: async () => {
          await engine.deleteInstance(state, inst);
          state.doc.sku.capacity = [...state.instances.values()].filter((i) => !i.extra).length;
        },
      });
      return { status: 202, headers };
    },
  });
}
