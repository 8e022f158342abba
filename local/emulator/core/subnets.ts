/**
 * Private IP allocation from a subnet's address prefix, the way Azure does it: the first four
 * addresses and the last are reserved, so a /24 hands out .4 to .254.
 */
import { ArmError } from './contract';
import type { ResourceStore, SubnetAllocator } from './contract';

const ipToNumber = (ip: string): number => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
const numberToIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

export function parseCidr(cidr: string): { first: number; last: number } | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const bits = Number(match[2]);
  if (bits > 30 || match[1].split('.').some((p) => Number(p) > 255)) return undefined;
  const size = 2 ** (32 - bits);
  const base = Math.floor(ipToNumber(match[1]) / size) * size;
  return { first: base, last: base + size - 1 };
}

interface SubnetDoc {
  name: string;
  properties: { addressPrefix?: string; addressPrefixes?: string[] };
}

export class SubnetIpAllocator implements SubnetAllocator {
  private readonly used = new Map<string, Set<number>>();
  private readonly owners = new Map<string, { subnet: string; ip: number }>();

  constructor(private readonly store: ResourceStore) {}

  private subnetPrefix(subnetId: string): string {
    const match = /^(.*\/virtualNetworks\/[^/]+)\/subnets\/([^/]+)$/i.exec(subnetId);
    const vnet = match?.[1] ? this.store.get<{ properties: { subnets?: SubnetDoc[] } }>(match[1]) : undefined;
    const subnet = vnet?.properties.subnets?.find((s) => s.name.toLowerCase() === (match?.[2] ?? '').toLowerCase());
    if (!subnet) {
      throw new ArmError(400, 'InvalidResourceReference', `Resource ${subnetId} referenced by the network profile was not found.`, 'subnet.id');
    }
    const prefix = subnet.properties.addressPrefix ?? subnet.properties.addressPrefixes?.[0];
    if (!prefix) throw ArmError.invalidParameter(`Subnet ${subnetId} has no address prefix.`, 'subnet.properties.addressPrefix');
    return prefix;
  }

  allocate(subnetId: string, ownerId: string): string {
    const ownerKey = ownerId.toLowerCase();
    const existing = this.owners.get(ownerKey);
    if (existing) return numberToIp(existing.ip);
    const range = parseCidr(this.subnetPrefix(subnetId));
    if (!range) throw ArmError.invalidParameter(`Subnet ${subnetId} has an invalid address prefix.`, 'subnet.properties.addressPrefix');
    const subnetKey = subnetId.toLowerCase();
    const used = this.used.get(subnetKey) ?? new Set<number>();
    this.used.set(subnetKey, used);
    for (let n = range.first + 4; n < range.last; n++) {
      if (!used.has(n)) {
        used.add(n);
        this.owners.set(ownerKey, { subnet: subnetKey, ip: n });
        return numberToIp(n);
      }
    }
    throw new ArmError(400, 'SubnetIsFull', `Subnet ${subnetId} has no free IP addresses left.`, 'subnet.id');
  }

  usersOf(subnetId: string): string[] {
    const key = subnetId.toLowerCase();
    return [...this.owners.entries()].filter(([, owner]) => owner.subnet === key).map(([ownerId]) => ownerId);
  }

  release(ownerId: string): void {
    const owner = this.owners.get(ownerId.toLowerCase());
    if (!owner) return;
    this.used.get(owner.subnet)?.delete(owner.ip);
    this.owners.delete(ownerId.toLowerCase());
  }
}
