/**
 * What every Microsoft.Compute route file shares: the route templates, the Compute throttling
 * policies each route draws on, and the lookups, paging, status and event helpers over the one
 * ScaleSetEngine that holds the state. Route files (one per resource, as Azurite splits its
 * handlers) parse and format; the engine holds state and behaviour.
 */
import type { ArmRequest, ArmResponse, ProviderContext, RouteSpec } from '../core/contract';
import { ArmError } from '../core/contract';
import { extensionsOf, modelHashOf, ScaleSetEngine, type InstanceState, type Json, type ScaleSetDoc, type ScaleSetState } from './scaleSetEngine';

export const RG = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';
export const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}`;
export const VM = `${VMSS}/virtualMachines/{instanceId}`;
export const TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
const PAGE_SIZE = 100;

export const GET_VMSS = ['GetVMScaleSet3Min', 'GetVMScaleSet30Min'];
export const HIGH_COST = ['HighCostGetVMScaleSet3Min', 'HighCostGetVMScaleSet30Min'];
export const GET_VM = ['GetVMScaleSetVM3Min', 'GetVMScaleSetVM30Min'];
export const PUT = ['PutVM3Min', 'PutVM30Min'];
export const DELETE = ['DeleteVMScaleSet3Min', 'DeleteVMScaleSet30Min'];

export const lower = (s: string | undefined): string => (s ?? '').toLowerCase();
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ScaleSetSecrets {
  adminPassword?: string;
  protectedSettings: Map<string, Json>;
}

/** A Microsoft.Compute long-running operation on one scale set (see beginComputeOperation). */
export interface ComputeOperation {
  /** Route template of the request (fault injection can fail the operation by it: `failLro`). */
  template: string;
  /** The change itself. */
  run: () => Promise<void> | void;
  /** After `run` succeeded (and no extension failed): events, provisioning state. */
  then?: () => void;
  /** Run in the scale set's queue (engine.enqueue), after the operations started before it. */
  queued?: boolean;
  /**
   * The operation runs extensions: it ends Failed with VMExtensionProvisioningError when one that
   * ran during `run` failed on these instances ('all': on any), as Azure ends a scale-set
   * create/update/scale-out, reimage or manual upgrade (scaleSetEngine.extensionFailure).
   */
  extensionsOn?: InstanceState[] | 'all';
  /** Simulated duration (emulator ms before the time scale). */
  durationMs?: number;
  /** Called when it ends Failed. */
  onFailure?: (error: { code: string; message: string }) => void;
  /**
   * The operation holds the scale set from the request until it ends, and a write meanwhile gets
   * 409 Conflict (engine.refuseConcurrentWrite; the handler checks before changing anything): what
   * it is, for the record.
   */
  exclusive?: string;
}

/** The shared helpers the compute route files are built from. */
export interface ComputeRoutes {
  ctx: ProviderContext;
  engine: ScaleSetEngine;
  route: (spec: RouteSpec) => void;
  vmssId: (req: ArmRequest) => string;
  requireGroup: (req: ArmRequest) => void;
  mustGet: (req: ArmRequest) => ScaleSetState;
  publish: (state: ScaleSetState, kind: 'ResourceWriteSuccess' | 'ResourceActionSuccess', operation: string, method: string, resourceUri?: string) => void;
  status: (code: string, displayStatus: string, message?: string) => Json;
  page: <T, U = T>(req: ArmRequest, items: T[], format?: (item: T) => U) => ArmResponse;
  sortedInstances: (state: ScaleSetState) => InstanceState[];
  /** Stores a new model; true when it differs from the last one (instances then fall behind it). */
  storeModel: (state: ScaleSetState, next: ScaleSetDoc, secrets: ScaleSetSecrets) => boolean;
  /** Starts a long-running operation on a scale set: returns the Azure-AsyncOperation (and, for POST/DELETE, Location) headers. */
  beginComputeOperation: (req: ArmRequest, state: ScaleSetState, operation: ComputeOperation) => Record<string, string>;
}

export function computeRoutesFor(ctx: ProviderContext, engine: ScaleSetEngine): ComputeRoutes {
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

  const status = (code: string, displayStatus: string, message?: string): Json => ({
    code,
    level: code.includes('failed') ? 'Error' : 'Info',
    displayStatus,
    ...(message ? { message } : {}),
    time: ctx.clock.now().toISOString(),
  });


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

  const beginComputeOperation = (req: ArmRequest, state: ScaleSetState, operation: ComputeOperation): Record<string, string> => {
    const body = async (): Promise<void> => {
      const runsBefore = operation.extensionsOn ? engine.extensionRunsNow(state) : undefined;
      await operation.run();
      if (runsBefore) {
        const failure = engine.extensionFailure(state, runsBefore, operation.extensionsOn === 'all' ? undefined : operation.extensionsOn);
        if (failure) throw failure;
      }
      operation.then?.();
    };
    const work = operation.queued ? () => engine.enqueue(state, body) : body;
    const held = operation.exclusive !== undefined ? engine.exclusive(state, operation.exclusive, { work, ...(operation.onFailure ? { onFailure: operation.onFailure } : {}) }) : undefined;
    return ctx.lro.begin({
      method: req.method,
      provider: 'Microsoft.Compute',
      location: state.doc.location,
      subscriptionId: req.subscriptionId,
      template: operation.template,
      ...(operation.durationMs !== undefined ? { durationMs: operation.durationMs } : {}),
      work: held?.work ?? work,
      ...(held ? { onFailure: held.onFailure } : operation.onFailure ? { onFailure: operation.onFailure } : {}),
    });
  };

  return { ctx, engine, route, vmssId, requireGroup, mustGet, publish, status, page, sortedInstances, storeModel, beginComputeOperation };
}
