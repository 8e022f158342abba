/**
 * Microsoft.Network: virtual networks and subnets, NSGs and rules, public IPs, NAT gateways,
 * Standard load balancers and Application Gateways, as `@azure/arm-network` 39 drives them.
 * Writes are long-running operations (201/200 + Azure-AsyncOperation, then the SDK re-GETs).
 * Sub-resources get their ids filled in; references are checked the way ARM checks them
 * (400 InvalidResourceReference naming the property). Load balancer and Application Gateway
 * front ends with a public IP become real HTTP proxies (see frontEndProxy.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { fillNetworkDefaults, publicIpAttachment } from './azureDefaults';
import { ArmError } from '../core/contract';
import type { ArmRequest, ArmResponse, ProviderContext } from '../core/contract';
import { parseCidr } from '../core/subnets';
import { FrontEndProxy, type FrontEndTarget } from './frontEndProxy';
import { networkOperationMs } from '../core/timingProfile';

type Doc = {
  id: string;
  name: string;
  type: string;
  location: string;
  etag?: string;
  tags?: Record<string, string>;
  sku?: { name?: string; tier?: string };
  zones?: string[];
  properties: Record<string, unknown>;
};
type SubDoc = { id?: string; name?: string; etag?: string; type?: string; properties?: Record<string, unknown> };

const RG = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';
const NET = `${RG}/providers/Microsoft.Network`;

/** Sub-resource collections per type, which get ids of the form `{parent}/{collection}/{name}`. */
const SUB_COLLECTIONS: Record<string, string[]> = {
  virtualNetworks: ['subnets'],
  networkSecurityGroups: ['securityRules'],
  loadBalancers: ['frontendIPConfigurations', 'backendAddressPools', 'probes', 'loadBalancingRules', 'inboundNatPools', 'inboundNatRules', 'outboundRules'],
  applicationGateways: [
    'gatewayIPConfigurations',
    'frontendIPConfigurations',
    'frontendPorts',
    'httpListeners',
    'requestRoutingRules',
    'backendHttpSettingsCollection',
    'probes',
    'backendAddressPools',
    'sslCertificates',
  ],
  natGateways: [],
  publicIPAddresses: [],
};

/** A string property, or the fallback when it is missing or not a string. */
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);
const etag = (): string => `W/"${randomUUID()}"`;
const lower = (s: string | undefined): string => (s ?? '').toLowerCase();

function asArray(value: unknown): SubDoc[] {
  return Array.isArray(value) ? (value as SubDoc[]) : [];
}

function refId(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
}

/** A stable fake public address per public IP resource (20.x.y.z, like an Azure public range). */
function publicAddressFor(id: string): string {
  const h = createHash('sha256').update(id.toLowerCase()).digest();
  return `20.${(h[0] ?? 0) % 250}.${(h[1] ?? 0) % 250}.${((h[2] ?? 0) % 250) + 1}`;
}

const positive = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback);

/**
 * A Standard LB rule's front end as the proxy serves it. Probe: `intervalInSeconds` (default 15,
 * minimum 5), `probeThreshold` — consecutive results to go out of / back into rotation (default 1;
 * older definitions say `numberOfProbes`, used when no threshold is given), timeout the smaller of
 * the interval and 30 s; HTTP probes need a 200 (Microsoft Learn, "Azure Load Balancer health
 * probes"; ProbePropertiesFormat in @azure/arm-network).
 */
export function loadBalancerTarget(pool: string, backendPort: number, probe: Record<string, unknown>): FrontEndTarget {
  const intervalMs = positive(probe.intervalInSeconds, 15) * 1000;
  return {
    kind: 'loadBalancer',
    backendPoolIds: [pool],
    backendPort,
    probe: { path: text(probe.requestPath, '/'), intervalMs, threshold: Math.round(positive(probe.probeThreshold, positive(probe.numberOfProbes, 1))), timeoutMs: Math.min(intervalMs, 30_000) },
    drainTimeoutMs: 0,
    allProbedDownSendsToAll: probe.noHealthyBackendsBehavior === 'AllProbedUp',
  };
}

