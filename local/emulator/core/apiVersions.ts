/**
 * The api-versions each resource type accepts, and ARM's answer to any other.
 *
 * ARM routes a request to a resource provider only for an api-version the provider registered for
 * that resource type; any other is refused before the provider sees it:
 *   - provider types: 400 `NoRegisteredProviderFound` "No registered resource provider found for
 *     location '{location}' and API version '{version}' for type '{type}'. The supported
 *     api-versions are '{v1, v2, …}'. The supported locations are '…'." (Azure/azure-cli#28496,
 *     Azure/azure-sdk-for-python#32029, MicrosoftDocs/azure-docs#62621, Azure/azure-cli#23985);
 *   - ARM's own types (resource groups): 400 `InvalidApiVersionParameter` "The api-version
 *     '{version}' is invalid. The supported versions are '{v1,v2,…}'." (Azure/azure-cli#28038,
 *     Azure/azure-sdk-for-python#975, Azure/azure-powershell#6031).
 *
 * The lists are the stable api-versions azure-rest-api-specs publishes for each type: the ones the
 * app's pinned SDKs send (arm-compute 25: 2026-04-01, skus 2021-07-01; arm-network 39: 2026-01-01,
 * scale-set NIC lists 2018-10-01; arm-monitor 8: 2022-10-01; arm-resources 8: 2025-04-01) and the
 * older stable ones, so other clients (older SDKs, the CLI, templates) keep working here. Preview
 * versions are left out: the app never sends one, and a preview is not kept by Azure forever.
 */
import { ArmError } from './contract';

export interface ApiVersionRule {
  /** The type as ARM names it in its message, e.g. `virtualMachineScaleSets/virtualMachines`. */
  type: string;
  /** Newest first, as ARM lists them. */
  versions: readonly string[];
  /** `provider`: NoRegisteredProviderFound (a resource provider's type); `arm`: InvalidApiVersionParameter (ARM's own). */
  refusedBy: 'provider' | 'arm';
  /** Where the list comes from. */
  source: string;
}

const newestFirst = (versions: string[]): readonly string[] => Object.freeze([...versions].sort().reverse());

/**
 * Compute RP stable versions (specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/*
 * up to 2024-11-01, then Microsoft.Compute/Compute/stable/{2025-04-01,2025-11-01,2026-04-01}; the older
 * ones also as Azure lists them for scale sets in Azure/azure-powershell#15117).
 */
const COMPUTE = newestFirst([
  '2015-06-15', '2016-03-30', '2017-03-30', '2017-12-01', '2018-04-01', '2018-06-01', '2018-10-01', '2019-03-01',
  '2019-07-01', '2019-12-01', '2020-06-01', '2020-12-01', '2021-03-01', '2021-04-01', '2021-07-01', '2021-11-01',
  '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01', '2024-03-01', '2024-07-01',
  '2024-11-01', '2025-04-01', '2025-11-01', '2026-04-01',
]);
const COMPUTE_SOURCE = 'azure-rest-api-specs Microsoft.Compute ComputeRP/stable and Compute/stable (2026-04-01 = @azure/arm-compute 25)';

/**
 * The scale-set NIC and public IP lists are Compute-registered types the Network SDK reads at its own
 * fixed version (2018-10-01: specs `Microsoft.Network/stable/*\/networkInterface.json`, parameter
 * `ApiVersionVmssParameter`). Azure answers newer Network versions with NoRegisteredProviderFound and
 * lists these (Azure/azure-sdk-for-python#32029, 2023; Azure/azure-cli#956).
 */
const SCALE_SET_NETWORK = newestFirst([
  '2015-06-15', '2016-03-30', '2016-06-01', '2016-07-01', '2016-08-01', '2016-09-01', '2017-03-30', '2017-12-01',
  '2018-04-01', '2018-06-01', '2018-10-01', '2019-03-01', '2019-07-01', '2019-12-01', '2020-06-01', '2020-12-01',
  '2021-03-01', '2021-04-01', '2021-07-01', '2021-11-01', '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01',
  '2023-07-01',
]);
const SCALE_SET_NETWORK_SOURCE = 'Azure/azure-sdk-for-python#32029 (supported api-versions Azure reported for virtualMachineScaleSets/networkInterfaces); @azure/arm-network 39 sends 2018-10-01';

