/**
 * Durable Task history events and orchestrator actions, as durable-functions v3 reads and writes
 * them (see durable-local-runner.md). Only the fields the library reads are produced.
 */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventRaised = 15,
  ContinueAsNew = 16,
}

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  WhenAny = 11,
  WhenAll = 12,
}

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface Action {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptions;
  fireAt?: string | Date;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
}

/** Leaf actions in the order the library assigns task ids: depth-first through WhenAll/WhenAny. */
export function flattenActions(actions: unknown): Action[] {
  const out: Action[] = [];
  const visit = (list: Action[]): void => {
    for (const action of list) {
      if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) visit(action.compoundActions ?? []);
      else out.push(action);
    }
  };
  // Schema V3+: `actions` is [[…every action since the start, in order]].
  const outer = Array.isArray(actions) ? (actions as unknown[]) : [];
  for (const group of outer) visit(Array.isArray(group) ? (group as Action[]) : [group as Action]);
  return out;
}

/** External-event waits are keyed by name and take no task id. */
export function takesTaskId(action: Action): boolean {
  return action.actionType !== ActionType.WaitForExternalEvent && action.actionType !== ActionType.ContinueAsNew;
}

/** What must stay the same on replay: the kind of task, its name and its input. */
export function actionSignature(action: Action): string {
  const fireAt = action.fireAt instanceof Date ? action.fireAt.toISOString() : action.fireAt;
  return JSON.stringify([action.actionType, action.functionName ?? action.externalEventName ?? null, action.input ?? null, fireAt ?? null, action.instanceId ?? null]);
}

export function describeAction(action: Action): string {
  const kind = ActionType[action.actionType] ?? String(action.actionType);
  const name = action.functionName ?? action.externalEventName ?? '';
  return `${kind}${name ? ` '${name}'` : ''}`;
}

/** Activity and ContinueAsNew inputs that are strings arrive JSON-encoded: decode them back. */
export function decodeInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

export function retryDelayMs(options: RetryOptions, failedAttempt: number): number {
  const base = options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, failedAttempt - 1);
  return Math.min(base, options.maxRetryIntervalInMilliseconds ?? Number.POSITIVE_INFINITY);
}
