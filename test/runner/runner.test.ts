/**
 * The local runner running a fixture app registered with the real @azure/functions and
 * durable-functions APIs: discovery, HTTP auth levels, the durable client and HTTP API, timers,
 * Event Grid, and orchestrations through the library's own replay code.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunner, type RunnerHandle } from '../../local/runner';

const repoRoot = path.resolve(__dirname, '..', '..');
const fixtureEntry = path.join(repoRoot, 'dist', 'test', 'fixtures', 'durable-app', 'index.js');
const fixtureDir = mkdtempSync(path.join(tmpdir(), 'friday-fixture-'));

let runner: RunnerHandle;

interface Status {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
  input: unknown;
}

async function start(name: string, input?: unknown, id?: string): Promise<{ id: string; statusQueryGetUri: string }> {
  const res = await fetch(`${runner.baseUrl}/api/start/${name}${id ? `/${id}` : ''}`, {
    method: 'POST',
    headers: { 'x-functions-key': runner.functionKey },
    body: input === undefined ? undefined : JSON.stringify(input),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; statusQueryGetUri: string };
}

async function waitDone(statusQueryGetUri: string, timeoutMs = 20_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await (await fetch(statusQueryGetUri)).json()) as Status;
    if (['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) return status;
    if (Date.now() > deadline) throw new Error(`still ${status.runtimeStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  runner = await startRunner({
    appRoot: repoRoot,
    entry: fixtureEntry,
    dataDir: mkdtempSync(path.join(tmpdir(), 'friday-runner-')),
    timers: 'manual',
    settings: { FIXTURE_DIR: fixtureDir, TASK_HUB_NAME: 'fixturehub' },
    log: (line) => { if (process.env.RUNNER_DEBUG) console.log(line); },
  });
});
afterAll(async () => runner?.close());

describe('discovery and HTTP triggers', () => {
  it('discovers every registration through the core-module seam, with its trigger type', () => {
    const byName = Object.fromEntries(runner.functions.map((f) => [f.name, f.trigger]));
    expect(byName).toMatchObject({
      helloSequence: 'orchestrationTrigger',
      hello: 'activityTrigger',
      start: 'httpTrigger',
      tick: 'timerTrigger',
      onEvent: 'eventGridTrigger',
    });
    expect(runner.taskHubName).toBe('fixturehub');
  });

  it('enforces auth levels: anonymous open, function needs a key, admin only the master key', async () => {
    expect((await fetch(`${runner.baseUrl}/api/hello?name=friday`)).status).toBe(200);
    expect(await (await fetch(`${runner.baseUrl}/api/hello?name=friday`)).json()).toEqual({ hello: 'friday' });
    expect((await fetch(`${runner.baseUrl}/api/start/helloSequence`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${runner.baseUrl}/api/start/helloSequence?code=wrong`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${runner.baseUrl}/api/secret`, { headers: { 'x-functions-key': runner.functionKey } })).status).toBe(401);
    expect((await fetch(`${runner.baseUrl}/api/secret?code=${runner.masterKey}`)).status).toBe(200);
    expect((await fetch(`${runner.baseUrl}/api/nothing`)).status).toBe(404);
  });
});

describe('orchestrations through the durable-functions replay code', () => {
  it('runs a sequence of activities and the check-status links resolve', async () => {
    const { id, statusQueryGetUri } = await start('helloSequence');
    expect(statusQueryGetUri).toContain(runner.baseUrl);
    const status = await waitDone(statusQueryGetUri);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['Hello Seoul', 'Hello Berlin']);
    const listed = (await (await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/?runtimeStatus=Completed&code=${runner.masterKey}`)).json()) as Array<{ instanceId: string }>;
    expect(listed.map((s) => s.instanceId)).toContain(id);
    // A finished instance's history is read back from the store (the process no longer holds it).
    const withHistory = (await (await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}?showHistory=true&code=${runner.masterKey}`)).json()) as { historyEvents: Array<{ EventType: string; Result?: string }> };
    expect(withHistory.historyEvents.filter((e) => e.EventType === 'TaskCompleted').map((e) => e.Result)).toEqual(['"Hello Seoul"', '"Hello Berlin"']);
  });

  it('retries a failing activity with backoff until it succeeds', async () => {
    const { statusQueryGetUri } = await start('retrying', 'r1');
    const status = await waitDone(statusQueryGetUri);
    expect(status.output).toBe('ok after 3');
    expect(readFileSync(path.join(fixtureDir, 'flaky-r1.count'), 'utf8')).toBe('3');
  });

  it('gives up after the maximum attempts and lets the orchestrator catch the failure', async () => {
    const status = await waitDone((await start('retryExhausted')).statusQueryGetUri);
    expect(status.runtimeStatus).toBe('Completed');
    expect(String(status.output)).toContain('this activity always fails');
  });

  it('fans out 500 activities and sums their results, with custom status', async () => {
    const status = await waitDone((await start('fanOut', 500)).statusQueryGetUri, 60_000);
    expect(status.output).toBe(2 * ((499 * 500) / 2));
    expect(status.customStatus).toEqual({ done: 500 });
  });

  it('waits on a durable timer', async () => {
    const status = await waitDone((await start('timerThenHello')).statusQueryGetUri);
    expect(status.output).toBe('Hello after timer');
  });

  it('waits for an external event raised through the real DurableClient (and 410 once done)', async () => {
    const { id, statusQueryGetUri } = await start('approval');
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${runner.baseUrl}/api/approve/${id}`, { method: 'POST', headers: { 'x-functions-key': runner.functionKey } });
    expect(res.status).toBe(202);
    const status = await waitDone(statusQueryGetUri);
    expect(status.output).toBe('approved by {"by":"operator"}');
    const late = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Approve?code=${runner.masterKey}`, { method: 'POST', body: '{}' });
    expect(late.status).toBe(410);
  });

  it('runs sub-orchestrations (generated and fixed ids) and propagates their failure', async () => {
    const status = await waitDone((await start('parent')).statusQueryGetUri);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toMatchObject({ a: 42, b: 2 });
    expect(String((status.output as { failure: string }).failure)).toContain('negative input');
  });

  it('continues as new with fresh history until done', async () => {
    const status = await waitDone((await start('counter', 0)).statusQueryGetUri);
    expect(status.output).toBe('counted to 3');
    expect(status.input).toBe(3);
  });

  it('fails an orchestration that throws, and one whose activity fails, with the message', async () => {
    const thrown = await waitDone((await start('failing')).statusQueryGetUri);
    expect(thrown.runtimeStatus).toBe('Failed');
    expect(String(thrown.output)).toContain('orchestration exploded');
    const activity = await waitDone((await start('activityFailure')).statusQueryGetUri);
    expect(activity.runtimeStatus).toBe('Failed');
    expect(String(activity.output)).toContain('this activity always fails');
  });

  it('catches a non-deterministic orchestrator on replay and says why', async () => {
    const status = await waitDone((await start('nondeterministic')).statusQueryGetUri);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('NonDeterministicOrchestrationError');
    expect(String(status.output)).toContain("CallActivity 'hello'");
  });

  it('refuses to start an instance id that is already running (409), and terminates and purges', async () => {
    const { id, statusQueryGetUri } = await start('approval', undefined, 'fixed-approval');
    expect(id).toBe('fixed-approval');
    const again = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/orchestrators/approval/fixed-approval?code=${runner.masterKey}`, { method: 'POST' });
    expect(again.status).toBe(409);
    const term = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=test&code=${runner.masterKey}`, { method: 'POST' });
    expect(term.status).toBe(202);
    expect((await waitDone(statusQueryGetUri)).runtimeStatus).toBe('Terminated');
    const purge = await fetch(`${runner.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${runner.masterKey}`, { method: 'DELETE' });
    expect(await purge.json()).toEqual({ instancesDeleted: 1 });
    expect((await fetch(statusQueryGetUri)).status).toBe(404);
  });
});

describe('timers, Event Grid and the admin API', () => {
  it('fires a timer on demand with a given now, passing the real Timer shape', async () => {
    await runner.fireTimer('tick', new Date('2026-11-23T18:02:00Z'));
    const line = readFileSync(path.join(fixtureDir, 'ticks.log'), 'utf8').trim().split('\n').pop() ?? '{}';
    const timer = JSON.parse(line) as { isPastDue: boolean; scheduleStatus: { next: string; last: string } };
    expect(timer.isPastDue).toBe(false);
    expect(timer.scheduleStatus.next).toBe('2026-11-23T18:05:00.000Z');
    expect(runner.now().toISOString().slice(0, 16)).toBe('2026-11-23T18:02');
  });

  it('fires a timer through the admin API only with the master key', async () => {
    const url = `${runner.baseUrl}/admin/functions/tick`;
    expect((await fetch(url, { method: 'POST', body: '{"input":""}' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'x-functions-key': runner.masterKey }, body: '{"input":""}' })).status).toBe(202);
  });

  it('answers the Event Grid and CloudEvents validation handshakes', async () => {
    const url = `${runner.baseUrl}/runtime/webhooks/eventgrid?functionName=onEvent&code=${runner.masterKey}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([{ id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'abc123' } }]),
    });
    expect(await res.json()).toEqual({ validationResponse: 'abc123' });
    const options = await fetch(url, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('invokes the function once per event, and rejects malformed bodies with 400', async () => {
    const url = `${runner.baseUrl}/runtime/webhooks/eventgrid?functionName=onEvent&code=${runner.masterKey}`;
    const events = [1, 2, 3].map((i) => ({ id: `e${i}`, eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: `/x/${i}`, eventTime: new Date().toISOString(), data: {}, dataVersion: '2' }));
    expect((await fetch(url, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify(events) })).status).toBe(202);
    const logged = readFileSync(path.join(fixtureDir, 'events.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(logged.slice(-3)).toEqual(['e1', 'e2', 'e3']);
    expect((await fetch(url, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(url, { method: 'POST', body: JSON.stringify([{ nothing: true }]) })).status).toBe(400);
    expect((await fetch(url.replace(runner.masterKey, 'bad'), { method: 'POST', body: '[]' })).status).toBe(401);
  });

  it('exists as a built entry for the process-level tests', () => {
    expect(existsSync(fixtureEntry)).toBe(true);
  });
});
