import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';

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
