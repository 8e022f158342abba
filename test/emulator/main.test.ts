/** `npm run emulator`: the built entry prints the ready line and stops cleanly on SIGTERM. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = path.resolve(__dirname, '..', '..', 'dist', 'local', 'emulator', 'main.js');

describe.skipIf(!existsSync(entry))('emulator main (built by `npm run build`)', () => {
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
});
