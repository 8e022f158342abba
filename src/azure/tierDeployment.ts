/**
 * Carries out one deployment step: read what exists, compare with what the spec wants (pure
 * plan), write only what differs. The same code computes dry-run plans (reads only).
 *
 * A write that starts a long-running operation ends the call: it returns the operation's handle,
 * the orchestration polls it between durable timers, then calls again naming the resource as
 * `settled` — so no invocation waits out an Application Gateway's quarter of an hour. A resource
 * found mid-operation (an earlier attempt's write, or someone else's) is waited for, never
 * written again while ARM would refuse it.
 */
import { desiredTier, EXTENSION_NAME, type DesiredResource, type TierContext, type TierStep } from '../domain/deployment/desiredTier';
import { keepForeignSubnets } from '../domain/deployment/foreignSubnets';
import { immutableChangeProblems, immutableChanges } from '../domain/deployment/immutableChange';
import { planResource, type PlannedWrite } from '../domain/deployment/plan';
import type { DeploymentSpec } from '../domain/deployment/spec';
import type { AppSettings } from '../settings';
import type { ArmClients } from './armClients';
import { scrubSecrets } from './armErrors';
import { generatedAdminPassword } from './adminPassword';
import { scriptAccess, scriptBlobOf } from './scriptStore';
import type { OperationProgress } from './armOperations';
import { getResource, operationInProgress, startPut } from './tierResources';

export interface StepResult {
  step: TierStep;
  writes: PlannedWrite[];
  /** Ids of resources that exist after this step (for "what was already created" in failures). */
  resourceIds: string[];
  scaleSet?: { created: boolean; modelChanged: boolean; capacityBefore: number | null };
  /** A write this call started that is still running; `operationResourceId` is what it writes. */
  operation?: OperationProgress;
  operationResourceId?: string;
  /** A resource found mid-operation (provisioning state not settled): wait, then call again. */
  busy?: { resourceId: string; provisioningState: string };
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

async function writeScaleSet(options: { settings: AppSettings; clients: ArmClients; spec: DeploymentSpec; resource: DesiredResource; actual: Record<string, unknown> | undefined; now: Date; description: string }): Promise<OperationProgress> {
  const { settings, spec, resource, actual } = options;
  const body = structuredClone(resource.body) as {
    sku: { capacity?: number };
    virtualMachineProfile: { osProfile: Record<string, unknown>; extensionProfile: { extensions: Array<Record<string, unknown>> } };
  };
  if (actual) {
    // Capacity changes are the scale step's; the admin password is set once, at creation.
    body.sku.capacity = (actual.sku as { capacity?: number } | undefined)?.capacity ?? body.sku.capacity;
  } else {
    // A password nobody holds, made for this scale set and never kept (adminPassword.ts says why).
    body.virtualMachineProfile.osProfile.adminPassword = generatedAdminPassword();
  }
  const command = String((body.virtualMachineProfile.extensionProfile.extensions[0]?.settings as { commandToExecute?: string } | undefined)?.commandToExecute ?? '');
  const blobName = scriptBlobOf(command) ?? '';
  const ext = body.virtualMachineProfile.extensionProfile.extensions.find((e) => e.name === EXTENSION_NAME);
  if (ext) ext.protectedSettings = await scriptAccess(settings, blobName, options.now);
  return startPut(options.clients, 'virtualMachineScaleSet', spec.resourceGroup, resource.name, body, options.description);
}

/**
 * What the spec would change on the existing scale set that Azure does not allow (computer name
 * prefix, admin user name, fault domains, zones): one problem per property, saying what to do
 * instead; empty when nothing (or no scale set yet). One read, no write.
 */
export async function scaleSetImmutableProblems(options: { settings: AppSettings; clients: ArmClients; spec: DeploymentSpec }): Promise<string[]> {
  const { settings, clients, spec } = options;
  const wanted = desiredTier(spec, tierContext(settings, spec, '')).find((r) => r.kind === 'virtualMachineScaleSet');
  if (!wanted) return [];
  const actual = await getResource(clients, wanted.kind, spec.resourceGroup, wanted.name);
  return immutableChangeProblems(wanted.name, immutableChanges(wanted.body, actual));
}

/** Refusal of a scale-set write Azure would answer 409 PropertyChangeNotAllowed, thrown before any write (armStep reports it). */
class ImmutableChangeRefused extends Error {
  readonly statusCode = 400;
  readonly code = 'PropertyChangeNotAllowed';
}

export async function ensureTierStep(options: {
  settings: AppSettings;
  clients: ArmClients;
  spec: DeploymentSpec;
  step: TierStep;
  setupCommand: string;
  now: Date;
  dryRun?: boolean;
  /** Resources this run already wrote in this step (their operations finished): not read or written again. */
  settled?: string[];
}): Promise<StepResult> {
  const { settings, clients, spec, step } = options;
  const resources = desiredTier(spec, tierContext(settings, spec, options.setupCommand)).filter((r) => r.step === step);
  const settled = new Set((options.settled ?? []).map((id) => id.toLowerCase()));
  const result: StepResult = { step, writes: [], resourceIds: [] };
  for (const wanted of resources) {
    if (settled.has(wanted.id.toLowerCase())) {
      result.resourceIds.push(wanted.id);
      continue;
    }
    const actual = await getResource(clients, wanted.kind, spec.resourceGroup, wanted.name);
    // A VNet PUT deletes the subnets it leaves out: subnets the tier does not own are written back as read.
    const resource = wanted.kind === 'virtualNetwork' ? { ...wanted, body: keepForeignSubnets(wanted.body, actual) } : wanted;
    const write = planResource(resource, actual);
    if (resource.kind === 'virtualMachineScaleSet') {
      // The HTTP check refused this spec already; the scale set may have changed since (someone else's write).
      const problems = immutableChangeProblems(resource.name, immutableChanges(resource.body, actual));
      if (problems.length) throw new ImmutableChangeRefused(problems.join('; '));
      result.scaleSet = { created: !actual, modelChanged: write !== undefined && actual !== undefined, capacityBefore: (actual?.sku as { capacity?: number } | undefined)?.capacity ?? null };
    }
    const running = options.dryRun ? undefined : operationInProgress(actual);
    if (running) {
      // ARM refuses a second write while one runs (409 / AnotherOperationInProgress): wait for it.
      result.resourceIds.push(resource.id);
      result.busy = { resourceId: resource.id, provisioningState: running };
      return result;
    }
    if (write) {
      result.writes.push(scrubbed(write));
      if (!options.dryRun) {
        const description = `${write.action} ${resource.kind} ${resource.name}`;
        const progress =
          resource.kind === 'virtualMachineScaleSet'
            ? await writeScaleSet({ ...options, resource, actual, description })
            : await startPut(clients, resource.kind, spec.resourceGroup, resource.name, resource.body, description);
        result.resourceIds.push(resource.id);
        if (!progress.done) {
          result.operation = progress;
          result.operationResourceId = resource.id;
          return result;
        }
        continue;
      }
    }
    if (actual) result.resourceIds.push(resource.id);
  }
  return result;
}

export function stepsFor(spec: DeploymentSpec): TierStep[] {
  return [...(spec.createResourceGroup ? (['resourceGroup'] as TierStep[]) : []), 'network', 'frontEnd', 'scaleSet', ...(spec.autoscale ? (['autoscale'] as TierStep[]) : [])];
}
