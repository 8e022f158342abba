/**
 * Properties an existing scale set cannot change. Azure refuses such a write with 409
 * `PropertyChangeNotAllowed` ("Changing property 'X' is not allowed."; learn.microsoft.com
 * virtual-machine-scale-sets-upgrade-scale-set, "Properties with restrictions on modification") —
 * but only when the scale-set step is reached, after the network and front end were written. So a
 * spec that would change one is refused before any write, by the dry run and the deployment alike,
 * naming each property, its value now and in the spec, and what to do instead.
 *
 * Pure: the desired scale-set body (desiredTier) and what ARM returned for the existing one are
 * passed in, both in the SDK's shape (`virtualMachineProfile` at the top).
 */

export interface ImmutableChange {
  /** Where the value comes from: a spec path, or the app setting that supplies it. */
  source: string;
  /** The scale set's property, as Azure names it in its refusal. */
  property: string;
  current: unknown;
  wanted: unknown;
}

type Body = Record<string, unknown>;

const osProfileOf = (body: Body | undefined): Body => (((body?.virtualMachineProfile as Body | undefined)?.osProfile as Body | undefined) ?? {});

/**
 * The immutable properties the desired body would change on the existing scale set (empty: none,
 * or no scale set yet). A value the spec leaves out keeps what is there, as it does in Azure.
 */
export function immutableChanges(desired: Body, actual: Body | undefined): ImmutableChange[] {
  if (!actual) return [];
  const zones = (b: Body): string[] => [...((b.zones as string[] | undefined) ?? [])].map(String).sort();
  // Unset at creation means Azure's default: 1 for a zonal scale set, 5 for a regional one.
  const faultDomains = (actual.platformFaultDomainCount as number | undefined) ?? (zones(actual).length ? 1 : 5);
  const checks: ImmutableChange[] = [
    { source: 'scaleSet.computerNamePrefix', property: 'computerNamePrefix', current: osProfileOf(actual).computerNamePrefix, wanted: osProfileOf(desired).computerNamePrefix },
    { source: 'setting FRIDAY_ADMIN_USERNAME', property: 'adminUsername', current: osProfileOf(actual).adminUsername, wanted: osProfileOf(desired).adminUsername },
    { source: 'scaleSet.faultDomainCount', property: 'platformFaultDomainCount', current: faultDomains, wanted: desired.platformFaultDomainCount },
    { source: 'scaleSet.zones', property: 'zones', current: zones(actual), wanted: desired.zones === undefined ? undefined : zones(desired) },
  ];
  return checks.filter((c) => c.wanted !== undefined && c.current !== undefined && JSON.stringify(c.current) !== JSON.stringify(c.wanted));
}

/** One problem line per change: what cannot change, from what to what, and what to do instead. */
export function immutableChangeProblems(scaleSetName: string, changes: ImmutableChange[]): string[] {
  return changes.map((c) => {
    const instead =
      c.source.startsWith('setting')
        ? `set ${c.source.replace('setting ', '')} back to ${JSON.stringify(c.current)}, or deploy the tier under a new scaleSet.name`
        : `keep ${c.source} at ${JSON.stringify(c.current)}, or deploy the tier under a new scaleSet.name (then move traffic and delete the old scale set)`;
    return `${c.source}: ${c.property} of the existing scale set '${scaleSetName}' cannot change (${JSON.stringify(c.current)} → ${JSON.stringify(c.wanted)}; Azure refuses it with 409 PropertyChangeNotAllowed); ${instead}`;
  });
}
