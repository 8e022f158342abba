/** GET /api/deployments/{id} — step-by-step progress while running, the report when done. */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { durableClient, durableClientInput } from '../durable';

export async function deploymentStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = request.params.id ?? '';
  const client = durableClient(context);
  try {
    const status = await client.getStatus(id);
    return {
      status: 200,
      jsonBody: {
        id,
        runtimeStatus: status.runtimeStatus,
        progress: status.customStatus ?? null,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
        ...(String(status.runtimeStatus) === 'Completed' ? { report: status.output } : {}),
        ...(String(status.runtimeStatus) === 'Failed' ? { error: status.output } : {}),
      },
    };
  } catch {
    return { status: 404, jsonBody: { error: 'DeploymentNotFound', message: `No deployment with id '${id}'.` } };
  }
}

app.http('deploymentStatus', { route: 'deployments/{id}', methods: ['GET'], authLevel: 'function', extraInputs: [durableClientInput], handler: deploymentStatus });
