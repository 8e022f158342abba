import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { z } from 'zod';

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

/** The running instance under this id, if any (one change at a time per scale set). */
export async function runningInstance(client: DurableClient, instanceId: string): Promise<{ runtimeStatus: string } | undefined> {
  try {
    const status = await client.getStatus(instanceId);
    return ['Running', 'Pending', 'ContinuedAsNew'].includes(String(status.runtimeStatus)) ? { runtimeStatus: String(status.runtimeStatus) } : undefined;
  } catch {
    return undefined;
  }
}

export function busy(request: HttpRequest, client: DurableClient, instanceId: string): HttpResponseInit {
  const links = client.createHttpManagementPayload(instanceId);
  return {
    status: 409,
    jsonBody: { error: 'ScaleSetBusy', message: 'Another change is running on this scale set; try again when it has finished.', runningInstanceId: instanceId, statusQueryGetUri: links.statusQueryGetUri },
  };
}
