/**
 * The setup script in real Blob storage (Azurite): trusted by its bytes, never by its name — a
 * swapped blob is refused before it is used or handed to instances — and its SAS is read-only,
 * capped, and HTTPS-only wherever the endpoint is not the local loopback Azurite.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { publishSetupScript, scriptAccess, scriptBlobName, scriptSasWindow, setupScriptContent } from '../../src/azure/scriptStore';
import { parseSettings, type AppSettings } from '../../src/settings';

let azurite: AzuriteHandle;
const SUB = '00000000-0000-0000-0000-000000000000';
const settingsFor = (container: string): AppSettings => parseSettings({ AZURE_SUBSCRIPTION_ID: SUB, FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: azurite.connectionString, FRIDAY_SCRIPTS_CONTAINER: container });
const now = new Date('2026-11-28T09:00:00Z');

beforeAll(async () => {
  azurite = await startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-scripts-')) });
});
afterAll(async () => azurite?.close());

describe('setup script blob', () => {
  it('uploads once, then checks the blob it finds by its content', async () => {
    const settings = settingsFor(`scripts${Date.now()}a`);
    expect((await publishSetupScript(settings)).uploaded).toBe(true);
    expect((await publishSetupScript(settings)).uploaded).toBe(false);
    const access = (await scriptAccess(settings, scriptBlobName(setupScriptContent()).blobName, now)) as { fileUris: string[] };
    const sas = new URL(access.fileUris[0] ?? '').searchParams;
    expect(sas.get('sp')).toBe('r');
    expect(new Date(sas.get('se') ?? '').getTime() - now.getTime()).toBe(60 * 60_000);
  });

  it('refuses a swapped blob: no upload over it, no access handed out for it', async () => {
    const settings = settingsFor(`scripts${Date.now()}b`);
    await publishSetupScript(settings);
    const { blobName, sha256 } = scriptBlobName(setupScriptContent());
    const evil = 'Start-Process cmd.exe -ArgumentList "/c net user mallory P@ss /add"\n';
    // Same name, same claimed hash in metadata: only the bytes differ.
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(settings.FRIDAY_SCRIPTS_CONTAINER).getBlockBlobClient(blobName);
    await blob.upload(evil, Buffer.byteLength(evil), { metadata: { sha256 } });
    await expect(publishSetupScript(settings)).rejects.toMatchObject({ code: 'SetupScriptMismatch', message: expect.stringContaining('has been changed') as unknown });
    await expect(scriptAccess(settings, blobName, now)).rejects.toMatchObject({ code: 'SetupScriptMismatch' });
    // The swapped content is still what is stored: refusing never overwrote it silently.
    expect((await blob.downloadToBuffer()).toString('utf8')).toBe(evil);
  });

  it('refuses to hand out access to any other blob name', async () => {
    const settings = settingsFor(`scripts${Date.now()}c`);
    await publishSetupScript(settings);
    await expect(scriptAccess(settings, 'setup-friday-00000000.ps1', now)).rejects.toMatchObject({ code: 'SetupScriptMismatch' });
  });
});

describe('script SAS window', () => {
  it('is HTTPS-only on an HTTPS endpoint, starts 5 minutes back and lasts the configured minutes', () => {
    const w = scriptSasWindow({ FRIDAY_SCRIPT_SAS_MINUTES: 30 }, 'https://stfriday.blob.core.windows.net/friday-scripts/x.ps1', now);
    expect(w).toEqual({ httpsOnly: true, startsOn: new Date('2026-11-28T08:55:00Z'), expiresOn: new Date('2026-11-28T09:30:00Z') });
  });
  it('is capped at a day whatever it is given, and a setting above that is refused at start-up', () => {
    expect(scriptSasWindow({ FRIDAY_SCRIPT_SAS_MINUTES: 100_000 }, 'https://a.blob.core.windows.net/c/x.ps1', now).expiresOn).toEqual(new Date('2026-11-29T09:00:00Z'));
    expect(() => parseSettings({ AZURE_SUBSCRIPTION_ID: SUB, FRIDAY_SCRIPT_SAS_MINUTES: '1441' })).toThrow(/FRIDAY_SCRIPT_SAS_MINUTES: must be at most 1440/);
  });
  it('is never issued for a plain-HTTP endpoint other than a loopback one (Azurite)', () => {
    expect(() => scriptSasWindow({ FRIDAY_SCRIPT_SAS_MINUTES: 60 }, 'http://stfriday.blob.core.windows.net/c/x.ps1', now)).toThrow(/not HTTPS/);
    expect(scriptSasWindow({ FRIDAY_SCRIPT_SAS_MINUTES: 60 }, 'http://127.0.0.1:10000/devstoreaccount1/c/x.ps1', now).httpsOnly).toBe(false);
  });
});
