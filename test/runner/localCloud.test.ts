/** `npm run local`: the whole local cloud prints its ready line and stops cleanly. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../support/freshBuild';

requireFreshBuild('dist/local/cli/local.js');
const entry = path.resolve(__dirname, '..', '..', 'dist', 'local', 'cli', 'local.js');

describe('npm run local', () => {
  it('prints FRIDAY_LOCAL_READY with the documented fields, serves the app, and exits 0 on SIGTERM', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'friday-local-'));
    const child = spawn(process.execPath, [entry], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const [line, fleetLine] = await new Promise<[string, string]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const lines = out.split('\n');
        const ready = lines.find((l) => l.startsWith('FRIDAY_LOCAL_READY '));
        const fleet = lines.find((l) => l.startsWith('Fleet page: '));
        if (ready && fleet) resolve([ready, fleet]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const info = JSON.parse(line.slice('FRIDAY_LOCAL_READY '.length)) as {
      baseUrl: string;
      functionKey: string;
      masterKey: string;
      viewerKey: string;
      armEndpoint: string;
      caCertFile: string;
      subscriptionId: string;
      functions: Array<{ name: string; trigger: string }>;
    };
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.armEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(info.functionKey.length).toBeGreaterThan(16);
    expect(info.masterKey).not.toBe(info.functionKey);
    expect(existsSync(info.caCertFile)).toBe(true);
    expect(info.functions).toContainEqual({ name: 'health', trigger: 'httpTrigger' });
    expect(info.functions.every((f) => ['httpTrigger', 'timerTrigger', 'eventGridTrigger', 'orchestrationTrigger', 'activityTrigger'].includes(f.trigger))).toBe(true);
    const health = await fetch(`${info.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    // The fleet page's address for a person to open: no key in it; the read-only viewer key reads its data.
    const fleetUrl = fleetLine.slice('Fleet page: '.length);
    expect(fleetUrl).toBe(`${info.baseUrl}/api/fleet`);
    const page = await fetch(fleetUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(info.viewerKey.length).toBeGreaterThan(16);
    expect((await fetch(`${fleetUrl}/data`, { headers: { 'x-friday-viewer-key': info.viewerKey } })).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
