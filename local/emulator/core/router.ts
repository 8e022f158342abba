import type { ArmRequest, RouteSpec, Router } from './contract';
import { apiVersionRuleFor, type ApiVersionRule } from './apiVersions';

interface CompiledRoute {
  spec: RouteSpec;
  apiVersions: ApiVersionRule;
  pattern: RegExp;
  names: string[];
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Route table: `{placeholder}` templates, matched case-insensitively, first registration wins. */
export class RouteTable implements Router {
  private readonly routes: CompiledRoute[] = [];

  add(spec: RouteSpec): void {
    // Every route answers only the api-versions its resource type registered (core/apiVersions.ts):
    // a route without a list would accept any, which ARM never does.
    const apiVersions = apiVersionRuleFor(spec.template);
    if (!apiVersions) throw new Error(`no api-version list for the resource type of ${spec.template} (core/apiVersions.ts)`);
    const names: string[] = [];
    const source = spec.template
      .split('/')
      .map((segment) => {
        const placeholder = /^\{(\w+)\}$/.exec(segment);
        if (placeholder?.[1]) {
          names.push(placeholder[1]);
          return '([^/]+)';
        }
        return escapeRegex(segment);
      })
      .join('/');
    this.routes.push({ spec, apiVersions, names, pattern: new RegExp(`^${source}/?$`, 'i') });
  }

  match(method: string, path: string): { spec: RouteSpec; params: Record<string, string>; apiVersions: ApiVersionRule } | { methodNotAllowed: true } | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.spec.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { spec: route.spec, params, apiVersions: route.apiVersions };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }

  /** Every route (for the LIMITATIONS/coverage listing and the least-privilege role test). */
  list(): Array<Pick<RouteSpec, 'method' | 'template' | 'action' | 'kind'>> {
    return this.routes.map(({ spec }) => ({ method: spec.method, template: spec.template, action: spec.action, kind: spec.kind }));
  }
}

export type { ArmRequest };
