/** Scale-set extensions as sub-resources (PUT/GET/list/DELETE); a change is a model change. */
import { ArmError } from '../core/contract';
import type { ArmResponse } from '../core/contract';
import { extensionsOf, type ExtensionModel, type Json, type ScaleSetDoc, type ScaleSetState } from './scaleSetEngine';
import { GET_VMSS, lower, PUT, TYPE, VMSS, type ComputeRoutes } from './computeRoutes';

export function registerScaleSetExtensionRoutes(c: ComputeRoutes): void {
  const { ctx, engine, route, mustGet, publish, storeModel, beginComputeOperation } = c;

  const EXT = `${VMSS}/extensions/{vmssExtensionName}`;
  route({
    method: 'PUT',
    template: EXT,
    kind: 'write',
    action: `${TYPE}/extensions/write`,
    computePolicies: PUT,
    handler: (req) => {
      const state = mustGet(req);
      engine.refuseConcurrentWrite(state);
      const body = req.body as { properties?: ExtensionModel['properties'] } | undefined;
      if (!body?.properties?.publisher || !body.properties.type || !body.properties.typeHandlerVersion) {
        throw ArmError.invalidParameter('An extension needs publisher, type and typeHandlerVersion.', 'properties');
      }
      const name = req.params.vmssExtensionName ?? '';
      const next = structuredClone(state.doc) as ScaleSetDoc & { properties: { virtualMachineProfile: Json } };
      const profile = (next.properties.virtualMachineProfile ??= {});
      const extensionProfile = ((profile.extensionProfile as Json | undefined) ?? {}) as { extensions?: ExtensionModel[] };
      const others = (extensionProfile.extensions ?? []).filter((e) => lower(e.name) !== lower(name));
      const existed = others.length !== (extensionProfile.extensions ?? []).length;
      const protectedSettings = body.properties.protectedSettings;
      const ext: ExtensionModel = { name, properties: { ...structuredClone(body.properties) } };
      delete ext.properties.protectedSettings;
      profile.extensionProfile = { ...extensionProfile, extensions: [...others, ext] };
      const secrets = { protectedSettings: new Map<string, Json>(protectedSettings ? [[lower(name), protectedSettings]] : []) };
      if (!protectedSettings) state.protectedSettings.delete(lower(name));
      const modelChanged = storeModel(state, next, secrets);
      const headers = beginComputeOperation(req, state, {
        template: EXT,
        // Compute takes the model write before any instance acts (timing.modelWriteMs).
        durationMs: ctx.timing.modelWriteMs ?? 0,
        queued: true,
        exclusive: `PUT extension ${name}`,
        run: async () => {
          if (modelChanged) await engine.applyModelChange(state);
        },
        then: () => publish(state, 'ResourceWriteSuccess', `${TYPE}/extensions/write`, 'PUT', `${state.doc.id}/extensions/${name}`),
      });
      return { status: existed ? 200 : 201, body: { id: `${state.doc.id}/extensions/${name}`, name, type: `${TYPE}/extensions`, properties: { ...ext.properties, provisioningState: 'Succeeded' } }, headers };
    },
  });
  const extensionDoc = (state: ScaleSetState, ext: ExtensionModel): Json => ({
    id: `${state.doc.id}/extensions/${ext.name}`,
    name: ext.name,
    type: `${TYPE}/extensions`,
    properties: { ...ext.properties, provisioningState: 'Succeeded' },
  });
  route({
    method: 'GET',
    template: EXT,
    kind: 'read',
    action: `${TYPE}/extensions/read`,
    computePolicies: GET_VMSS,
    handler: (req) => {
      const state = mustGet(req);
      const ext = extensionsOf(state.doc).find((e) => lower(e.name) === lower(req.params.vmssExtensionName));
      if (!ext) throw ArmError.resourceNotFound(`${TYPE}/extensions`, `${state.doc.name}/${req.params.vmssExtensionName}`, state.resourceGroupName);
      return { status: 200, body: extensionDoc(state, ext) };
    },
  });
  route({
    method: 'GET',
    template: `${VMSS}/extensions`,
    kind: 'read',
    action: `${TYPE}/extensions/read`,
    computePolicies: GET_VMSS,
    handler: (req) => {
      const state = mustGet(req);
      return { status: 200, body: { value: extensionsOf(state.doc).map((e) => extensionDoc(state, e)) } };
    },
  });
  route({
    method: 'DELETE',
    template: EXT,
    kind: 'delete',
    action: `${TYPE}/extensions/delete`,
    computePolicies: PUT,
    handler: (req): ArmResponse => {
      const state = mustGet(req);
      const name = lower(req.params.vmssExtensionName);
      if (!extensionsOf(state.doc).some((e) => lower(e.name) === name)) return { status: 204 };
      engine.refuseConcurrentWrite(state);
      const next = structuredClone(state.doc);
      const profile = (next.properties.virtualMachineProfile ?? {});
      const extensionProfile = (profile.extensionProfile ?? {}) as { extensions?: ExtensionModel[] };
      profile.extensionProfile = { ...extensionProfile, extensions: (extensionProfile.extensions ?? []).filter((e) => lower(e.name) !== name) };
      state.protectedSettings.delete(name);
      const modelChanged = storeModel(state, next, { protectedSettings: new Map() });
      const headers = beginComputeOperation(req, state, { template: EXT, durationMs: ctx.timing.modelWriteMs ?? 0, queued: true, exclusive: `DELETE extension ${name}`, run: async () => (modelChanged ? engine.applyModelChange(state) : undefined) });
      return { status: 202, headers };
    },
  });
}
