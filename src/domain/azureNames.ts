/**
 * Azure's naming rules for the resources friday-fleet names, checked at every boundary before a
 * name reaches an ARM URL. A name Azure would refuse is refused here first with the rule spelled
 * out, and no name can break an ARM path apart (`..`, `/`, `?`, `#`, `%`, spaces).
 *
 * Rules from Microsoft's "Naming rules and restrictions for Azure resources"
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * - resource group: 1–90 characters; letters, digits, underscores, hyphens, periods and
 *   parentheses (ARM takes Unicode letters and digits); cannot end with a period.
 * - virtual machine scale set (resource name), virtual network (2–64), subnet (1–80):
 *   alphanumerics, underscores, periods and hyphens; start with an alphanumeric; end with an
 *   alphanumeric or an underscore. Scale sets are 1–64 characters. (The docs word the scale-set
 *   rule as a list of forbidden characters; this is the stricter reading both agree on, as
 *   PSRule for Azure's Azure.VMSS.Name states it.)
 */

export type AzureNameKind = 'resourceGroup' | 'scaleSet' | 'virtualNetwork' | 'subnet';

interface NameRule {
  min: number;
  max: number;
  pattern: RegExp;
  says: string;
}

const RESOURCE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const RESOURCE_NAME_SAYS = 'letters, digits, _ . - only; starting with a letter or digit and ending with a letter, digit or _';

const RULES: Record<AzureNameKind, NameRule> = {
  resourceGroup: { min: 1, max: 90, pattern: /^[-\p{L}\p{N}_.()]*[-\p{L}\p{N}_()]$/u, says: 'letters, digits, _ - . ( ) only, not ending with a period' },
  scaleSet: { min: 1, max: 64, pattern: RESOURCE_NAME, says: RESOURCE_NAME_SAYS },
  virtualNetwork: { min: 2, max: 64, pattern: RESOURCE_NAME, says: RESOURCE_NAME_SAYS },
  subnet: { min: 1, max: 80, pattern: RESOURCE_NAME, says: RESOURCE_NAME_SAYS },
};

const LABEL: Record<AzureNameKind, string> = { resourceGroup: 'a resource group name', scaleSet: 'a scale set name', virtualNetwork: 'a virtual network name', subnet: 'a subnet name' };

/** Why `name` is not a valid Azure name of this kind, or undefined when it is. */
export function azureNameProblem(kind: AzureNameKind, name: string): string | undefined {
  const rule = RULES[kind];
  const length = [...name].length;
  if (length < rule.min || length > rule.max) return `'${printable(name)}' is not ${LABEL[kind]}: ${rule.min}–${rule.max} characters (has ${length})`;
  if (!rule.pattern.test(name)) return `'${printable(name)}' is not ${LABEL[kind]}: ${rule.says}`;
  return undefined;
}

/** Names echoed in an error stay short and free of control characters. */
function printable(text: string): string {
  const clean = text.replace(/\p{Cc}/gu, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}
