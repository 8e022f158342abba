/* eslint-disable @typescript-eslint/no-unsafe-assignment -- durable-functions types every `yield` result as any; each is annotated */
/**
 * Events that arrive while a run holds a scale set's lock are kept (azure/scaleSetState.ts); this
 * run, one per scale set, waits for the lock to be free and then starts a watch for them — after
 * a deployment, a scaling or a schedule change, or when a watch ended just as an event came in.
 * It polls the lock (a finishing run cannot call anyone: the lock is only free once it has ended).
 * Deterministic: time only from context.df.currentUtcDateTime.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { azureNameProblem } from '../../domain/azureNames';
import type { HandOverResult } from '../activities/handOverEvents';
import { ACTIVITY, ORCHESTRATOR } from '../activities/names';
import { armRetry } from './armActivity';
import { checkedInput } from './inputChecks';
import { registerOrchestration } from '../durable';

export interface HandOverInput {
  resourceGroup: string;
  scaleSetName: string;
  /** Looks made by earlier generations (continue-as-new keeps the history small). */
  polls: number;
  pollSeconds?: number;
}

/** A long deployment holds the lock for many minutes: a fresh history every this many looks. */
const POLLS_PER_GENERATION = 100;
/** Give up after this many looks (about a day at 5 s); the kept events wait for the next event. */
const MAX_POLLS = 20_000;

export const handOverEventsOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<HandOverInput>();
  const target = { resourceGroup: input.resourceGroup, scaleSetName: input.scaleSetName };
  for (let poll = 0; poll < POLLS_PER_GENERATION; poll++) {
    const look: HandOverResult = yield context.df.callActivityWithRetry(ACTIVITY.handOverEvents, armRetry(), target);
    context.df.setCustomStatus({ step: look.state, events: look.events, ...(look.holder ? { heldBy: look.holder } : {}) });
    if (look.state !== 'waiting') return { ...look, polls: input.polls + poll + 1 };
    if (input.polls + poll + 1 >= MAX_POLLS) return { ...look, polls: input.polls + poll + 1, gaveUp: true };
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + (input.pollSeconds ?? 3) * 1000));
  }
  context.df.continueAsNew({ ...input, polls: input.polls + POLLS_PER_GENERATION });
  return undefined;
};

/** Anyone with the durable system key could start this run: its input is checked like every orchestration's. */
export function checkHandOverInput(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['(input): expected { resourceGroup, scaleSetName, polls }'];
  const i = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, kind] of [['resourceGroup', 'resourceGroup'], ['scaleSetName', 'scaleSet']] as const) {
    const value = i[field];
    const problem = typeof value === 'string' ? azureNameProblem(kind, value) : 'required';
    if (problem) problems.push(`${field}: ${problem}`);
  }
  const whole = (v: unknown, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (!whole(i.polls, MAX_POLLS)) problems.push(`polls: must be a whole number from 0 to ${MAX_POLLS}`);
  if (i.pollSeconds !== undefined && (!whole(i.pollSeconds, 600) || i.pollSeconds === 0)) problems.push('pollSeconds: must be a whole number from 1 to 600');
  return problems;
}

registerOrchestration(ORCHESTRATOR.handOverScaleEvents, checkedInput(ORCHESTRATOR.handOverScaleEvents, checkHandOverInput, handOverEventsOrchestrator));
