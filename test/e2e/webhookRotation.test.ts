/**
 * Webhook token rotation through the app's real route on the runner: with FRIDAY_AUTOSCALE_WEBHOOK_TOKEN
 * and FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS both set (the infra's state during a rotation), both
 * tokens get past authentication (the deliberately unreadable body then answers 400), anything
 * else is 401 — so autoscale settings written with the old token keep working until redeployed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';

const CURRENT = 'newtoken0123456789abcdefghijklmnopqrstuvwxyzABCD';
const PREVIOUS = 'oldtoken0123456789abcdefghijklmnopqrstuvwxyzABCD';
let cloud: LocalCloudHandle;

beforeAll(async () => {
  cloud = await startLocalCloud({
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-rotation-')),
    runner: { log: () => undefined, timers: 'manual' },
    settings: { FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: CURRENT, FRIDAY_AUTOSCALE_WEBHOOK_TOKEN_PREVIOUS: PREVIOUS },
  });
});
afterAll(async () => cloud?.close());

describe('autoscale webhook during a token rotation', () => {
  it('accepts the current and the previous token and refuses every other', async () => {
    const post = async (token: string | undefined): Promise<number> =>
      (await fetch(`${cloud.baseUrl}/api/autoscale-webhook${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`, { method: 'POST', body: '{"operation":"Scale Sideways","context":{}}' })).status;
    expect(await post(CURRENT)).toBe(400);
    expect(await post(PREVIOUS)).toBe(400);
    for (const other of [undefined, '', 'oldtoken', `${PREVIOUS}x`, 'tökén']) expect(await post(other), String(other)).toBe(401);
  });
});
