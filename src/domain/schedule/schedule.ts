/**
 * Right-sizing schedules: what capacity and VM size a scale set should have at a given instant,
 * and why. Pure — the instant is passed in; local times are evaluated in the schedule's IANA time
 * zone with luxon, so daylight-saving changes are handled by the zone rules.
 *
 * Meaning (docs/schedules.md has examples):
 * - A period runs from `start` to `end` local time on each listed weekday. `end` before or equal to
 *   `start` means the period runs past midnight into the next day; the weekday is the day it starts.
 * - One-sided: only `start` → until the end of that local day; only `end` → from the start of it.
 * - A local time that does not exist (spring forward) starts at the first valid minute after the
 *   gap; an ambiguous one (fall back) means its first occurrence (the earlier offset).
 * - Overlaps: capacity is the largest any active period asks for; the VM size is the one of the
 *   active period asking the largest capacity (ties: the one that started last) — overlapping
 *   periods never shrink the tier below what one of them wants.
 * - Overrides (whole local days, e.g. holidays) beat periods; `default` applies outside every
 *   period; without a default, outside periods the schedule has no opinion (no change).
 * - `enabled: false` → no opinion at all.
 */
import type { DateTime } from 'luxon';
import type { z } from 'zod';
import { azureNameProblem, type AzureNameKind } from '../azureNames';
import { lazySchema } from '../validation';

let luxonModule: typeof import('luxon') | undefined;
/** luxon on first use (time-zone maths only runs when schedules are evaluated, not at import). */
function luxon(): typeof import('luxon') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (cold start)
  luxonModule ??= require('luxon') as typeof import('luxon');
  return luxonModule;
}

const configSchema = lazySchema((z) => {
  const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time HH:MM (00:00–24:00)');
  // A real calendar day: 2026-13-45 and 2026-02-30 are refused, not rolled over.
  const localDate = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .refine((d) => isCalendarDate(d), 'is not a calendar date');
  const name = (kind: AzureNameKind) =>
    z.string().superRefine((value, ctx) => {
      const problem = azureNameProblem(kind, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  const target = z
    .object({
      capacity: z.number().int().min(0).max(1000).optional(),
      vmSize: z.string().regex(/^Standard_[A-Za-z0-9_]+$/, 'must be a VM size like Standard_B2s').optional(),
    })
    .strict()
    .refine((t) => t.capacity !== undefined || t.vmSize !== undefined, 'needs a capacity, a vmSize, or both');

  const period = z
    .object({ name: z.string().min(1), weekdays: z.array(weekday).min(1), start: time.optional(), end: time.optional(), target })
    .strict()
    .refine((p) => p.start !== undefined || p.end !== undefined, 'needs a start, an end, or both');

  const override = z
    .object({ date: localDate.optional(), from: localDate.optional(), to: localDate.optional(), target, reason: z.string().min(1).default('override') })
    .strict()
    .refine((o) => (o.date !== undefined) !== (o.from !== undefined && o.to !== undefined), 'needs either date, or from and to')
    .refine((o) => o.from === undefined || o.to === undefined || o.from <= o.to, { message: 'from must not be after to', path: ['to'] });

  const scaleSetSchedule = z
    .object({
      resourceGroup: name('resourceGroup'),
      name: name('scaleSet'),
      timeZone: z.string().refine((tz) => isIanaZone(tz), 'must be an IANA time zone like Europe/Berlin (not local, system or a fixed offset)'),
      enabled: z.boolean().default(true),
      default: target.optional(),
      periods: z.array(period).default([]),
      overrides: z.array(override).default([]),
      /** Manual upgrade policy: instances per resize batch, as a percentage of capacity (rolling scale sets use their own policy). */
      resize: z.object({ maxBatchInstancePercent: z.number().int().min(1).max(100).default(20) }).strict().default({ maxBatchInstancePercent: 20 }),
    })
    .strict();

  return z
    .object({ scaleSets: z.array(scaleSetSchedule) })
    .strict()
    .superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.scaleSets.forEach((s, i) => {
        const key = `${s.resourceGroup}/${s.name}`.toLowerCase();
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['scaleSets', i], message: `duplicate schedule for ${s.resourceGroup}/${s.name}` });
        seen.add(key);
      });
    });
});

