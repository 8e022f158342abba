/**
 * Typed, validated app settings. The host exposes app settings as environment variables; they
 * are read once, validated, frozen, and the first bad or missing value fails fast with a message
 * naming the setting. Every setting read here must be documented in local.settings.sample.json
 * and set by infra/ (a test checks both).
 *
 * Secrets (connection strings, tokens, keys) are kept out of `describeSettings()`. There is no
 * admin password setting: each scale set gets a generated one nobody keeps (azure/adminPassword.ts).
 */
import type { z } from 'zod';
import { rdpSourceProblems } from './domain/ipv4';
import { lazySchema } from './domain/validation';

/** Names of every setting the app reads (the settings test compares these with infra/ and the sample file). */
export const SETTING_NAMES = [
  'AZURE_SUBSCRIPTION_ID',
  'AZURE_CLIENT_ID',
  'FRIDAY_ARM_ENDPOINT',
  'FRIDAY_ARM_CA_CERT_FILE',
  'FRIDAY_ARM_AUTH',
  'FRIDAY_ARM_MAX_INLINE_WAIT_SECONDS',
  'FRIDAY_ARM_REQUEST_TIMEOUT_SECONDS',
  'FRIDAY_ADDRESS_MAP_URL',
  'FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING',
  'FRIDAY_SCRIPTS_ACCOUNT_URL',
  'FRIDAY_SCRIPTS_CONTAINER',
  'FRIDAY_REPORTS_CONTAINER',
  'FRIDAY_SCRIPT_ACCESS',
  'FRIDAY_INSTANCE_IDENTITY_ID',
  'FRIDAY_INSTANCE_IDENTITY_CLIENT_ID',
  'FRIDAY_SCRIPT_SAS_MINUTES',
  'FRIDAY_ADMIN_USERNAME',
  'FRIDAY_RDP_SOURCE_PREFIX',
  'FRIDAY_PROBE_CONCURRENCY',
  'FRIDAY_PROBE_TIMEOUT_MS',
  'FRIDAY_SCHEDULES',
  'FRIDAY_SCHEDULES_BLOB',
  'FRIDAY_EVENTGRID_ALLOWED_TOPICS',
  'FRIDAY_AUTOSCALE_WEBHOOK_TOKEN',
  'FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS',
  'FRIDAY_REPAIR_MAX_PER_HOUR',
  'FRIDAY_REPAIR_MIN_HEALTHY',
  'FRIDAY_REPAIR_CONFIRMATIONS',
  'FRIDAY_REPAIR_CONFIRM_SECONDS',
  'FRIDAY_DRAIN_IN_FLIGHT_SECONDS',
  'FRIDAY_READINESS_DEADLINE_SECONDS',
  'FRIDAY_PUBLIC_BASE_URL',
  'FRIDAY_DEFAULT_RESOURCE_GROUP',
  'FRIDAY_FLEET_AUTH',
  'FRIDAY_FLEET_VIEWER_KEY',
  'FRIDAY_FLEET_VIEWER_ROLE',
] as const;

export type SettingName = (typeof SETTING_NAMES)[number];

/** The longest validity a setup-script SAS may have (scriptStore clamps to it as well). */
export const MAX_SCRIPT_SAS_MINUTES = 24 * 60;

