/**
 * The local cloud's one clock: Azure time runs `timeScale` times faster than the machine's, and the
 * runner's durable timers, `currentUtcDateTime` and its `functionTimeout` cut-off all read it —
 * so an activity that runs past host.json's ten minutes (Azure time) fails as the host fails it,
 * and a thirty-minute durable wait takes three real seconds at 600×.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scaledClock } from '../../local/emulator/core/clock';
import { parseFunctionTimeout, startRunner, type RunnerHandle } from '../../local/runner';

const repoRoot = path.resolve(__dirname, '..', '..');
const fixtureEntry = path.join(repoRoot, 'dist', 'test', 'fixtures', 'durable-app', 'index.js');
// One Azure minute in 100 real ms: host.json's functionTimeout (00:10:00) is one real second.
const TIME_SCALE = 600;
let runner: RunnerHandle;

interface Status {
  runtimeStatus: string;
  output: unknown;
}

async function run(name: string, input: unknown): Promise<Status> {
  const res = await fetch(`${runner.baseUrl}/api/start/${name}`, { method: 'POST', headers: { 'x-functions-key': runner.functionKey }, body: JSON.stringify(input) });
  expect(res.status).toBe(202);
  const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = (await (await fetch(statusQueryGetUri)).json()) as Status;
    if (['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) return status;
    if (Date.now() > deadline) throw new Error(`${name} still ${status.runtimeStatus}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  process.env.FIXTURE_DIR = mkdtempSync(path.join(tmpdir(), 'friday-clock-fixture-'));
  runner = await startRunner({ appRoot: repoRoot, entry: fixtureEntry, dataDir: mkdtempSync(path.join(tmpdir(), 'friday-clock-')), timers: 'manual', timeScale: TIME_SCALE, log: () => undefined });
});
afterAll(async () => {
  await runner?.close();
});

describe('the scaled clock', () => {
  it('reads Azure time: two clocks with the same scale and origin agree, and Azure time runs timeScale× faster', async () => {
    // The machine's clock is faked, so what is asserted is what the clocks compute, never how long
    // this machine took between two reads.
    const origin = Date.UTC(2026, 10, 28, 12, 0, 0);
    vi.useFakeTimers({ now: origin + 1000, toFake: ['Date', 'setTimeout'] });
    try {
      const a = scaledClock({ timeScale: TIME_SCALE, originMs: origin });
      const b = scaledClock({ timeScale: TIME_SCALE, originMs: origin });
      // One real second after the origin is TIME_SCALE seconds of Azure time, on both clocks.
      expect(a.now().getTime()).toBe(origin + 1000 * TIME_SCALE);
      expect(b.now().getTime()).toBe(a.now().getTime());
      // One Azure minute of sleep ends after 100 real ms, not one ms earlier, and Azure time moved one minute.
      const before = a.now().getTime();
      let woke = false;
      const sleeping = a.sleep(60_000).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(99);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await sleeping;
      expect(woke).toBe(true);
      expect(a.now().getTime() - before).toBe(60_000);
    } finally {
      vi.useRealTimers();
    }
    expect(scaledClock({ timeScale: TIME_SCALE }).realMs(60_000)).toBe(100);
    expect(() => scaledClock({ timeScale: 0 })).toThrow(/timeScale/);
  });

  it('reads host.json functionTimeout as a TimeSpan', () => {
    expect(parseFunctionTimeout('00:10:00')).toEqual({ text: '00:10:00', azureMs: 600_000 });
    expect(parseFunctionTimeout('1.02:00:30.5')?.azureMs).toBe(((26 * 60) * 60 + 30) * 1000 + 500);
    expect(parseFunctionTimeout('-1')).toBeUndefined();
    expect(parseFunctionTimeout(null)).toBeUndefined();
    expect(() => parseFunctionTimeout('ten minutes')).toThrow(/TimeSpan/);
  });

  it('a durable timer of thirty Azure minutes fires, and currentUtcDateTime moved thirty minutes', async () => {
    const done = await run('azureWait', 30 * 60);
    expect(done.runtimeStatus).toBe('Completed');
    expect((done.output as { waitedAzureMs: number }).waitedAzureMs).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it("cuts off an activity past host.json's functionTimeout (Azure time) with the host's FunctionTimeoutException", async () => {
    // 2 real s = 20 Azure minutes: past the ten-minute limit.
    const cut = await run('timeLimited', 2000);
    expect(cut.runtimeStatus).toBe('Completed');
    expect(cut.output).toEqual({ ok: false, error: 'FunctionTimeoutException: Timeout value of 00:10:00 was exceeded by function: Functions.takesRealMs' });
    // 50 real ms = 30 Azure seconds: well inside.
    const inside = await run('timeLimited', 50);
    expect(inside.output).toEqual({ ok: true, result: 'took 50 ms' });
  });
});
