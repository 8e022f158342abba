/**
 * What the fleet page keeps between refreshes, and nothing more. A listing of a scale set (the VM
 * list with instance views) carries per instance its extensions' statuses, data disks, the setup
 * command's volume report and more; the page shows seven fields of it. At 10 scale sets × 1000
 * instances, keeping whole facts cost ~1 KiB per instance in the Function app's heap for as long as
 * the listing is kept (minutes); the slim record keeps the seven fields, with the strings that
 * repeat across instances (zone, size, power and provisioning state; a run's verdict reasons and
 * timestamps) held once. Pure: no I/O.
 */
import type { RecordedVerdict, RunVerdicts } from './runRecord';
import type { FleetInstanceFacts, ScaleSetNow } from './fleetView';

/**
 * One copy of each distinct string given: values parsed from JSON are separate strings even when
 * equal (1000 instances' "PowerState/running", or "pass" reasons of ~90 characters each).
 */
export class SharedStrings {
  private readonly seen = new Map<string, string>();
  of(value: string): string;
  of(value: string | null): string | null;
  of(value: string | null): string | null {
    if (value === null) return null;
    const kept = this.seen.get(value);
    if (kept !== undefined) return kept;
    this.seen.set(value, value);
    return value;
  }
}

/** The facts the page shows of one scale set (the fields of ScaleSetNow), from a fuller listing. */
export function slimListing(facts: ScaleSetNow & { instances: FleetInstanceFacts[] }): ScaleSetNow {
  const shared = new SharedStrings();
  return {
    vmSize: facts.vmSize,
    capacity: facts.capacity,
    upgradePolicy: facts.upgradePolicy,
    zones: [...facts.zones],
    frontEndUrl: facts.frontEndUrl,
    publicFrontEndUrl: facts.publicFrontEndUrl,
    instances: facts.instances.map((i) => ({
      instanceId: i.instanceId,
      computerName: i.computerName,
      zone: shared.of(i.zone),
      privateIp: i.privateIp,
      vmSize: shared.of(i.vmSize),
      powerState: shared.of(i.powerState),
      provisioningState: shared.of(i.provisioningState),
    })),
  };
}

/** A run's verdicts as the page keeps them: one record per instance, repeated strings held once. */
export function slimVerdicts(run: RunVerdicts): RunVerdicts {
  const shared = new SharedStrings();
  return {
    runId: run.runId,
    verifiedAt: run.verifiedAt,
    instances: run.instances.map(
      (v): RecordedVerdict => ({
        instanceId: v.instanceId,
        computerName: v.computerName,
        privateIp: v.privateIp,
        zone: shared.of(v.zone),
        verdict: v.verdict,
        reason: shared.of(v.reason),
      }),
    ),
  };
}