const settingsSchema = lazySchema((z) => {
  const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
  const optionalText = z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
  return z.object({
    AZURE_SUBSCRIPTION_ID: z.string().trim().min(1, 'is required (the subscription that holds the web tier)'),
    /** Client id of the user-assigned managed identity (Azure); unset locally. */
    AZURE_CLIENT_ID: optionalText,
    /** ARM endpoint; the local cloud points this at the emulator. */
    FRIDAY_ARM_ENDPOINT: z.string().trim().url().default('https://management.azure.com'),
    /** Extra CA certificate (PEM file) trusted for the ARM endpoint — the emulator's. */
    FRIDAY_ARM_CA_CERT_FILE: optionalText,
    /**
     * `azure`: DefaultAzureCredential (managed identity in Azure, CLI locally).
     * `local-static-token`: a fixed token, only allowed against a loopback endpoint (the emulator).
     */
    FRIDAY_ARM_AUTH: z.enum(['azure', 'local-static-token']).default('azure'),
    /** Longest Retry-After an activity waits out itself; a longer one is waited on a durable timer. */
    FRIDAY_ARM_MAX_INLINE_WAIT_SECONDS: positiveInt(30),
    /**
     * Longest one ARM request may go unanswered before it is abandoned as a transient failure (the
     * JS SDK has no timeout of its own: a request that never answers would hold the activity until
     * the Functions timeout). 100 s is Azure.Core's (.NET) default network timeout.
     */
    FRIDAY_ARM_REQUEST_TIMEOUT_SECONDS: positiveInt(100),
    /** Local cloud only: URL of the emulator's private-address → local-port map (stands in for VNet routing). */
    FRIDAY_ADDRESS_MAP_URL: optionalText,
    /** Scripts storage: a connection string (local/Azurite), or an account URL used with the managed identity. */
    FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: optionalText,
    FRIDAY_SCRIPTS_ACCOUNT_URL: optionalText,
    FRIDAY_SCRIPTS_CONTAINER: z.string().trim().regex(/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/, 'must be a valid blob container name').default('friday-scripts'),
    /** Run reports (same storage account): the fleet page's run history and report links. */
    FRIDAY_REPORTS_CONTAINER: z.string().trim().regex(/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/, 'must be a valid blob container name').default('friday-reports'),
    /** How instances read the script: a short-lived read-only SAS URL, or the scale set's managed identity. */
    FRIDAY_SCRIPT_ACCESS: z.enum(['sas', 'managedIdentity']).default('sas'),
    /** How long the setup script's read-only SAS stays valid; at most a day (MAX_SCRIPT_SAS_MINUTES). */
    FRIDAY_SCRIPT_SAS_MINUTES: positiveInt(60).pipe(z.number().max(MAX_SCRIPT_SAS_MINUTES, `must be at most ${MAX_SCRIPT_SAS_MINUTES} (a day): a longer-lived SAS is a standing credential`)),
    /**
     * managedIdentity access: the user-assigned identity (resource id) the scale set gets, which has
     * read access to the scripts container, and its client id (what the extension asks a token for).
     * Nothing expires: instances added hours later (schedules, autoscale) still read the script.
     */
    FRIDAY_INSTANCE_IDENTITY_ID: optionalText,
    FRIDAY_INSTANCE_IDENTITY_CLIENT_ID: optionalText,
    FRIDAY_ADMIN_USERNAME: z.string().trim().min(1).default('fridayadmin'),
    /**
     * Source prefix allowed to reach RDP (3389); unset → no RDP rule at all. An address or a prefix
     * no wider than a /8: RDP from anywhere only ever comes from a spec that says so explicitly.
     */
    FRIDAY_RDP_SOURCE_PREFIX: optionalText.superRefine((value, ctx) => {
      if (value === undefined) return;
      for (const message of rdpSourceProblems(value, { allowFromAnywhere: false })) ctx.addIssue({ code: 'custom', message: message.replace('set rdp.allowFromAnywhere: true to mean it', 'only a deployment spec can allow that (rdp.allowFromAnywhere)') });
    }),
    /** Instance page probes in flight in one app process, shared by every verification it runs at once. */
    FRIDAY_PROBE_CONCURRENCY: positiveInt(50),
    FRIDAY_PROBE_TIMEOUT_MS: positiveInt(5000),
    /** Schedule document (JSON) inline, or the name of a blob in the scripts container holding it. */
    FRIDAY_SCHEDULES: optionalText,
    FRIDAY_SCHEDULES_BLOB: optionalText,
    /** Comma-separated Event Grid topics accepted (e.g. `/subscriptions/S/resourceGroups/rg-friday`); empty → the subscription's. */
    FRIDAY_EVENTGRID_ALLOWED_TOPICS: optionalText,
    /** Token expected in the autoscale webhook's query string (`?token=`). */
    FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: optionalText,
    /**
     * During a token rotation, the token being replaced: accepted too until every autoscale setting
     * carries the new one (tier redeployments rewrite them), then cleared. New settings always get
     * FRIDAY_AUTOSCALE_WEBHOOK_TOKEN. README "Rotating the webhook token".
     */
    FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS: optionalText,
    /** Repairs per scale set in any sliding hour; the budget is kept in Blob and survives failed runs and restarts. */
    FRIDAY_REPAIR_MAX_PER_HOUR: positiveInt(5),
    /** Never repair while fewer instances pass; unset → half the capacity, rounded up (more failing than that is rarely the instances' fault). */
    FRIDAY_REPAIR_MIN_HEALTHY: z.coerce.number().int().min(0).optional(),
    /** Consecutive failed verifications before an instance is repaired (a reboot or one slow page is not enough). */
    FRIDAY_REPAIR_CONFIRMATIONS: z.coerce.number().int().min(1).max(10).default(3),
    /** Seconds between those verifications: the failures must span at least (CONFIRMATIONS − 1) × this. */
    FRIDAY_REPAIR_CONFIRM_SECONDS: positiveInt(60),
    /**
     * Longest a user's request to the tier takes: an instance drained out of the front end's
     * rotation (before a delete or reimage) is given this long, after the probe's interval ×
     * threshold, for requests in flight. The FRIDAY page answers in well under a second; 30 s
     * covers a slow client on a slow link.
     */
    FRIDAY_DRAIN_IN_FLIGHT_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
    /**
     * How long an instance may still be coming up (provisioning, setup extension running) before
     * that is its failure. A Windows instance with this setup takes minutes (the local cloud's
     * Azure profile: ~3 min provisioning + ~90 s extension); Azure itself gives extensions up to
     * `extensionProfile.extensionsTimeBudget` (default PT1H30M, 15–120 min: Compute API reference,
     * VirtualMachineScaleSetExtensionProfile) — raise this for a slower setup script.
     */
    FRIDAY_READINESS_DEADLINE_SECONDS: positiveInt(1800),
    /** The app's own public base URL (autoscale webhook target). */
    FRIDAY_PUBLIC_BASE_URL: optionalText,
    /** Resource group used by the scale-set routes when a request names none. */
    FRIDAY_DEFAULT_RESOURCE_GROUP: optionalText,
    /**
     * Who may read the fleet page's data (read-only; see src/functions/http/credentials.ts):
     * `key` — the viewer key only; `appService` — also people signed in through App Service
     * authentication (Entra ID) who hold FRIDAY_FLEET_VIEWER_ROLE. Only set `appService` when App
     * Service authentication is on (infra/ turns it on): the app then trusts the principal header.
     */
    FRIDAY_FLEET_AUTH: z.enum(['key', 'appService']).default('key'),
    /** The fleet page's read-only key (x-friday-viewer-key header); a Key Vault reference in Azure, generated locally. */
    FRIDAY_FLEET_VIEWER_KEY: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
    /** The Entra ID app role a signed-in viewer needs (FRIDAY_FLEET_AUTH=appService). */
    FRIDAY_FLEET_VIEWER_ROLE: z.string().trim().min(1).default('Fleet.Viewer'),
  });
});

