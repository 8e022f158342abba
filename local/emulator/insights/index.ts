/**
 * Microsoft.Insights/autoscalesettings, as `@azure/arm-monitor` 8 drives them (synchronous
 * PUT/GET/PATCH/DELETE/list). Stored and validated; the simulated autoscale that acts on them is
 * listed under LIMITATIONS until the scale-event work lands.
 */
import { ArmError } from '../core/contract';
import type { ArmRequest, ProviderContext } from '../core/contract';

type Setting = { id: string; name: string; type: string; location: string; tags?: Record<string, string>; properties: Record<string, unknown> };
const TEMPLATE = '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.Insights/autoscalesettings/{name}';
const TYPE = 'Microsoft.Insights/autoscalesettings';

function validateProfiles(properties: Record<string, unknown>): void {
  const profiles = properties.profiles;
  if (!Array.isArray(profiles) || profiles.length === 0) throw ArmError.invalidParameter('An autoscale setting needs at least one profile.', 'properties.profiles');
  if (profiles.length > 20) throw ArmError.invalidParameter('At most 20 profiles are allowed.', 'properties.profiles');
  profiles.forEach((profile: { capacity?: { minimum?: string; maximum?: string; default?: string }; rules?: unknown[] }, i) => {
    const c = profile.capacity ?? {};
    const [min, max, def] = [Number(c.minimum), Number(c.maximum), Number(c.default)];
    if (![min, max, def].every(Number.isInteger) || !(min <= def && def <= max) || min < 0) {
      throw ArmError.invalidParameter('Capacity must satisfy 0 <= minimum <= default <= maximum (integers as strings).', `properties.profiles[${i}].capacity`);
    }
    if ((profile.rules ?? []).length > 10) throw ArmError.invalidParameter('At most 10 rules per profile are allowed.', `properties.profiles[${i}].rules`);
  });
  const target = properties.targetResourceUri;
  if (typeof target !== 'string' || !/\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\//i.test(target)) {
    throw ArmError.invalidParameter('targetResourceUri must be a scale set resource id.', 'properties.targetResourceUri');
  }
}

export function registerInsightsProvider(ctx: ProviderContext): void {
  const idOf = (req: ArmRequest): string =>
    `/subscriptions/${req.subscriptionId}/resourceGroups/${req.resourceGroupName}/providers/${TYPE}/${req.params.name}`;
  const requireGroup = (req: ArmRequest): void => {
    if (!ctx.store.resourceGroupExists(req.subscriptionId, req.resourceGroupName ?? '')) throw ArmError.resourceGroupNotFound(req.resourceGroupName ?? '');
  };
  const mustGet = (req: ArmRequest): Setting => {
    requireGroup(req);
    const found = ctx.store.get<Setting>(idOf(req));
    if (!found) throw ArmError.resourceNotFound(TYPE, req.params.name ?? '', req.resourceGroupName ?? '');
    return found;
  };
  ctx.router.add({
    method: 'PUT',
    template: TEMPLATE,
    kind: 'write',
    action: `${TYPE}/write`,
    handler: (req) => {
      requireGroup(req);
      const body = req.body as Partial<Setting> | undefined;
      if (!body?.location) throw ArmError.invalidParameter('The location property is required.', 'location');
      const properties = structuredClone(body.properties ?? {});
      validateProfiles(properties);
      properties.enabled ??= true;
      // Azure echoes the setting's name inside its properties (examples/createOrUpdateAutoscaleSetting.json, 2022-10-01).
      properties.name = req.params.name ?? '';
      const existed = ctx.store.get(idOf(req)) !== undefined;
      const doc = ctx.store.put<Setting>({ id: idOf(req), name: req.params.name ?? '', type: TYPE, location: body.location, ...(body.tags ? { tags: body.tags } : {}), properties });
      return { status: existed ? 200 : 201, body: doc };
    },
  });
  ctx.router.add({ method: 'GET', template: TEMPLATE, kind: 'read', action: `${TYPE}/read`, handler: (req) => ({ status: 200, body: mustGet(req) }) });
  ctx.router.add({
    method: 'PATCH',
    template: TEMPLATE,
    kind: 'write',
    action: `${TYPE}/write`,
    handler: (req) => {
      const doc = mustGet(req);
      const patch = (req.body ?? {}) as { tags?: Record<string, string>; properties?: Record<string, unknown> };
      const properties = { ...doc.properties, ...(patch.properties ?? {}) };
      validateProfiles(properties);
      return { status: 200, body: ctx.store.put({ ...doc, ...(patch.tags ? { tags: patch.tags } : {}), properties }) };
    },
  });
  ctx.router.add({
    method: 'DELETE',
    template: TEMPLATE,
    kind: 'delete',
    action: `${TYPE}/delete`,
    handler: (req) => {
      requireGroup(req);
      return { status: ctx.store.delete(idOf(req)) ? 200 : 204 };
    },
  });
  ctx.router.add({
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.Insights/autoscalesettings',
    kind: 'read',
    action: `${TYPE}/read`,
    handler: (req) => {
      requireGroup(req);
      return { status: 200, body: { value: ctx.store.list({ subscriptionId: req.subscriptionId, resourceGroupName: req.resourceGroupName, type: TYPE }) } };
    },
  });
}
