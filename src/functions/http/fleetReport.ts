/** GET /api/fleet/reports/{resourceGroup}/{scaleSet}/{file} — one run's full record (the fleet page shows it). Read-only viewers only (credentials.ts). */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { readRunRecord } from '../../azure/runReports';
import { loadSettings } from '../../settings';
import { fleetViewerAccess } from './credentials';
import { badRequest } from './problemResponse';

const SEGMENT = /^[a-z0-9._-]+$/;

export async function fleetReport(request: HttpRequest): Promise<HttpResponseInit> {
  const viewer = fleetViewerAccess(request, loadSettings());
  if (!viewer.ok) return viewer.response;
  const parts = [request.params.resourceGroup, request.params.scaleSet, request.params.file].map((p) => (p ?? '').toLowerCase());
  const bad = parts.filter((p) => !SEGMENT.test(p) || p === '.' || p === '..');
  if (bad.length > 0 || !parts[2]?.endsWith('.json')) return badRequest('InvalidRequest', ['path: expected /api/fleet/reports/<resource group>/<scale set>/<run file>.json']);
  const record = await readRunRecord(loadSettings(), parts.join('/'));
  if (!record) return { status: 404, jsonBody: { error: 'ReportNotFound', message: `No run report ${parts.join('/')}.` } };
  return { status: 200, jsonBody: record };
}

app.http('fleetReport', { route: 'fleet/reports/{resourceGroup}/{scaleSet}/{file}', methods: ['GET'], authLevel: 'anonymous', handler: fleetReport });
