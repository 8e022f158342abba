/**
 * What friday-fleet keeps per scale set beside its run records (`FRIDAY_REPORTS_CONTAINER`, under
 * `_state/`, a prefix no record path can take: record paths escape `_` as `_005f`):
 *
 * - **events waiting** for the scale set's lock (`_state/events/<key>/<event>`): one small blob
 *   per event, its fields as metadata, so one listing reads them all. An event is kept before
 *   anything else happens to it, and removed only after a run's report has accounted for it — an
 *   event that arrives while any run holds the lock, or as a watch finishes, is never lost. The blob
 *   name comes from the event id: a redelivery of an event still waiting finds it already there.
 * - **the repair budget** (`_state/repairs/<key>.json`): every repair reserved in the last hour. It
 *   outlives runs — a failed, interrupted or restarted run cannot reset it — and is written with
 *   an ETag, so two writers never lose each other's entries.
 *
 * `<key>` is the scale set's collision-free key (domain/changeLock.ts).
 */
import { createHash } from 'node:crypto';
import type { RepairReservation } from '../domain/repair/planRepairs';
import type { AppSettings } from '../settings';
import { containerClient } from './scriptStore';

const container = (settings: AppSettings) => containerClient(settings, settings.FRIDAY_REPORTS_CONTAINER);
let containerReady = false;

async function ensureContainer(settings: AppSettings): Promise<void> {
  if (containerReady) return;
  await container(settings).createIfNotExists();
  containerReady = true;
}

const statusOf = (error: unknown): number | undefined => (error as { statusCode?: number }).statusCode;

/** An event kept for a scale set until a run's report accounts for it. */
export interface KeptEvent {
  /** The Event Grid event id, or one given to an autoscale notification when it arrived. */
  eventId: string;
  reason: string;
  /** The instance the event names, if any (its earlier verdict no longer holds). */
  instanceId?: string;
  receivedAt: string;
  /**
   * The scale set it is for, kept beside the event so that a sweep can hand over events nobody is
   * waiting for any more (the key is a hash and cannot be read back). Absent on older events.
   */
  scaleSet?: { resourceGroup: string; scaleSetName: string };
  /** The blob holding it (what a run removes once its report lists the event). */
  name: string;
}

const eventsPrefix = (key: string): string => `_state/events/${key}/`;

/** Keeps an event; `duplicate` when the same event id is already waiting. */
export async function keepEvent(settings: AppSettings, key: string, event: Omit<KeptEvent, 'name'>): Promise<'kept' | 'duplicate'> {
  await ensureContainer(settings);
  const name = `${eventsPrefix(key)}${createHash('sha256').update(event.eventId).digest('hex').slice(0, 32)}`;
  const metadata: Record<string, string> = {
    eventid: encodeURIComponent(event.eventId),
    reason: encodeURIComponent(event.reason.slice(0, 1000)),
    receivedat: event.receivedAt,
    ...(event.instanceId ? { instanceid: encodeURIComponent(event.instanceId) } : {}),
    ...(event.scaleSet ? { resourcegroup: encodeURIComponent(event.scaleSet.resourceGroup), scaleset: encodeURIComponent(event.scaleSet.scaleSetName) } : {}),
  };
  try {
    await container(settings).getBlockBlobClient(name).upload('', 0, { metadata, conditions: { ifNoneMatch: '*' } });
    return 'kept';
  } catch (error) {
    if (statusOf(error) === 409 || statusOf(error) === 412) return 'duplicate';
    throw error;
  }
}

/** A kept event as its blob's listing entry shows it. */
function keptEventOf(blob: { name: string; metadata?: Record<string, string> }): KeptEvent {
  const m = blob.metadata ?? {};
  const text = (k: string): string | undefined => (m[k] === undefined ? undefined : decodeURIComponent(m[k]));
  const instanceId = text('instanceid');
  const resourceGroup = text('resourcegroup');
  const scaleSetName = text('scaleset');
  return {
    eventId: text('eventid') ?? blob.name,
    reason: text('reason') ?? 'event',
    receivedAt: m.receivedat ?? '',
    name: blob.name,
    ...(instanceId ? { instanceId } : {}),
    ...(resourceGroup && scaleSetName ? { scaleSet: { resourceGroup, scaleSetName } } : {}),
  };
}

