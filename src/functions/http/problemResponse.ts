import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { z } from 'zod';
import { holdsLock } from '../../domain/changeLock';

/** 400 with every problem listed. */
export function badRequest(error: string, problems: string[]): HttpResponseInit {
  return { status: 400, jsonBody: { error, problems } };
}

/** Reads a JSON body; a missing or malformed body is a 400, never a crash. */
export async function readJson(request: HttpRequest): Promise<{ ok: true; value: unknown } | { ok: false; response: HttpResponseInit }> {
  const text = await request.text();
  if (!text.trim()) return { ok: false, response: badRequest('InvalidJson', ['(body): a JSON body is required']) };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, response: badRequest('InvalidJson', [`(body): not valid JSON (${(error as Error).message})`]) };
  }
}

/**
 * Reads and validates a JSON body against a schema: 400 listing every problem by path. With
 * `allowEmpty`, an empty body counts as `{}` (routes whose fields are all optional).
 */
export async function parseBody<T extends z.ZodTypeAny>(request: HttpRequest, schema: T, options: { allowEmpty: boolean }): Promise<{ ok: true; value: z.infer<T> } | { ok: false; response: HttpResponseInit }> {
  const text = (await request.clone().text()).trim();
  const json = options.allowEmpty && !text ? { ok: true as const, value: {} } : await readJson(request);
  if (!json.ok) return json;
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return { ok: false, response: badRequest('InvalidRequest', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)) };
  return { ok: true, value: parsed.data };
}

/** The run holding this id, if any (one change at a time per scale set; `Suspended` holds it too). */
export async function runningInstance(client: DurableClient, instanceId: string): Promise<{ runtimeStatus: string; name: string } | undefined> {
  try {
    const status = await client.getStatus(instanceId);
    return holdsLock(String(status.runtimeStatus)) ? { runtimeStatus: String(status.runtimeStatus), name: status.name } : undefined;
  } catch {
    return undefined;
  }
}

export type LockedStart = { started: true; instanceId: string } | { started: false; instanceId: string; runtimeStatus: string; name: string };

/**
 * Starts an orchestration under a lock id, race-safe: two starters may both see the lock free, but
 * the runtime accepts only one start of a running id; the one that lost reads who holds it and says
 * so (a 409 for callers, never a 500). Any other failure to start is thrown.
 */
export async function startUnderLock(client: DurableClient, options: { orchestrator: string; instanceId: string; input: unknown }): Promise<LockedStart> {
  const { instanceId } = options;
  const holder = await runningInstance(client, instanceId);
  if (holder) return { started: false, instanceId, ...holder };
  try {
    await client.startNew(options.orchestrator, { instanceId, input: options.input });
    return { started: true, instanceId };
  } catch (error) {
    const winner = await runningInstance(client, instanceId);
    if (winner) return { started: false, instanceId, ...winner };
    throw error;
  }
}

export function busy(request: HttpRequest, client: DurableClient, instanceId: string, holder?: { runtimeStatus: string; name: string }): HttpResponseInit {
  const links = client.createHttpManagementPayload(instanceId);
  return {
    status: 409,
    jsonBody: {
      error: 'ScaleSetBusy',
      message: 'Another change is running on this scale set; try again when it has finished.',
      runningInstanceId: instanceId,
      ...(holder ? { runningName: holder.name, runningStatus: holder.runtimeStatus } : {}),
      statusQueryGetUri: links.statusQueryGetUri,
    },
  };
}
