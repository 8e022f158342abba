/**
 * A scale set's model as ARM checks and stores it: the request validation (with Azure's error
 * codes and targets), merging a PATCH, keeping secrets out of what is stored or returned, and
 * the linked `join` checks ARM makes on the network resources the model references.
 */
import { ArmError } from '../core/contract';
import type { ProviderContext } from '../core/contract';
import { backendPoolIds, dataDisksOf, extensionsOf, primarySubnetId, type ExtensionModel, type Json, type ScaleSetDoc } from './scaleSetEngine';
import { isObject, lower, type ScaleSetSecrets } from './computeRoutes';
import { vmSize } from './vmSizes';

export function deepMerge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

/** Removes secrets from a model before it is stored or returned. */
export function withoutSecrets(doc: ScaleSetDoc): ScaleSetSecrets & { doc: ScaleSetDoc } {
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
export function linkedActionsOf(doc: ScaleSetDoc): string[] {
  const text = JSON.stringify(doc.properties.virtualMachineProfile ?? {});
  const actions = new Set<string>();
  if (primarySubnetId(doc)) actions.add('Microsoft.Network/virtualNetworks/subnets/join/action');
  if (/"loadBalancerBackendAddressPools":\[\{/.test(text)) actions.add('Microsoft.Network/loadBalancers/backendAddressPools/join/action');
  if (/"loadBalancerInboundNatPools":\[\{/.test(text)) actions.add('Microsoft.Network/loadBalancers/inboundNatPools/join/action');
  if (/"applicationGatewayBackendAddressPools":\[\{/.test(text)) actions.add('Microsoft.Network/applicationGateways/backendAddressPools/join/action');
  if (/"healthProbe":\{"id"/.test(text)) actions.add('Microsoft.Network/loadBalancers/probes/join/action');
  return [...actions].sort();
}

/** Checks a scale set model as Microsoft.Compute does on PUT and PATCH (references against the store). */
export function scaleSetValidator(ctx: ProviderContext): (doc: ScaleSetDoc, creating: boolean, hasStoredPassword: boolean) => void {
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
    // Only sizes this emulator offers (and lists through Microsoft.Compute/skus): the guest's disk layout depends on the size.
    if (!vmSize(doc.sku.name)) {
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

  return validate;
}

/**
 * Properties an existing scale set cannot change: Compute answers 409 `PropertyChangeNotAllowed`
 * "Changing property '<name>' is not allowed." with the property as `target`.
 * Sources: learn.microsoft.com virtual-machine-scale-sets-upgrade-scale-set ("Properties with
 * restrictions on modification": computerNamePrefix, adminUsername, zones, platformFaultDomainCount
 * among them); the exact error for platformFaultDomainCount in MicrosoftDocs/azure-docs#108952 and
 * Azure/aks-engine#1530. Zones: any change is refused here (Azure allows only some zone expansions,
 * in preview), which is stricter, never kinder.
 */
export function immutableChange(existing: ScaleSetDoc, incoming: ScaleSetDoc): { property: string; target: string } | undefined {
  const os = (doc: ScaleSetDoc): Json => ((doc.properties.virtualMachineProfile ?? {}).osProfile ?? {}) as Json;
  const checks: Array<{ property: string; target: string; before: unknown; after: unknown }> = [
    { property: 'computerNamePrefix', target: 'computerNamePrefix', before: os(existing).computerNamePrefix, after: os(incoming).computerNamePrefix },
    { property: 'adminUsername', target: 'adminUsername', before: os(existing).adminUsername, after: os(incoming).adminUsername },
    // Unset at creation means Azure's default: 1 for a zonal scale set, 5 for a regional one.
    { property: 'platformFaultDomainCount', target: 'platformFaultDomainCount', before: existing.properties.platformFaultDomainCount ?? (existing.zones?.length ? 1 : 5), after: incoming.properties.platformFaultDomainCount },
    { property: 'zones', target: 'zones', before: [...(existing.zones ?? [])].sort(), after: [...(incoming.zones ?? [])].sort() },
  ];
  // A value omitted in the request keeps what is there.
  return checks.find((c) => c.after !== undefined && c.before !== undefined && JSON.stringify(c.before) !== JSON.stringify(c.after));
}

/**
 * A scale set as Compute answers it: the stored model plus what Compute fills in when a client
 * left it out (specs examples VirtualMachineScaleSet_Create_WithPasswordAuthentication.json,
 * 2026-04-01, and VirtualMachineScaleSet_Get_WithUserData.json, 2024-11-01). Only the answer
 * carries them — the stored model stays as sent, so model changes and immutable-property checks
 * see what clients wrote. platformFaultDomainCount follows refuseImmutableChange's default.
 */
export function scaleSetAnswer(doc: ScaleSetDoc): ScaleSetDoc {
  const out = structuredClone(doc);
  const p = out.properties as Json;
  p.singlePlacementGroup ??= true;
  p.doNotRunExtensionsOnOverprovisionedVMs ??= false;
  p.platformFaultDomainCount ??= out.zones?.length ? 1 : 5;
  const profile = (p.virtualMachineProfile ?? undefined) as Json | undefined;
  const os = profile?.osProfile as Json | undefined;
  if (os) {
    os.secrets ??= [];
    const windows = /windows/i.test(JSON.stringify((profile?.storageProfile as Json | undefined)?.imageReference ?? {}));
    if (windows) os.windowsConfiguration ??= { provisionVMAgent: true, enableAutomaticUpdates: true };
  }
  const nics = ((profile?.networkProfile as Json | undefined)?.networkInterfaceConfigurations ?? []) as Array<{ properties?: Json }>;
  for (const nic of nics) {
    const np = (nic.properties ??= {});
    np.dnsSettings ??= { dnsServers: [] };
    np.enableAcceleratedNetworking ??= false;
    for (const ip of (np.ipConfigurations ?? []) as Array<{ properties?: Json }>) (ip.properties ??= {}).privateIPAddressVersion ??= 'IPv4';
  }
  return out;
}
