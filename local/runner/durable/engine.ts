/**
 * Runs orchestrations through durable-functions' own replay code, as the Durable extension does:
 * each episode hands the registered orchestrator handler (`Orchestrator.handle`) the full history
 * plus one new event, and carries out the new actions it returns — activities (with retries),
 * timers, sub-orchestrations, external events, continue-as-new. History is persisted after every
 * step, so a runner killed at any point resumes where it was: completed activities are never run
 * again; activities scheduled but not completed run again (at least once, as in Azure).
 *
 * Non-determinism: on every replay the actions the orchestrator produces for tasks already in the
 * history must match what was recorded (kind, name, input); a mismatch fails the orchestration
 * with a NonDeterministicOrchestrationError naming the task. (Stricter than the extension, which
 * compares names only: an input built from Date.now() or Math.random() is caught too.)
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import {
  ActionType,
  actionSignature,
  decodeInput,
  describeAction,
  EventType,
  flattenActions,
  retryDelayMs,
  takesTaskId,
  type Action,
  type HistoryEvent,
} from './history';
import { InstanceStore, TERMINAL, type InstanceRecord, type RetryState, type RuntimeStatus } from './store';

export interface RunnerClock {
  /** Azure time (see local/emulator/core/clock.ts): what `currentUtcDateTime` and timer fire times are in. */
  now(): Date;
  /** Real ms that `azureMs` of Azure time takes (the clock may run faster than the machine's). */
  realMs(azureMs: number): number;
}

/** host.json's `functionTimeout`, as written and in Azure ms. */
export interface FunctionTimeout {
  text: string;
  azureMs: number;
}

/**
 * The host's failure for an invocation past `functionTimeout`, word for word (azure-webjobs-sdk,
 * src/Microsoft.Azure.WebJobs.Host/Executors/FunctionExecutor.cs: "Timeout value of {0} was
 * exceeded by function: {1}", thrown as FunctionTimeoutException).
 */
export class FunctionTimeoutError extends Error {
  constructor(timeout: FunctionTimeout, functionName: string) {
    super(`Timeout value of ${timeout.text} was exceeded by function: Functions.${functionName}`);
    this.name = 'FunctionTimeoutException';
  }
}

export type InvokeFn = (functionName: string, triggerValue: unknown) => Promise<unknown>;

export interface EngineOptions {
  dataDir: string;
  clock: RunnerClock;
  /** Names of registered orchestrators and activities. */
  isOrchestrator(name: string): boolean;
  isActivity(name: string): boolean;
  /** Invokes a registered function with its trigger value and a fresh InvocationContext. */
  invoke(name: string, triggerValue: unknown, context: InvocationContext): Promise<unknown>;
  maxConcurrentActivities: number;
  /** Activities running longer than this (Azure time) fail as the host fails them; undefined = no limit. */
  functionTimeout?: FunctionTimeout;
  log?: (message: string) => void;
}

export interface StatusBody {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: unknown[];
}

export class InstanceConflictError extends Error {}