/**
 * An Application Gateway routing rule's front end. Probe: `interval` (default 30 s), `timeout`
 * (default 30 s), `unhealthyThreshold` (default 3), 200–399 healthy; backend settings'
 * `connectionDraining` {enabled, drainTimeoutInSec 1–3600} (Microsoft Learn, "Application Gateway
 * health probes overview" and "Application Gateway HTTP settings configuration").
 */
export function applicationGatewayTarget(pool: string, settings: Record<string, unknown>, probe: Record<string, unknown>): FrontEndTarget {
  const draining = (settings.connectionDraining ?? {}) as { enabled?: unknown; drainTimeoutInSec?: unknown };
  return {
    kind: 'applicationGateway',
    backendPoolIds: [pool],
    backendPort: Number(settings.port ?? 80),
    probe: { path: text(probe.path, '/'), intervalMs: positive(probe.interval, 30) * 1000, threshold: Math.round(positive(probe.unhealthyThreshold, 3)), timeoutMs: positive(probe.timeout, 30) * 1000 },
    drainTimeoutMs: draining.enabled === true ? positive(draining.drainTimeoutInSec, 1) * 1000 : 0,
  };
}

/** The `join` checks ARM makes on other resources a network resource references. */
export function linkedActionsOf(properties: Record<string, unknown>): string[] {
  const actions = new Set<string>();
  const text = JSON.stringify(properties);
  const has = (pattern: RegExp): boolean => pattern.test(text);
  for (const subnet of asArray(properties.subnets)) {
    if (refId(subnet.properties?.networkSecurityGroup)) actions.add('Microsoft.Network/networkSecurityGroups/join/action');
    if (refId(subnet.properties?.natGateway)) actions.add('Microsoft.Network/natGateways/join/action');
  }
  if (has(/"publicIPAddress":\{"id":|"publicIpAddresses":\[\{"id":/)) actions.add('Microsoft.Network/publicIPAddresses/join/action');
  if (asArray(properties.gatewayIPConfigurations).some((g) => refId(g.properties?.subnet))) actions.add('Microsoft.Network/virtualNetworks/subnets/join/action');
  return [...actions].sort();
}

export function registerNetworkProvider(ctx: ProviderContext): void {
  const proxies = new Map<string, FrontEndProxy>();
  ctx.onShutdown(async () => {
    await Promise.all([...proxies.values()].map((p) => p.close()));
    proxies.clear();
  });

  const resourceId = (req: ArmRequest, type: string, name: string): string =>
    `/subscriptions/${req.subscriptionId}/resourceGroups/${req.resourceGroupName}/providers/Microsoft.Network/${type}/${name}`;

  const requireGroup = (req: ArmRequest): void => {
    if (!ctx.store.resourceGroupExists(req.subscriptionId, req.resourceGroupName ?? '')) throw ArmError.resourceGroupNotFound(req.resourceGroupName ?? '');
  };

  const mustGet = (req: ArmRequest, type: string, name: string): Doc => {
    requireGroup(req);
    const doc = ctx.store.get<Doc>(resourceId(req, type, name));
    if (!doc) throw ArmError.resourceNotFound(`Microsoft.Network/${type}`, name, req.resourceGroupName ?? '');
    return doc;
  };

  const referenceMustExist = (id: string | undefined, property: string): void => {
    if (id === undefined) return;
    // Sub-resource ids resolve through their parent document.
    const match = /^(.*\/providers\/Microsoft\.Network\/[^/]+\/[^/]+)(?:\/([^/]+)\/([^/]+))?$/i.exec(id);
    const parent = match?.[1] ? ctx.store.get<Doc>(match[1]) : undefined;
    const found = parent && (!match?.[2] || asArray(parent.properties[match[2]]).some((s) => lower(s.name) === lower(match[3])));
    if (!found) throw new ArmError(400, 'InvalidResourceReference', `Resource ${id} referenced by resource ${property} was not found.`, property);
  };

  /** Fills sub-resource ids/etags, checks names are unique. */
  const normaliseSubResources = (type: string, id: string, properties: Record<string, unknown>): void => {
    for (const collection of SUB_COLLECTIONS[type] ?? []) {
      const items = asArray(properties[collection]);
      const names = new Set<string>();
      items.forEach((item, index) => {
        if (!item.name) throw ArmError.invalidParameter(`${collection}[${index}] must have a name.`, `properties.${collection}[${index}].name`);
        if (names.has(lower(item.name))) throw ArmError.invalidParameter(`Duplicate name '${item.name}' in ${collection}.`, `properties.${collection}[${index}].name`);
        names.add(lower(item.name));
        item.id = `${id}/${collection}/${item.name}`;
        item.etag = etag();
        item.properties = { ...(item.properties ?? {}), provisioningState: 'Succeeded' };
      });
      if (properties[collection] !== undefined) properties[collection] = items;
    }
  };

  const sameParentRef = (parentId: string, ref: string | undefined, collection: string, property: string, doc: Record<string, unknown>): void => {
    if (ref === undefined) return;
    const expectedPrefix = `${parentId}/${collection}/`.toLowerCase();
    const ok = ref.toLowerCase().startsWith(expectedPrefix) && asArray(doc[collection]).some((s) => lower(s.id) === ref.toLowerCase());
    if (!ok) throw new ArmError(400, 'InvalidResourceReference', `Resource ${ref} referenced by resource ${parentId} was not found.`, property);
  };

  /** What still uses a subnet: instances holding an address in it, Application Gateways placed in it, service association links (VNet integration). */
  const subnetUsers = (subnetId: string, subnet: SubDoc): string[] => {
    const instances = ctx.subnets.usersOf(subnetId).map((owner) => `${owner}/networkInterfaces/nic/ipConfigurations/ipconfig`);
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(subnetId)?.[1] ?? '';
    const gateways = ctx.store
      .list<Doc>({ subscriptionId, type: 'Microsoft.Network/applicationGateways' })
      .flatMap((gw) => asArray(gw.properties.gatewayIPConfigurations).filter((g) => lower(refId(g.properties?.subnet)) === lower(subnetId)).map((g) => `${gw.id}/gatewayIPConfigurations/${g.name}`));
    const links = asArray(subnet.properties?.serviceAssociationLinks).map((l) => l.id ?? `${subnetId}/serviceAssociationLinks/${l.name}`);
    return [...instances, ...gateways, ...links];
  };

  const inUseError = (subnetName: string, user: string): ArmError =>
    new ArmError(400, 'InUseSubnetCannotBeDeleted', `Subnet ${subnetName} is in use by ${user} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`);

  /**
   * A virtual network PUT and the subnets it does not list, as the network provider treats them at
   * api-version 2023-11-01 and later (@azure/arm-network 39 sends 2026-01-01): `subnets` absent keeps
   * every existing subnet; `subnets` present is authoritative, so a subnet left out is deleted, and a
   * PUT that leaves out a subnet something still uses fails 400 InUseSubnetCannotBeDeleted.
   * Sources: Azure/bicep#4653, Azure/bicep#13267 and Azure/ResourceModules#1111 (the error and its
   * message); Azure/bicep-types-az#1687 and the Azure Networking blog "Azure Virtual Network now
   * supports updates without subnet property" (2024-03, subnets absent are kept).
   */
  const reconcileSubnets = (existing: Doc | undefined, doc: Doc): void => {
    if (!existing) return;
    const before = asArray(existing.properties.subnets);
    if (doc.properties.subnets === undefined) {
      if (before.length > 0) doc.properties.subnets = structuredClone(before);
      return;
    }
    const listed = new Set(asArray(doc.properties.subnets).map((s) => lower(s.name)));
    for (const subnet of before) {
      if (listed.has(lower(subnet.name))) continue;
      const user = subnetUsers(`${existing.id}/subnets/${subnet.name ?? ''}`, subnet)[0];
      if (user) throw inUseError(subnet.name ?? '', user);
    }
  };

  const validators: Record<string, (id: string, doc: Doc) => void> = {
    virtualNetworks: (_id, doc) => {
      const space = (doc.properties.addressSpace as { addressPrefixes?: string[] } | undefined)?.addressPrefixes ?? [];
      if (space.length === 0) throw ArmError.invalidParameter('A virtual network needs at least one address prefix.', 'properties.addressSpace.addressPrefixes');
      space.forEach((p, i) => {
        if (!parseCidr(p)) throw ArmError.invalidParameter(`'${p}' is not a valid CIDR prefix.`, `properties.addressSpace.addressPrefixes[${i}]`);
      });
      asArray(doc.properties.subnets).forEach((subnet, i) => validateSubnet(subnet, space, `properties.subnets[${i}]`));
    },
    publicIPAddresses: (id, doc) => {
      const skuName = doc.sku?.name ?? 'Standard';
      if (skuName !== 'Standard' && skuName !== 'Basic') throw ArmError.invalidParameter(`Unknown public IP sku '${skuName}'.`, 'sku.name');
      doc.sku = { name: skuName, tier: doc.sku?.tier ?? 'Regional' };
      if (skuName === 'Standard' && doc.properties.publicIPAllocationMethod === 'Dynamic') {
        throw ArmError.invalidParameter('Standard sku public IP addresses must use the Static allocation method.', 'properties.publicIPAllocationMethod');
      }
      doc.properties.publicIPAllocationMethod = 'Static';
      doc.properties.publicIPAddressVersion ??= 'IPv4';
      doc.properties.ipAddress = publicAddressFor(id);
    },
    natGateways: (_id, doc) => {
      doc.sku = { name: doc.sku?.name ?? 'Standard' };
      asArray(doc.properties.publicIpAddresses).forEach((ref, i) => referenceMustExist(ref.id, `properties.publicIpAddresses[${i}].id`));
      doc.properties.idleTimeoutInMinutes ??= 4;
    },
    networkSecurityGroups: (_id, doc) => {
      asArray(doc.properties.securityRules).forEach((rule, i) => validateRule(rule.properties ?? {}, `properties.securityRules[${i}].properties`));
    },
    loadBalancers: (id, doc) => {
      const p = doc.properties;
      doc.sku = { name: doc.sku?.name ?? 'Standard', tier: doc.sku?.tier ?? 'Regional' };
      asArray(p.frontendIPConfigurations).forEach((fe, i) => {
        referenceMustExist(refId(fe.properties?.publicIPAddress), `properties.frontendIPConfigurations[${i}].properties.publicIPAddress.id`);
        referenceMustExist(refId(fe.properties?.subnet), `properties.frontendIPConfigurations[${i}].properties.subnet.id`);
      });
      asArray(p.probes).forEach((probe, i) => {
        const protocol = text(probe.properties?.protocol, '');
        if (!['Http', 'Https', 'Tcp'].includes(protocol)) throw ArmError.invalidParameter(`Probe protocol must be Http, Https or Tcp.`, `properties.probes[${i}].properties.protocol`);
        if (protocol !== 'Tcp' && !probe.properties?.requestPath) throw ArmError.invalidParameter('An HTTP probe needs a requestPath.', `properties.probes[${i}].properties.requestPath`);
      });
      asArray(p.loadBalancingRules).forEach((rule, i) => {
        const rp = rule.properties ?? {};
        sameParentRef(id, refId(rp.frontendIPConfiguration), 'frontendIPConfigurations', `properties.loadBalancingRules[${i}].properties.frontendIPConfiguration.id`, p);
        sameParentRef(id, refId(rp.backendAddressPool), 'backendAddressPools', `properties.loadBalancingRules[${i}].properties.backendAddressPool.id`, p);
        sameParentRef(id, refId(rp.probe), 'probes', `properties.loadBalancingRules[${i}].properties.probe.id`, p);
        if (!Number.isInteger(rp.frontendPort) || !Number.isInteger(rp.backendPort)) {
          throw ArmError.invalidParameter('A load balancing rule needs integer frontendPort and backendPort.', `properties.loadBalancingRules[${i}].properties`);
        }
      });
      asArray(p.inboundNatPools).forEach((pool, i) => {
        const pp = pool.properties ?? {};
        sameParentRef(id, refId(pp.frontendIPConfiguration), 'frontendIPConfigurations', `properties.inboundNatPools[${i}].properties.frontendIPConfiguration.id`, p);
        const start = Number(pp.frontendPortRangeStart);
        const end = Number(pp.frontendPortRangeEnd);
        if (!(start >= 1 && end <= 65534 && start <= end)) throw ArmError.invalidParameter('The NAT pool port range is invalid.', `properties.inboundNatPools[${i}].properties.frontendPortRangeStart`);
      });
    },
    applicationGateways: (id, doc) => {
      const p = doc.properties;
      const sku = p.sku as { name?: string; tier?: string; capacity?: number } | undefined;
      if (!sku?.name) throw ArmError.invalidParameter('An application gateway needs a sku.', 'properties.sku.name');
      asArray(p.gatewayIPConfigurations).forEach((g, i) => referenceMustExist(refId(g.properties?.subnet), `properties.gatewayIPConfigurations[${i}].properties.subnet.id`));
      asArray(p.frontendIPConfigurations).forEach((fe, i) => referenceMustExist(refId(fe.properties?.publicIPAddress), `properties.frontendIPConfigurations[${i}].properties.publicIPAddress.id`));
      asArray(p.httpListeners).forEach((l, i) => {
        sameParentRef(id, refId(l.properties?.frontendIPConfiguration), 'frontendIPConfigurations', `properties.httpListeners[${i}].properties.frontendIPConfiguration.id`, p);
        sameParentRef(id, refId(l.properties?.frontendPort), 'frontendPorts', `properties.httpListeners[${i}].properties.frontendPort.id`, p);
      });
      asArray(p.requestRoutingRules).forEach((r, i) => {
        const rp = r.properties ?? {};
        if (!Number.isInteger(rp.priority)) throw ArmError.invalidParameter('Request routing rules need a priority (API version 2021-08-01 and later).', `properties.requestRoutingRules[${i}].properties.priority`);
        sameParentRef(id, refId(rp.httpListener), 'httpListeners', `properties.requestRoutingRules[${i}].properties.httpListener.id`, p);
        sameParentRef(id, refId(rp.backendAddressPool), 'backendAddressPools', `properties.requestRoutingRules[${i}].properties.backendAddressPool.id`, p);
        sameParentRef(id, refId(rp.backendHttpSettings), 'backendHttpSettingsCollection', `properties.requestRoutingRules[${i}].properties.backendHttpSettings.id`, p);
      });
      asArray(p.backendHttpSettingsCollection).forEach((s, i) =>
        sameParentRef(id, refId(s.properties?.probe), 'probes', `properties.backendHttpSettingsCollection[${i}].properties.probe.id`, p),
      );
      p.operationalState = 'Running';
    },
  };

  function validateSubnet(subnet: SubDoc, space: string[], path: string): void {
    const prefix = text(subnet.properties?.addressPrefix, '');
    const range = parseCidr(prefix);
    if (!range) throw ArmError.invalidParameter(`Subnet '${subnet.name}' needs a valid addressPrefix.`, `${path}.properties.addressPrefix`);
    if (space.length > 0 && !space.some((s) => {
      const outer = parseCidr(s);
      return outer !== undefined && range.first >= outer.first && range.last <= outer.last;
    })) {
      throw new ArmError(400, 'NetcfgSubnetRangeOutsideVnet', `Subnet '${subnet.name}' is not valid because its IP address range is outside the IP address range of the virtual network.`, `${path}.properties.addressPrefix`);
    }
    referenceMustExist(refId(subnet.properties?.natGateway), `${path}.properties.natGateway.id`);
    referenceMustExist(refId(subnet.properties?.networkSecurityGroup), `${path}.properties.networkSecurityGroup.id`);
  }

  function validateRule(p: Record<string, unknown>, path: string): void {
    const priority = Number(p.priority);
    if (!Number.isInteger(priority) || priority < 100 || priority > 4096) throw ArmError.invalidParameter('Security rule priority must be between 100 and 4096.', `${path}.priority`);
    if (!['Inbound', 'Outbound'].includes(String(p.direction))) throw ArmError.invalidParameter('Security rule direction must be Inbound or Outbound.', `${path}.direction`);
    if (!['Allow', 'Deny'].includes(String(p.access))) throw ArmError.invalidParameter('Security rule access must be Allow or Deny.', `${path}.access`);
    if (!['Tcp', 'Udp', 'Icmp', '*', 'Esp', 'Ah'].includes(String(p.protocol))) throw ArmError.invalidParameter('Security rule protocol is invalid.', `${path}.protocol`);
  }

  /** Keeps one proxy per public front end (ip:port) so its local URL stays stable across updates. */
  const syncFrontEnds = async (type: string, doc: Doc | undefined, id: string): Promise<void> => {
    const wanted = new Map<string, { address: string; target: FrontEndTarget }>();
    if (doc && type === 'loadBalancers') {
      const p = doc.properties;
      for (const rule of asArray(p.loadBalancingRules)) {
        const rp = rule.properties ?? {};
        const fe = asArray(p.frontendIPConfigurations).find((f) => lower(f.id) === lower(refId(rp.frontendIPConfiguration)));
        const pip = ctx.store.get<Doc>(refId(fe?.properties?.publicIPAddress) ?? '');
        const probe = asArray(p.probes).find((pr) => lower(pr.id) === lower(refId(rp.probe)));
        const pool = refId(rp.backendAddressPool);
        if (!pip || !pool) continue;
        const address = `${String(pip.properties.ipAddress)}:${Number(rp.frontendPort)}`;
        wanted.set(`${lower(id)}|${address}`, { address, target: loadBalancerTarget(pool, Number(rp.backendPort), probe?.properties ?? {}) });
      }
    }
    if (doc && type === 'applicationGateways') {
      const p = doc.properties;
      for (const rule of asArray(p.requestRoutingRules)) {
        const rp = rule.properties ?? {};
        const listener = asArray(p.httpListeners).find((l) => lower(l.id) === lower(refId(rp.httpListener)));
        const fe = asArray(p.frontendIPConfigurations).find((f) => lower(f.id) === lower(refId(listener?.properties?.frontendIPConfiguration)));
        const port = asArray(p.frontendPorts).find((f) => lower(f.id) === lower(refId(listener?.properties?.frontendPort)));
        const pip = ctx.store.get<Doc>(refId(fe?.properties?.publicIPAddress) ?? '');
        const settings = asArray(p.backendHttpSettingsCollection).find((s) => lower(s.id) === lower(refId(rp.backendHttpSettings)));
        const probe = asArray(p.probes).find((pr) => lower(pr.id) === lower(refId(settings?.properties?.probe)));
        const pool = refId(rp.backendAddressPool);
        if (!pip || !pool || !port) continue;
        const address = `${String(pip.properties.ipAddress)}:${Number(port.properties?.port)}`;
        wanted.set(`${lower(id)}|${address}`, { address, target: applicationGatewayTarget(pool, settings?.properties ?? {}, probe?.properties ?? {}) });
      }
    }
    for (const [key, proxy] of proxies) {
      if (key.startsWith(`${lower(id)}|`) && !wanted.has(key)) {
        proxies.delete(key);
        ctx.addressMap.remove(key.slice(key.indexOf('|') + 1));
        await proxy.close();
      }
    }
    for (const [key, { address, target }] of wanted) {
      const existing = proxies.get(key);
      if (existing) {
        existing.update(target);
        continue;
      }
      const proxy = new FrontEndProxy({ target, directory: () => ctx.instances, clock: ctx.clock, probeIntervalOverrideMs: () => ctx.timing.healthProbeIntervalMs ?? 0 });
      proxies.set(key, proxy);
      const port = await proxy.start();
      ctx.addressMap.set(address, `127.0.0.1:${port}`);
    }
  };

  const registerType = (type: string): void => {
    const template = `${NET}/${type}/{name}`;
    const fullType = `Microsoft.Network/${type}`;
    ctx.router.add({
      method: 'PUT',
      template,
      kind: 'write',
      action: `${fullType}/write`,
      handler: (req) => {
        requireGroup(req);
        const name = req.params.name ?? '';
        if (!/^[A-Za-z0-9][\w.-]{0,79}$/.test(name)) throw ArmError.badRequest('InvalidResourceName', `Resource name ${name} is invalid.`, 'name');
        const body = req.body as Partial<Doc> | undefined;
        if (!body || typeof body !== 'object') throw ArmError.badRequest('InvalidRequestContent', 'The request body must be a JSON object.');
        if (!body.location) throw ArmError.invalidParameter('The location property is required for this definition.', 'location');
        const id = resourceId(req, type, name);
        const existing = ctx.store.get<Doc>(id);
        const doc: Doc = {
          id,
          name,
          type: fullType,
          location: String(body.location).toLowerCase().replace(/\s+/g, ''),
          ...(body.tags ? { tags: body.tags } : {}),
          ...(body.sku ? { sku: body.sku } : {}),
          ...(body.zones ? { zones: body.zones } : {}),
          etag: etag(),
          properties: structuredClone(body.properties ?? {}),
        };
        if (type === 'virtualNetworks') reconcileSubnets(existing, doc);
        normaliseSubResources(type, id, doc.properties);
        validators[type]?.(id, doc);
        fillNetworkDefaults(type, doc);
        doc.properties.resourceGuid = (existing?.properties.resourceGuid) ?? randomUUID();
        doc.properties.provisioningState = existing ? 'Updating' : 'Creating';
        const final = structuredClone(doc);
        final.properties.provisioningState = 'Succeeded';
        ctx.store.put(doc);
        const headers = ctx.lro.begin({
          method: 'PUT',
          provider: 'Microsoft.Network',
          location: doc.location,
          subscriptionId: req.subscriptionId,
          durationMs: networkOperationMs(ctx.timing, type),
          template,
          work: async () => {
            ctx.store.put(final);
            await syncFrontEnds(type, final, id);
          },
          onFailure: () => {
            ctx.store.put({ ...doc, properties: { ...doc.properties, provisioningState: 'Failed' } });
          },
        });
        return { status: existing ? 200 : 201, body: doc, headers, linkedActions: linkedActionsOf(doc.properties) };
      },
    });
    ctx.router.add({
      method: 'GET',
      template,
      kind: 'read',
      action: `${fullType}/read`,
      handler: (req) => {
        const doc = mustGet(req, type, req.params.name ?? '');
        if (type === 'publicIPAddresses') {
          const owners = ['loadBalancers', 'applicationGateways'].flatMap((t) => ctx.store.list<Doc>({ subscriptionId: req.subscriptionId, type: `Microsoft.Network/${t}` }));
          const attached = publicIpAttachment(doc.id, owners);
          return { status: 200, body: attached ? { ...doc, properties: { ...doc.properties, ipConfiguration: attached } } : doc };
        }
        // `$expand=frontendIPConfigurations/publicIPAddress` embeds the referenced public IPs, as ARM does.
        if (!/frontendIPConfigurations\/publicIPAddress/i.test(req.query.get('$expand') ?? '')) return { status: 200, body: doc };
        const expanded = structuredClone(doc);
        for (const fe of asArray(expanded.properties.frontendIPConfigurations)) {
          const pipId = refId(fe.properties?.publicIPAddress);
          const pip = pipId ? ctx.store.get<Doc>(pipId) : undefined;
          if (fe.properties && pip) fe.properties.publicIPAddress = pip;
        }
        return { status: 200, body: expanded };
      },
    });
    ctx.router.add({
      method: 'PATCH',
      template,
      kind: 'write',
      action: `${fullType}/write`,
      handler: (req) => {
        const doc = mustGet(req, type, req.params.name ?? '');
        const tags = (req.body as { tags?: Record<string, string> } | undefined)?.tags;
        if (tags !== undefined) doc.tags = tags;
        doc.etag = etag();
        return { status: 200, body: ctx.store.put(doc) };
      },
    });
    ctx.router.add({
      method: 'DELETE',
      template,
      kind: 'delete',
      action: `${fullType}/delete`,
      handler: (req): ArmResponse => {
        requireGroup(req);
        const id = resourceId(req, type, req.params.name ?? '');
        const doc = ctx.store.get<Doc>(id);
        if (!doc) return { status: 204 };
        const headers = ctx.lro.begin({
          method: 'DELETE',
          provider: 'Microsoft.Network',
          location: doc.location,
          subscriptionId: req.subscriptionId,
          durationMs: ctx.timing.networkOperationMs,
          template,
          work: async () => {
            ctx.store.delete(id);
            await syncFrontEnds(type, undefined, id);
          },
        });
        return { status: 202, headers };
      },
    });
    ctx.router.add({
      method: 'GET',
      template: `${NET}/${type}`,
      kind: 'read',
      action: `${fullType}/read`,
      handler: (req) => {
        requireGroup(req);
        return { status: 200, body: { value: ctx.store.list({ subscriptionId: req.subscriptionId, resourceGroupName: req.resourceGroupName, type: fullType }) } };
      },
    });
    ctx.router.add({
      method: 'GET',
      template: `/subscriptions/{subscriptionId}/providers/Microsoft.Network/${type}`,
      kind: 'read',
      action: `${fullType}/read`,
      handler: (req) => ({ status: 200, body: { value: ctx.store.list({ subscriptionId: req.subscriptionId, type: fullType }) } }),
    });
  };

  /** Child collections with their own routes (subnets, security rules): stored inside the parent. */
  const registerChild = (parentType: string, collection: string, childValidate: (parent: Doc, child: SubDoc, path: string) => void): void => {
    const template = `${NET}/${parentType}/{parentName}/${collection}/{name}`;
    const action = `Microsoft.Network/${parentType}/${collection}`;
    const find = (req: ArmRequest): { parent: Doc; child?: SubDoc } => {
      const parent = mustGet(req, parentType, req.params.parentName ?? '');
      const child = asArray(parent.properties[collection]).find((c) => lower(c.name) === lower(req.params.name));
      return { parent, child };
    };
    ctx.router.add({
      method: 'PUT',
      template,
      kind: 'write',
      action: `${action}/write`,
      handler: (req) => {
        const { parent, child: existing } = find(req);
        const name = req.params.name ?? '';
        const body = (req.body ?? {}) as SubDoc;
        const child: SubDoc = { name, id: `${parent.id}/${collection}/${name}`, etag: etag(), properties: { ...structuredClone(body.properties ?? {}), provisioningState: 'Succeeded' } };
        childValidate(parent, child, 'properties');
        const others = asArray(parent.properties[collection]).filter((c) => lower(c.name) !== lower(name));
        const updated: Doc = { ...parent, etag: etag(), properties: { ...parent.properties, [collection]: [...others, child] } };
        const headers = ctx.lro.begin({
          method: 'PUT',
          provider: 'Microsoft.Network',
          location: parent.location,
          subscriptionId: req.subscriptionId,
          durationMs: ctx.timing.networkOperationMs,
          template,
          work: () => {
            ctx.store.put(updated);
          },
        });
        return { status: existing ? 200 : 201, body: { ...child, properties: { ...child.properties, provisioningState: 'Updating' } }, headers, linkedActions: linkedActionsOf({ subnets: [child] }) };
      },
    });
    ctx.router.add({
      method: 'GET',
      template,
      kind: 'read',
      action: `${action}/read`,
      handler: (req) => {
        const { child } = find(req);
        if (!child) throw ArmError.resourceNotFound(`${action}`, `${req.params.parentName}/${req.params.name}`, req.resourceGroupName ?? '');
        return { status: 200, body: child };
      },
    });
    ctx.router.add({
      method: 'GET',
      template: `${NET}/${parentType}/{parentName}/${collection}`,
      kind: 'read',
      action: `${action}/read`,
      handler: (req) => ({ status: 200, body: { value: asArray(mustGet(req, parentType, req.params.parentName ?? '').properties[collection]) } }),
    });
    ctx.router.add({
      method: 'DELETE',
      template,
      kind: 'delete',
      action: `${action}/delete`,
      handler: (req): ArmResponse => {
        const { parent, child } = find(req);
        if (!child) return { status: 204 };
        // Deleting a subnet something still uses fails as a VNet PUT leaving it out does (see reconcileSubnets).
        const user = collection === 'subnets' ? subnetUsers(`${parent.id}/subnets/${child.name ?? ''}`, child)[0] : undefined;
        if (user) throw inUseError(child.name ?? '', user);
        const remaining = asArray(parent.properties[collection]).filter((c) => lower(c.name) !== lower(req.params.name));
        ctx.store.put({ ...parent, properties: { ...parent.properties, [collection]: remaining } });
        return { status: 200 };
      },
    });
  };

  for (const type of Object.keys(SUB_COLLECTIONS)) registerType(type);
  registerChild('virtualNetworks', 'subnets', (parent, child, path) => {
    const space = (parent.properties.addressSpace as { addressPrefixes?: string[] } | undefined)?.addressPrefixes ?? [];
    validateSubnet(child, space, path);
  });
  registerChild('networkSecurityGroups', 'securityRules', (_parent, child, path) => validateRule(child.properties ?? {}, path));
}
