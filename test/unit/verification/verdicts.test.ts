import { describe, expect, it } from 'vitest';
import { parseDataVolumeReport } from '../../../src/domain/verification/dataVolume';
import { expectedPage, goneVerdict, judgeFrontEnd, judgeInstance, notReadyVerdict, readinessOf, readinessPolling, type InstanceFacts, type ProbeResult } from '../../../src/domain/verification/verdicts';

const facts = (over: Partial<InstanceFacts> = {}): InstanceFacts => ({
  instanceId: '3',
  computerName: 'friday000003',
  zone: '1',
  privateIp: '10.0.1.7',
  vmSize: 'Standard_D2s_v5',
  latestModelApplied: true,
  provisioningState: 'Succeeded',
  powerState: 'PowerState/running',
  extensions: [{ name: 'friday-setup', code: 'ProvisioningState/succeeded' }],
  dataDiskLuns: [0],
  dataVolume: { driveLetter: 'X', fileSystem: 'NTFS', label: 'webdata', diskNumber: 2, diskSizeGB: 32 },
  dataDiskSizeGB: 32,
  ...over,
});
const page = (body: string, status = 200): ProbeResult => ({ instanceId: '3', status, body, elapsedMs: 3 });

describe('judgeInstance', () => {
  it('passes an instance that serves its own name (Windows upper-cases it), with disk and extension fine', () => {
    const v = judgeInstance(facts(), page('Running FRIDAY Web Service from host FRIDAY000003 !\r\n'));
    expect(v.verdict).toBe('pass');
    expect(Object.values(v.checks).every((c) => c === 'pass')).toBe(true);
  });

  it.each([
    ['another host', page(expectedPage('FRIDAY000001')), 'page: names FRIDAY000001 instead of FRIDAY000003'],
    ['HTTP 500', page('<h1>500</h1>', 500), 'page: HTTP 500'],
    ['IIS default page', page('<html>IIS Windows Server</html>'), 'page: unexpected content'],
    ['a timeout', { instanceId: '3', status: null, error: 'timed out after 5000 ms', elapsedMs: 5000 }, 'page: timed out after 5000 ms'],
    ['a reset', { instanceId: '3', status: null, error: 'connection closed without an answer', elapsedMs: 1 }, 'page: connection closed without an answer'],
    ['no answer to a second probe either', { instanceId: '3', status: null, error: 'timed out after 5000 ms', elapsedMs: 5000, attempts: 2 }, 'page: timed out after 5000 ms (2 attempts)'],
  ])('fails on %s', (_name, probe, reason) => {
    const v = judgeInstance(facts(), probe);
    expect(v.verdict).toBe('fail');
    expect(v.reason).toContain(reason);
    expect(v.checks.page).toBe('fail');
  });

  it('names a failed extension, a missing data disk, a stopped VM and the wrong model', () => {
    const v = judgeInstance(
      facts({ extensions: [{ name: 'friday-setup', code: 'ProvisioningState/failed/3', message: 'Failed to download all specified files.' }], dataDiskLuns: [], powerState: 'PowerState/deallocated', vmSize: 'Standard_B2s', latestModelApplied: false }),
      undefined,
      { vmSize: 'Standard_D2s_v5', latestModelApplied: true },
    );
    expect(v.verdict).toBe('fail');
    expect(v.reason).toContain('power: PowerState/deallocated');
    expect(v.reason).toContain('extension: friday-setup ProvisioningState/failed/3 — Failed to download all specified files.');
    expect(v.reason).toContain('dataDisk: no data disk attached at LUN 0');
    expect(v.reason).toContain('model: size Standard_B2s, expected Standard_D2s_v5, not on the latest model');
    expect(v.reason).toContain('page: not probed');
  });

  it('fails an instance that never ran its setup script', () => {
    expect(judgeInstance(facts({ extensions: [] }), page(expectedPage('FRIDAY000003'))).reason).toContain('setup script never ran');
  });
});

describe('judgeFrontEnd', () => {
  const names = ['friday000000', 'friday000001', 'friday000002'];
  it('passes when every passing instance answered through the front end', () => {
    const answers = names.map((n) => ({ status: 200, host: n.toUpperCase() }));
    expect(judgeFrontEnd({ url: 'http://x/', answers, instanceNames: names, passingNames: names }).verdict).toBe('pass');
  });
  it('fails when it serves a host that is not an instance, never answers, or misses instances', () => {
    expect(judgeFrontEnd({ url: 'http://x/', answers: [{ status: 200, host: 'STRANGER' }], instanceNames: names, passingNames: names }).reason).toContain('not instances: STRANGER');
    expect(judgeFrontEnd({ url: 'http://x/', answers: [{ status: 503 }], instanceNames: names, passingNames: names }).reason).toContain('HTTP 503');
    const partial = Array.from({ length: 9 }, () => ({ status: 200, host: 'FRIDAY000000' }));
    expect(judgeFrontEnd({ url: 'http://x/', answers: partial, instanceNames: names, passingNames: names }).reason).toContain('reached 1 of 3');
    expect(judgeFrontEnd({ url: null, answers: [], instanceNames: names, passingNames: names }).verdict).toBe('skipped');
  });
});

