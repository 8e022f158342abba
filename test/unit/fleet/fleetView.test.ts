import { describe, expect, it } from 'vitest';
import { buildScaleSetView, describeRunning, verdictsCovering } from '../../../src/domain/fleet/fleetView';
import { runRecordFrom, runRecordName, summaryOf, verdictsOf, type RunRecord } from '../../../src/domain/fleet/runRecord';

const scaleSet = { resourceGroup: 'rg-Web', name: 'vmss-friday' };
const t = (iso: string) => new Date(iso);
const instance = (id: string, name: string) => ({ instanceId: id, computerName: name, zone: '1', privateIp: `10.0.1.${4 + Number(id)}`, vmSize: 'Standard_D2s_v5', powerState: 'PowerState/running', provisioningState: 'Succeeded' });

describe('run records', () => {
  it('keep the verdicts, outcome and a summary of a finished run', () => {
    const r = runRecordFrom({
      runId: 'friday-change-x',
      kind: 'deploy',
      scaleSet,
      startedAt: t('2026-11-25T10:00:00Z'),
      finishedAt: t('2026-11-25T10:02:30Z'),
      result: { outcome: 'failed', totals: { instances: 2, passed: 1, failed: 1 }, instances: [{ instanceId: '0', computerName: 'friday000000', privateIp: null, zone: '1', verdict: 'pass', reason: 'ok' }, { instanceId: '1', computerName: 'friday000001', privateIp: null, zone: '2', verdict: 'fail', reason: 'page: HTTP 500' }], verification: { verifiedAt: '2026-11-25T10:02:29.000Z' } },
    });
    expect(r).toMatchObject({ runtimeStatus: 'Completed', outcome: 'failed', durationMs: 150_000, verifiedAt: '2026-11-25T10:02:29.000Z', summary: '1/2 instances passed' });
    expect(r.instances.map((i) => i.verdict)).toEqual(['pass', 'fail']);
    expect(runRecordName(r)).toBe('rg-web/vmss-friday/20261125t100000000z_deploy_friday-change-x.json');
  });

  it('record a failed run with its error and no verdicts', () => {
    const r = runRecordFrom({ runId: 'id', kind: 'schedule', scaleSet, startedAt: t('2026-11-25T10:00:00Z'), finishedAt: t('2026-11-25T10:00:05Z'), error: "Step 'vmSize' failed: OperationNotAllowed" });
    expect(r).toMatchObject({ runtimeStatus: 'Failed', outcome: 'error', instances: [], verifiedAt: null });
    expect(r.summary).toContain('OperationNotAllowed');
  });
});

/** What the fleet page gets from records: summaries for the runs list, verdicts apart. */
const history = (records: RunRecord[]) => ({ runs: records.map((r) => ({ summary: summaryOf(r), reportUrl: 'x' })), verdicts: records.filter((r) => r.instances.length).map(verdictsOf) });

