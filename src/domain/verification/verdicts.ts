/**
 * Verdicts on instances and the front end, from facts (ARM lists) and probe results. Pure: the
 * same inputs always give the same report, so every reason can be tested.
 *
 * An instance is judged only once Azure says it is ready — provisioning Succeeded (or Failed: then
 * there is a failure to report) and its setup extension finished. One still being created waits,
 * up to a readiness deadline, after which "still creating" is its failure; one being deleted, or
 * that disappears before it is judged (an overprovisioned extra Azure removes once enough
 * instances are up), is `gone`: not a failure, and nothing acts on it.
 */
import { dataVolumeProblem, type DataVolumeReport } from './dataVolume';

/** What ARM says about one instance (from paged VM + NIC lists, never per-instance calls). */
export interface InstanceFacts {
  instanceId: string;
  computerName: string;
  zone: string | null;
  privateIp: string | null;
  vmSize: string;
  latestModelApplied: boolean;
  provisioningState: string;
  /** e.g. `PowerState/running`; null when the instance view has none yet. */
  powerState: string | null;
  extensions: Array<{ name: string; code: string; message?: string }>;
  dataDiskLuns: number[];
  /** The X: volume the setup command reported on its StdOut (dataVolume.ts); null when it reported none. */
  dataVolume: DataVolumeReport | null;
  /** The size ARM reports for the data disk at LUN 0, when it does. */
  dataDiskSizeGB?: number | null;
}

/** What an HTTP GET of the instance's page returned. */
export interface ProbeResult {
  instanceId: string;
  /** HTTP status, or null when no HTTP answer came (refused, reset, timed out). */
  status: number | null;
  /** Body, trimmed and capped. */
  body?: string;
  error?: string;
  elapsedMs: number;
  /** Probes sent when more than one: one that got no answer is asked again before it counts (prober.ts). */
  attempts?: number;
}

export type CheckOutcome = 'pass' | 'fail' | 'skipped';

export interface InstanceVerdict {
  instanceId: string;
  computerName: string;
  privateIp: string | null;
  zone: string | null;
  vmSize: string;
  verdict: 'pass' | 'fail' | 'gone';
  reason: string;
  checks: { power: CheckOutcome; provisioning: CheckOutcome; extension: CheckOutcome; dataDisk: CheckOutcome; page: CheckOutcome; model: CheckOutcome };
}

export interface Expectations {
  vmSize?: string;
  /** Every instance must be on the latest model (after an upgrade). */
  latestModelApplied?: boolean;
  dataDiskLuns?: number[];
  /** The data disk's size (the spec's dataDiskSizeGB), to tell it from the OS and temporary disks. */
  dataDiskSizeGB?: number;
}

export function expectedPage(computerName: string): string {
  return `Running FRIDAY Web Service from host ${computerName} !`;
}

/** Windows reports the computer name upper-case in `$env:computername`; ARM keeps the prefix's case. */
export function pageNamesHost(body: string | undefined): string | undefined {
  const text = (body ?? '').replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim();
  return /^Running FRIDAY Web Service from host (\S+) !$/.exec(text)?.[1];
}

