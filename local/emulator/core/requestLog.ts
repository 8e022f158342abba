import type { OperationKind } from './contract';

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  /** The matched route template, e.g. `…/virtualMachineScaleSets/{vmScaleSetName}`; `(unmatched)` when none matched. */
  template: string;
  /** The RBAC action the route needs (for the least-privilege role test). */
  action: string;
  kind: OperationKind | 'unknown';
  status: number;
  latencyMs: number;
  apiVersion: string;
  errorCode?: string;
  /** True when the response was produced by fault injection or throttling rather than the handler. */
  injected?: boolean;
  /** Linked access checks (`…/join/action`) the request needed on referenced resources. */
  linkedActions?: string[];
}

export type RequestLogFilter = Partial<Pick<RequestLogEntry, 'method' | 'template' | 'action' | 'kind' | 'status'>> & {
  since?: number;
  writesOnly?: boolean;
};

const WRITE_METHODS = new Set(['PUT', 'PATCH', 'POST', 'DELETE']);

/** Every ARM request the emulator answered, in order. Bounded so week-long sessions don't grow without limit. */
export class RequestLog {
  private readonly log: RequestLogEntry[] = [];
  private seq = 0;
  constructor(private readonly capacity = 200_000) {}

  append(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full = { seq: ++this.seq, ...entry };
    this.log.push(full);
    if (this.log.length > this.capacity) this.log.splice(0, this.log.length - this.capacity);
    return full;
  }

  /** Sequence number of the last entry: take it before an action, filter `since` after. */
  get lastSeq(): number {
    return this.seq;
  }

  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.log.filter(
      (e) =>
        (filter.since === undefined || e.seq > filter.since) &&
        (filter.method === undefined || e.method === filter.method) &&
        (filter.template === undefined || e.template === filter.template) &&
        (filter.action === undefined || e.action === filter.action) &&
        (filter.kind === undefined || e.kind === filter.kind) &&
        (filter.status === undefined || e.status === filter.status) &&
        (!filter.writesOnly || (WRITE_METHODS.has(e.method) && !e.template.includes('/operations/'))),
    );
  }

  count(filter: RequestLogFilter = {}): number {
    return this.entries(filter).length;
  }

  clear(): void {
    this.log.length = 0;
  }
}
