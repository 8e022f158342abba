/**
 * Builds a FRIDAY tier straight through the real SDK clients (no app code): network, Standard LB,
 * and a Windows scale set whose Custom Script Extension runs the seed's script from Azurite.
 * Emulator contract tests and adapter integration tests share it.
 */
import { setupCommand } from '../../src/azure/scriptStore';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../local/azurite';
import type { testClients } from './armTestClients';
import { VM_SIZES } from '../../local/emulator/compute/vmSizes';

/** The repository root (works from sources and from dist/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const SEED_SCRIPT_PATH = path.join(repoRoot(), 'infra', 'scripts', 'setup-friday.ps1');

/** Uploads a script to Azurite and returns a read-only SAS URL for it. */
export async function uploadScript(options: { connectionString: string; blobEndpoint: string; container: string; name: string; content?: string }): Promise<string> {
  const service = BlobServiceClient.fromConnectionString(options.connectionString);
  const container = service.getContainerClient(options.container);
  await container.createIfNotExists();
  const content = options.content ?? readFileSync(SEED_SCRIPT_PATH, 'utf8');
  await container.getBlockBlobClient(options.name).upload(content, Buffer.byteLength(content));
  const sas = generateBlobSASQueryParameters(
    { containerName: options.container, blobName: options.name, permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000) },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
  ).toString();
  return `${options.blobEndpoint}/${options.container}/${options.name}?${sas}`;
}

export interface TierOptions {
  resourceGroup: string;
  location?: string;
  scaleSetName: string;
  capacity: number;
  scriptUrl: string;
  upgradeMode?: 'Manual' | 'Automatic' | 'Rolling';
  vmSize?: string;
  zones?: string[];
  overprovision?: boolean;
  computerNamePrefix?: string;
}

export interface Tier {
  vnetId: string;
  subnetId: string;
  loadBalancerId: string;
  backendPoolId: string;
  probeId: string;
  publicIpId: string;
  publicIpAddress: string;
  scaleSetBody: VirtualMachineScaleSet;
}

export async function buildNetwork(clients: ReturnType<typeof testClients>, options: Pick<TierOptions, 'resourceGroup' | 'location'> & { subscriptionId: string; subnetPrefix?: string }): Promise<Omit<Tier, 'scaleSetBody'>> {
  const { network, resources } = clients;
  const location = options.location ?? 'koreacentral';
  const rg = options.resourceGroup;
  await resources.resourceGroups.createOrUpdate(rg, { location });
  const vnet = await network.virtualNetworks.createOrUpdate(rg, 'vnet-friday', {
    location,
    addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
    subnets: [{ name: 'snet-web', addressPrefix: options.subnetPrefix ?? '10.0.1.0/24' }],
  });
  const pip = await network.publicIPAddresses.createOrUpdate(rg, 'pip-friday', { location, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' });
  const lbId = `/subscriptions/${options.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/loadBalancers/lb-friday`;
  const lb = await network.loadBalancers.createOrUpdate(rg, 'lb-friday', {
    location,
    sku: { name: 'Standard' },
    frontendIPConfigurations: [{ name: 'fe', publicIPAddress: { id: pip.id } }],
    backendAddressPools: [{ name: 'pool' }],
    probes: [{ name: 'http', protocol: 'Http', port: 80, requestPath: '/', intervalInSeconds: 5, numberOfProbes: 1 }],
    loadBalancingRules: [
      {
        name: 'http',
        frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/fe` },
        backendAddressPool: { id: `${lbId}/backendAddressPools/pool` },
        probe: { id: `${lbId}/probes/http` },
        protocol: 'Tcp',
        frontendPort: 80,
        backendPort: 80,
      },
    ],
  });
  return {
    vnetId: vnet.id ?? '',
    subnetId: `${vnet.id}/subnets/snet-web`,
    loadBalancerId: lb.id ?? '',
    backendPoolId: `${lb.id}/backendAddressPools/pool`,
    probeId: `${lb.id}/probes/http`,
    publicIpId: pip.id ?? '',
    publicIpAddress: pip.ipAddress ?? '',
  };
}

export function scaleSetBody(net: Omit<Tier, 'scaleSetBody'>, options: TierOptions): VirtualMachineScaleSet {
  const scriptName = new URL(options.scriptUrl).pathname.split('/').pop() ?? 'setup-friday.ps1';
  return {
    location: options.location ?? 'koreacentral',
    sku: { name: options.vmSize ?? 'Standard_D2ds_v5', tier: 'Standard', capacity: options.capacity },
    zones: options.zones,
    overprovision: options.overprovision ?? true,
    upgradePolicy: {
      mode: options.upgradeMode ?? 'Manual',
      ...(options.upgradeMode === 'Rolling' ? { rollingUpgradePolicy: { maxBatchInstancePercent: 50, maxUnhealthyUpgradedInstancePercent: 50 } } : {}),
    },
    virtualMachineProfile: {
      osProfile: { computerNamePrefix: options.computerNamePrefix ?? 'friday', adminUsername: 'fridayadmin', adminPassword: 'Test-Only-Passw0rd!', windowsConfiguration: {} },
      storageProfile: {
        imageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', version: 'latest' },
        osDisk: { createOption: 'FromImage', managedDisk: { storageAccountType: 'Premium_LRS' } },
        dataDisks: [{ lun: 0, createOption: 'Empty', diskSizeGB: 32 }],
      },
      networkProfile: {
        ...(options.upgradeMode === 'Rolling' ? { healthProbe: { id: net.probeId } } : {}),
        networkInterfaceConfigurations: [
          {
            name: 'nic',
            primary: true,
            ipConfigurations: [{ name: 'ipconfig', subnet: { id: net.subnetId }, loadBalancerBackendAddressPools: [{ id: net.backendPoolId }] }],
          },
        ],
      },
      extensionProfile: {
        extensions: [
          {
            name: 'friday-setup',
            publisher: 'Microsoft.Compute',
            typePropertiesType: 'CustomScriptExtension',
            typeHandlerVersion: '1.10',
            autoUpgradeMinorVersion: true,
            settings: {},
            // The app's own setup command: the script, then the X: volume report verification reads.
            protectedSettings: { fileUris: [options.scriptUrl], commandToExecute: setupCommand(scriptName) },
          },
        ],
      },
    },
  };
}

/** Fetches a URL on this machine with a timeout; returns status and body (status 0 when refused). */
export async function fetchPage(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

export async function addressMap(adminUrl: string): Promise<Record<string, string>> {
  const res = await fetch(`${adminUrl}/address-map`);
  return (await res.json()) as Record<string, string>;
}

/**
 * Raises the emulator's vCPU quotas (every region: the regional total and every VM family) to
 * `vcpus`, as an operator running tiers of thousands of instances has had them raised. The defaults
 * (350, local/emulator/compute/usages.ts) refuse a 1000-instance scale set of 2-vCPU sizes, as Azure would.
 */
export async function raiseComputeQuota(adminUrl: string, vcpus: number): Promise<void> {
  const limits = { cores: vcpus, ...Object.fromEntries(VM_SIZES.map((size) => [size.family, vcpus])) };
  const res = await fetch(`${adminUrl}/quotas`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ location: '*', limits }) });
  if (!res.ok) throw new Error(`emulator quotas: HTTP ${res.status} ${await res.text()}`);
}
