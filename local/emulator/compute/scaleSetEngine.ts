/**
 * Scale set behaviour: instances created and deleted with `sku.capacity` (with overprovisioning),
 * zones and fault domains, private IPs from the subnet, guests provisioned and their extensions
 * run, model versions and upgrades per upgrade policy (Manual / Automatic / Rolling), reimage,
 * deallocate/start, delete. The routes (index.ts) translate the wire to and from this engine.
 *
 * Secrets (admin password, extension protected settings) are kept apart from the stored model and
 * never appear in any response.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ArmError } from '../core/contract';
import type { InstanceDirectory, ProviderContext } from '../core/contract';
import { runCustomScriptExtension, type ExtensionOutcome, type InstanceIdentity } from '../guest/customScriptExtension';
import { InstanceListener, pageLatency } from '../guest/instanceListener';
import { WindowsGuest } from '../guest/windowsGuest';
import { temporaryDiskGB } from './vmSizes';

export type Json = Record<string, unknown>;

export interface ExtensionModel {
  name: string;
  properties: {
    /** Azure: a failure of this extension does not fail the VM / scale-set operation. */
    suppressFailures?: boolean;
    publisher?: string;
    type?: string;
    typeHandlerVersion?: string;
    autoUpgradeMinorVersion?: boolean;
    settings?: Json;
    protectedSettings?: Json;
    forceUpdateTag?: string;
    provisionAfterExtensions?: string[];
  };
}

export interface ScaleSetDoc {
  id: string;
  name: string;
  type: 'Microsoft.Compute/virtualMachineScaleSets';
  location: string;
  tags?: Record<string, string>;
  sku: { name: string; tier?: string; capacity: number };
  zones?: string[];
  identity?: Json;
  properties: Json & {
    upgradePolicy?: { mode?: 'Manual' | 'Automatic' | 'Rolling'; rollingUpgradePolicy?: Json };
    overprovision?: boolean;
    platformFaultDomainCount?: number;
    scaleInPolicy?: { rules?: string[] };
    virtualMachineProfile?: Json;
    provisioningState?: string;
    uniqueId?: string;
  };
}

export interface InstanceState {
  instanceId: string;
  computerName: string;
  zone?: string;
  faultDomain: number;
  privateIp?: string;
  vmSize: string;
  modelVersion: number;
  /** Hash per extension name of the configuration last run on this instance. */
  appliedExtensions: Map<string, string>;
  extensionStatus: Map<string, ExtensionOutcome & { type: string; typeHandlerVersion: string }>;
  provisioningState: 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';
  power: 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';
  guest: WindowsGuest;
  listener?: InstanceListener;
  /** Created by overprovisioning; removed once enough instances have provisioned. */
  extra: boolean;
  vmId: string;
  /**
   * Backend pools this instance's NIC is in when set on the instance itself (a VMSS VM update of
   * `networkProfileConfiguration`, how an instance is taken out of a load balancer); undefined =
   * the scale set model's.
   */
  backendPoolIds?: string[];
  /** Serialises lifecycle work on one instance. */
  busy: Promise<void>;
  /** How many times extensions ran on this instance (to tell which instances an operation touched). */
  extensionRuns: number;
}

export interface RollingUpgradeState {
  policy: Json;
  runningStatus: { code: 'RollingForward' | 'Cancelled' | 'Completed' | 'Faulted'; startTime: string; lastAction: 'Start' | 'Cancel'; lastActionTime: string };
  progress: { successfulInstanceCount: number; failedInstanceCount: number; inProgressInstanceCount: number; pendingInstanceCount: number };
  error?: { code: string; message: string };
  cancelled: boolean;
}

export interface ScaleSetState {
  doc: ScaleSetDoc;
  subscriptionId: string;
  resourceGroupName: string;
  adminPassword?: string;
  protectedSettings: Map<string, Json>;
  modelVersion: number;
  modelHash: string;
  instances: Map<string, InstanceState>;
  nextInstanceId: number;
  rolling?: RollingUpgradeState;
  /** Serialises capacity/model work on the scale set (VM-level actions still queue on it). */
  queue: Promise<void>;
  /** The scale-set operation in progress, if any: another write meanwhile gets 409 Conflict (ScaleSetEngine.refuseConcurrentWrite). */
  operation?: { name: string; since: string };
}