/** Network RP stable versions (specification/network/resource-manager/Microsoft.Network/stable/*; 2026-01-01 = @azure/arm-network 39). */
const NETWORK_ALL = [
  '2015-06-15', '2016-03-30', '2016-06-01', '2016-07-01', '2016-08-01', '2016-09-01', '2016-10-01', '2016-11-01',
  '2016-12-01', '2017-03-01', '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01',
  '2018-01-01', '2018-02-01', '2018-04-01', '2018-06-01', '2018-07-01', '2018-08-01', '2018-10-01', '2018-11-01',
  '2018-12-01', '2019-02-01', '2019-04-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01', '2019-11-01',
  '2019-12-01', '2020-03-01', '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01', '2020-08-01', '2020-11-01',
  '2021-02-01', '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01', '2022-09-01',
  '2022-11-01', '2023-02-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01',
  '2024-03-01', '2024-05-01', '2024-07-01', '2025-01-01', '2025-03-01', '2025-05-01', '2025-07-01',
  '2026-01-01',
];
const NETWORK = newestFirst(NETWORK_ALL);
/** NAT gateways first appear in Microsoft.Network/stable/2019-02-01/natGateway.json. */
const NAT_GATEWAY = newestFirst(NETWORK_ALL.filter((v) => v >= '2019-02-01'));
const NETWORK_SOURCE = 'azure-rest-api-specs specification/network/resource-manager/Microsoft.Network/stable/* (2026-01-01 = @azure/arm-network 39)';

/** Autoscale settings: Microsoft.Insights/stable/2015-04-01 and 2022-10-01 autoscale_API.json (2022-10-01 = @azure/arm-monitor 8). */
const AUTOSCALE = newestFirst(['2015-04-01', '2022-10-01']);
const AUTOSCALE_SOURCE = 'azure-rest-api-specs specification/monitor/resource-manager/Microsoft.Insights/stable/{2015-04-01,2022-10-01}/autoscale_API.json';

/** Resource groups: Microsoft.Resources/stable/* resources.json (2025-04-01 = @azure/arm-resources 8). */
const RESOURCES = newestFirst([
  '2015-11-01', '2016-02-01', '2016-07-01', '2016-09-01', '2017-05-10', '2018-02-01', '2018-05-01', '2019-03-01',
  '2019-05-01', '2019-05-10', '2019-07-01', '2019-08-01', '2019-10-01', '2020-06-01', '2020-08-01', '2020-10-01',
  '2021-01-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01',
  '2025-04-01',
]);
const RESOURCES_SOURCE = 'azure-rest-api-specs specification/resources/resource-manager/Microsoft.Resources/stable/*/resources.json (2025-04-01 = @azure/arm-resources 8)';

/** Skus: Microsoft.Compute/stable/2017-09-01 and 2019-04-01 skus.json, Microsoft.Compute/Skus/stable/2021-07-01 (= @azure/arm-compute 25). */
const SKUS = newestFirst(['2017-09-01', '2019-04-01', '2021-07-01']);
const SKUS_SOURCE = 'azure-rest-api-specs Microsoft.Compute/stable/{2017-09-01,2019-04-01}/skus.json, Microsoft.Compute/Skus/stable/2021-07-01/skus.json';

const rule = (type: string, versions: readonly string[], source: string, refusedBy: 'provider' | 'arm' = 'provider'): [string, ApiVersionRule] => [
  type.toLowerCase(),
  { type: type.slice(type.indexOf('/') + 1), versions, refusedBy, source },
];

