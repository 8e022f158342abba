import type { ResourceStore } from './contract';

/** Resource group document as ARM returns it. */
export interface ResourceGroupDoc {
  id: string;
  name: string;
  type: 'Microsoft.Resources/resourceGroups';
  location: string;
  tags?: Record<string, string>;
  properties: { provisioningState: string };
}

const key = (id: string): string => id.toLowerCase();

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child}/{name}]` into its type string. */
export function resourceTypeOf(id: string): string | undefined {
  const match = /\/providers\/([^/]+)\/(.+)$/i.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  const parts = match[2].split('/');
  const types = parts.filter((_, i) => i % 2 === 0);
  return `${match[1]}/${types.join('/')}`.toLowerCase();
}

export function scopeOf(id: string): { subscriptionId?: string; resourceGroupName?: string } {
  const match = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i.exec(id);
  return { subscriptionId: match?.[1]?.toLowerCase(), resourceGroupName: match?.[2]?.toLowerCase() };
}

/** In-memory store keyed by lower-cased resource id; resource groups kept beside resources. */
export class MemoryResourceStore implements ResourceStore {
  private readonly resources = new Map<string, { id: string }>();
  private readonly groups = new Map<string, ResourceGroupDoc>();

  private groupKey(subscriptionId: string, resourceGroupName: string): string {
    return `${subscriptionId}/${resourceGroupName}`.toLowerCase();
  }

  resourceGroupExists(subscriptionId: string, resourceGroupName: string): boolean {
    return this.groups.has(this.groupKey(subscriptionId, resourceGroupName));
  }
  getResourceGroup(subscriptionId: string, resourceGroupName: string): ResourceGroupDoc | undefined {
    return this.groups.get(this.groupKey(subscriptionId, resourceGroupName));
  }
  putResourceGroup(subscriptionId: string, doc: ResourceGroupDoc): ResourceGroupDoc {
    this.groups.set(this.groupKey(subscriptionId, doc.name), doc);
    return doc;
  }
  listResourceGroups(subscriptionId: string): ResourceGroupDoc[] {
    const prefix = `${subscriptionId}/`.toLowerCase();
    return [...this.groups.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }
  /** Deletes the group and every resource in it; returns the deleted resource ids. */
  deleteResourceGroup(subscriptionId: string, resourceGroupName: string): string[] {
    this.groups.delete(this.groupKey(subscriptionId, resourceGroupName));
    const prefix = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroupName}/`.toLowerCase();
    const deleted: string[] = [];
    for (const [k, v] of this.resources) {
      if (k.startsWith(prefix)) {
        this.resources.delete(k);
        deleted.push(v.id);
      }
    }
    return deleted;
  }

  get<T = Record<string, unknown>>(id: string): T | undefined {
    return this.resources.get(key(id)) as T | undefined;
  }
  put<T extends { id: string }>(resource: T): T {
    this.resources.set(key(resource.id), resource);
    return resource;
  }
  delete(id: string): boolean {
    return this.resources.delete(key(id));
  }
  list<T = Record<string, unknown>>(options: { subscriptionId: string; resourceGroupName?: string; type: string }): T[] {
    const wantedType = options.type.toLowerCase();
    const out: T[] = [];
    for (const resource of this.resources.values()) {
      if (resourceTypeOf(resource.id) !== wantedType) continue;
      const scope = scopeOf(resource.id);
      if (scope.subscriptionId !== options.subscriptionId.toLowerCase()) continue;
      if (options.resourceGroupName && scope.resourceGroupName !== options.resourceGroupName.toLowerCase()) continue;
      out.push(resource as T);
    }
    return out;
  }
  reset(): void {
    this.resources.clear();
    this.groups.clear();
  }
}