/**
 * Azure Compute's answer to a write on a scale set while another of its operations is in progress
 * (body as ARM sends it, quoted in microsoft/onefuzz#2124; the same text is
 * `ConcurrentRequestConflictMessage` in kubernetes-sigs/cloud-provider-azure `pkg/consts/consts.go`,
 * which retries it after 5 s — kubernetes-sigs/cloud-provider-azure#2386 — and onefuzz's
 * `vmss.py` meets it on scale-set create/update and VMSS VM writes).
 */
export const CONCURRENT_REQUEST_CONFLICT = 'The request failed due to conflict with a concurrent request. To resolve it, please refer to https://aka.ms/activitylog to get more details on the conflicting requests.';

const lower = (s: string | undefined): string => (s ?? '').toLowerCase();
const sleepFor = (ctx: ProviderContext, ms: number): Promise<void> => (ms > 0 ? ctx.clock.sleep(ms) : Promise.resolve());

/**
 * Azure's Windows naming: prefix (at most 9 characters) + the instance id in base 36, six
 * characters, upper case (learn.microsoft.com virtual-machine-scale-sets-instance-ids, "Scale set
 * VM computer name": `<prefix>00000A` style names).
 */
export function computerNameFor(prefix: string, instanceId: number): string {
  return `${prefix.slice(0, 9)}${instanceId.toString(36).toUpperCase().padStart(6, '0')}`;
}

/** A fresh guest for an instance of this model: its data disks and the size's temporary disk (or none). */
function newGuest(doc: ScaleSetDoc, computerName: string, size = doc.sku.name): WindowsGuest {
  return new WindowsGuest({ computerName, dataDisks: dataDisksOf(doc).map((d) => ({ lun: d.lun, sizeGB: d.diskSizeGB })), temporaryDiskGB: temporaryDiskGB(size) });
}

function vmProfile(doc: ScaleSetDoc): Json {
  return (doc.properties.virtualMachineProfile ?? {});
}

export function extensionsOf(doc: ScaleSetDoc): ExtensionModel[] {
  const profile = vmProfile(doc).extensionProfile as { extensions?: ExtensionModel[] } | undefined;
  return profile?.extensions ?? [];
}

function ipConfigurations(doc: ScaleSetDoc): Array<{ name: string; properties: Json }> {
  const nics = ((vmProfile(doc).networkProfile as Json | undefined)?.networkInterfaceConfigurations ?? []) as Array<{ name: string; properties?: { primary?: boolean; ipConfigurations?: Array<{ name: string; properties?: Json }> } }>;
  return nics.flatMap((nic) => (nic.properties?.ipConfigurations ?? []).map((ip) => ({ name: ip.name, properties: ip.properties ?? {} })));
}

export function primarySubnetId(doc: ScaleSetDoc): string | undefined {
  const first = ipConfigurations(doc)[0];
  return (first?.properties.subnet as { id?: string } | undefined)?.id;
}

export function backendPoolIds(doc: ScaleSetDoc): string[] {
  return ipConfigurations(doc).flatMap((ip) =>
    [...((ip.properties.loadBalancerBackendAddressPools ?? []) as Array<{ id?: string }>), ...((ip.properties.applicationGatewayBackendAddressPools ?? []) as Array<{ id?: string }>)]
      .map((p) => p.id)
      .filter((id): id is string => typeof id === 'string'),
  );
}

/** Backend pool ids named in NIC configurations (`networkInterfaceConfigurations` of a model or an instance). */
export function backendPoolIdsOfNics(nics: unknown): string[] {
  const list = (Array.isArray(nics) ? nics : []) as Array<{ properties?: { ipConfigurations?: Array<{ properties?: Json }> } }>;
  return list.flatMap((nic) =>
    (nic.properties?.ipConfigurations ?? []).flatMap((ip) =>
      [...((ip.properties?.loadBalancerBackendAddressPools ?? []) as Array<{ id?: string }>), ...((ip.properties?.applicationGatewayBackendAddressPools ?? []) as Array<{ id?: string }>)]
        .map((p) => p.id)
        .filter((id): id is string => typeof id === 'string'),
    ),
  );
}

/**
 * An instance's own NIC configurations: the model's, with its backend pools replaced by the
 * instance's when they were set on the instance (only the first NIC's first IP configuration
 * carries them, as friday-fleet's and most scale sets' models do).
 */
