/**
 * Orchestrations check their own input before doing anything. The HTTP routes validate what they
 * start, but an orchestration can also be started by anyone holding the durable extension's
 * system key (the durable HTTP API takes any input for any orchestrator): that input is refused
 * here — before any activity, any ARM call and any run record — with every problem listed.
 * Limits (repair budget, minimum healthy, probe concurrency…) are never part of an input: the
 * activities read them from the app settings.
 *
 * Pure and deterministic (the same input gives the same verdict on every replay). Only the
 * deployment spec goes through zod (its full schema); the rest are plain checks, so replays of the
 * frequent small orchestrations do not load zod.
 */
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { azureNameProblem } from '../../domain/azureNames';
import { parseDeploymentSpec } from '../../domain/deployment/spec';

type Check = (input: unknown) => string[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const wholeNumber = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The problems with an optional whole-number field, if present. */
function optionalNumber(input: Record<string, unknown>, field: string, min: number, max: number): string[] {
  return input[field] === undefined || wholeNumber(input[field], min, max) ? [] : [`${field}: must be a whole number from ${min} to ${max}`];
}

/** `{ resourceGroup, scaleSetName }` with Azure names. */
function targetProblems(input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, kind] of [['resourceGroup', 'resourceGroup'], ['scaleSetName', 'scaleSet']] as const) {
    const value = input[field];
    if (typeof value !== 'string') problems.push(`${field}: required`);
    else {
      const problem = azureNameProblem(kind, value);
      if (problem) problems.push(`${field}: ${problem}`);
    }
  }
  return problems;
}

const instanceIdList = (v: unknown): boolean => Array.isArray(v) && v.length <= 1000 && v.every((id) => typeof id === 'string' && /^\d{1,9}$/.test(id));

export const checkDeployInput: Check = (input) => {
  if (!isRecord(input)) return ['(input): expected { spec, subscriptionId }'];
  const problems: string[] = [];
  const spec = parseDeploymentSpec(input.spec);
  if (!spec.ok) problems.push(...spec.problems.map((p) => `spec.${p}`));
  else if (spec.value.dryRun) problems.push('spec.dryRun: a dry run is answered by POST /api/deployments, never run');
  if (typeof input.subscriptionId !== 'string' || !/^[0-9a-f-]{36}$/i.test(input.subscriptionId)) problems.push('subscriptionId: must be a subscription id (GUID)');
  return [...problems, ...optionalNumber(input, 'rollingPollSeconds', 1, 600)];
};

export const checkScaleInput: Check = (input) => {
  if (!isRecord(input)) return ['(input): expected { resourceGroup, scaleSetName, capacity }'];
  return [...targetProblems(input), ...(wholeNumber(input.capacity, 0, 1000) ? [] : ['capacity: must be a whole number from 0 to 1000'])];
};

export const checkVerifyInput: Check = (input) => {
  if (!isRecord(input)) return ['(input): expected { resourceGroup, scaleSetName }'];
  return [
    ...targetProblems(input),
    ...(input.instanceIds === undefined || instanceIdList(input.instanceIds) ? [] : ['instanceIds: must be at most 1000 instance ids (digits)']),
    ...optionalNumber(input, 'readinessDeadlineSeconds', 0, 3600),
  ];
};

export const checkApplyScheduleInput: Check = (input) => {
  if (!isRecord(input)) return ['(input): expected { resourceGroup, scaleSetName, trigger, evaluatedAt }'];
  return [
    ...targetProblems(input),
    ...(input.trigger === 'timer' || input.trigger === 'http' ? [] : ['trigger: must be timer or http']),
    ...(typeof input.evaluatedAt === 'string' && !Number.isNaN(Date.parse(input.evaluatedAt)) ? [] : ['evaluatedAt: must be an ISO date-time']),
    ...optionalNumber(input, 'rollingPollSeconds', 1, 600),
  ];
};

export const checkEvaluateSchedulesInput: Check = (input) => {
  if (input === null || input === undefined) return [];
  if (!isRecord(input)) return ['(input): expected { trigger, dryRun? }'];
  return [
    ...(input.trigger === 'timer' || input.trigger === 'http' ? [] : ['trigger: must be timer or http']),
    ...(input.dryRun === undefined || typeof input.dryRun === 'boolean' ? [] : ['dryRun: must be true or false']),
  ];
};

export const checkWatchInput: Check = (input) => {
  if (!isRecord(input)) return ['(input): expected { resourceGroup, scaleSetName, … }'];
  // Limit-like fields (confirm, maxRepairsPerHour, minHealthy…) are not read at all: the run takes
  // its limits from the app settings (activities/readRepairLimits.ts).
  return [
    ...targetProblems(input),
    ...(Array.isArray(input.verified) && instanceIdList(input.verified) ? [] : ['verified: must be a list of at most 1000 instance ids (digits)']),
    ...(Array.isArray(input.actions) ? [] : ['actions: must be a list']),
    ...(wholeNumber(input.rounds, 0, 1_000_000) ? [] : ['rounds: must be a whole number']),
  ];
};

/** Thrown before any work when an orchestration's input is refused. */
export class InvalidOrchestrationInputError extends Error {
  constructor(name: string, problems: string[]) {
    super(`InvalidOrchestrationInput: ${name} refused its input before doing anything: ${problems.join('; ')}`);
    this.name = 'InvalidOrchestrationInputError';
  }
}

/**
 * Wraps an orchestration (outside its run record, so a refused input writes nothing at all): the
 * input is checked first, and a refused one fails the orchestration at once with the problems.
 */
export function checkedInput(name: string, check: Check, handler: OrchestrationHandler): OrchestrationHandler {
  return function* (context: OrchestrationContext) {
    const problems = check(context.df.getInput());
    if (problems.length > 0) throw new InvalidOrchestrationInputError(name, problems);
    return yield* handler(context) as Generator<Task, unknown, unknown>;
  };
}