async function listKept(settings: AppSettings, prefix: string): Promise<KeptEvent[]> {
  const out: KeptEvent[] = [];
  try {
    for await (const blob of container(settings).listBlobsFlat({ prefix, includeMetadata: true })) out.push(keptEventOf(blob));
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw error;
  }
  return out.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.eventId.localeCompare(b.eventId));
}

/** Every event waiting for the scale set, oldest first. */
export async function listKeptEvents(settings: AppSettings, key: string): Promise<KeptEvent[]> {
  return listKept(settings, eventsPrefix(key));
}

/** Scale sets with events waiting since before a given time (one listing of every kept event). */
export interface WaitingScaleSet {
  resourceGroup: string;
  scaleSetName: string;
  events: number;
  oldestReceivedAt: string;
}

/**
 * The scale sets whose oldest kept event was received before `receivedBefore` — events no run took
 * over (a hand-over that gave up, a watch that failed, an event that came in just as a hand-over
 * ended). Events kept before the scale set was recorded beside them cannot be handed over by name
 * and are counted in `unnamed`.
 */
export async function listScaleSetsWithWaitingEvents(settings: AppSettings, receivedBefore: Date): Promise<{ scaleSets: WaitingScaleSet[]; unnamed: number }> {
  const byKey = new Map<string, WaitingScaleSet>();
  let unnamed = 0;
  const cutoff = receivedBefore.toISOString();
  for (const event of await listKept(settings, '_state/events/')) {
    if (!event.scaleSet) {
      unnamed += 1;
      continue;
    }
    const key = event.name.split('/')[2] ?? event.name;
    const entry = byKey.get(key);
    if (entry) entry.events += 1;
    else byKey.set(key, { ...event.scaleSet, events: 1, oldestReceivedAt: event.receivedAt });
  }
  // listKept sorts oldest first, so each entry's oldestReceivedAt is its first event's.
  return { scaleSets: [...byKey.values()].filter((s) => s.oldestReceivedAt < cutoff), unnamed };
}

/** Removes events a run has accounted for (already removed ones are fine: removal is repeatable). */
export async function dropKeptEvents(settings: AppSettings, names: string[]): Promise<number> {
  let dropped = 0;
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      try {
        await container(settings).getBlockBlobClient(name).delete();
        dropped += 1;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return dropped;
}

const budgetName = (key: string): string => `_state/repairs/${key}.json`;

interface BudgetDocument {
  reservations: RepairReservation[];
}

/** The repairs reserved for the scale set (older than `keepSince` are dropped on the next write). */
export async function readRepairBudget(settings: AppSettings, key: string): Promise<{ reservations: RepairReservation[]; etag: string | undefined }> {
  try {
    const blob = container(settings).getBlockBlobClient(budgetName(key));
    const response = await blob.download();
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<BudgetDocument>;
    return { reservations: Array.isArray(doc.reservations) ? doc.reservations : [], etag: response.etag };
  } catch (error) {
    if (statusOf(error) === 404) return { reservations: [], etag: undefined };
    throw error;
  }
}

/**
 * Reads the budget, lets `decide` pick what to reserve from what is there, and writes it back only
 * if nobody wrote in between (ETag; a new document only if none exists) — retried on a conflict.
 */
export async function updateRepairBudget<T>(
  settings: AppSettings,
  key: string,
  decide: (reservations: RepairReservation[]) => { reservations: RepairReservation[]; result: T },
): Promise<T> {
  await ensureContainer(settings);
  for (let attempt = 0; ; attempt++) {
    const current = await readRepairBudget(settings, key);
    const next = decide(current.reservations);
    const text = JSON.stringify({ reservations: next.reservations } satisfies BudgetDocument);
    try {
      await container(settings)
        .getBlockBlobClient(budgetName(key))
        .upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' }, conditions: current.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' } });
      return next.result;
    } catch (error) {
      if ((statusOf(error) === 412 || statusOf(error) === 409) && attempt < 10) continue;
      throw error;
    }
  }
}
