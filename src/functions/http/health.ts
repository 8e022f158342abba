import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

/** Liveness: answers without touching Azure, so a deploy can be smoke-tested. */
export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: { status: 'ok', service: 'friday-fleet' } };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
