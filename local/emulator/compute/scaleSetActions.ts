/**
 * Scale-set actions over instance ids (manualupgrade, delete, reimage, power) and rolling upgrades
 * (`osRollingUpgrade`, `extensionRollingUpgrade`, `rollingUpgrades/latest`, cancel).
 */
import { ArmError } from '../core/contract';
import type { ArmRequest } from '../core/contract';
import type { InstanceState, ScaleSetState } from './scaleSetEngine';
import { DELETE, GET_VMSS, PUT, TYPE, VMSS, type ComputeRoutes } from './computeRoutes';

export function registerScaleSetActionRoutes(c: ComputeRoutes): void {
  const { engine, route, mustGet, publish, sortedInstances, beginComputeOperation } = c;

  const instanceIdsFrom = (req: ArmRequest, state: ScaleSetState, required: boolean): InstanceState[] => {
    const ids = (req.body as { instanceIds?: unknown } | undefined)?.instanceIds;
    if (ids === undefined || (Array.isArray(ids) && ids.length === 0 && !required)) {
      if (required) throw ArmError.invalidParameter('instanceIds is required.', 'instanceIds');
      return sortedInstances(state);
    }
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) throw ArmError.invalidParameter('instanceIds must be an array of strings.', 'instanceIds');
    // '*' means every instance, as ARM accepts.
    if (ids.includes('*')) return sortedInstances(state);
    // An id that is not an active instance (never existed, deleted, being deleted) is a bad request
    // naming it, not a 404: 400 InvalidParameter, target instanceIds (body quoted in
    // microsoft/onefuzz#2547; also Azure/azure-cli#25476 for reimage).
    return ids.map((id) => {
      const inst = state.instances.get(id);
      if (!inst || inst.provisioningState === 'Deleting') throw ArmError.invalidParameter(`The provided instanceId ${id} is not an active Virtual Machine Scale Set VM instanceId.`, 'instanceIds');
      return inst;
    });
  };


  const action = (name: string, rbac: string, requiredIds: boolean, run: (state: ScaleSetState, targets: InstanceState[]) => Promise<void>): void => {
    const template = `${VMSS}/${name}`;
    route({
      method: 'POST',
      template,
      kind: name === 'delete' ? 'delete' : 'action',
      action: `${TYPE}/${rbac}/action`,
      computePolicies: name === 'delete' ? DELETE : PUT,
      handler: (req) => {
        const state = mustGet(req);
        engine.refuseConcurrentWrite(state);
        const targets = instanceIdsFrom(req, state, requiredIds);
        const headers = beginComputeOperation(req, state, {
          template,
          queued: true,
          exclusive: `${name} of instance(s) ${targets.map((t) => t.instanceId).join(', ')}`,
          // reimage / manual upgrade end Failed when an extension they ran failed on their targets.
          extensionsOn: targets,
          run: () => run(state, targets),
          then: () => publish(state, 'ResourceActionSuccess', `${TYPE}/${rbac}/action`, 'POST'),
          onFailure: () => {
            state.doc.properties.provisioningState = 'Failed';
          },
        });
        return { status: 202, headers };
      },
    });
  };

  action('manualupgrade', 'manualUpgrade', true, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.upgrade(state, i)));
  });
  action('delete', 'delete', true, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.deleteInstance(state, i)));
    // Deleting instances lowers the capacity, as in Azure.
    state.doc.sku.capacity = [...state.instances.values()].filter((i) => !i.extra).length;
  });
  action('reimage', 'reimage', false, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.reimage(state, i)));
  });
  action('reimageall', 'reimageall', false, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.reimage(state, i)));
  });
  action('deallocate', 'deallocate', false, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.setPower(state, i, 'deallocated')));
  });
  action('start', 'start', false, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.setPower(state, i, 'running')));
  });
  action('poweroff', 'powerOff', false, async (state, targets) => {
    await Promise.all(targets.map((i) => engine.setPower(state, i, 'stopped')));
  });
  action('restart', 'restart', false, async (state, targets) => {
    await Promise.all(
      targets.map(async (i) => {
        await engine.setPower(state, i, 'stopped');
        await engine.setPower(state, i, 'running');
      }),
    );
  });

  // ---- rolling upgrades ------------------------------------------------------------------

  for (const kind of ['osRollingUpgrade', 'extensionRollingUpgrade']) {
    const template = `${VMSS}/${kind}`;
    route({
      method: 'POST',
      template,
      kind: 'action',
      action: `${TYPE}/${kind}/action`,
      computePolicies: PUT,
      handler: (req) => {
        const state = mustGet(req);
        engine.refuseConcurrentWrite(state);
        if (engine.mode(state) !== 'Rolling' && kind === 'osRollingUpgrade') {
          throw ArmError.conflict('OperationNotAllowed', 'OS rolling upgrades need the Rolling upgrade policy or automatic OS upgrades.');
        }
        const headers = beginComputeOperation(req, state, { template, queued: true, exclusive: kind, run: () => engine.rollingUpgrade(state) });
        return { status: 202, headers };
      },
    });
  }
  route({
    method: 'GET',
    template: `${VMSS}/rollingUpgrades/latest`,
    kind: 'read',
    action: `${TYPE}/rollingUpgrades/read`,
    computePolicies: GET_VMSS,
    handler: (req) => {
      const state = mustGet(req);
      if (!state.rolling) throw new ArmError(404, 'RollingUpgradeStatusNotFound', `No rolling upgrade has run on scale set '${state.doc.name}'.`);
      const r = state.rolling;
      return {
        status: 200,
        body: {
          id: `${state.doc.id}/rollingUpgrades/latest`,
          location: state.doc.location,
          properties: { policy: r.policy, runningStatus: r.runningStatus, progress: r.progress, ...(r.error ? { error: r.error } : {}) },
        },
      };
    },
  });
  route({
    method: 'POST',
    template: `${VMSS}/rollingUpgrades/cancel`,
    kind: 'action',
    action: `${TYPE}/rollingUpgrades/cancel/action`,
    handler: (req) => {
      const state = mustGet(req);
      if (state.rolling?.runningStatus.code !== 'RollingForward') throw ArmError.conflict('OperationNotAllowed', 'There is no rolling upgrade in progress to cancel.');
      state.rolling.cancelled = true;
      const headers = beginComputeOperation(req, state, { template: `${VMSS}/rollingUpgrades/cancel`, run: () => undefined });
      return { status: 202, headers };
    },
  });
}
