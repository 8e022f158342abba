/** `npm run emulator`: the built entry prints the ready line and stops cleanly on SIGTERM. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../support/freshBuild';

requireFreshBuild('dist/local/emulator/main.js');
const entry = path.resolve(__dirname, '..', '..', 'dist', 'local', 'emulator', 'main.js');

describe('emulator main (built by `npm run build`)', () => {
  it('prints FRIDAY_EMULATOR_READY with endpoint, CA file and subscription, then exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [entry, '--state-dir', mkdtempSync(path.join(tmpdir(), 'friday-emu-'))], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const ready = out.split('\n').find((l) => l.startsWith('FRIDAY_EMULATOR_READY '));
        if (ready) resolve(ready);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const info = JSON.parse(line.slice('FRIDAY_EMULATOR_READY '.length)) as { armEndpoint: string; caCertFile: string; subscriptionId: string };
    expect(info.armEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(path.isAbsolute(info.caCertFile) && existsSync(info.caCertFile)).toBe(true);
    expect(info.subscriptionId).toMatch(/^[0-9a-f-]{36}$/);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('takes its options from --config (JSON), and refuses a bad config with exit 2 naming each wrong field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'friday-emu-'));
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string; child: ReturnType<typeof spawn> }>((resolve) => {
        const child = spawn(process.execPath, [entry, '--state-dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (stdout.includes('FRIDAY_EMULATOR_READY ')) resolve({ code: null, stdout, stderr, child });
        });
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr, child }));
      });

    const bad = await run([], { FRIDAY_EMULATOR_CONFIG: JSON.stringify({ timing: { pageLatencyMs: -1, typo: 3 }, throttling: 'off' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not valid');
    expect(bad.stderr).toContain('timing.pageLatencyMs');
    expect(bad.stderr).toContain('typo');
    expect(bad.stderr).toContain('throttling');
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/); // a message, not a stack trace

    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ subscriptionId: '11111111-2222-3333-4444-555555555555', timing: { pageLatencyMs: 20, pageLatencyJitterMs: 5 }, throttling: false }));
    const good = await run(['--config', file]);
    expect(good.code).toBeNull();
    expect(good.stdout).toContain('"subscriptionId":"11111111-2222-3333-4444-555555555555"');
    const code = await new Promise<number | null>((resolve) => {
      good.child.on('exit', resolve);
      good.child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
