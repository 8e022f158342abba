/**
 * Options for a standalone emulator process (`npm run emulator`, benchmarks that keep the emulator
 * out of the app's process): `--config FILE` or `FRIDAY_EMULATOR_CONFIG` holding JSON such as
 *   { "timing": { "pageLatencyMs": 20, "pageLatencyJitterMs": 10 },
 *     "throttling": { "compute": { "GetVMScaleSet3Min": { "limit": 190, "windowSec": 180 } } } }
 * or `{ "profile": "azure", "timeScale": 60 }` for Azure's durations (core/timingProfile.ts) at a time scale.
 */
import { z } from 'zod';
import type { EmulatorTiming } from './core/contract';
import { AZURE_TIMING } from './core/timingProfile';
import type { EmulatorOptions } from './index';

const ms = z.number().finite().min(0);
const bucket = z.object({ size: z.number().int().positive(), refillPerSec: z.number().positive() }).strict();

const timingSchema = z
  .object({ networkOperationMs: ms, applicationGatewayOperationMs: ms, operationRetryAfterSeconds: z.number().int().min(0), instanceProvisionMs: ms, extensionRunMs: ms, instanceDeleteMs: ms, instanceStopMs: ms, modelWriteMs: ms, pageLatencyMs: ms, pageLatencyJitterMs: ms, healthProbeIntervalMs: ms, listPageMs: ms, listPageJitterMs: ms })
  .partial()
  .strict();

const configSchema = z
  .object({
    /** `"azure"`: Azure's durations (core/timingProfile.ts) under `timing`'s own figures. */
    profile: z.literal('azure').optional(),
    timing: timingSchema.optional(),
    timeScale: z.number().positive().optional(),
    throttling: z
      .union([
        z.literal(false),
        z
          .object({
            reads: bucket,
            writes: bucket,
            deletes: bucket,
            compute: z.record(z.string(), z.object({ limit: z.number().int().positive(), windowSec: z.number().positive() }).strict()),
            computeRetryAfterSec: z.number().min(0),
          })
          .partial()
          .strict(),
      ])
      .optional(),
    subscriptionId: z.string().regex(/^[0-9a-f-]{36}$/i, 'a subscription GUID').optional(),
  })
  .strict();

export type EmulatorConfig = Pick<EmulatorOptions, 'timing' | 'timeScale' | 'throttling' | 'subscriptionId'> & { profile?: 'azure' };

const problemsOf = (error: z.ZodError): string[] => error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);

/** A change of timing at run time (`POST /_emulator/timing`). */
export function parseTimingChange(body: unknown): { ok: true; timing: Partial<EmulatorTiming> } | { ok: false; problems: string[] } {
  const parsed = timingSchema.safeParse(body);
  return parsed.success ? { ok: true, timing: parsed.data } : { ok: false, problems: problemsOf(parsed.error) };
}

/** Parses the JSON text of a config; problems name the path of each wrong field. */
export function parseEmulatorConfig(text: string): { ok: true; config: EmulatorConfig } | { ok: false; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch (error) {
    return { ok: false, problems: [`not valid JSON: ${(error as Error).message}`] };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const { profile, ...config } = parsed.data;
  // The Azure profile is the base; figures given in `timing` override it.
  if (profile === 'azure') return { ok: true, config: { ...config, profile, timing: { ...AZURE_TIMING, ...config.timing } } };
  return { ok: true, config };
}
