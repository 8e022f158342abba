import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { z } from 'zod';
import { holdsLock } from '../../domain/changeLock';

/** 400 with every problem listed. */
export function badRequest(error: string, problems: string[]): HttpResponseInit {
  return { status: 400, jsonBody: { error, problems } };
}

/**
 * The largest JSON body any route takes. A deployment spec or an autoscale notification is a few
 * KB, a schedule document for many scale sets tens of KB: anything past this is refused (413)
 * before it is parsed.
 */
export const MAX_BODY_BYTES = 256 * 1024;

function tooLarge(bytes: number | undefined, maxBytes: number): HttpResponseInit {
  return { status: 413, jsonBody: { error: 'PayloadTooLarge', problems: [`(body): ${bytes === undefined ? 'larger than' : `${bytes} bytes, more than`} the ${maxBytes} bytes this route accepts`] } };
}

/** The body's text, or a 413 when it is larger than `maxBytes` (by its Content-Length, or once read). */
async function bodyText(request: HttpRequest, maxBytes: number): Promise<{ ok: true; text: string } | { ok: false; response: HttpResponseInit }> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, response: tooLarge(declared, maxBytes) };
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) return { ok: false, response: tooLarge(bytes.byteLength, maxBytes) };
  return { ok: true, text: bytes.toString('utf8') };
}

/** Reads a JSON body; a missing or malformed body is a 400, an oversized one a 413, never a crash. */
export async function readJson(request: HttpRequest, options: { maxBytes?: number; allowEmpty?: boolean } = {}): Promise<{ ok: true; value: unknown } | { ok: false; response: HttpResponseInit }> {
  const body = await bodyText(request, options.maxBytes ?? MAX_BODY_BYTES);
  if (!body.ok) return body;
  const text = body.text;
  if (!text.trim()) return options.allowEmpty ? { ok: true, value: {} } : { ok: false, response: badRequest('InvalidJson', ['(body): a JSON body is required']) };
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
  const json = await readJson(request, { allowEmpty: options.allowEmpty });
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

/**
 * friday-fleet's own status route for a run (`GET /api/deployments/{id}`, function key required).
 * Start and busy answers point here and nowhere else: the durable extension's management URLs
 * (`createCheckStatusResponse`) carry its system key, which can read every run's input and
 * output, terminate or purge any run and start any orchestrator with any input — it must never
 * be handed out. Only the request's origin is kept (never its query, which may hold `code=`).
 */
export function statusUri(request: HttpRequest, instanceId: string): string {
  return `${new URL(request.url).origin}/api/deployments/${encodeURIComponent(instanceId)}`;
}

/** 202 for a started run: its id and where to follow it (no key, no durable URL). */
export function started(request: HttpRequest, instanceId: string): HttpResponseInit {
  const uri = statusUri(request, instanceId);
  return {
    status: 202,
    headers: { location: uri, 'retry-after': '5' },
    jsonBody: { id: instanceId, statusQueryGetUri: uri, message: 'Started: GET statusQueryGetUri with your function key (x-functions-key) for progress, and the report when done.' },
  };
}

export function busy(request: HttpRequest, instanceId: string, holder?: { runtimeStatus: string; name: string }): HttpResponseInit {
  return {
    status: 409,
    jsonBody: {
      error: 'ScaleSetBusy',
      message: 'Another change is running on this scale set; try again when it has finished.',
      runningInstanceId: instanceId,
      ...(holder ? { runningName: holder.name, runningStatus: holder.runtimeStatus } : {}),
      statusQueryGetUri: statusUri(request, instanceId),
    },
  };
}
