/** The runner's durable store writes exactly the record it was given, also after history events change. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent } from '../../local/runner/durable/history';
import { InstanceStore, type InstanceRecord } from '../../local/runner/durable/store';

const record = (history: HistoryEvent[]): InstanceRecord => ({
  instanceId: 'i/1 ü',
  name: 'verifyScaleSet',
  runtimeStatus: 'Running',
  input: '{"a":1}',
  output: null,
  customStatus: { step: 'probes' },
  createdTime: '2026-11-25T10:00:00.000Z',
  lastUpdatedTime: '2026-11-25T10:00:01.000Z',
  history,
  inbox: [],
  nextTaskId: 1,
  actionSignatures: ['x'],
  pending: { activities: [], timers: [], subOrchestrations: [] },
  retries: {},
  retryTimers: {},
});

describe('InstanceStore', () => {
  it('loads what it saved, and a changed event (IsPlayed) is written anew', () => {
    const store = new InstanceStore(mkdtempSync(path.join(tmpdir(), 'friday-store-')));
    const big: HistoryEvent = { EventType: EventType.TaskCompleted, EventId: -1, IsPlayed: false, Timestamp: '2026-11-25T10:00:01.000Z', TaskScheduledId: 0, Result: JSON.stringify({ text: 'quote " backslash \\ 서버', n: [1, 2, 3] }) };
    const r = record([{ EventType: EventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: '2026-11-25T10:00:00.000Z' }, big]);
    store.save(r);
    expect(store.load(r.instanceId)).toEqual(JSON.parse(JSON.stringify(r)));
    for (const e of r.history) e.IsPlayed = true;
    r.history.push({ EventType: EventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: '2026-11-25T10:00:02.000Z' });
    r.runtimeStatus = 'Completed';
    store.save(r);
    const loaded = store.load(r.instanceId);
    expect(loaded).toEqual(JSON.parse(JSON.stringify(r)));
    expect(loaded?.history.map((e) => e.IsPlayed)).toEqual([true, true, false]);
  });

  it('saves a record with an empty history', () => {
    const store = new InstanceStore(mkdtempSync(path.join(tmpdir(), 'friday-store-')));
    const r = record([]);
    store.save(r);
    expect(store.load(r.instanceId)).toEqual(r);
  });
});
