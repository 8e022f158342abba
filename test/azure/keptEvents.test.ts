/** Kept scale events in real Blob storage (Azurite): which scale sets have events nobody took over. */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { keepEvent, listKeptEvents, listScaleSetsWithWaitingEvents } from '../../src/azure/scaleSetState';
import { scaleSetKey } from '../../src/domain/changeLock';
import { parseSettings, type AppSettings } from '../../src/settings';

const subscriptionId = '00000000-0000-0000-0000-000000000000';
let azurite: AzuriteHandle;
let settings: AppSettings;

beforeAll(async () => {
  azurite = await startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-kept-')) });
  settings = parseSettings({ AZURE_SUBSCRIPTION_ID: subscriptionId, FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: azurite.connectionString, FRIDAY_REPORTS_CONTAINER: `kept${Date.now()}` });
});
afterAll(async () => azurite?.close());

describe('kept scale events', () => {
  it('finds the scale sets whose oldest event is older than the cut-off, by name, from one listing', async () => {
    const a = { subscriptionId, resourceGroup: 'rg-kept', scaleSetName: 'vmss-a' };
    const b = { subscriptionId, resourceGroup: 'rg-kept', scaleSetName: 'vmss-b' };
    const keep = (s: typeof a, eventId: string, receivedAt: string) =>
      keepEvent(settings, scaleSetKey(s), { eventId, reason: `event ${eventId}`, receivedAt, scaleSet: { resourceGroup: s.resourceGroup, scaleSetName: s.scaleSetName } });
    expect(await keep(a, 'a-2', '2026-11-28T10:04:00.000Z')).toBe('kept');
    expect(await keep(a, 'a-1', '2026-11-28T10:00:00.000Z')).toBe('kept');
    expect(await keep(a, 'a-1', '2026-11-28T10:00:00.000Z')).toBe('duplicate');
    await keep(b, 'b-1', '2026-11-28T10:09:00.000Z');
    // An event kept by an older version carries no scale set name: counted, never guessed.
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(settings.FRIDAY_REPORTS_CONTAINER);
    await container.getBlockBlobClient('_state/events/rg-old-vmss-old-0123456789abcdef/ffff').upload('', 0, { metadata: { eventid: 'old-1', reason: 'old', receivedat: '2026-11-28T09:00:00.000Z' } });

    const waiting = await listScaleSetsWithWaitingEvents(settings, new Date('2026-11-28T10:05:00.000Z'));
    expect(waiting).toEqual({ scaleSets: [{ resourceGroup: 'rg-kept', scaleSetName: 'vmss-a', events: 2, oldestReceivedAt: '2026-11-28T10:00:00.000Z' }], unnamed: 1 });
    const later = await listScaleSetsWithWaitingEvents(settings, new Date('2026-11-28T10:10:00.000Z'));
    expect(later.scaleSets.map((s) => s.scaleSetName).sort()).toEqual(['vmss-a', 'vmss-b']);
    expect((await listKeptEvents(settings, scaleSetKey(a))).map((e) => [e.eventId, e.scaleSet?.scaleSetName])).toEqual([['a-1', 'vmss-a'], ['a-2', 'vmss-a']]);
  });
});
