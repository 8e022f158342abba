/**
 * Orchestration instances on disk, one JSON file each, written atomically (temporary file, then
 * rename) so a runner killed at any point leaves either the old or the new state, never half.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HistoryEvent, RetryOptions } from './history';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export interface RetryState {
  kind: 'activity' | 'subOrchestration';
  name: string;
  input: unknown;
  options: RetryOptions;
  /** Mirrors durable-functions' RetryableTask.attemptNumber. */
  attempt: number;
  instanceIdPrefix?: string;
}

export interface PendingWork {
  /** Activities scheduled but not completed: rerun after a restart (at least once, as in Azure). */
  activities: Array<{ id: number; name: string; input: unknown }>;
  timers: Array<{ id: number; fireAt: string }>;
  subOrchestrations: Array<{ id: number; instanceId: string }>;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text of the input, or null. */
  input: string | null;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: { instanceId: string; taskId: number };
  history: HistoryEvent[];
  /** Events delivered one per episode. */
  inbox: HistoryEvent[];
  /** Mirror of the library's task sequence number. */
  nextTaskId: number;
  /** Signatures of the leaf actions seen so far, for the determinism check. */
  actionSignatures: string[];
  pending: PendingWork;
  /** Retry bookkeeping by task id (of the attempt or of the retry timer). */
  retries: Record<string, RetryState>;
  retryTimers: Record<string, RetryState>;
  /**
   * Set in memory only, on a finished instance: its history is on disk and not held in the process
   * (`history` is empty), as the Durable extension keeps histories in its store, not in the worker.
   */
  historyOnDisk?: true;
}

/** Statuses an instance never leaves. */
export const TERMINAL: RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export class InstanceStore {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'instances');
    mkdirSync(this.dir, { recursive: true });
  }

  private file(instanceId: string): string {
    return path.join(this.dir, `${encodeURIComponent(instanceId)}.json`);
  }

  /**
   * History events are written again with every save of their instance; a large activity result
   * (1000 instances' facts) would be re-serialised at each step. Each event's JSON is kept until
   * the event changes (only IsPlayed ever does).
   */
  private readonly eventJson = new WeakMap<HistoryEvent, { played: boolean; json: string }>();

  private historyJson(history: HistoryEvent[]): string {
    const parts = history.map((event) => {
      const cached = this.eventJson.get(event);
      if (cached && cached.played === event.IsPlayed) return cached.json;
      const json = JSON.stringify(event);
      this.eventJson.set(event, { played: event.IsPlayed, json });
      return json;
    });
    return `[${parts.join(',')}]`;
  }

  save(record: InstanceRecord): void {
    const target = this.file(record.instanceId);
    const temp = `${target}.${process.pid}.tmp`;
    const { history: held, historyOnDisk, ...rest } = record;
    const history = historyOnDisk ? this.historyOf(record.instanceId) : held;
    const head = JSON.stringify(rest);
    // Same document as JSON.stringify(record), with "history" last.
    writeFileSync(temp, `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"history":${this.historyJson(history)}}`);
    renameSync(temp, target);
    // A finished instance is rarely written again: do not keep a second copy of its history.
    if (TERMINAL.includes(record.runtimeStatus)) for (const event of history) this.eventJson.delete(event);
  }

  /** The history kept on disk for an instance (empty when there is none). */
  historyOf(instanceId: string): HistoryEvent[] {
    return this.load(instanceId)?.history ?? [];
  }

  load(instanceId: string): InstanceRecord | undefined {
    const file = this.file(instanceId);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as InstanceRecord;
  }

  loadAll(): InstanceRecord[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(path.join(this.dir, f), 'utf8')) as InstanceRecord);
  }

  delete(instanceId: string): boolean {
    const file = this.file(instanceId);
    if (!existsSync(file)) return false;
    rmSync(file);
    return true;
  }
}