export function instanceNicConfigurations(doc: ScaleSetDoc, inst: InstanceState): Json[] {
  const nics = structuredClone(((vmProfile(doc).networkProfile as Json | undefined)?.networkInterfaceConfigurations ?? []) as Json[]);
  if (!inst.backendPoolIds) return nics;
  const lb = inst.backendPoolIds.filter((id) => /\/loadBalancers\//i.test(id)).map((id) => ({ id }));
  const agw = inst.backendPoolIds.filter((id) => /\/applicationGateways\//i.test(id)).map((id) => ({ id }));
  nics.forEach((nic, n) => {
    const ips = ((nic.properties as Json | undefined)?.ipConfigurations ?? []) as Array<{ properties?: Json }>;
    ips.forEach((ip, i) => {
      ip.properties ??= {};
      ip.properties.loadBalancerBackendAddressPools = n === 0 && i === 0 ? lb : [];
      ip.properties.applicationGatewayBackendAddressPools = n === 0 && i === 0 ? agw : [];
    });
  });
  return nics;
}

export function dataDisksOf(doc: ScaleSetDoc): Array<{ lun: number; diskSizeGB: number; createOption?: string; name?: string }> {
  const storage = vmProfile(doc).storageProfile as { dataDisks?: Array<{ lun: number; diskSizeGB: number; createOption?: string }> } | undefined;
  return storage?.dataDisks ?? [];
}

export function computerNamePrefix(doc: ScaleSetDoc): string {
  const os = vmProfile(doc).osProfile as { computerNamePrefix?: string } | undefined;
  return os?.computerNamePrefix ?? doc.name.replace(/[^A-Za-z0-9-]/g, '').slice(0, 9);
}

/** Hash of what an instance's model consists of (size, image, disks, network, extensions incl. secrets). */
export function modelHashOf(doc: ScaleSetDoc, protectedSettings: Map<string, Json>): string {
  const profile = structuredClone(vmProfile(doc));
  delete (profile.osProfile as Json | undefined)?.adminPassword;
  const canonical = JSON.stringify({ size: doc.sku.name, profile, secrets: [...protectedSettings.entries()].sort() });
  return createHash('sha256').update(canonical).digest('hex');
}

export function extensionConfigHash(ext: ExtensionModel, protectedSettings: Json | undefined): string {
  const p = ext.properties;
  return createHash('sha256')
    .update(JSON.stringify([p.publisher, p.type, p.typeHandlerVersion, p.settings ?? {}, protectedSettings ?? {}, p.forceUpdateTag ?? '']))
    .digest('hex');
}

/**
 * Which of the instances an overprovisioned scale-out created stay: `count` of the candidates
 * (in the order they finished provisioning), each next one the first from the zone that has the
 * fewest instances so far, counting `existing`, so a zonal scale set stays balanced. Instances
 * without a zone count as one zone: then it is simply the first `count`.
 */
export function keepBalanced<T extends { zone?: string | undefined }>(options: { candidates: T[]; count: number; existing: T[] }): T[] {
  const perZone = new Map<string, number>();
  for (const i of options.existing) perZone.set(i.zone ?? '', (perZone.get(i.zone ?? '') ?? 0) + 1);
  const remaining = [...options.candidates];
  const kept: T[] = [];
  while (kept.length < options.count && remaining.length > 0) {
    const fewest = Math.min(...remaining.map((i) => perZone.get(i.zone ?? '') ?? 0));
    const pick = remaining.findIndex((i) => (perZone.get(i.zone ?? '') ?? 0) === fewest);
    const [inst] = remaining.splice(pick, 1) as [T];
    perZone.set(inst.zone ?? '', fewest + 1);
    kept.push(inst);
  }
  return kept;
}

export class ScaleSetEngine implements InstanceDirectory {
  readonly scaleSets = new Map<string, ScaleSetState>();

  constructor(private readonly ctx: ProviderContext) {
    ctx.onShutdown(async () => {
      await Promise.all([...this.scaleSets.values()].flatMap((s) => [...s.instances.values()].map((i) => i.listener?.stop() ?? Promise.resolve())));
    });
  }

  key(id: string): string {
    return lower(id);
  }

  get(id: string): ScaleSetState | undefined {
    return this.scaleSets.get(this.key(id));
  }

  /**
   * A write (PUT/PATCH of an existing scale set, an instance action, an extension write, a rolling
   * upgrade start) while another scale-set operation is in progress: 409 `Conflict`, nothing
   * changed — Azure does not queue it (CONCURRENT_REQUEST_CONFLICT for the sources). The caller
   * must wait and send it again. Checked before the handler changes anything.
   */
  refuseConcurrentWrite(state: ScaleSetState): void {
    if (state.operation) throw new ArmError(409, 'Conflict', CONCURRENT_REQUEST_CONFLICT);
  }

  /**
   * Marks `name` in progress on the scale set from now (the request) until its long-running
   * operation ends, succeeded or failed: returns the `work` and `onFailure` to hand to lro.begin.
   */
  exclusive(state: ScaleSetState, name: string, op: { work: () => Promise<void>; onFailure?: (error: { code: string; message: string }) => void }): { work: () => Promise<void>; onFailure: (error: { code: string; message: string }) => void } {
    const mark = { name, since: this.ctx.clock.now().toISOString() };
    state.operation = mark;
    const release = (): void => {
      if (state.operation === mark) state.operation = undefined;
    };
    return {
      work: async () => {
        try {
          await op.work();
        } finally {
          release();
        }
      },
      // An injected LRO failure ends the operation before `work` runs.
      onFailure: (error) => {
        release();
        op.onFailure?.(error);
      },
    };
  }

  /** Runs `work` after everything queued on this scale set. */
  enqueue(state: ScaleSetState, work: () => Promise<void>): Promise<void> {
    const next = state.queue.then(work, work);
    state.queue = next.catch(() => undefined);
    return next;
  }

  membersOfBackendPool(backendPoolId: string): Array<{ resourceId: string; privateIp: string; port: number; running: boolean }> {
    const out: Array<{ resourceId: string; privateIp: string; port: number; running: boolean }> = [];
    for (const state of this.scaleSets.values()) {
      const modelPools = backendPoolIds(state.doc);
      for (const inst of state.instances.values()) {
        if (!(inst.backendPoolIds ?? modelPools).some((id) => lower(id) === lower(backendPoolId))) continue;
        out.push({
          resourceId: `${state.doc.id}/virtualMachines/${inst.instanceId}`,
          privateIp: inst.privateIp ?? '',
          port: inst.listener?.port ?? 0,
          running: inst.power === 'running' && inst.listener?.listening === true,
        });
      }
    }
    return out;
  }

  instance(resourceId: string): { port: number; running: boolean } | undefined {
    const m = /^(.*)\/virtualMachines\/([^/]+)$/i.exec(resourceId);
    const inst = m?.[1] && m[2] ? this.get(m[1])?.instances.get(m[2]) : undefined;
    return inst ? { port: inst.listener?.port ?? 0, running: inst.power === 'running' && inst.listener?.listening === true } : undefined;
  }

  // ---- instances -------------------------------------------------------------------------

  private newInstance(state: ScaleSetState, extra: boolean): InstanceState {
    const n = state.nextInstanceId++;
    const instanceId = String(n);
    const zones = state.doc.zones ?? [];
    const fdCount = Number(state.doc.properties.platformFaultDomainCount ?? 5) || 5;
    const computerName = computerNameFor(computerNamePrefix(state.doc), n);
    const inst: InstanceState = {
      instanceId,
      computerName,
      zone: zones.length ? zones[n % zones.length] : undefined,
      faultDomain: n % fdCount,
      vmSize: state.doc.sku.name,
      modelVersion: state.modelVersion,
      appliedExtensions: new Map(),
      extensionStatus: new Map(),
      provisioningState: 'Creating',
      power: 'starting',
      guest: newGuest(state.doc, computerName),
      extra,
      vmId: randomUUID(),
      busy: Promise.resolve(),
      extensionRuns: 0,
    };
    const subnetId = primarySubnetId(state.doc);
    if (subnetId) inst.privateIp = this.ctx.subnets.allocate(subnetId, `${state.doc.id}/virtualMachines/${instanceId}`);
    state.instances.set(instanceId, inst);
    return inst;
  }

  private onInstance(inst: InstanceState, work: () => Promise<void>): Promise<void> {
    const next = inst.busy.then(work, work);
    inst.busy = next.catch(() => undefined);
    return next;
  }

  private async syncListener(state: ScaleSetState, inst: InstanceState): Promise<void> {
    const address = inst.privateIp ? `${inst.privateIp}:80` : undefined;
    const shouldListen = inst.power === 'running' && inst.guest.iisInstalled && state.instances.has(inst.instanceId);
    if (shouldListen) {
      inst.listener ??= new InstanceListener({
        guest: () => inst.guest,
        fault: () => this.ctx.faults.pageFault(state.doc.name, inst.instanceId),
        latencyMs: () => pageLatency(this.ctx.timing),
      });
      const port = await inst.listener.start();
      if (address) this.ctx.addressMap.set(address, `127.0.0.1:${port}`);
    } else {
      await inst.listener?.stop();
      if (address) this.ctx.addressMap.remove(address);
    }
  }

  /** Runs every extension of the model whose configuration differs from what ran last (all of them on a fresh guest). */
  private async runExtensions(state: ScaleSetState, inst: InstanceState, force: boolean): Promise<void> {
    const exts = orderExtensions(extensionsOf(state.doc));
    for (const ext of exts) {
      const secret = state.protectedSettings.get(lower(ext.name));
      const hash = extensionConfigHash(ext, secret);
      if (!force && inst.appliedExtensions.get(lower(ext.name)) === hash && inst.extensionStatus.get(lower(ext.name))?.ok) continue;
      await sleepFor(this.ctx, this.ctx.timing.extensionRunMs);
      const injected = this.ctx.faults.extensionFault(state.doc.name, inst.instanceId);
      let outcome: ExtensionOutcome;
      if (injected) outcome = { ok: false, code: 'ProvisioningState/failed/1', message: injected };
      else if (ext.properties.type === 'CustomScriptExtension' || ext.properties.type === 'CustomScript') {
        outcome = await runCustomScriptExtension({
          guest: inst.guest,
          settings: ext.properties.settings ?? {},
          protectedSettings: secret ?? {},
          identity: { assigned: state.doc.identity as InstanceIdentity['assigned'], ...(this.ctx.identityDownload ? { download: this.ctx.identityDownload } : {}) },
        });
      } else outcome = { ok: true, code: 'ProvisioningState/succeeded', message: 'Enable succeeded.' };
      inst.extensionRuns += 1;
      inst.appliedExtensions.set(lower(ext.name), hash);
      inst.extensionStatus.set(lower(ext.name), { ...outcome, type: `${ext.properties.publisher ?? ''}.${ext.properties.type ?? ''}`, typeHandlerVersion: ext.properties.typeHandlerVersion ?? '' });
      if (!outcome.ok) break; // later extensions that depend on it never start
    }
    // Extensions removed from the model are uninstalled.
    for (const name of [...inst.extensionStatus.keys()]) {
      if (!exts.some((e) => lower(e.name) === name)) {
        inst.extensionStatus.delete(name);
        inst.appliedExtensions.delete(name);
      }
    }
  }

  private settleProvisioning(inst: InstanceState): void {
    inst.provisioningState = [...inst.extensionStatus.values()].some((s) => !s.ok) ? 'Failed' : 'Succeeded';
  }

  /** Provision a new instance: boot, run extensions, start serving. */
  private provision(state: ScaleSetState, inst: InstanceState): Promise<void> {
    return this.onInstance(inst, async () => {
      await sleepFor(this.ctx, this.ctx.timing.instanceProvisionMs);
      if (!state.instances.has(inst.instanceId)) return;
      inst.power = 'running';
      await this.runExtensions(state, inst, true);
      this.settleProvisioning(inst);
      await this.syncListener(state, inst);
    });
  }

  /** Fresh OS disk (data disks stay attached but the guest starts over), extensions rerun. */
  reimage(state: ScaleSetState, inst: InstanceState): Promise<void> {
    return this.onInstance(inst, async () => {
      inst.provisioningState = 'Updating';
      inst.power = 'starting';
      await this.syncListener(state, inst);
      inst.guest = newGuest(state.doc, inst.computerName, inst.vmSize);
      inst.appliedExtensions.clear();
      inst.extensionStatus.clear();
      await sleepFor(this.ctx, this.ctx.timing.instanceProvisionMs);
      inst.power = 'running';
      await this.runExtensions(state, inst, true);
      this.settleProvisioning(inst);
      await this.syncListener(state, inst);
    });
  }

  /** Bring an instance to the latest model: resize with a restart, rerun changed extensions. */
  upgrade(state: ScaleSetState, inst: InstanceState): Promise<void> {
    return this.onInstance(inst, async () => {
      inst.provisioningState = 'Updating';
      const runsBefore = inst.extensionRuns;
      let restarted = false;
      if (inst.vmSize !== state.doc.sku.name) {
        inst.power = 'starting';
        await this.syncListener(state, inst);
        await sleepFor(this.ctx, this.ctx.timing.instanceProvisionMs);
        inst.vmSize = state.doc.sku.name;
        // Booted on the new size: its temporary disk (or none) and the data disks renumbered after it.
        inst.guest.setTemporaryDisk(temporaryDiskGB(inst.vmSize));
        inst.power = 'running';
        restarted = true;
      }
      if (inst.power === 'running') await this.runExtensions(state, inst, false);
      // A model change that needs neither a restart nor an extension run is still a write to the VM.
      if (!restarted && inst.extensionRuns === runsBefore && inst.modelVersion !== state.modelVersion) await sleepFor(this.ctx, this.ctx.timing.modelWriteMs ?? 0);
      inst.modelVersion = state.modelVersion;
      this.settleProvisioning(inst);
      await this.syncListener(state, inst);
    });
  }

  setPower(state: ScaleSetState, inst: InstanceState, power: 'running' | 'deallocated' | 'stopped'): Promise<void> {
    return this.onInstance(inst, async () => {
      if (power === 'running' && inst.power !== 'running') {
        inst.power = 'starting';
        await sleepFor(this.ctx, this.ctx.timing.instanceProvisionMs);
        // A deallocated instance starts on the latest size (it was re-placed).
        if (inst.vmSize !== state.doc.sku.name && this.mode(state) !== 'Manual') {
          inst.vmSize = state.doc.sku.name;
          inst.guest.setTemporaryDisk(temporaryDiskGB(inst.vmSize));
        }
      } else if (power !== 'running' && inst.power !== power) {
        // The guest shuts down first (its page stops at once), then the VM is stopped or its
        // hardware released: Azure's Stopping / Deallocating power states, for instanceStopMs.
        inst.power = power === 'deallocated' ? 'deallocating' : 'stopping';
        await this.syncListener(state, inst);
        await sleepFor(this.ctx, this.ctx.timing.instanceStopMs ?? 0);
      }
      inst.power = power;
      await this.syncListener(state, inst);
    });
  }

  /**
   * Deletes an instance: Deleting at once (no longer an active instance id), its guest shut down
   * when the work on it so far is done, gone after instanceDeleteMs. `immediate`: an
   * overprovisioned extra, removed as its scale-out ends (its delete is no part of the operation
   * the caller waits for).
   */
  async deleteInstance(state: ScaleSetState, inst: InstanceState, options: { immediate?: boolean } = {}): Promise<void> {
    inst.provisioningState = 'Deleting';
    await inst.busy;
    const deleteMs = options.immediate ? 0 : (this.ctx.timing.instanceDeleteMs ?? 0);
    if (deleteMs > 0) {
      inst.power = 'stopping';
      await this.syncListener(state, inst);
      await sleepFor(this.ctx, deleteMs);
    }
    state.instances.delete(inst.instanceId);
    await this.syncListener(state, inst);
    this.ctx.subnets.release(`${state.doc.id}/virtualMachines/${inst.instanceId}`);
    this.ctx.events.publish({
      kind: 'ResourceDeleteSuccess',
      subscriptionId: state.subscriptionId,
      resourceGroupName: state.resourceGroupName,
      resourceUri: `${state.doc.id}/virtualMachines/${inst.instanceId}`,
      operationName: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/delete',
      httpMethod: 'DELETE',
      httpUrl: `${this.ctx.baseUrl}${state.doc.id}/virtualMachines/${inst.instanceId}`,
    });
  }

  mode(state: ScaleSetState): 'Manual' | 'Automatic' | 'Rolling' {
    return state.doc.properties.upgradePolicy?.mode ?? 'Manual';
  }

  /** Instances a scale-in removes first: Default balances zones then takes the highest ids; OldestVM the lowest. */
  private scaleInOrder(state: ScaleSetState): InstanceState[] {
    const rule = state.doc.properties.scaleInPolicy?.rules?.[0] ?? 'Default';
    const all = [...state.instances.values()].sort((a, b) => Number(b.instanceId) - Number(a.instanceId));
    if (rule === 'OldestVM') return all.reverse();
    if (rule === 'NewestVM' || !(state.doc.zones?.length)) return all;
    const order: InstanceState[] = [];
    const remaining = [...all];
    while (remaining.length) {
      const counts = new Map<string, number>();
      for (const i of remaining) counts.set(i.zone ?? '', (counts.get(i.zone ?? '') ?? 0) + 1);
      const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
      const pick = remaining.findIndex((i) => (i.zone ?? '') === busiest);
      order.push(...remaining.splice(pick, 1));
    }
    return order;
  }

  /** Bring the instance count to `sku.capacity`; resolves when new instances have provisioned. */
  async reconcileCapacity(state: ScaleSetState): Promise<void> {
    const wanted = state.doc.sku.capacity;
    const current = [...state.instances.values()].filter((i) => !i.extra && i.provisioningState !== 'Deleting');
    if (current.length > wanted) {
      const victims = this.scaleInOrder(state).slice(0, current.length - wanted);
      await Promise.all(victims.map((v) => this.deleteInstance(state, v)));
      return;
    }
    const missing = wanted - current.length;
    if (missing <= 0) return;
    // Overprovisioning: ask for ~20% more (at least one), keep the first that provision.
    const overprovision = state.doc.properties.overprovision !== false;
    const extraCount = overprovision ? Math.max(1, Math.ceil(missing * 0.2)) : 0;
    const created = Array.from({ length: missing + extraCount }, () => this.newInstance(state, true));
    const finished: InstanceState[] = [];
    await Promise.all(
      created.map(async (inst) => {
        await this.provision(state, inst);
        finished.push(inst);
      }),
    );
    // The first `missing` to finish stay (successful ones first), keeping the zones balanced as
    // Azure does for a zonal scale set; the rest are deleted.
    const succeeded = keepBalanced({ candidates: finished.filter((i) => i.provisioningState === 'Succeeded'), count: missing, existing: current });
    const keep = [...succeeded, ...keepBalanced({ candidates: finished.filter((i) => i.provisioningState !== 'Succeeded'), count: missing - succeeded.length, existing: [...current, ...succeeded] })];
    for (const inst of keep) inst.extra = false;
    await Promise.all(finished.filter((i) => i.extra).map((i) => this.deleteInstance(state, i, { immediate: true })));
  }

  /** After a model change: Automatic upgrades everything now; Rolling starts a rolling upgrade; Manual waits for manualupgrade. */
  async applyModelChange(state: ScaleSetState): Promise<void> {
    const mode = this.mode(state);
    const stale = [...state.instances.values()].filter((i) => i.modelVersion !== state.modelVersion);
    if (stale.length === 0) return;
    if (mode === 'Automatic') await Promise.all(stale.map((i) => this.upgrade(state, i)));
    if (mode === 'Rolling') void this.rollingUpgrade(state);
  }

  /** Batches per the rolling policy; aborts when too many upgraded instances are unhealthy. */
  async rollingUpgrade(state: ScaleSetState): Promise<void> {
    const policy = {
      maxBatchInstancePercent: 20,
      maxUnhealthyInstancePercent: 20,
      maxUnhealthyUpgradedInstancePercent: 20,
      pauseTimeBetweenBatches: 'PT0S',
      ...((state.doc.properties.upgradePolicy?.rollingUpgradePolicy ?? {})),
    };
    const now = (): string => this.ctx.clock.now().toISOString();
    const pending = [...state.instances.values()].filter((i) => i.modelVersion !== state.modelVersion).sort((a, b) => Number(a.instanceId) - Number(b.instanceId));
    const rolling: RollingUpgradeState = {
      policy,
      runningStatus: { code: 'RollingForward', startTime: now(), lastAction: 'Start', lastActionTime: now() },
      progress: { successfulInstanceCount: 0, failedInstanceCount: 0, inProgressInstanceCount: 0, pendingInstanceCount: pending.length },
      cancelled: false,
    };
    state.rolling = rolling;
    const total = Math.max(1, state.instances.size);
    const batchSize = Math.max(1, Math.floor((total * Number(policy.maxBatchInstancePercent)) / 100));
    const pauseMs = parseIsoSeconds(String(policy.pauseTimeBetweenBatches)) * 1000;
    for (let start = 0; start < pending.length; start += batchSize) {
      if (rolling.cancelled) {
        rolling.runningStatus.code = 'Cancelled';
        return;
      }
      const batch = pending.slice(start, start + batchSize).filter((i) => state.instances.has(i.instanceId));
      rolling.progress.inProgressInstanceCount = batch.length;
      rolling.progress.pendingInstanceCount -= batch.length;
      await Promise.all(batch.map((i) => this.upgrade(state, i)));
      const failed = batch.filter((i) => i.provisioningState !== 'Succeeded' || !i.listener?.listening);
      rolling.progress.inProgressInstanceCount = 0;
      rolling.progress.successfulInstanceCount += batch.length - failed.length;
      rolling.progress.failedInstanceCount += failed.length;
      const upgradedSoFar = rolling.progress.successfulInstanceCount + rolling.progress.failedInstanceCount;
      if ((rolling.progress.failedInstanceCount * 100) / upgradedSoFar > Number(policy.maxUnhealthyUpgradedInstancePercent)) {
        rolling.runningStatus.code = 'Faulted';
        rolling.error = {
          code: 'MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade',
          message: `Rolling upgrade stopped: ${rolling.progress.failedInstanceCount} of ${upgradedSoFar} upgraded instances are unhealthy, above the ${String(policy.maxUnhealthyUpgradedInstancePercent)}% allowed.`,
        };
        return;
      }
      if (pauseMs > 0 && start + batchSize < pending.length) await sleepFor(this.ctx, pauseMs);
    }
    rolling.runningStatus.code = 'Completed';
    rolling.runningStatus.lastActionTime = now();
  }

  /** How many times extensions have run on each instance so far: take it before an operation, pass it to extensionFailure after. */
  extensionRunsNow(state: ScaleSetState): Map<string, number> {
    return new Map([...state.instances.values()].map((i) => [i.instanceId, i.extensionRuns]));
  }

  /**
   * The error an operation ends with when an extension it ran failed on one of its instances:
   * Azure ends the scale-set create / update / scale / reimage / manual upgrade `Failed` with
   * `VMExtensionProvisioningError` (and the scale set's provisioning state becomes Failed), unless
   * that extension has `suppressFailures` (azure-rest-api-specs ComputeRP examples
   * `VirtualMachineScaleSet_Create_WithExtensionsSuppressFailuresEnabled.json`; the error body in
   * Azure/custom-script-extension-linux#107; Azure/azure-quickstart-templates#3558).
   */
  extensionFailure(state: ScaleSetState, runsBefore: Map<string, number>, among?: InstanceState[]): ArmError | undefined {
    const candidates = among ?? [...state.instances.values()];
    for (const inst of candidates) {
      if (!state.instances.has(inst.instanceId) || inst.extensionRuns === (runsBefore.get(inst.instanceId) ?? 0)) continue;
      for (const [name, outcome] of inst.extensionStatus) {
        if (outcome.ok) continue;
        const ext = extensionsOf(state.doc).find((e) => lower(e.name) === name);
        if (ext?.properties.suppressFailures === true) continue;
        return new ArmError(
          200,
          'VMExtensionProvisioningError',
          `VM has reported a failure when processing extension '${ext?.name ?? name}' (publisher '${ext?.properties.publisher ?? ''}' and type '${ext?.properties.type ?? ''}'). Error message: '${outcome.message}'. More information on troubleshooting is available at https://aka.ms/VMExtensionCSEWindowsTroubleshoot.`,
        );
      }
    }
    return undefined;
  }

  requireInstance(state: ScaleSetState, instanceId: string): InstanceState {
    const inst = state.instances.get(instanceId);
    if (!inst) throw ArmError.resourceNotFound('Microsoft.Compute/virtualMachineScaleSets/virtualMachines', `${state.doc.name}/${instanceId}`, state.resourceGroupName);
    return inst;
  }
}

function parseIsoSeconds(duration: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/i.exec(duration);
  if (!m) return 0;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Extensions in `provisionAfterExtensions` order (dependencies first), otherwise as declared. */
export function orderExtensions(extensions: ExtensionModel[]): ExtensionModel[] {
  const ordered: ExtensionModel[] = [];
  const placed = new Set<string>();
  let progress = true;
  while (ordered.length < extensions.length && progress) {
    progress = false;
    for (const ext of extensions) {
      if (placed.has(lower(ext.name))) continue;
      if ((ext.properties.provisionAfterExtensions ?? []).every((dep) => placed.has(lower(dep)))) {
        ordered.push(ext);
        placed.add(lower(ext.name));
        progress = true;
      }
    }
  }
  return ordered;
}