/** Keyed by `Namespace/type[/child…]`, lower case. A route's type not listed falls back to its parent's. */
const RULES = new Map<string, ApiVersionRule>([
  rule('Microsoft.Resources/resourceGroups', RESOURCES, RESOURCES_SOURCE, 'arm'),
  rule('Microsoft.Resources/locations/operations', RESOURCES, RESOURCES_SOURCE, 'arm'),
  rule('Microsoft.Compute/virtualMachineScaleSets', COMPUTE, COMPUTE_SOURCE),
  rule('Microsoft.Compute/virtualMachineScaleSets/virtualMachines', COMPUTE, COMPUTE_SOURCE),
  rule('Microsoft.Compute/virtualMachineScaleSets/extensions', COMPUTE, COMPUTE_SOURCE),
  rule('Microsoft.Compute/virtualMachineScaleSets/networkInterfaces', SCALE_SET_NETWORK, SCALE_SET_NETWORK_SOURCE),
  rule('Microsoft.Compute/virtualMachineScaleSets/publicIPAddresses', SCALE_SET_NETWORK, SCALE_SET_NETWORK_SOURCE),
  rule('Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces', SCALE_SET_NETWORK, SCALE_SET_NETWORK_SOURCE),
  rule('Microsoft.Compute/skus', SKUS, SKUS_SOURCE),
  rule('Microsoft.Compute/locations/operations', COMPUTE, COMPUTE_SOURCE),
  // Usage_List is in computeRPCommon.json of every ComputeRP version (and Compute/stable since 2025-04-01).
  rule('Microsoft.Compute/locations/usages', COMPUTE, COMPUTE_SOURCE),
  rule('Microsoft.Network/virtualNetworks', NETWORK, NETWORK_SOURCE),
  rule('Microsoft.Network/networkSecurityGroups', NETWORK, NETWORK_SOURCE),
  rule('Microsoft.Network/publicIPAddresses', NETWORK, NETWORK_SOURCE),
  rule('Microsoft.Network/loadBalancers', NETWORK, NETWORK_SOURCE),
  rule('Microsoft.Network/applicationGateways', NETWORK, NETWORK_SOURCE),
  rule('Microsoft.Network/natGateways', NAT_GATEWAY, NETWORK_SOURCE),
  rule('Microsoft.Network/locations/operations', NETWORK, NETWORK_SOURCE),
  rule('Microsoft.Insights/autoscaleSettings', AUTOSCALE, AUTOSCALE_SOURCE),
  rule('Microsoft.Insights/locations/operations', AUTOSCALE, AUTOSCALE_SOURCE),
]);

/**
 * The resource type a route template addresses: `Namespace/type/childType…` from the segments after
 * the last `/providers/` (type names at even positions, names at odd ones; a trailing action such as
 * `reimage` reads as a child and falls back to its parent). Routes with no provider are ARM's own
 * resource groups.
 */
export function resourceTypeOf(template: string): string {
  const at = template.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return 'Microsoft.Resources/resourceGroups';
  const [namespace = '', ...rest] = template.slice(at + '/providers/'.length).split('/');
  const types = rest.filter((segment, i) => i % 2 === 0 && !segment.startsWith('{'));
  return [namespace, ...types].join('/');
}

/** The rule for a route template (its type's, or its nearest parent's), or undefined when none is known. */
export function apiVersionRuleFor(template: string): ApiVersionRule | undefined {
  const parts = resourceTypeOf(template).split('/');
  for (let n = parts.length; n >= 2; n--) {
    const found = RULES.get(parts.slice(0, n).join('/').toLowerCase());
    if (found) return found;
  }
  return undefined;
}

/** Throws ARM's 400 when `apiVersion` is not one the type registered. `location` as ARM names it in the message. */
export function checkApiVersion(options: { rule: ApiVersionRule; apiVersion: string; location: string }): void {
  const { rule: r, apiVersion, location } = options;
  if (r.versions.includes(apiVersion)) return;
  if (r.refusedBy === 'arm') {
    throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${r.versions.join(',')}'.`);
  }
  throw new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${r.type}'. The supported api-versions are '${r.versions.join(', ')}'.`,
  );
}
