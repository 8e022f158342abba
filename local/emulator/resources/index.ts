/** Resource groups, as `@azure/arm-resources` drives them. Deleting a group deletes what is in it. */
import { z } from 'zod';
import { ArmError } from '../core/contract';
import type { ArmRequest, ProviderContext } from '../core/contract';
import type { MemoryResourceStore, ResourceGroupDoc } from '../core/store';

const GROUP = '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}';
const groupBody = z.object({ location: z.string().min(1), tags: z.record(z.string(), z.string()).optional() }).passthrough();

export interface ResourceGroupHooks {
  /** Called with every resource id removed by a resource group delete (providers release their state). */
  onResourcesDeleted(ids: string[]): void;
}

function validName(name: string): boolean {
  return /^[-\w._()]{1,90}$/.test(name) && !name.endsWith('.');
}

export function registerResourceGroupProvider(ctx: ProviderContext, store: MemoryResourceStore, hooks: ResourceGroupHooks): void {
  const doc = (req: ArmRequest, location: string, tags?: Record<string, string>): ResourceGroupDoc => ({
    id: `/subscriptions/${req.subscriptionId}/resourceGroups/${req.params.resourceGroupName}`,
    name: req.params.resourceGroupName ?? '',
    type: 'Microsoft.Resources/resourceGroups',
    location,
    ...(tags ? { tags } : {}),
    properties: { provisioningState: 'Succeeded' },
  });
  const mustExist = (req: ArmRequest): ResourceGroupDoc => {
    const group = store.getResourceGroup(req.subscriptionId, req.params.resourceGroupName ?? '');
    if (!group) throw ArmError.resourceGroupNotFound(req.params.resourceGroupName ?? '');
    return group;
  };

  ctx.router.add({
    method: 'PUT',
    template: GROUP,
    kind: 'write',
    action: 'Microsoft.Resources/subscriptions/resourceGroups/write',
    handler: (req) => {
      const name = req.params.resourceGroupName ?? '';
      if (!validName(name)) throw ArmError.badRequest('InvalidResourceGroup', `The provided resource group name '${name}' has these invalid characters or length.`, 'resourceGroupName');
      const parsed = groupBody.safeParse(req.body);
      if (!parsed.success) throw ArmError.invalidParameter(`Resource group body is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'location');
      const existing = store.getResourceGroup(req.subscriptionId, name);
      if (existing && existing.location.toLowerCase() !== parsed.data.location.toLowerCase()) {
        throw ArmError.conflict('InvalidResourceGroupLocation', `Invalid resource group location '${parsed.data.location}'. The Resource group already exists in location '${existing.location}'.`);
      }
      const group = store.putResourceGroup(req.subscriptionId, doc(req, parsed.data.location, parsed.data.tags));
      return { status: existing ? 200 : 201, body: group };
    },
  });
  ctx.router.add({ method: 'GET', template: GROUP, kind: 'read', action: 'Microsoft.Resources/subscriptions/resourceGroups/read', handler: (req) => ({ status: 200, body: mustExist(req) }) });
  ctx.router.add({
    method: 'HEAD',
    template: GROUP,
    kind: 'read',
    action: 'Microsoft.Resources/subscriptions/resourceGroups/read',
    handler: (req) => ({ status: store.resourceGroupExists(req.subscriptionId, req.params.resourceGroupName ?? '') ? 204 : 404 }),
  });
  ctx.router.add({
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/resourcegroups',
    kind: 'read',
    action: 'Microsoft.Resources/subscriptions/resourceGroups/read',
    handler: (req) => ({ status: 200, body: { value: store.listResourceGroups(req.subscriptionId) } }),
  });
  ctx.router.add({
    method: 'DELETE',
    template: GROUP,
    kind: 'delete',
    action: 'Microsoft.Resources/subscriptions/resourceGroups/delete',
    handler: (req) => {
      const group = mustExist(req);
      const headers = ctx.lro.begin({
        method: 'DELETE',
        provider: 'Microsoft.Resources',
        location: group.location,
        subscriptionId: req.subscriptionId,
        template: GROUP,
        work: () => hooks.onResourcesDeleted(store.deleteResourceGroup(req.subscriptionId, group.name)),
      });
      return { status: 202, headers };
    },
  });
}
