import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';

describe('startAzurite', () => {
  let azurite: AzuriteHandle;
  beforeAll(async () => {
    azurite = await startAzurite({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-azurite-')) });
  });
  afterAll(async () => azurite?.close());

  it('serves blobs to the real storage SDK (newer x-ms-version accepted)', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient(`c${Date.now()}`);
    await container.create();
    await container.getBlockBlobClient('hello.txt').upload('hi', 2);
    const text = (await container.getBlockBlobClient('hello.txt').downloadToBuffer()).toString();
    expect(text).toBe('hi');
  });
});