export type AppSettings = Readonly<z.infer<ReturnType<typeof settingsSchema>>>;

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid app settings: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** Parses settings from an environment-like record. Throws SettingsError listing every problem. */
export function parseSettings(env: Record<string, string | undefined>): AppSettings {
  const picked: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    picked[name] = value === '' ? undefined : value;
  }
  const result = settingsSchema().safeParse(picked);
  if (!result.success) {
    throw new SettingsError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const settings = result.data;
  if (settings.FRIDAY_SCRIPT_ACCESS === 'managedIdentity' && !settings.FRIDAY_INSTANCE_IDENTITY_ID) {
    throw new SettingsError(['FRIDAY_INSTANCE_IDENTITY_ID: required when FRIDAY_SCRIPT_ACCESS is managedIdentity (the identity instances read the setup script with)']);
  }
  if (settings.FRIDAY_ARM_AUTH === 'local-static-token' && !isLoopbackUrl(settings.FRIDAY_ARM_ENDPOINT)) {
    throw new SettingsError(['FRIDAY_ARM_AUTH: local-static-token is only allowed with a loopback FRIDAY_ARM_ENDPOINT']);
  }
  return Object.freeze(settings);
}

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

let cached: AppSettings | undefined;

/** The process's settings, read once from the environment (the host's app settings). */
export function loadSettings(): AppSettings {
  cached ??= parseSettings(process.env);
  return cached;
}

/** Forget cached settings (tests and the local runner change the environment between runs). */
export function resetSettingsCache(): void {
  cached = undefined;
}

/** Settings safe to show in logs and status: secrets and connection strings are redacted. */
export function describeSettings(settings: AppSettings): Record<string, string | number | undefined> {
  const secret = new Set<string>(['FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING', 'FRIDAY_AUTOSCALE_WEBHOOK_TOKEN', 'FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS', 'FRIDAY_FLEET_VIEWER_KEY']);
  const out: Record<string, string | number | undefined> = {};
  for (const [name, value] of Object.entries(settings)) {
    out[name] = secret.has(name) && value !== undefined ? '<redacted>' : (value);
  }
  return out;
}