describe('readiness: judged only once Azure says ready', () => {
  const base = { provisioningState: 'Succeeded', powerState: 'PowerState/running', extensions: [{ name: 'setup', code: 'ProvisioningState/succeeded' }] };
  it('waits for instances still coming: creating, updating, extension running or not reported, starting', () => {
    expect(readinessOf({ ...base, provisioningState: 'Creating' })).toEqual({ state: 'coming', reason: 'provisioning state Creating' });
    expect(readinessOf({ ...base, provisioningState: 'Updating' }).state).toBe('coming');
    expect(readinessOf({ ...base, extensions: [{ name: 'setup', code: 'ProvisioningState/transitioning' }] })).toEqual({ state: 'coming', reason: 'setup extension setup ProvisioningState/transitioning' });
    expect(readinessOf({ ...base, extensions: [] }).state).toBe('coming');
    expect(readinessOf({ ...base, powerState: 'PowerState/starting' }).state).toBe('coming');
  });
  it('judges finished ones (failed ones too: there is a failure to report) and sees deleting ones as going', () => {
    expect(readinessOf(base).state).toBe('ready');
    expect(readinessOf({ ...base, provisioningState: 'Failed', extensions: [{ name: 'setup', code: 'ProvisioningState/failed/1' }] }).state).toBe('ready');
    expect(readinessOf({ ...base, extensions: [{ name: 'setup', code: 'ProvisioningState/failed/1' }] }).state).toBe('ready');
    expect(readinessOf({ ...base, provisioningState: 'Deleting' }).state).toBe('going');
  });
  it('reports a vanished instance as gone (not a failure) and one still coming at its deadline as a failure saying so', () => {
    const gone = goneVerdict({ instanceId: '7' }, 'disappeared before it was ready');
    expect(gone).toMatchObject({ instanceId: '7', verdict: 'gone', reason: 'disappeared before it was ready' });
    const late = notReadyVerdict({ instanceId: '3', computerName: 'FRIDAY000003', zone: null, privateIp: null, vmSize: 'x', latestModelApplied: true, provisioningState: 'Creating', powerState: null, extensions: [], dataDiskLuns: [], dataVolume: null }, { state: 'coming', reason: 'provisioning state Creating' }, 1800);
    expect(late).toMatchObject({ verdict: 'fail', reason: 'provisioning: not ready after 1800 s (readiness deadline): provisioning state Creating' });
  });
  it('polls about sixty times over the deadline, between every 2 and every 15 seconds', () => {
    expect(readinessPolling(1800)).toEqual({ deadlineSeconds: 1800, pollSeconds: 15 });
    expect(readinessPolling(120).pollSeconds).toBe(2);
    expect(readinessPolling(600).pollSeconds).toBe(10);
  });
});

describe('the data disk: initialised as X: webdata, not only attached', () => {
  const ok = page(expectedPage('FRIDAY000003'));
  it('fails an instance whose setup left no X: (the script ran and the extension succeeded)', () => {
    const v = judgeInstance(facts({ dataVolume: null }), ok);
    expect(v.verdict).toBe('fail');
    expect(v.checks.dataDisk).toBe('fail');
    expect(v.reason).toBe('dataDisk: data disk not initialised as X: webdata');
  });

  it('fails X: with the wrong file system or label, or on a disk that is not the data disk', () => {
    expect(judgeInstance(facts({ dataVolume: { driveLetter: 'X', fileSystem: 'FAT32', label: 'webdata', diskNumber: 2, diskSizeGB: 32 } }), ok).reason).toContain('X: is FAT32');
    expect(judgeInstance(facts({ dataVolume: { driveLetter: 'X', fileSystem: 'NTFS', label: 'Temporary Storage', diskNumber: 1, diskSizeGB: 75 } }), ok).reason).toContain("labelled 'Temporary Storage'");
    expect(judgeInstance(facts({ dataVolume: { driveLetter: 'X', fileSystem: 'NTFS', label: 'webdata', diskNumber: 1, diskSizeGB: 75 } }), ok).reason).toContain('not the 32 GB data disk');
    expect(judgeInstance(facts({ dataVolume: { driveLetter: 'X', fileSystem: 'NTFS', label: 'webdata', diskNumber: 0, diskSizeGB: 32 } }), ok).checks.dataDisk).toBe('fail');
  });

  it('reads the report the setup command writes (Format-List blocks on StdOut)', () => {
    const stdout = 'Success Restart Needed\n\nDriveLetter     : X\nFileSystem      : NTFS\nFileSystemLabel : webdata\n\n\nNumber : 2\nSize   : 34359738368\n';
    expect(parseDataVolumeReport(stdout)).toEqual({ driveLetter: 'X', fileSystem: 'NTFS', label: 'webdata', diskNumber: 2, diskSizeGB: 32 });
    expect(parseDataVolumeReport('')).toBeNull();
    expect(judgeInstance(facts({ dataVolume: parseDataVolumeReport(stdout) }), ok).verdict).toBe('pass');
  });
});