/** `YYYY-MM-DD` naming a day that exists (month 1–12, day within the month, leap years counted). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * An IANA zone name (`Europe/Berlin`, `UTC`): luxon's `setZone` would also take `local`,
 * `system` and fixed offsets (`UTC+3`), which depend on the host or ignore daylight saving.
 */
function isIanaZone(tz: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz) && !['local', 'system'].includes(tz.toLowerCase()) && luxon().IANAZone.isValidZone(tz);
}

export type ScheduleConfig = z.output<ReturnType<typeof configSchema>>;
export type ScaleSetSchedule = ScheduleConfig['scaleSets'][number];
export type Target = { capacity?: number; vmSize?: string };

export function parseScheduleConfig(input: unknown): { ok: true; config: ScheduleConfig } | { ok: false; errors: string[] } {
  const result = configSchema().safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`) };
}

export interface DesiredState extends Target {
  source: 'period' | 'override' | 'default' | 'none';
  periodName?: string;
  reason: string;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function at(day: DateTime, hhmm: string): DateTime {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  if (h === 24) return day.plus({ days: 1 }).startOf('day');
  // luxon moves a time inside a spring-forward gap to after it (what we want), but resolves an
  // ambiguous fall-back time to its second occurrence: take the first one, an hour earlier.
  const dt = luxon().DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: h, minute: m }, { zone: day.zone });
  const earlier = dt.minus({ hours: 1 });
  return earlier.hour === h && earlier.minute === m && earlier.day === dt.day ? earlier : dt;
}

/** The period's span if it starts on `day` (a local day), else undefined. */
function spanOn(p: ScaleSetSchedule['periods'][number], day: DateTime): { from: DateTime; to: DateTime } | undefined {
  if (!p.weekdays.includes(WEEKDAYS[day.weekday - 1] as (typeof WEEKDAYS)[number])) return undefined;
  const from = p.start ? at(day, p.start) : day.startOf('day');
  let to = p.end ? at(day, p.end) : day.plus({ days: 1 }).startOf('day');
  if (p.start && p.end && to <= from) to = at(day.plus({ days: 1 }), p.end);
  return { from, to };
}

function describePeriod(p: ScaleSetSchedule['periods'][number], tz: string): string {
  return `${p.name} (${p.weekdays.join(',')} ${p.start ?? '00:00'}–${p.end ?? '24:00'} ${tz})`;
}

export function desiredStateAt(schedule: ScaleSetSchedule, now: Date): DesiredState {
  if (!schedule.enabled) return { source: 'none', reason: 'schedule disabled' };
  const local = luxon().DateTime.fromJSDate(now, { zone: schedule.timeZone });
  const today = local.startOf('day');
  const iso = today.toISODate() ?? '';
  const override = schedule.overrides.find((o) => (o.date ? o.date === iso : (o.from ?? '') <= iso && iso <= (o.to ?? '')));
  if (override) return { ...override.target, source: 'override', reason: `${override.reason} (${iso} ${schedule.timeZone})` };
  const active = schedule.periods
    .flatMap((p) => [today.minus({ days: 1 }), today].map((d) => ({ p, span: spanOn(p, d) })))
    .filter((a): a is { p: ScaleSetSchedule['periods'][number]; span: { from: DateTime; to: DateTime } } => a.span !== undefined && a.span.from <= local && local < a.span.to);
  if (active.length === 0) {
    if (schedule.default) return { ...schedule.default, source: 'default', reason: `outside every period: default (${schedule.timeZone})` };
    return { source: 'none', reason: 'outside every period and no default: no change' };
  }
  const ranked = [...active].sort((a, b) => (b.p.target.capacity ?? -1) - (a.p.target.capacity ?? -1) || b.span.from.toMillis() - a.span.from.toMillis());
  const capacities = active.map((a) => a.p.target.capacity).filter((c): c is number => c !== undefined);
  const lead = ranked[0] as (typeof ranked)[number];
  const vmSize = ranked.find((a) => a.p.target.vmSize)?.p.target.vmSize;
  const names = active.map((a) => describePeriod(a.p, schedule.timeZone));
  return {
    ...(capacities.length ? { capacity: Math.max(...capacities) } : {}),
    ...(vmSize ? { vmSize } : {}),
    source: 'period',
    periodName: lead.p.name,
    reason: active.length > 1 ? `overlapping periods ${names.join(' and ')}: the largest capacity wins` : `${names[0] ?? ''} is active`,
  };
}

export interface ScheduleChange {
  action: 'none' | 'change';
  reason: string;
  changes: Array<{ field: 'capacity' | 'vmSize'; from: number | string; to: number | string }>;
}

/** Compares the desired state now with the current state; nothing to change → no ARM write. */
export function planScheduleChange(options: { schedule: ScaleSetSchedule; current: { capacity: number; vmSize: string }; now: Date }): ScheduleChange {
  const desired = desiredStateAt(options.schedule, options.now);
  const changes: ScheduleChange['changes'] = [];
  if (desired.capacity !== undefined && desired.capacity !== options.current.capacity) changes.push({ field: 'capacity', from: options.current.capacity, to: desired.capacity });
  if (desired.vmSize !== undefined && desired.vmSize.toLowerCase() !== options.current.vmSize.toLowerCase()) changes.push({ field: 'vmSize', from: options.current.vmSize, to: desired.vmSize });
  return { action: changes.length ? 'change' : 'none', reason: desired.reason, changes };
}

/**
 * When both change: going down, scale in first and then resize fewer instances; going up, resize
 * the few instances first, then scale out (new instances come up on the new size directly). Either
 * way the work — and the time the tier runs below strength — is smallest.
 */
export function orderResizeSteps(change: ScheduleChange): Array<'capacity' | 'vmSize'> {
  const capacity = change.changes.find((c) => c.field === 'capacity');
  const fields = change.changes.map((c) => c.field);
  if (!capacity || fields.length < 2) return fields;
  return Number(capacity.to) < Number(capacity.from) ? ['capacity', 'vmSize'] : ['vmSize', 'capacity'];
}

/** The upcoming transitions within `horizonDays`, with local times in the schedule's zone. */
export function nextChanges(schedule: ScaleSetSchedule, now: Date, horizonDays = 7): Array<{ at: Date; localTime: string; to: Target; reason: string }> {
  const local = luxon().DateTime.fromJSDate(now, { zone: schedule.timeZone });
  const end = local.plus({ days: horizonDays });
  const instants = new Set<number>();
  for (let d = local.startOf('day').minus({ days: 1 }); d <= end; d = d.plus({ days: 1 })) {
    instants.add(d.startOf('day').toMillis());
    for (const p of schedule.periods) {
      const span = spanOn(p, d);
      if (span) {
        instants.add(span.from.toMillis());
        instants.add(span.to.toMillis());
      }
    }
  }
  const out: Array<{ at: Date; localTime: string; to: Target; reason: string }> = [];
  let previous = desiredStateAt(schedule, now);
  for (const t of [...instants].sort((a, b) => a - b)) {
    if (t <= now.getTime() || t > end.toMillis()) continue;
    const state = desiredStateAt(schedule, new Date(t));
    if (state.capacity !== previous.capacity || state.vmSize !== previous.vmSize) {
      out.push({
        at: new Date(t),
        localTime: luxon().DateTime.fromMillis(t, { zone: schedule.timeZone }).toISO() ?? '',
        to: { ...(state.capacity !== undefined ? { capacity: state.capacity } : {}), ...(state.vmSize ? { vmSize: state.vmSize } : {}) },
        reason: state.reason,
      });
    }
    previous = state;
  }
  return out;
}