describe('fleet view', () => {
  const older = runRecordFrom({ runId: 'deploy', kind: 'deploy', scaleSet, startedAt: t('2026-11-25T09:00:00Z'), finishedAt: t('2026-11-25T09:05:00Z'), result: { outcome: 'succeeded', instances: [{ instanceId: '0', computerName: 'friday000000', verdict: 'pass', reason: 'ok' }, { instanceId: '1', computerName: 'friday000001', verdict: 'pass', reason: 'ok' }] } });
  const newer = runRecordFrom({ runId: 'verify', kind: 'verify', scaleSet, startedAt: t('2026-11-25T11:00:00Z'), finishedAt: t('2026-11-25T11:00:02Z'), result: { instances: [{ instanceId: '1', computerName: 'friday000001', verdict: 'fail', reason: 'page: HTTP 500' }] } });

  it('takes each instance verdict from the newest run that verified it; unknown instances are unverified', () => {
    const view = buildScaleSetView({
      ...scaleSet,
      now: { vmSize: 'Standard_D2s_v5', capacity: 3, upgradePolicy: 'Manual', zones: ['1'], frontEndUrl: null, publicFrontEndUrl: null, instances: [instance('0', 'friday000000'), instance('1', 'friday000001'), instance('2', 'friday000002')] },
      ...history([newer, older]),
      running: [],
    });
    expect(view.instances.map((i) => `${i.instanceId}:${i.verdict}:${i.verifiedBy ?? '-'}`)).toEqual(['0:pass:deploy', '1:fail:verify', '2:unverified:-']);
    expect(view.totals).toEqual({ instances: 3, passed: 1, failed: 1, unverified: 1, gone: 0 });
    expect(view.gone).toEqual([]);
    expect(view.runs.map((r) => r.kind)).toEqual(['verify', 'deploy']);
  });

  it('does not give a recreated scale set\'s instance the verdict of another machine with the same id', () => {
    const view = buildScaleSetView({ ...scaleSet, now: { vmSize: 'x', capacity: 1, upgradePolicy: 'Manual', zones: [], frontEndUrl: null, publicFrontEndUrl: null, instances: [instance('0', 'web000000')] }, ...history([older]), running: [] });
    expect(view.instances[0]?.verdict).toBe('unverified');
  });

  it('lists as gone the instances the newest verdicts know that ARM no longer lists (removed, or replaced by another machine with the id)', () => {
    const view = buildScaleSetView({
      ...scaleSet,
      now: { vmSize: 'x', capacity: 2, upgradePolicy: 'Manual', zones: ['1'], frontEndUrl: null, publicFrontEndUrl: null, instances: [instance('0', 'friday000000'), instance('2', 'friday000002')] },
      ...history([newer, older]),
      running: [],
    });
    // 1 was last judged by the newer run (fail), and is not listed any more.
    expect(view.gone).toEqual([{ instanceId: '1', computerName: 'friday000001', zone: null, privateIp: null, lastVerdict: 'fail', reason: 'page: HTTP 500', verifiedAt: newer.verifiedAt }]);
    expect(view.totals.gone).toBe(1);
    const replaced = buildScaleSetView({ ...scaleSet, now: { vmSize: 'x', capacity: 1, upgradePolicy: 'Manual', zones: [], frontEndUrl: null, publicFrontEndUrl: null, instances: [instance('0', 'web000000')] }, ...history([older]), running: [] });
    expect(replaced.gone.map((g) => g.computerName)).toEqual(['friday000000', 'friday000001']);
    expect(buildScaleSetView({ ...scaleSet, now: { error: 'x' }, ...history([older]), running: [] }).gone).toEqual([]);
  });

  it('shows a scale set ARM cannot read, and running work with its progress', () => {
    const view = buildScaleSetView({ ...scaleSet, now: { error: 'ResourceNotFound: gone' }, runs: [], verdicts: [], running: [{ instanceId: 'friday-change-x', name: 'applySchedule', createdTime: '2026-11-25T11:00:00Z', customStatus: { step: 'vmSize', message: 'resizing: batch 2/4', batch: 2, batches: 4 } }] });
    expect(view).toMatchObject({ exists: false, error: 'ResourceNotFound: gone', instances: [] });
    expect(view.running[0]).toMatchObject({ kind: 'schedule', step: 'vmSize', done: 1, total: 4 });
    expect(describeRunning({ instanceId: 'v', name: 'verifyScaleSet', createdTime: '', customStatus: { step: 'probes', instancesProbed: 0, instancesTotal: 1000 } })).toMatchObject({ kind: 'verify', done: 0, total: 1000 });
  });

  it('says a scale set a first deployment is still creating is on its way, not broken', () => {
    const view = buildScaleSetView({ ...scaleSet, now: { error: 'ResourceNotFound: not found' }, runs: [], verdicts: [], running: [{ instanceId: 'friday-change-x', name: 'deployTier', createdTime: '2026-11-25T11:00:00Z', customStatus: { step: 'network', steps: ['network', 'frontEnd', 'verify'], stepsDone: [] } }] });
    expect(view.error).toBe('not there yet: a deployment is creating it');
    expect(view.running[0]).toMatchObject({ kind: 'deploy', step: 'network', done: 0, total: 3 });
  });
});

describe('verdicts for the fleet page', () => {
  const verdicts = (runId: string, ids: string[], name = (id: string) => `friday00000${id}`) => ({ runId, verifiedAt: '2026-11-25T10:00:00Z', instances: ids.map((id) => ({ instanceId: id, computerName: name(id), privateIp: null, zone: null, verdict: 'pass' as const, reason: 'ok' })) });
  const instances = ['0', '1', '2'].map((id) => ({ instanceId: id, computerName: `friday00000${id}` }));

  it('reads only the newest verifying run when it covers every instance', async () => {
    const read: string[] = [];
    const stored: Record<string, ReturnType<typeof verdicts>> = { c: verdicts('c', ['0', '1', '2']), b: verdicts('b', ['0']), a: verdicts('a', ['0', '1', '2']) };
    const runs = [{ name: 'scale', summary: { verdictCount: 0 } }, ...['c', 'b', 'a'].map((name) => ({ name, summary: { verdictCount: 3 } }))];
    const got = await verdictsCovering({ runs, instances, read: async (name) => (read.push(name), stored[name] ?? null) });
    expect(read).toEqual(['c']);
    expect(got.map((v) => v.runId)).toEqual(['c']);
  });

  it('reads older runs until every instance is covered, and a recreated machine with a reused id does not count', async () => {
    const read: string[] = [];
    const stored: Record<string, ReturnType<typeof verdicts>> = {
      c: verdicts('c', ['2']), // a scale-out verified only the new instance
      b: verdicts('b', ['0', '1'], (id) => `oldvm00000${id}`), // another scale set's machines, same ids
      a: verdicts('a', ['0', '1']),
      z: verdicts('z', ['0', '1', '2']),
    };
    const runs = ['c', 'b', 'a', 'z'].map((name) => ({ name, summary: { verdictCount: 1 } }));
    const got = await verdictsCovering({ runs, instances, read: async (name) => (read.push(name), stored[name] ?? null) });
    expect(read).toEqual(['c', 'b', 'a']);
    expect(got.map((v) => v.runId)).toEqual(['c', 'b', 'a']);
  });

  it('reads nothing when ARM lists no instance', async () => {
    const got = await verdictsCovering({ runs: [{ name: 'a', summary: { verdictCount: 3 } }], instances: [], read: () => Promise.reject(new Error('must not read')) });
    expect(got).toEqual([]);
  });
});
