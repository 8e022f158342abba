/**
 * Reading a scale set's model (one GET). Callers take a reader rather than clients so that one
 * answer needing the same scale set in two places — the fleet page wants a scheduled scale set's
 * shape for the schedule view and its facts — reads it from ARM once.
 */
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import type { ArmClients } from './armClients';

export interface ScaleSetRef {
  resourceGroup: string;
  scaleSetName: string;
}

export type ScaleSetReader = (target: ScaleSetRef) => Promise<VirtualMachineScaleSet>;

export function armScaleSetReader(clients: ArmClients): ScaleSetReader {
  return (target) => clients.compute().virtualMachineScaleSets.get(target.resourceGroup, target.scaleSetName);
}

/** Each scale set read once, however many parts of one answer ask for it (failures included). */
export function readingEachOnce(read: ScaleSetReader): ScaleSetReader {
  const reads = new Map<string, Promise<VirtualMachineScaleSet>>();
  return (target) => {
    const key = `${target.resourceGroup}/${target.scaleSetName}`.toLowerCase();
    let model = reads.get(key);
    if (!model) {
      model = read(target);
      reads.set(key, model);
    }
    return model;
  };
}

/** A failed read is kept at most this long, so a scale set that is not there is not asked for at every refresh either. */
const FAILED_MAX_AGE_MS = 10_000;

interface CachedRead {
  /** When the read started. */
  at: number;
  value: Promise<unknown>;
  settled: boolean;
  failed: boolean;
  /** A newer read on its way while this value is still served (keepServing). */
  refreshing?: boolean;
  /** A refresh behind this value failed: not tried again before then. */
  retryAt?: number;
}

/**
 * Reads of a scale set that many readers share (the fleet page's open tabs, its refreshes, the
 * schedule view): single-flight — a read asked for while the same one is on its way joins it, so
 * there is never a second concurrent listing of a scale set — and cached for as long as the caller
 * says the answer stays good. With `keepServing`, an answer older than that is still served at
 * once while one new read runs behind it (a paced listing never makes a page wait). Kubernetes'
 * Azure provider got out of its throttling storms the same way: one cached VM list per scale set
 * instead of a read per caller (kubernetes #93106 / #93107).
 */
export class ScaleSetReadCache {
  private readonly entries = new Map<string, CachedRead>();
  readonly stats = { reads: 0, joined: 0, cached: 0, servedWhileRefreshing: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The value of `load` for this scale set and kind of read: the one on its way, or one read less
   * than `maxAgeMs` ago (a failure at most 10 s ago), or a new read — or, with `keepServing`, the
   * last good one while a new read runs behind it.
   */
  read<T>(kind: string, target: ScaleSetRef, maxAgeMs: number, load: () => Promise<T>, options: { failed?: (value: T) => boolean; keepServing?: boolean } = {}): Promise<T> {
    const key = `${kind}|${target.resourceGroup}/${target.scaleSetName}`.toLowerCase();
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && !entry.settled) {
      this.stats.joined++;
      return entry.value as Promise<T>;
    }
    if (entry && now - entry.at < (entry.failed ? Math.min(maxAgeMs, FAILED_MAX_AGE_MS) : maxAgeMs)) {
      this.stats.cached++;
      return entry.value as Promise<T>;
    }
    if (entry && options.keepServing && !entry.failed) {
      this.stats.servedWhileRefreshing++;
      if (!entry.refreshing && (entry.retryAt ?? 0) <= now) {
        entry.refreshing = true;
        const next = this.start(key, load, options.failed, false);
        next.value.then(
          () => {
            if (next.failed) entry.retryAt = this.now() + FAILED_MAX_AGE_MS;
            else this.entries.set(key, next);
            entry.refreshing = false;
          },
          () => {
            entry.retryAt = this.now() + FAILED_MAX_AGE_MS;
            entry.refreshing = false;
          },
        );
      }
      return entry.value as Promise<T>;
    }
    return this.start(key, load, options.failed, true).value as Promise<T>;
  }

  private start<T>(key: string, load: () => Promise<T>, failed: ((value: T) => boolean) | undefined, keep: boolean): CachedRead {
    this.stats.reads++;
    const fresh: CachedRead = { at: this.now(), value: Promise.resolve(), settled: false, failed: false };
    fresh.value = load().then(
      (value) => {
        fresh.settled = true;
        fresh.failed = failed?.(value) ?? false;
        return value;
      },
      (error: unknown) => {
        fresh.settled = true;
        fresh.failed = true;
        throw error;
      },
    );
    if (keep) this.entries.set(key, fresh);
    else fresh.value.catch(() => undefined); // observed by the caller that replaces the entry
    return fresh;
  }

  /** When the kept value of this read was started (undefined: none kept). */
  readAt(kind: string, target: ScaleSetRef): number | undefined {
    return this.entries.get(`${kind}|${target.resourceGroup}/${target.scaleSetName}`.toLowerCase())?.at;
  }

  /** A reader of scale set models through this cache, each model kept `maxAgeMs(target)`. */
  modelReader(read: ScaleSetReader, maxAgeMs: (target: ScaleSetRef) => number, keepServing: (target: ScaleSetRef) => boolean = () => false): ScaleSetReader {
    return (target) => this.read('model', target, maxAgeMs(target), () => read(target), { keepServing: keepServing(target) });
  }
}