export function judgeInstance(facts: InstanceFacts, probe: ProbeResult | undefined, expect: Expectations = {}): InstanceVerdict {
  const checks: InstanceVerdict['checks'] = { power: 'skipped', provisioning: 'skipped', extension: 'skipped', dataDisk: 'skipped', page: 'skipped', model: 'skipped' };
  const reasons: string[] = [];
  const fail = (check: keyof InstanceVerdict['checks'], reason: string): void => {
    checks[check] = 'fail';
    reasons.push(`${check}: ${reason}`);
  };
  if (facts.powerState === 'PowerState/running') checks.power = 'pass';
  else fail('power', facts.powerState ?? 'no power state reported');

  const failedExtension = facts.extensions.find((e) => !/^ProvisioningState\/succeeded/i.test(e.code));
  if (failedExtension) fail('extension', `${failedExtension.name} ${failedExtension.code}${failedExtension.message ? ` — ${failedExtension.message}` : ''}`);
  else if (facts.extensions.length === 0) fail('extension', 'no extension status reported (setup script never ran)');
  else checks.extension = 'pass';

  if (/^succeeded$/i.test(facts.provisioningState)) checks.provisioning = 'pass';
  else if (!failedExtension) fail('provisioning', `provisioning state ${facts.provisioningState}`);
  else checks.provisioning = 'fail';

  // Attached is not enough: X: must be the data disk's NTFS volume labelled webdata.
  const wantedLuns = expect.dataDiskLuns ?? [0];
  const missing = wantedLuns.filter((lun) => !facts.dataDiskLuns.includes(lun));
  const dataDiskSizeGB = expect.dataDiskSizeGB ?? facts.dataDiskSizeGB ?? undefined;
  const volumeProblem = dataVolumeProblem(facts.dataVolume, dataDiskSizeGB !== undefined ? { dataDiskSizeGB } : {});
  if (missing.length) fail('dataDisk', `no data disk attached at LUN ${missing.join(', ')}`);
  else if (volumeProblem) fail('dataDisk', volumeProblem);
  else checks.dataDisk = 'pass';

  if (!probe) fail('page', 'not probed (no private IP)');
  else if (probe.status === null) fail('page', `${probe.error ?? 'no answer'}${(probe.attempts ?? 1) > 1 ? ` (${probe.attempts} attempts)` : ''}`);
  else if (probe.status !== 200) fail('page', `HTTP ${probe.status}`);
  else {
    const host = pageNamesHost(probe.body);
    if (!host) fail('page', `unexpected content ${JSON.stringify((probe.body ?? '').slice(0, 80))}`);
    else if (host.toLowerCase() !== facts.computerName.toLowerCase()) fail('page', `names ${host} instead of ${facts.computerName.toUpperCase()}`);
    else checks.page = 'pass';
  }

  const modelProblems: string[] = [];
  if (expect.vmSize && facts.vmSize.toLowerCase() !== expect.vmSize.toLowerCase()) modelProblems.push(`size ${facts.vmSize}, expected ${expect.vmSize}`);
  if (expect.latestModelApplied && !facts.latestModelApplied) modelProblems.push('not on the latest model');
  if (modelProblems.length) fail('model', modelProblems.join(', '));
  else checks.model = 'pass';

  return {
    ...identityOf(facts),
    verdict: reasons.length ? 'fail' : 'pass',
    reason: reasons.length ? reasons.join('; ') : 'serves its own page; data disk initialised as X: webdata; setup extension succeeded',
    checks,
  };
}

/** The fields that name an instance in every verdict, whatever the verdict says of it. */
function identityOf(facts: InstanceFacts): Pick<InstanceVerdict, 'instanceId' | 'computerName' | 'privateIp' | 'zone' | 'vmSize'> {
  return { instanceId: facts.instanceId, computerName: facts.computerName, privateIp: facts.privateIp, zone: facts.zone, vmSize: facts.vmSize };
}

/** Whether an instance can be judged now: `coming` (still being set up), `going` (being deleted) or `ready`. */
export interface Readiness {
  state: 'ready' | 'coming' | 'going';
  reason: string;
}

export function readinessOf(facts: Pick<InstanceFacts, 'provisioningState' | 'powerState' | 'extensions'>): Readiness {
  const provisioning = facts.provisioningState.toLowerCase();
  if (provisioning === 'deleting') return { state: 'going', reason: 'being deleted (provisioning state Deleting)' };
  if (provisioning === 'failed') return { state: 'ready', reason: 'provisioning failed' };
  if (provisioning !== 'succeeded') return { state: 'coming', reason: `provisioning state ${facts.provisioningState}` };
  // Extension codes: ProvisioningState/succeeded, …/failed[/code] (finished) or …/transitioning (still running).
  const unfinished = facts.extensions.find((e) => !/^ProvisioningState\/(succeeded|failed)/i.test(e.code));
  if (unfinished) return { state: 'coming', reason: `setup extension ${unfinished.name} ${unfinished.code}` };
  if (facts.extensions.length === 0) return { state: 'coming', reason: 'no setup extension status reported yet' };
  if (facts.powerState && /^PowerState\/starting$/i.test(facts.powerState)) return { state: 'coming', reason: facts.powerState };
  return { state: 'ready', reason: 'provisioning succeeded and the setup extension finished' };
}

