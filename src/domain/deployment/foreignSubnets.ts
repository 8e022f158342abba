/**
 * A virtual network PUT lists its subnets authoritatively: Azure deletes every subnet the body
 * leaves out, and fails the PUT `InUseSubnetCannotBeDeleted` when something still uses one (an
 * operator's VNet-integration subnet for the Function App, a private endpoint, a bastion). The
 * tier owns only the subnets its spec names; every other subnet found on the VNet is carried over
 * as read, so a redeployment never removes what it did not create. Pure: the adapter passes what
 * it read.
 */
type Body = Record<string, unknown>;

const subnetsOf = (body: Body | undefined): Body[] => (Array.isArray(body?.subnets) ? (body.subnets as Body[]) : []);
const nameOf = (subnet: Body): string => (typeof subnet.name === 'string' ? subnet.name.toLowerCase() : '');

/** The names (lower case) of the subnets on the VNet that the tier does not own. */
export function foreignSubnetNames(desired: Body, actual: Body | undefined): string[] {
  const owned = new Set(subnetsOf(desired).map(nameOf));
  return subnetsOf(actual).map(nameOf).filter((name) => name !== '' && !owned.has(name));
}

/**
 * The desired VNet body with the foreign subnets appended unchanged (as the SDK read them: the
 * SDK's serializer sends only their writable properties — prefix, NSG, route table, NAT gateway,
 * delegations, service endpoints, policies — so nothing about them changes).
 */
export function keepForeignSubnets(desired: Body, actual: Body | undefined): Body {
  const foreign = new Set(foreignSubnetNames(desired, actual));
  if (foreign.size === 0) return desired;
  return { ...desired, subnets: [...subnetsOf(desired), ...subnetsOf(actual).filter((s) => foreign.has(nameOf(s)))] };
}
