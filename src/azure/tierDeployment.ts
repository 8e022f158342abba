/**
 * Carries out one deployment step: read what exists, compare with what the spec wants (pure
 * plan), write only what differs. The same code computes dry-run plans (reads only).
 */
import { desiredTier, EXTENSION_NAME, type DesiredResource, type TierContext, type TierStep } from '../domain/deployment/desiredTier';
import { keepForeignSubnets } from '../domain/deployment/foreignSubnets';
import { planResource, type PlannedWrite } from '../domain/deployment/plan';
import type { DeploymentSpec } from '../domain/deployment/spec';
import type { AppSettings } from '../settings';
import type { ArmClients } from './armClients';
import { scrubSecrets } from './armErrors';
import { scriptAccess } from './scriptStore';
import { getResource, putResource } from './tierResources';

export interface StepResult {
  step: TierStep;
  writes: PlannedWrite[];
  /** Ids of resources that exist after this step (for "what was already created" in failures). */
  resourceIds: string[];
  scaleSet?: { created: boolean; modelChanged: boolean; capacityBefore: number | null };
}

export function tierContext(settings: AppSettings, spec: DeploymentSpec, setupCommand: string): TierContext {
  const rdp = spec.rdp.sourcePrefix ?? settings.FRIDAY_RDP_SOURCE_PREFIX;
  // RDP from anywhere only when the spec says so explicitly (a setting alone never opens it).
  const openToAll = rdp !== undefined && ['*', 'Internet', '0.0.0.0/0'].includes(rdp);
  const webhookToken = settings.FRIDAY_AUTOSCALE_WEBHOOK_TOKEN;
  return {
    subscriptionId: settings.AZURE_SUBSCRIPTION_ID,
    adminUsername: settings.FRIDAY_ADMIN_USERNAME,
    rdpSourcePrefix: openToAll && !spec.rdp.allowFromAnywhere ? undefined : rdp,
    setupCommand,
    ...(settings.FRIDAY_SCRIPT_ACCESS === 'managedIdentity' && settings.FRIDAY_INSTANCE_IDENTITY_ID ? { instanceIdentityId: settings.FRIDAY_INSTANCE_IDENTITY_ID } : {}),
    ...(settings.FRIDAY_PUBLIC_BASE_URL
      ? { autoscaleWebhookUrl: `${settings.FRIDAY_PUBLIC_BASE_URL.replace(/\/$/, '')}/api/autoscale-webhook${webhookToken ? `?token=${webhookToken}` : ''}` }
      : {}),
  };
}

function scrubbed(write: PlannedWrite): PlannedWrite {
  return { ...write, reason: scrubSecrets(write.reason) };
}

async function writeScaleSet(options: { settings: AppSettings; clients: ArmClients; spec: DeploymentSpec; resource: DesiredResource; actual: Record<string, unknown> | undefined; now: Date }): Promise<void> {
  const { settings, spec, resource, actual } = options;
  const body = structuredClone(resource.body) as {
    sku: { capacity?: number };
    virtualMachineProfile: { osProfile: Record<string, unknown>; extensionProfile: { extensions: Array<Record<string, unknown>> } };
  };
  if (actual) {
    // Capacity changes are the scale step's; the admin password is set once, at creation.
    body.sku.capacity = (actual.sku as { capacity?: number } | undefined)?.capacity ?? body.sku.capacity;
  } else {
    if (!settings.FRIDAY_ADMIN_PASSWORD) throw new Error('FRIDAY_ADMIN_PASSWORD is not set: instances need an admin password (a Key Vault reference in Azure).');
    body.virtualMachineProfile.osProfile.adminPassword = settings.FRIDAY_ADMIN_PASSWORD;
  }
  const command = String((body.virtualMachineProfile.extensionProfile.extensions[0]?.settings as { commandToExecute?: string } | undefined)?.commandToExecute ?? '');
  const blobName = command.split(/\s+/).pop() ?? '';
  const ext = body.virtualMachineProfile.extensionProfile.extensions.find((e) => e.name === EXTENSION_NAME);
  if (ext) ext.protectedSettings = await scriptAccess(settings, blobName, options.now);
  await putResource(options.clients, 'virtualMachineScaleSet', spec.resourceGroup, resource.name, body);
}

export async function ensureTierStep(options: {
  settings: AppSettings;
  clients: ArmClients;
  spec: DeploymentSpec;
  step: TierStep;
  setupCommand: string;
  now: Date;
  dryRun?: boolean;
}): Promise<StepResult> {
  const { settings, clients, spec, step } = options;
  const resources = desiredTier(spec, tierContext(settings, spec, options.setupCommand)).filter((r) => r.step === step);
  const result: StepResult = { step, writes: [], resourceIds: [] };
  for (const wanted of resources) {
    const actual = await getResource(clients, wanted.kind, spec.resourceGroup, wanted.name);
    // A VNet PUT deletes the subnets it leaves out: subnets the tier does not own are written back as read.
    const resource = wanted.kind === 'virtualNetwork' ? { ...wanted, body: keepForeignSubnets(wanted.body, actual) } : wanted;
    const write = planResource(resource, actual);
    if (resource.kind === 'virtualMachineScaleSet') {
      result.scaleSet = { created: !actual, modelChanged: write !== undefined && actual !== undefined, capacityBefore: (actual?.sku as { capacity?: number } | undefined)?.capacity ?? null };
    }
    if (write) {
      result.writes.push(scrubbed(write));
      if (!options.dryRun) {
        if (resource.kind === 'virtualMachineScaleSet') await writeScaleSet({ ...options, resource, actual });
        else await putResource(clients, resource.kind, spec.resourceGroup, resource.name, resource.body);
      }
    }
    if (actual || (write && !options.dryRun)) result.resourceIds.push(resource.id);
  }
  return result;
}

export function stepsFor(spec: DeploymentSpec): TierStep[] {
  return [...(spec.createResourceGroup ? (['resourceGroup'] as TierStep[]) : []), 'network', 'frontEnd', 'scaleSet', ...(spec.autoscale ? (['autoscale'] as TierStep[]) : [])];
}