/** An instance that left before it was judged (listed earlier, gone now — or being deleted). */
export function goneVerdict(instance: Pick<InstanceVerdict, 'instanceId'> & Partial<Pick<InstanceVerdict, 'computerName' | 'privateIp' | 'zone' | 'vmSize'>>, reason: string): InstanceVerdict {
  return {
    instanceId: instance.instanceId,
    computerName: instance.computerName ?? '',
    privateIp: instance.privateIp ?? null,
    zone: instance.zone ?? null,
    vmSize: instance.vmSize ?? '',
    verdict: 'gone',
    reason,
    checks: { power: 'skipped', provisioning: 'skipped', extension: 'skipped', dataDisk: 'skipped', page: 'skipped', model: 'skipped' },
  };
}

/**
 * The verdict for an instance not ready at its readiness deadline: it failed to come up in time.
 * The deadline counts from when the verification first saw the instance.
 */
export function notReadyVerdict(facts: InstanceFacts, readiness: Readiness, waitedSeconds: number): InstanceVerdict {
  return {
    ...identityOf(facts),
    verdict: 'fail',
    reason: `provisioning: not ready after ${waitedSeconds} s (readiness deadline): ${readiness.reason}`,
    checks: { power: 'skipped', provisioning: 'fail', extension: 'skipped', dataDisk: 'skipped', page: 'skipped', model: 'skipped' },
  };
}

/** Readiness polling: every `pollSeconds` until `deadlineSeconds` (pure arithmetic, so it is tested). */
export function readinessPolling(deadlineSeconds: number): { deadlineSeconds: number; pollSeconds: number } {
  // About sixty looks over the deadline, never more often than every 2 s nor less than every 15 s.
  return { deadlineSeconds, pollSeconds: Math.min(15, Math.max(2, Math.round(deadlineSeconds / 60))) };
}

export interface FrontEndVerdict {
  verdict: 'pass' | 'fail' | 'skipped';
  reason: string;
  hostsSeen: string[];
  requests: number;
}

/**
 * The front end passes when it answers with FRIDAY pages and, within the requests made, reaches
 * every passing instance (for large tiers: at least as many distinct hosts as the requests allow,
 * requests/3), and never serves a host that is not an instance of this scale set.
 */
export function judgeFrontEnd(options: { url: string | null; answers: Array<{ status: number | null; host?: string; error?: string }>; instanceNames: string[]; passingNames: string[] }): FrontEndVerdict {
  if (!options.url) return { verdict: 'skipped', reason: 'no public front end', hostsSeen: [], requests: 0 };
  const ok = options.answers.filter((a) => a.status === 200 && a.host);
  const hosts = [...new Set(ok.map((a) => (a.host ?? '').toUpperCase()))].sort();
  const known = new Set(options.instanceNames.map((n) => n.toUpperCase()));
  const passing = new Set(options.passingNames.map((n) => n.toUpperCase()));
  const base = { hostsSeen: hosts, requests: options.answers.length };
  if (ok.length === 0) {
    const first = options.answers.find((a) => a.status !== 200);
    return { ...base, verdict: 'fail', reason: `front end gave no FRIDAY page (${first?.status ? `HTTP ${first.status}` : (first?.error ?? 'no answer')})` };
  }
  const strangers = hosts.filter((h) => !known.has(h));
  if (strangers.length) return { ...base, verdict: 'fail', reason: `front end served hosts that are not instances: ${strangers.join(', ')}` };
  const needed = Math.min(passing.size, Math.floor(options.answers.length / 3) || 1);
  const seenPassing = hosts.filter((h) => passing.has(h)).length;
  if (seenPassing < needed) return { ...base, verdict: 'fail', reason: `front end reached ${seenPassing} of ${passing.size} passing instances in ${options.answers.length} requests` };
  return { ...base, verdict: 'pass', reason: `front end reached ${seenPassing} of ${passing.size} passing instances` };
}