const parseJson = (text: string | null | undefined): unknown => {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

export class DurableEngine {
  private readonly store: InstanceStore;
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly running = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly activityQueue: Array<{ instanceId: string; id: number; name: string; input: unknown }> = [];
  private activeActivities = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: EngineOptions) {
    this.store = new InstanceStore(options.dataDir);
  }

  /** Loads persisted instances and resumes the unfinished ones. */
  resume(): void {
    for (const record of this.store.loadAll()) {
      this.instances.set(record.instanceId, record);
      if (TERMINAL.includes(record.runtimeStatus)) {
        this.leaveHistoryOnDisk(record);
        continue;
      }
      for (const a of record.pending.activities) this.enqueueActivity(record.instanceId, a);
      for (const t of record.pending.timers) this.armTimer(record, t.id, t.fireAt);
      this.kick(record.instanceId);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- client API ------------------------------------------------------------------------

  startNew(name: string, options: { instanceId?: string; input?: string | null; parent?: { instanceId: string; taskId: number } }): string {
    if (!this.options.isOrchestrator(name)) throw new Error(`No orchestrator function named '${name}' is registered.`);
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, '');
    const existing = this.instances.get(instanceId);
    if (existing && !TERMINAL.includes(existing.runtimeStatus)) {
      throw new InstanceConflictError(`An orchestration instance with the id '${instanceId}' and status ${existing.runtimeStatus} already exists.`);
    }
    const now = this.options.clock.now().toISOString();
    const input = options.input === undefined || options.input === '' ? null : options.input;
    const record: InstanceRecord = {
      instanceId,
      name,
      runtimeStatus: 'Pending',
      input,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      ...(options.parent ? { parent: options.parent } : {}),
      history: [],
      inbox: [{ EventType: EventType.ExecutionStarted, EventId: -1, IsPlayed: false, Timestamp: now, Name: name, Input: input }],
      nextTaskId: 0,
      actionSignatures: [],
      pending: { activities: [], timers: [], subOrchestrations: [] },
      retries: {},
      retryTimers: {},
    };
    this.instances.set(instanceId, record);
    this.store.save(record);
    this.kick(instanceId);
    return instanceId;
  }

  getStatus(instanceId: string, options: { showHistory?: boolean; showInput?: boolean } = {}): StatusBody | undefined {
    const r = this.instances.get(instanceId);
    return r ? this.statusOf(r, options) : undefined;
  }

  list(filter: { runtimeStatus?: string[]; createdTimeFrom?: Date; createdTimeTo?: Date } = {}): StatusBody[] {
    return [...this.instances.values()]
      .filter((r) => !filter.runtimeStatus?.length || filter.runtimeStatus.includes(r.runtimeStatus))
      .filter((r) => !filter.createdTimeFrom || new Date(r.createdTime) >= filter.createdTimeFrom)
      .filter((r) => !filter.createdTimeTo || new Date(r.createdTime) <= filter.createdTimeTo)
      .map((r) => this.statusOf(r, { showInput: true }));
  }

  raiseEvent(instanceId: string, name: string, dataJson: string | null): 'accepted' | 'gone' | 'notFound' {
    const r = this.instances.get(instanceId);
    if (!r) return 'notFound';
    if (TERMINAL.includes(r.runtimeStatus)) return 'gone';
    r.inbox.push({ EventType: EventType.EventRaised, EventId: -1, IsPlayed: false, Timestamp: this.now(), Name: name, Input: dataJson });
    this.store.save(r);
    this.kick(instanceId);
    return 'accepted';
  }

  terminate(instanceId: string, reason: string): 'accepted' | 'gone' | 'notFound' {
    const r = this.instances.get(instanceId);
    if (!r) return 'notFound';
    if (TERMINAL.includes(r.runtimeStatus)) return 'gone';
    this.finish(r, 'Terminated', reason);
    return 'accepted';
  }

  purge(instanceId: string): boolean {
    const existed = this.instances.delete(instanceId);
    this.store.delete(instanceId);
    return existed;
  }

  /** Resolves when no orchestration work is queued or running (tests and benchmarks). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // ---- internals -------------------------------------------------------------------------

  private now(): string {
    return this.options.clock.now().toISOString();
  }

  private isIdle(): boolean {
    return this.running.size === 0 && this.activeActivities === 0 && this.activityQueue.length === 0 && [...this.instances.values()].every((r) => r.inbox.length === 0 || TERMINAL.includes(r.runtimeStatus));
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private statusOf(r: InstanceRecord, options: { showHistory?: boolean; showInput?: boolean }): StatusBody {
    return {
      name: r.name,
      instanceId: r.instanceId,
      runtimeStatus: r.runtimeStatus,
      input: options.showInput === false ? null : parseJson(r.input),
      customStatus: r.customStatus ?? null,
      output: r.output ?? null,
      createdTime: r.createdTime,
      lastUpdatedTime: r.lastUpdatedTime,
      ...(options.showHistory ? { historyEvents: (r.historyOnDisk ? this.store.historyOf(r.instanceId) : r.history).map((e) => ({ ...e, EventType: EventType[e.EventType] })) } : {}),
    };
  }

  /** Runs episodes for an instance until its inbox is empty; one loop per instance at a time. */
  private kick(instanceId: string): void {
    if (this.closed || this.running.has(instanceId)) return;
    this.running.add(instanceId);
    const loop = async (): Promise<void> => {
      try {
        for (;;) {
          const r = this.instances.get(instanceId);
          if (!r || TERMINAL.includes(r.runtimeStatus) || r.inbox.length === 0 || this.closed) break;
          await this.episode(r);
        }
      } finally {
        this.running.delete(instanceId);
        this.checkIdle();
      }
    };
    loop().catch((error: unknown) => this.options.log?.(`orchestration ${instanceId} loop failed: ${String(error)}`));
  }

  private async episode(r: InstanceRecord): Promise<void> {
    const event = r.inbox.shift() as HistoryEvent;
    for (const e of r.history) e.IsPlayed = true;
    const startedAt = this.now();
    r.history.push({ EventType: EventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: startedAt });
    r.history.push({ ...event, IsPlayed: false });
    if (r.runtimeStatus === 'Pending') r.runtimeStatus = 'Running';
    this.consumeRetryIds(r, event);

    const input = parseJson(r.input);
    const trigger = {
      history: structuredClone(r.history),
      input,
      instanceId: r.instanceId,
      isReplaying: false,
      parentInstanceId: r.parent?.instanceId,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const context = new InvocationContext({ invocationId: randomUUID(), functionName: r.name, options: { trigger: { name: 'context', type: 'orchestrationTrigger' } } });
    let state: { isDone?: boolean; actions?: unknown; output?: unknown; error?: string; customStatus?: unknown };
    try {
      state = (await this.options.invoke(r.name, trigger, context)) as typeof state;
    } catch (error) {
      // A throwing orchestrator: the library appends its state after `$OutOfProcData$:`.
      const message = error instanceof Error ? error.message : String(error);
      const marker = message.indexOf('$OutOfProcData$:');
      state = marker >= 0 ? (parseJson(message.slice(marker + '$OutOfProcData$:'.length)) as typeof state) : { error: message };
      state.error ??= marker >= 0 ? message.slice(0, marker).trim() : message;
    }
    r.customStatus = state.customStatus ?? r.customStatus ?? null;
    r.lastUpdatedTime = this.now();

    const leaves = flattenActions(state.actions);
    const mismatch = this.checkDeterminism(r, leaves);
    if (mismatch) {
      this.finish(r, 'Failed', mismatch);
      return;
    }
    const unsupported = leaves.find((a) => [ActionType.CallEntity, ActionType.SignalEntity, ActionType.CallHttp].includes(a.actionType));
    if (unsupported) {
      this.finish(r, 'Failed', `${describeAction(unsupported)} is not supported by the local runner (see local/runner/README.md).`);
      return;
    }
    // Cancelled timers no longer fire.
    for (const [index, action] of leaves.entries()) {
      if (action.actionType === ActionType.CreateTimer && action.isCanceled && index < r.actionSignatures.length) this.cancelTimerAt(r, index, leaves);
    }
    const newLeaves = leaves.slice(r.actionSignatures.length);
    for (const action of newLeaves) {
      r.actionSignatures.push(actionSignature(action));
      if (!takesTaskId(action)) continue;
      const id = r.nextTaskId++;
      this.schedule(r, action, id);
    }
    const continueAsNew = leaves.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (state.error !== undefined) {
      this.finish(r, 'Failed', state.error);
    } else if (continueAsNew) {
      this.continueAsNew(r, continueAsNew);
    } else if (state.isDone) {
      this.finish(r, 'Completed', state.output ?? null);
    } else {
      this.store.save(r);
    }
  }

  /** The library tracks retry NoOp tasks (timer, then next attempt) when it replays these events. */
  private consumeRetryIds(r: InstanceRecord, event: HistoryEvent): void {
    if (event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed) {
      const retry = r.retries[String(event.TaskScheduledId)];
      if (!retry) return;
      delete r.retries[String(event.TaskScheduledId)];
      retry.attempt += 1;
      const timerId = r.nextTaskId++;
      const fireAt = new Date(this.options.clock.now().getTime() + retryDelayMs(retry.options, retry.attempt - 1)).toISOString();
      r.retryTimers[String(timerId)] = retry;
      r.history.push({ EventType: EventType.TimerCreated, EventId: timerId, IsPlayed: false, Timestamp: this.now(), FireAt: fireAt });
      r.pending.timers.push({ id: timerId, fireAt });
      this.armTimer(r, timerId, fireAt);
    }
    if (event.EventType === EventType.TimerFired) {
      const retry = r.retryTimers[String(event.TimerId)];
      if (!retry) return;
      delete r.retryTimers[String(event.TimerId)];
      if (retry.attempt > retry.options.maxNumberOfAttempts) return; // the library fails the task now
      const attemptId = r.nextTaskId++;
      r.retries[String(attemptId)] = retry;
      if (retry.kind === 'activity') this.scheduleActivity(r, attemptId, retry.name, retry.input);
      else this.scheduleSubOrchestration(r, attemptId, retry.name, `${retry.instanceIdPrefix ?? r.instanceId}:${attemptId}`, retry.input);
    }
  }

  private checkDeterminism(r: InstanceRecord, leaves: Action[]): string | undefined {
    const known = r.actionSignatures;
    if (leaves.length < known.length && leaves.length > 0) {
      // Fewer actions than before can only be a code change; the real extension would also stall.
    }
    for (let i = 0; i < Math.min(known.length, leaves.length); i++) {
      const action = leaves[i] as Action;
      if (actionSignature(action) !== known[i]) {
        const recorded = JSON.parse(known[i] ?? '[]') as [number, string | null, unknown];
        return (
          `NonDeterministicOrchestrationError: on replay, task #${i} of '${r.name}' is ${describeAction(action)} with input ${JSON.stringify(action.input ?? null)}, ` +
          `but the history recorded ${ActionType[recorded[0]] ?? recorded[0]}${recorded[1] ? ` '${recorded[1]}'` : ''} with input ${JSON.stringify(recorded[2])}. ` +
          `Orchestrator code must be deterministic: use context.df.currentUtcDateTime instead of Date.now(), and no Math.random() or I/O.`
        );
      }
    }
    return undefined;
  }

  private schedule(r: InstanceRecord, action: Action, id: number): void {
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const name = action.functionName ?? '';
        const input = decodeInput(action.input);
        if (action.actionType === ActionType.CallActivityWithRetry && action.retryOptions) {
          r.retries[String(id)] = { kind: 'activity', name, input, options: action.retryOptions, attempt: 1 };
        }
        this.scheduleActivity(r, id, name, input);
        break;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = action.functionName ?? '';
        const childId = action.instanceId ?? `${r.instanceId}:${id}`;
        if (action.actionType === ActionType.CallSubOrchestratorWithRetry && action.retryOptions) {
          r.retries[String(id)] = { kind: 'subOrchestration', name, input: action.input, options: action.retryOptions, attempt: 1, instanceIdPrefix: r.instanceId };
        }
        this.scheduleSubOrchestration(r, id, name, childId, action.input);
        break;
      }
      case ActionType.CreateTimer: {
        const fireAt = action.fireAt instanceof Date ? action.fireAt.toISOString() : new Date(String(action.fireAt)).toISOString();
        r.history.push({ EventType: EventType.TimerCreated, EventId: id, IsPlayed: false, Timestamp: this.now(), FireAt: fireAt });
        r.pending.timers.push({ id, fireAt });
        this.armTimer(r, id, fireAt);
        break;
      }
      default:
        break;
    }
  }

  private scheduleActivity(r: InstanceRecord, id: number, name: string, input: unknown): void {
    r.history.push({ EventType: EventType.TaskScheduled, EventId: id, IsPlayed: false, Timestamp: this.now(), Name: name, Input: JSON.stringify(input ?? null) });
    r.pending.activities.push({ id, name, input });
    this.enqueueActivity(r.instanceId, { id, name, input });
  }

  private scheduleSubOrchestration(r: InstanceRecord, id: number, name: string, childId: string, input: unknown): void {
    const inputJson = input === undefined ? null : typeof input === 'string' ? input : JSON.stringify(input);
    r.history.push({ EventType: EventType.SubOrchestrationInstanceCreated, EventId: id, IsPlayed: false, Timestamp: this.now(), Name: name, InstanceId: childId, Input: inputJson });
    r.pending.subOrchestrations.push({ id, instanceId: childId });
    try {
      const existing = this.instances.get(childId);
      // After a restart the child may already exist: keep it.
      if (!existing || TERMINAL.includes(existing.runtimeStatus)) this.startNew(name, { instanceId: childId, input: inputJson, parent: { instanceId: r.instanceId, taskId: id } });
    } catch (error) {
      r.inbox.push({
        EventType: EventType.SubOrchestrationInstanceFailed,
        EventId: -1,
        IsPlayed: false,
        Timestamp: this.now(),
        TaskScheduledId: id,
        Reason: (error as Error).message,
        Details: '',
      });
    }
  }

  private armTimer(r: InstanceRecord, id: number, fireAt: string): void {
    const key = `${r.instanceId}|${id}`;
    if (this.timers.has(key) || this.closed) return;
    // The clock may run faster than real time: wait the real ms that the Azure-time delay takes.
    const delay = this.options.clock.realMs(new Date(fireAt).getTime() - this.options.clock.now().getTime());
    // setTimeout caps at ~24.8 days; long timers re-arm.
    const handle = setTimeout(() => {
      this.timers.delete(key);
      const current = this.instances.get(r.instanceId);
      if (!current || TERMINAL.includes(current.runtimeStatus)) return;
      if (this.options.clock.realMs(new Date(fireAt).getTime() - this.options.clock.now().getTime()) > 1) {
        this.armTimer(current, id, fireAt);
        return;
      }
      current.pending.timers = current.pending.timers.filter((t) => t.id !== id);
      current.inbox.push({ EventType: EventType.TimerFired, EventId: -1, IsPlayed: false, Timestamp: this.now(), TimerId: id, FireAt: fireAt });
      this.store.save(current);
      this.kick(current.instanceId);
    }, Math.min(delay, 2 ** 31 - 1));
    this.timers.set(key, handle);
  }

  /** Re-arms timers after the runner clock jumped (tests set "now"). */
  rearmTimers(): void {
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
    for (const r of this.instances.values()) {
      if (TERMINAL.includes(r.runtimeStatus)) continue;
      for (const t of r.pending.timers) this.armTimer(r, t.id, t.fireAt);
    }
  }

  private cancelTimerAt(r: InstanceRecord, leafIndex: number, leaves: Action[]): void {
    // The timer's task id: count id-taking leaves before it.
    const id = leaves.slice(0, leafIndex).filter(takesTaskId).length;
    const key = `${r.instanceId}|${id}`;
    const handle = this.timers.get(key);
    if (handle) clearTimeout(handle);
    this.timers.delete(key);
    r.pending.timers = r.pending.timers.filter((t) => t.id !== id);
  }

  private enqueueActivity(instanceId: string, work: { id: number; name: string; input: unknown }): void {
    this.activityQueue.push({ instanceId, ...work });
    this.pumpActivities();
  }

  private pumpActivities(): void {
    while (!this.closed && this.activeActivities < this.options.maxConcurrentActivities && this.activityQueue.length > 0) {
      const work = this.activityQueue.shift();
      if (!work) break;
      this.activeActivities++;
      this.runActivity(work)
        .catch((error: unknown) => this.options.log?.(`activity ${work.name} bookkeeping failed: ${String(error)}`))
        .finally(() => {
          this.activeActivities--;
          this.pumpActivities();
          this.checkIdle();
        });
    }
  }

  private async runActivity(work: { instanceId: string; id: number; name: string; input: unknown }): Promise<void> {
    let completion: HistoryEvent;
    const context = new InvocationContext({ invocationId: randomUUID(), functionName: work.name, options: { trigger: { name: 'input', type: 'activityTrigger' } } });
    try {
      if (!this.options.isActivity(work.name)) throw new Error(`The activity function '${work.name}' does not exist.`);
      const result = await this.withFunctionTimeout(work.name, this.options.invoke(work.name, work.input, context));
      completion = { EventType: EventType.TaskCompleted, EventId: -1, IsPlayed: false, Timestamp: this.now(), TaskScheduledId: work.id, Result: result === undefined ? null : JSON.stringify(result) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      completion = {
        EventType: EventType.TaskFailed,
        EventId: -1,
        IsPlayed: false,
        Timestamp: this.now(),
        TaskScheduledId: work.id,
        FailureDetails: { ErrorType: e.name, ErrorMessage: e.message, StackTrace: e.stack ?? '' },
      };
    }
    const r = this.instances.get(work.instanceId);
    if (!r || TERMINAL.includes(r.runtimeStatus) || this.closed) return;
    r.pending.activities = r.pending.activities.filter((a) => a.id !== work.id);
    r.inbox.push(completion);
    this.store.save(r);
    this.kick(r.instanceId);
  }

  /**
   * As the host does: an invocation still running at `functionTimeout` fails with
   * FunctionTimeoutException and its result, if it ever comes, is dropped. (The host then restarts
   * the worker; here the invocation's promise runs on unobserved — see README, LIMITATIONS.)
   */
  private async withFunctionTimeout<T>(functionName: string, invocation: Promise<T>): Promise<T> {
    const limit = this.options.functionTimeout;
    if (!limit) return invocation;
    let handle: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      handle = setTimeout(() => {
        this.options.log?.(`Timeout value of ${limit.text} exceeded by function 'Functions.${functionName}'. Initiating cancellation.`);
        reject(new FunctionTimeoutError(limit, functionName));
      }, this.options.clock.realMs(limit.azureMs));
    });
    invocation.catch(() => undefined); // a late failure of a timed-out invocation is not unhandled
    try {
      return await Promise.race([invocation, timedOut]);
    } finally {
      clearTimeout(handle);
    }
  }

  private continueAsNew(r: InstanceRecord, action: Action): void {
    const input = decodeInput(action.input);
    const inputJson = input === undefined ? null : JSON.stringify(input);
    const carried = r.inbox.filter((e) => e.EventType === EventType.EventRaised);
    for (const t of r.pending.timers) {
      const handle = this.timers.get(`${r.instanceId}|${t.id}`);
      if (handle) clearTimeout(handle);
      this.timers.delete(`${r.instanceId}|${t.id}`);
    }
    Object.assign(r, {
      input: inputJson,
      runtimeStatus: 'Running',
      history: [],
      inbox: [{ EventType: EventType.ExecutionStarted, EventId: -1, IsPlayed: false, Timestamp: this.now(), Name: r.name, Input: inputJson }, ...carried],
      nextTaskId: 0,
      actionSignatures: [],
      pending: { activities: [], timers: [], subOrchestrations: [] },
      retries: {},
      retryTimers: {},
      lastUpdatedTime: this.now(),
    });
    this.store.save(r);
  }

  /**
   * A finished instance keeps its status, input and output in memory and its history only on disk
   * (read back for `showHistory`): at fleet scale a verification's history holds every instance's
   * facts and probe results (~0.5 KB each), which the Durable extension keeps in its store (Azure
   * Storage, the Durable Task Scheduler), never in the app's worker process.
   */
  private leaveHistoryOnDisk(r: InstanceRecord): void {
    r.history = [];
    r.actionSignatures = [];
    r.historyOnDisk = true;
  }

  private finish(r: InstanceRecord, status: 'Completed' | 'Failed' | 'Terminated', output: unknown): void {
    r.runtimeStatus = status;
    r.output = output;
    r.lastUpdatedTime = this.now();
    for (const t of r.pending.timers) {
      const handle = this.timers.get(`${r.instanceId}|${t.id}`);
      if (handle) clearTimeout(handle);
      this.timers.delete(`${r.instanceId}|${t.id}`);
    }
    r.pending = { activities: [], timers: [], subOrchestrations: [] };
    r.inbox = [];
    this.store.save(r);
    this.leaveHistoryOnDisk(r);
    if (r.parent) {
      const parent = this.instances.get(r.parent.instanceId);
      if (parent && !TERMINAL.includes(parent.runtimeStatus)) {
        parent.pending.subOrchestrations = parent.pending.subOrchestrations.filter((s) => s.id !== r.parent?.taskId);
        parent.inbox.push(
          status === 'Completed'
            ? { EventType: EventType.SubOrchestrationInstanceCompleted, EventId: -1, IsPlayed: false, Timestamp: this.now(), TaskScheduledId: r.parent.taskId, Result: JSON.stringify(output ?? null) }
            : { EventType: EventType.SubOrchestrationInstanceFailed, EventId: -1, IsPlayed: false, Timestamp: this.now(), TaskScheduledId: r.parent.taskId, Reason: String(output), Details: `${r.name} (${r.instanceId}) ${status.toLowerCase()}` },
        );
        this.store.save(parent);
        this.kick(parent.instanceId);
      }
    }
    this.checkIdle();
  }
}

export type { RetryState };
