/**
 * Scale sets: create/update (PUT), PATCH, GET, DELETE, lists and the scale set's instance view,
 * plus the simulated autoscale capacity change the admin API drives.
 */
import { randomUUID } from 'node:crypto';
import { ArmError } from '../core/contract';
import type { ArmRequest, ArmResponse } from '../core/contract';
import { extensionsOf, type Json, type ScaleSetDoc, type ScaleSetState } from './scaleSetEngine';
import { DELETE, GET_VMSS, HIGH_COST, isObject, lower, PUT, TYPE, VMSS, RG, type ComputeRoutes } from './computeRoutes';
import { checkQuota, type ComputeQuotas } from './usages';
import { deepMerge, immutableChange, linkedActionsOf, scaleSetAnswer, scaleSetValidator, withoutSecrets } from './scaleSetModel';

export function registerScaleSetRoutes(c: ComputeRoutes, quotas: ComputeQuotas): void {
  const { ctx, engine, route, vmssId, requireGroup, mustGet, publish, status, page, storeModel, beginComputeOperation } = c;
  const validate = scaleSetValidator(ctx);

  ctx.simulatedAutoscale = async ({ subscriptionId, resourceGroup, scaleSet, delta }) => {
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${TYPE}/${scaleSet}`;
    const state = engine.get(id);
    if (!state) throw ArmError.resourceNotFound(TYPE, scaleSet, resourceGroup);
    // Autoscale writes the capacity as any client does: while another operation is in progress
    // its write is refused (409 Conflict) and it acts at a later evaluation, so it waits for the
    // scale set to be free (checking each Azure second, sooner than Azure's 30–60 s evaluations),
    // then holds it for its own scale operation.
    while (state.operation) await ctx.clock.sleep(1000);
    const oldCapacity = state.doc.sku.capacity;
    const newCapacity = Math.max(0, Math.min(1000, oldCapacity + delta));
    state.doc.sku.capacity = newCapacity;
    const scale = engine.exclusive(state, 'autoscale', {
      work: () =>
        engine.enqueue(state, async () => {
          await engine.reconcileCapacity(state);
          publish(state, 'ResourceWriteSuccess', `${TYPE}/write`, 'PATCH');
        }),
    });
    await scale.work();
    return { scaleSetId: state.doc.id, oldCapacity, newCapacity };
  };

  const refuseImmutableChange = (existing: ScaleSetDoc | undefined, incoming: ScaleSetDoc): void => {
    const change = existing ? immutableChange(existing, incoming) : undefined;
    if (change) throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property '${change.property}' is not allowed.`, change.target);
  };

  /**
   * Starts the LRO that applies a new model/capacity. It ends Failed with VMExtensionProvisioningError
   * when an extension it ran failed (engine.extensionFailure). A write to a Failed scale set re-runs
   * the extensions that failed on its instances, as an update of a Failed scale set does in Azure.
   */
  const applyAsync = (req: ArmRequest, state: ScaleSetState, modelChanged: boolean, template: string, wasFailed: boolean): Record<string, string> =>
    beginComputeOperation(req, state, {
      template,
      // Compute takes the model write before any instance acts (timing.modelWriteMs).
      durationMs: ctx.timing.modelWriteMs ?? 0,
      queued: true,
      exclusive: `${req.method} ${state.doc.name}`,
      extensionsOn: 'all',
      run: async () => {
        if (modelChanged) await engine.applyModelChange(state);
        if (wasFailed) await Promise.all([...state.instances.values()].filter((i) => i.provisioningState === 'Failed').map((i) => engine.upgrade(state, i)));
        await engine.reconcileCapacity(state);
      },
      then: () => {
        state.doc.properties.provisioningState = 'Succeeded';
        publish(state, 'ResourceWriteSuccess', `${TYPE}/write`, req.method);
      },
      onFailure: () => {
        state.doc.properties.provisioningState = 'Failed';
      },
    });

  route({
    method: 'PUT',
    template: VMSS,
    kind: 'write',
    action: `${TYPE}/write`,
    computePolicies: PUT,
    handler: (req) => {
      requireGroup(req);
      const name = req.params.vmScaleSetName ?? '';
      if (!/^[A-Za-z0-9][\w.-]{0,63}$/.test(name)) throw ArmError.badRequest('InvalidParameter', `Scale set name '${name}' is invalid.`, 'name');
      const body = req.body as Partial<ScaleSetDoc> | undefined;
      if (!isObject(body)) throw ArmError.badRequest('InvalidRequestContent', 'The request body must be a JSON object.');
      const id = vmssId(req);
      const existing = engine.get(id);
      if (existing) engine.refuseConcurrentWrite(existing);
      const incoming: ScaleSetDoc = {
        id,
        name,
        type: TYPE,
        location: String(body.location ?? '').toLowerCase().replace(/\s+/g, ''),
        ...(body.tags ? { tags: body.tags } : {}),
        sku: { name: String(body.sku?.name ?? ''), tier: body.sku?.tier ?? 'Standard', capacity: Number(body.sku?.capacity ?? existing?.doc.sku.capacity ?? 0) },
        ...(body.zones ? { zones: body.zones } : {}),
        ...(body.identity ? { identity: body.identity } : {}),
        properties: { ...(body.properties ?? {}) },
      };
      refuseImmutableChange(existing?.doc, incoming);
      validate(incoming, !existing, existing?.adminPassword !== undefined);
      checkQuota({ engine, quotas, subscriptionId: req.subscriptionId, location: incoming.location, state: existing, next: { size: incoming.sku.name, capacity: incoming.sku.capacity, mode: incoming.properties.upgradePolicy?.mode ?? 'Manual' } });
      const secrets = withoutSecrets(incoming);
      const doc = secrets.doc;
      doc.properties.overprovision ??= true;
      doc.properties.upgradePolicy = { mode: 'Manual', ...(doc.properties.upgradePolicy ?? {}) };
      doc.properties.orchestrationMode = 'Uniform';
      doc.properties.uniqueId = existing?.doc.properties.uniqueId ?? randomUUID();
      const wasFailed = existing?.doc.properties.provisioningState === 'Failed';
      doc.properties.provisioningState = existing ? 'Updating' : 'Creating';
      doc.properties.timeCreated = existing?.doc.properties.timeCreated ?? ctx.clock.now().toISOString();
      let state = existing;
      let modelChanged: boolean;
      if (!state) {
        state = {
          doc,
          subscriptionId: req.subscriptionId,
          resourceGroupName: req.resourceGroupName ?? '',
          protectedSettings: new Map(),
          modelVersion: 0,
          modelHash: '',
          instances: new Map(),
          nextInstanceId: 0,
          queue: Promise.resolve(),
        };
        engine.scaleSets.set(engine.key(id), state);
        storeModel(state, doc, secrets);
        modelChanged = false;
      } else modelChanged = storeModel(state, doc, secrets);
      const headers = applyAsync(req, state, modelChanged, VMSS, wasFailed);
      return { status: existing ? 200 : 201, body: scaleSetAnswer(state.doc), headers, linkedActions: linkedActionsOf(state.doc) };
    },
  });

  route({
    method: 'PATCH',
    template: VMSS,
    kind: 'write',
    action: `${TYPE}/write`,
    computePolicies: PUT,
    handler: (req) => {
      const state = mustGet(req);
      engine.refuseConcurrentWrite(state);
      const patch = req.body;
      if (!isObject(patch)) throw ArmError.badRequest('InvalidRequestContent', 'The request body must be a JSON object.');
      const merged = deepMerge(state.doc as unknown as Json, patch) as unknown as ScaleSetDoc;
      merged.sku = { ...state.doc.sku, ...((patch.sku ?? {}) as Json) };
      refuseImmutableChange(state.doc, merged);
      validate(merged, false, state.adminPassword !== undefined);
      checkQuota({ engine, quotas, subscriptionId: req.subscriptionId, location: state.doc.location, state, next: { size: merged.sku.name, capacity: merged.sku.capacity, mode: merged.properties.upgradePolicy?.mode ?? 'Manual' } });
      const secrets = withoutSecrets(merged);
      const wasFailed = state.doc.properties.provisioningState === 'Failed';
      secrets.doc.properties.provisioningState = 'Updating';
      const modelChanged = storeModel(state, secrets.doc, secrets);
      const headers = applyAsync(req, state, modelChanged, VMSS, wasFailed);
      return { status: 200, body: scaleSetAnswer(state.doc), headers, linkedActions: linkedActionsOf(state.doc) };
    },
  });

  route({ method: 'GET', template: VMSS, kind: 'read', action: `${TYPE}/read`, computePolicies: GET_VMSS, handler: (req) => ({ status: 200, body: scaleSetAnswer(mustGet(req).doc) }) });

  route({
    method: 'DELETE',
    template: VMSS,
    kind: 'delete',
    action: `${TYPE}/delete`,
    computePolicies: DELETE,
    handler: (req): ArmResponse => {
      requireGroup(req);
      const state = engine.get(vmssId(req));
      if (!state) return { status: 204 };
      const headers = beginComputeOperation(req, state, {
        template: VMSS,
        // The scale set's own part of the delete (timing.modelWriteMs); its instances take instanceDeleteMs each, in parallel.
        durationMs: ctx.timing.modelWriteMs ?? 0,
        queued: true,
        run: async () => {
          await Promise.all([...state.instances.values()].map((i) => engine.deleteInstance(state, i)));
          engine.scaleSets.delete(engine.key(state.doc.id));
          ctx.events.publish({
            kind: 'ResourceDeleteSuccess',
            subscriptionId: state.subscriptionId,
            resourceGroupName: state.resourceGroupName,
            resourceUri: state.doc.id,
            operationName: `${TYPE}/delete`,
            httpMethod: 'DELETE',
            httpUrl: `${ctx.baseUrl}${state.doc.id}`,
          });
        },
      });
      return { status: 202, headers };
    },
  });

  route({
    method: 'GET',
    template: `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets`,
    kind: 'read',
    action: `${TYPE}/read`,
    computePolicies: GET_VMSS,
    handler: (req) => {
      requireGroup(req);
      const docs = [...engine.scaleSets.values()].filter((s) => lower(s.subscriptionId) === lower(req.subscriptionId) && lower(s.resourceGroupName) === lower(req.resourceGroupName)).map((s) => scaleSetAnswer(s.doc));
      return page(req, docs);
    },
  });
  route({
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets',
    kind: 'read',
    action: `${TYPE}/read`,
    computePolicies: GET_VMSS,
    handler: (req) => page(req, [...engine.scaleSets.values()].filter((s) => lower(s.subscriptionId) === lower(req.subscriptionId)).map((s) => scaleSetAnswer(s.doc))),
  });

  route({
    method: 'GET',
    template: `${VMSS}/instanceView`,
    kind: 'read',
    action: `${TYPE}/read`,
    computePolicies: HIGH_COST,
    handler: (req) => {
      const state = mustGet(req);
      const count = (codes: string[]): Array<{ code: string; count: number }> => {
        const m = new Map<string, number>();
        for (const c of codes) m.set(c, (m.get(c) ?? 0) + 1);
        return [...m.entries()].map(([code, n]) => ({ code, count: n }));
      };
      const instances = [...state.instances.values()];
      return {
        status: 200,
        body: {
          virtualMachine: { statusesSummary: count(instances.map((i) => `ProvisioningState/${lower(i.provisioningState)}`)) },
          extensions: extensionsOf(state.doc).map((e) => ({
            name: e.name,
            statusesSummary: count(instances.map((i) => i.extensionStatus.get(lower(e.name))?.code ?? 'ProvisioningState/creating')),
          })),
          statuses: [status(`ProvisioningState/${lower(String(state.doc.properties.provisioningState))}`, 'Provisioning state')],
          orchestrationServices: [],
        },
      };
    },
  });
}
