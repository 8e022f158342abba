/**
 * Microsoft.Compute routes for Uniform scale sets, as `@azure/arm-compute` 25 drives them
 * (api-version 2026-04-01), plus the scale-set NIC lists that `@azure/arm-network` reads
 * (api-version 2018-10-01). Routes parse and format; ScaleSetEngine holds state and behaviour.
 */
import { randomUUID } from 'node:crypto';
import { ArmError } from '../core/contract';
import type { ArmRequest, ArmResponse, ProviderContext, RouteSpec } from '../core/contract';
import {
  backendPoolIds,
  dataDisksOf,
  extensionsOf,
  modelHashOf,
  primarySubnetId,
  ScaleSetEngine,
  type ExtensionModel,
  type InstanceState,
  type Json,
  type ScaleSetDoc,
  type ScaleSetState,
} from './scaleSetEngine';

const RG = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';
const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}`;
const VM = `${VMSS}/virtualMachines/{instanceId}`;
const TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
const PAGE_SIZE = 100;

const GET_VMSS = ['GetVMScaleSet3Min', 'GetVMScaleSet30Min'];
const HIGH_COST = ['HighCostGetVMScaleSet3Min', 'HighCostGetVMScaleSet30Min'];
const GET_VM = ['GetVMScaleSetVM3Min', 'GetVMScaleSetVM30Min'];
const PUT = ['PutVM3Min', 'PutVM30Min'];
const DELETE = ['DeleteVMScaleSet3Min', 'DeleteVMScaleSet30Min'];

const lower = (s: string | undefined): string => (s ?? '').toLowerCase();
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

/** Removes secrets from a model before it is stored or returned. */
function withoutSecrets(doc: ScaleSetDoc): { doc: ScaleSetDoc; adminPassword?: string; protectedSettings: Map<string, Json> } {
  const copy = structuredClone(doc);
  const profile = (copy.properties.virtualMachineProfile ?? {});
  const os = profile.osProfile as Json | undefined;
  const adminPassword = typeof os?.adminPassword === 'string' ? os.adminPassword : undefined;
  if (os) delete os.adminPassword;
  const protectedSettings = new Map<string, Json>();
  for (const ext of ((profile.extensionProfile as Json | undefined)?.extensions ?? []) as ExtensionModel[]) {
    if (ext.properties?.protectedSettings) protectedSettings.set(lower(ext.name), ext.properties.protectedSettings);
    if (ext.properties) delete ext.properties.protectedSettings;
  }
  return { doc: copy, adminPassword, protectedSettings };
}

/** The `join` checks ARM makes when a scale set's NICs reference network resources. */
function linkedActionsOf(doc: ScaleSetDoc): string[] {
  const text = JSON.stringify(doc.properties.virtualMachineProfile ?? {});
  const actions = new Set<string>();
  if (primarySubnetId(doc)) actions.add('Microsoft.Network/virtualNetworks/subnets/join/action');
  if (/"loadBalancerBackendAddressPools":\[\{/.test(text)) actions.add('Microsoft.Network/loadBalancers/backendAddressPools/join/action');
  if (/"loadBalancerInboundNatPools":\[\{/.test(text)) actions.add('Microsoft.Network/loadBalancers/inboundNatPools/join/action');
  if (/"applicationGatewayBackendAddressPools":\[\{/.test(text)) actions.add('Microsoft.Network/applicationGateways/backendAddressPools/join/action');
  if (/"healthProbe":\{"id"/.test(text)) actions.add('Microsoft.Network/loadBalancers/probes/join/action');
  return [...actions].sort();
}

export function registerComputeProvider(ctx: ProviderContext): void {
  const engine = new ScaleSetEngine(ctx);
  ctx.instances = engine;
  ctx.simulatedAutoscale = async ({ subscriptionId, resourceGroup, scaleSet, delta }) => {
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${TYPE}/${scaleSet}`;
    const state = engine.get(id);
    if (!state) throw ArmError.resourceNotFound(TYPE, scaleSet, resourceGroup);
    const oldCapacity = state.doc.sku.capacity;
    const newCapacity = Math.max(0, Math.min(1000, oldCapacity + delta));
    state.doc.sku.capacity = newCapacity;
    await engine.enqueue(state, async () => {
      await engine.reconcileCapacity(state);
      publish(state, 'ResourceWriteSuccess', `${TYPE}/write`, 'PATCH');
    });
    return { scaleSetId: state.doc.id, oldCapacity, newCapacity };
  };
  const route = (spec: RouteSpec): void => ctx.router.add(spec);

  const vmssId = (req: ArmRequest): string =>
    `/subscriptions/${req.subscriptionId}/resourceGroups/${req.resourceGroupName}/providers/${TYPE}/${req.params.vmScaleSetName ?? req.params.virtualMachineScaleSetName}`;
  const requireGroup = (req: ArmRequest): void => {
    if (!ctx.store.resourceGroupExists(req.subscriptionId, req.resourceGroupName ?? '')) throw ArmError.resourceGroupNotFound(req.resourceGroupName ?? '');
  };
  const mustGet = (req: ArmRequest): ScaleSetState => {
    requireGroup(req);
    const state = engine.get(vmssId(req));
    if (!state) throw ArmError.resourceNotFound(TYPE, req.params.vmScaleSetName ?? req.params.virtualMachineScaleSetName ?? '', req.resourceGroupName ?? '');
    return state;
  };

  const publish = (state: ScaleSetState, kind: 'ResourceWriteSuccess' | 'ResourceActionSuccess', operation: string, method: string, resourceUri = state.doc.id): void =>
    ctx.events.publish({
      kind,
      subscriptionId: state.subscriptionId,
      resourceGroupName: state.resourceGroupName,
      resourceUri,
      operationName: operation,
      httpMethod: method,
      httpUrl: `${ctx.baseUrl}${resourceUri}`,
    });

  // ---- validation ------------------------------------------------------------------------

  const referenceExists = (id: string): boolean => {
    const m = /^(.*\/providers\/Microsoft\.Network\/[^/]+\/[^/]+)(?:\/([^/]+)\/([^/]+))?$/i.exec(id);
    const parent = m?.[1] ? ctx.store.get<{ properties: Json }>(m[1]) : undefined;
    if (!parent) return false;
    if (!m?.[2]) return true;
    return ((parent.properties[m[2]] ?? []) as Array<{ name?: string }>).some((s) => lower(s.name) === lower(m[3]));
  };

  function validate(doc: ScaleSetDoc, creating: boolean, hasStoredPassword: boolean): void {
    if (!doc.location) throw ArmError.invalidParameter('The location property is required for this definition.', 'location');
    if (!doc.sku?.name) throw ArmError.invalidParameter('The sku name (VM size) is required.', 'sku.name');
    if (!/^Standard_[A-Za-z0-9_]+$|^Basic_[A-Za-z0-9_]+$/.test(doc.sku.name)) {
      throw ArmError.invalidParameter(`The value ${doc.sku.name} provided for the VM size is not valid.`, 'sku.name');
    }
    const capacity = doc.sku.capacity;
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 1000) throw ArmError.invalidParameter('sku.capacity must be an integer from 0 to 1000.', 'sku.capacity');
    const profile = doc.properties.virtualMachineProfile;
    if (!profile) throw ArmError.invalidParameter('virtualMachineProfile is required.', 'properties.virtualMachineProfile');
    const os = (profile.osProfile ?? {}) as Json;
    if (creating) {
      if (typeof os.computerNamePrefix !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,14}$/.test(os.computerNamePrefix)) {
        throw ArmError.invalidParameter('computerNamePrefix must start with a letter and use 1-15 letters, digits or hyphens.', 'properties.virtualMachineProfile.osProfile.computerNamePrefix');
      }
      if (typeof os.adminUsername !== 'string' || os.adminUsername.length === 0) {
        throw ArmError.invalidParameter('Required parameter adminUsername is missing (null).', 'properties.virtualMachineProfile.osProfile.adminUsername');
      }
    }
    const windows = os.windowsConfiguration !== undefined || /windows/i.test(JSON.stringify((profile.storageProfile as Json | undefined)?.imageReference ?? {}));
    if (windows && !hasStoredPassword && (typeof os.adminPassword !== 'string' || os.adminPassword.length < 12)) {
      throw ArmError.invalidParameter('The supplied password must be between 12-123 characters long for Windows.', 'properties.virtualMachineProfile.osProfile.adminPassword');
    }
    const subnet = primarySubnetId(doc);
    if (!subnet) throw ArmError.invalidParameter('A network interface configuration with an ip configuration and subnet is required.', 'properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations');
    if (!referenceExists(subnet)) throw new ArmError(400, 'InvalidResourceReference', `Resource ${subnet} referenced by the scale set was not found.`, 'subnet.id');
    for (const pool of backendPoolIds(doc)) {
      if (!referenceExists(pool)) throw new ArmError(400, 'InvalidResourceReference', `Resource ${pool} referenced by the scale set was not found.`, 'loadBalancerBackendAddressPools.id');
    }
    const luns = new Set<number>();
    for (const [i, disk] of dataDisksOf(doc).entries()) {
      if (!Number.isInteger(disk.lun) || disk.lun < 0 || disk.lun > 63 || luns.has(disk.lun)) {
        throw ArmError.invalidParameter('Each data disk needs a unique lun from 0 to 63.', `properties.virtualMachineProfile.storageProfile.dataDisks[${i}].lun`);
      }
      luns.add(disk.lun);
      if (!(disk.diskSizeGB >= 1 && disk.diskSizeGB <= 32767)) {
        throw ArmError.invalidParameter('diskSizeGB must be from 1 to 32767.', `properties.virtualMachineProfile.storageProfile.dataDisks[${i}].diskSizeGB`);
      }
    }
    const mode = doc.properties.upgradePolicy?.mode ?? 'Manual';
    if (!['Manual', 'Automatic', 'Rolling'].includes(mode)) throw ArmError.invalidParameter(`Unknown upgrade policy mode '${mode}'.`, 'properties.upgradePolicy.mode');
    const network = (profile.networkProfile ?? {}) as Json;
    const hasHealthExtension = extensionsOf(doc).some((e) => /ApplicationHealth/i.test(e.properties?.type ?? ''));
    if (mode === 'Rolling' && !(network.healthProbe as Json | undefined)?.id && !hasHealthExtension) {
      throw new ArmError(400, 'RollingUpgradeModeNotSupported', 'Rolling Upgrade mode is not supported for this Virtual Machine Scale Set because a health probe or health extension was not provided.', 'properties.upgradePolicy.mode');
    }
    const zones = doc.zones ?? [];
    if (!zones.every((z) => ['1', '2', '3'].includes(z))) throw ArmError.invalidParameter('zones must be a subset of ["1","2","3"].', 'zones');
  }

  // ---- formatting ------------------------------------------------------------------------

  const status = (code: string, displayStatus: string, message?: string): Json => ({
    code,
    level: code.includes('failed') ? 'Error' : 'Info',
    displayStatus,
    ...(message ? { message } : {}),
    time: ctx.clock.now().toISOString(),
  });

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
    })),
    disks: [
      { name: `${state.doc.name}_${inst.instanceId}_OsDisk`, statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded')] },
      ...dataDisksOf(state.doc).map((d) => ({ name: `${state.doc.name}_${inst.instanceId}_disk${d.lun + 2}`, statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded')] })),
    ],
  });

  const nicConfigs = (state: ScaleSetState): Array<{ name: string; properties: Json }> =>
    ((((state.doc.properties.virtualMachineProfile)?.networkProfile as Json | undefined)?.networkInterfaceConfigurations ?? []) as Array<{ name: string; properties: Json }>);

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
        ...(expand ? { instanceView: instanceView(state, inst) } : {}),
      },
    };
  };

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

  /** One page of a list; `format` runs on that page's items only (a 1000-VM list is read in 10 pages). */
  const page = <T, U = T>(req: ArmRequest, items: T[], format?: (item: T) => U): ArmResponse => {
    const skip = Number(req.query.get('$skiptoken') ?? 0) || 0;
    const slice = items.slice(skip, skip + PAGE_SIZE);
    const value = format ? slice.map(format) : slice;
    let nextLink: string | undefined;
    if (skip + PAGE_SIZE < items.length) {
      const next = new URLSearchParams(req.query);
      next.set('$skiptoken', String(skip + PAGE_SIZE));
      next.set('api-version', req.apiVersion);
      nextLink = `${req.baseUrl}${req.path}?${next.toString()}`;
    }
    return { status: 200, body: { value, ...(nextLink ? { nextLink } : {}) } };
  };

  const sortedInstances = (state: ScaleSetState): InstanceState[] => [...state.instances.values()].sort((a, b) => Number(a.instanceId) - Number(b.instanceId));

  const instanceIdsFrom = (req: ArmRequest, state: ScaleSetState, required: boolean): InstanceState[] => {
    const ids = (req.body as { instanceIds?: unknown } | undefined)?.instanceIds;
    if (ids === undefined || (Array.isArray(ids) && ids.length === 0 && !required)) {
      if (required) throw ArmError.invalidParameter('instanceIds is required.', 'instanceIds');
      return sortedInstances(state);
    }
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) throw ArmError.invalidParameter('instanceIds must be an array of strings.', 'instanceIds');
    // '*' means every instance, as ARM accepts.
    if (ids.includes('*')) return sortedInstances(state);
    return (ids).map((id) => engine.requireInstance(state, id));
  };

  // ---- scale set CRUD --------------------------------------------------------------------

  const storeModel = (state: ScaleSetState, next: ScaleSetDoc, secrets: { adminPassword?: string; protectedSettings: Map<string, Json> }): boolean => {
    state.doc = next;
    if (secrets.adminPassword) state.adminPassword = secrets.adminPassword;
    for (const [k, v] of secrets.protectedSettings) state.protectedSettings.set(k, v);
    for (const k of [...state.protectedSettings.keys()]) if (!extensionsOf(next).some((e) => lower(e.name) === k)) state.protectedSettings.delete(k);
    const hash = modelHashOf(next, state.protectedSettings);
    if (hash === state.modelHash) return false;
    state.modelHash = hash;
    state.modelVersion += 1;
    return true;
  };

  /** Starts the LRO that applies a new model/capacity. */
  const applyAsync = (req: ArmRequest, state: ScaleSetState, modelChanged: boolean, template: string): Record<string, string> =>
    ctx.lro.begin({
      method: req.method,
      provider: 'Microsoft.Compute',
      location: state.doc.location,
      subscriptionId: req.subscriptionId,
      template,
      work: () =>
        engine.enqueue(state, async () => {
          if (modelChanged) await engine.applyModelChange(state);
          await engine.reconcileCapacity(state);
          state.doc.properties.provisioningState = 'Succeeded';
          publish(state, 'ResourceWriteSuccess', `${TYPE}/write`, req.method);
        }),
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
      if (existing && JSON.stringify(existing.doc.zones ?? []) !== JSON.stringify(incoming.zones ?? [])) {
        throw ArmError.conflict('OperationNotAllowed', 'Changing the zones of an existing scale set is not supported.');
      }
      validate(incoming, !existing, existing?.adminPassword !== undefined);
      const secrets = withoutSecrets(incoming);
      const doc = secrets.doc;
      doc.properties.overprovision ??= true;
      doc.properties.upgradePolicy = { mode: 'Manual', ...(doc.properties.upgradePolicy ?? {}) };
      doc.properties.orchestrationMode = 'Uniform';
      doc.properties.uniqueId = existing?.doc.properties.uniqueId ?? randomUUID();
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
      const headers = applyAsync(req, state, modelChanged, VMSS);
      return { status: existing ? 200 : 201, body: state.doc, headers, linkedActions: linkedActionsOf(state.doc) };
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
      const patch = req.body;
      if (!isObject(patch)) throw ArmError.badRequest('InvalidRequestContent', 'The request body must be a JSON object.');
      const merged = deepMerge(state.doc as unknown as Json, patch) as unknown as ScaleSetDoc;
      merged.sku = { ...state.doc.sku, ...((patch.sku ?? {}) as Json) };
      validate(merged, false, state.adminPassword !== undefined);
      const secrets = withoutSecrets(merged);
      secrets.doc.properties.provisioningState = 'Updating';
      const modelChanged = storeModel(state, secrets.doc, secrets);
      const headers = applyAsync(req, state, modelChanged, VMSS);
      return { status: 200, body: state.doc, headers, linkedActions: linkedActionsOf(state.doc) };
    },
  });

  route({ method: 'GET', template: VMSS, kind: 'read', action: `${TYPE}/read`, computePolicies: GET_VMSS, handler: (req) => ({ status: 200, body: mustGet(req).doc }) });

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
      const headers = ctx.lro.begin({
        method: 'DELETE',
        provider: 'Microsoft.Compute',
        location: state.doc.location,
        subscriptionId: req.subscriptionId,
        template: VMSS,
        work: () =>
          engine.enqueue(state, async () => {
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
          }),
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
      const docs = [...engine.scaleSets.values()].filter((s) => lower(s.subscriptionId) === lower(req.subscriptionId) && lower(s.resourceGroupName) === lower(req.resourceGroupName)).map((s) => s.doc);
      return page(req, docs);
    },
  });
  route({
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets',
    kind: 'read',
    action: `${TYPE}/read`,
    computePolicies: GET_VMSS,
    handler: (req) => page(req, [...engine.scaleSets.values()].filter((s) => lower(s.subscriptionId) === lower(req.subscriptionId)).map((s) => s.doc)),
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

  // ---- scale set actions -----------------------------------------------------------------

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
        const targets = instanceIdsFrom(req, state, requiredIds);
        const headers = ctx.lro.begin({
          method: 'POST',
          provider: 'Microsoft.Compute',
          location: state.doc.location,
          subscriptionId: req.subscriptionId,
          template,
          work: () =>
            engine.enqueue(state, async () => {
              await run(state, targets);
              publish(state, 'ResourceActionSuccess', `${TYPE}/${rbac}/action`, 'POST');
            }),
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
        if (engine.mode(state) !== 'Rolling' && kind === 'osRollingUpgrade') {
          throw ArmError.conflict('OperationNotAllowed', 'OS rolling upgrades need the Rolling upgrade policy or automatic OS upgrades.');
        }
        const headers = ctx.lro.begin({
          method: 'POST',
          provider: 'Microsoft.Compute',
          location: state.doc.location,
          subscriptionId: req.subscriptionId,
          template,
          work: () => engine.enqueue(state, () => engine.rollingUpgrade(state)),
        });
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
      const headers = ctx.lro.begin({ method: 'POST', provider: 'Microsoft.Compute', location: state.doc.location, subscriptionId: req.subscriptionId, template: `${VMSS}/rollingUpgrades/cancel`, work: () => undefined });
      return { status: 202, headers };
    },
  });

  // ---- extensions ------------------------------------------------------------------------

  const EXT = `${VMSS}/extensions/{vmssExtensionName}`;
  route({
    method: 'PUT',
    template: EXT,
    kind: 'write',
    action: `${TYPE}/extensions/write`,
    computePolicies: PUT,
    handler: (req) => {
      const state = mustGet(req);
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
      const headers = ctx.lro.begin({
        method: 'PUT',
        provider: 'Microsoft.Compute',
        location: state.doc.location,
        subscriptionId: req.subscriptionId,
        template: EXT,
        work: () =>
          engine.enqueue(state, async () => {
            if (modelChanged) await engine.applyModelChange(state);
            publish(state, 'ResourceWriteSuccess', `${TYPE}/extensions/write`, 'PUT', `${state.doc.id}/extensions/${name}`);
          }),
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
      const next = structuredClone(state.doc);
      const profile = (next.properties.virtualMachineProfile ?? {});
      const extensionProfile = (profile.extensionProfile ?? {}) as { extensions?: ExtensionModel[] };
      profile.extensionProfile = { ...extensionProfile, extensions: (extensionProfile.extensions ?? []).filter((e) => lower(e.name) !== name) };
      state.protectedSettings.delete(name);
      const modelChanged = storeModel(state, next, { protectedSettings: new Map() });
      const headers = ctx.lro.begin({
        method: 'DELETE',
        provider: 'Microsoft.Compute',
        location: state.doc.location,
        subscriptionId: req.subscriptionId,
        template: EXT,
        work: () => engine.enqueue(state, async () => (modelChanged ? engine.applyModelChange(state) : undefined)),
      });
      return { status: 202, headers };
    },
  });

  // ---- scale set VMs ---------------------------------------------------------------------

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
        const headers = ctx.lro.begin({
          method: 'POST',
          provider: 'Microsoft.Compute',
          location: state.doc.location,
          subscriptionId: req.subscriptionId,
          template,
          work: async () => {
            await run(state, inst);
            publish(state, 'ResourceActionSuccess', `${TYPE}/virtualMachines/${rbac}/action`, 'POST', `${state.doc.id}/virtualMachines/${inst.instanceId}`);
          },
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
      const headers = ctx.lro.begin({
        method: 'DELETE',
        provider: 'Microsoft.Compute',
        location: state.doc.location,
        subscriptionId: req.subscriptionId,
        template: VM,
        work: () =>
          engine.enqueue(state, async () => {
            await engine.deleteInstance(state, inst);
            state.doc.sku.capacity = [...state.instances.values()].filter((i) => !i.extra).length;
          }),
      });
      return { status: 202, headers };
    },
  });

  // ---- NIC lists (Network API, 2018-10-01) -----------------------------------------------

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
