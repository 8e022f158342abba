/** Run records in real Blob storage (Azurite): summaries in metadata, verdicts beside the record. */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { listRunSummaries, readRunVerdicts, saveRunRecord, summaryFromMetadata, summaryMetadata } from '../../src/azure/runReports';
import { runRecordFrom, runRecordName, summaryOf } from '../../src/domain/fleet/runRecord';
import { parseSettings, type AppSettings } from '../../src/settings';

const scaleSet = { resourceGroup: 'rg-reports', name: 'vmss-friday' };
const at = (iso: string) => new Date(iso);
const verdict = (id: string, v: 'pass' | 'fail' = 'pass') => ({ instanceId: id, computerName: `friday00000${id}`, privateIp: null, zone: '1', verdict: v, reason: v === 'pass' ? 'ok' : 'page: HTTP 500' });

let azurite: AzuriteHandle;
let settings: AppSettings;

beforeAll(async () => {
  azurite = await startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-reports-')) });
  settings = parseSettings({ AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000', FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: azurite.connectionString, FRIDAY_REPORTS_CONTAINER: `reports${Date.now()}` });
});
afterAll(async () => azurite?.close());

describe('summary metadata', () => {
  it('round-trips a summary with non-ASCII text, and a long one stays within the 8 KB metadata limit', () => {
    const record = runRecordFrom({ runId: 'friday-change-x', kind: 'schedule', scaleSet, startedAt: at('2026-11-25T19:00:00Z'), finishedAt: at('2026-11-25T19:04:00Z'), result: { outcome: 'rolledBack', reason: 'batch 2 failed — 서버 응답 없음', instances: [verdict('0')] } });
    const summary = summaryOf(record);
    expect(summaryFromMetadata(summaryMetadata(summary))).toEqual(summary);
    const long = { ...summary, summary: '응답 없음 '.repeat(3000) };
    const meta = summaryMetadata(long);
    expect(Object.entries(meta).reduce((n, [k, v]) => n + k.length + v.length, 0)).toBeLessThan(8192);
    expect(Object.values(meta).every((v) => /^[\x20-\x7e]*$/.test(v))).toBe(true);
    expect(long.summary.startsWith(summaryFromMetadata(meta)?.summary ?? 'x')).toBe(true);
  });

  it('is not read from metadata that is missing or not a run summary', () => {
    expect(summaryFromMetadata(undefined)).toBeNull();
    expect(summaryFromMetadata({ owner: 'someone' })).toBeNull();
    const meta = summaryMetadata(summaryOf(runRecordFrom({ runId: 'r', kind: 'verify', scaleSet, startedAt: at('2026-11-25T10:00:00Z'), finishedAt: at('2026-11-25T10:00:01Z'), result: {} })));
    expect(summaryFromMetadata({ ...meta, kind: 'teleport' })).toBeNull();
    expect(summaryFromMetadata({ ...meta, verdictcount: '-1' })).toBeNull();
  });
});

describe('run records in Blob', () => {
  it('lists recent runs from one listing and reads verdicts without the report', async () => {
    const deploy = runRecordFrom({ runId: 'deploy-1', kind: 'deploy', scaleSet, startedAt: at('2026-11-25T09:00:00Z'), finishedAt: at('2026-11-25T09:05:00Z'), result: { outcome: 'succeeded', instances: [verdict('0'), verdict('1')], steps: 'x'.repeat(50_000) } });
    const scale = runRecordFrom({ runId: 'scale-1', kind: 'scale', scaleSet, startedAt: at('2026-11-25T10:00:00Z'), finishedAt: at('2026-11-25T10:01:00Z'), result: { outcome: 'unchanged' } });
    const deployName = await saveRunRecord(settings, deploy);
    await saveRunRecord(settings, scale);

    // The report blob is replaced by something no JSON parser accepts, metadata kept: whatever the
    // page needs must come from the listing and the verdicts blob, never from the report.
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(settings.FRIDAY_REPORTS_CONTAINER);
    const props = await service.getBlockBlobClient(deployName).getProperties();
    await service.getBlockBlobClient(deployName).upload('not json {', 10, { metadata: props.metadata });

    const runs = await listRunSummaries(settings, scaleSet);
    expect(runs.map((r) => r.summary?.runId)).toEqual(['scale-1', 'deploy-1']);
    expect(runs[1]?.summary).toMatchObject({ kind: 'deploy', outcome: 'succeeded', verdictCount: 2, durationMs: 300_000 });
    expect(runs[0]?.summary?.verdictCount).toBe(0);
    const v = await readRunVerdicts(settings, deployName);
    expect(v?.instances.map((i) => `${i.instanceId}:${i.verdict}`)).toEqual(['0:pass', '1:pass']);
  });

  it('still reads a record kept before summaries and verdicts were stored apart', async () => {
    const old = runRecordFrom({ runId: 'verify-old', kind: 'verify', scaleSet: { resourceGroup: 'rg-old', name: 'vmss-friday' }, startedAt: at('2026-11-20T09:00:00Z'), finishedAt: at('2026-11-20T09:00:02Z'), result: { instances: [verdict('0', 'fail')] } });
    const name = runRecordName(old);
    const text = JSON.stringify(old);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(settings.FRIDAY_REPORTS_CONTAINER);
    await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    const [listed] = await listRunSummaries(settings, old.scaleSet);
    expect(listed).toEqual({ name, summary: null });
    expect((await readRunVerdicts(settings, name))?.instances[0]).toMatchObject({ instanceId: '0', verdict: 'fail' });
  });
});
