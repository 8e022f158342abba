/**
 * Fault injection: fail the next N ARM calls of a route, end the next N LROs of a route Failed,
 * and guest-level faults (an instance page that errors, hangs or resets; a failing extension).
 * Driven in-process or through `POST /_emulator/faults`.
 */
import { z } from 'zod';
import { ArmError } from './contract';
import type { GuestFaults } from './contract';

const routeFault = z.object({
  /** Substring of the route template (or of the request path) to match, case-insensitive. */
  route: z.string().min(1),
  method: z.enum(['GET', 'PUT', 'PATCH', 'POST', 'DELETE']).optional(),
  count: z.number().int().positive().default(1),
  /** Let this many matching requests through first (e.g. refuse only the third PATCH of a change). */
  after: z.number().int().min(0).optional(),
  /** 409 `OperationNotAllowed`: a refusal no client retries (not the concurrent-operation `Conflict`), e.g. to fail one write for good. */
  status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(408), z.literal(409)]),
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** A 429 without Retry-After is NOT retried by the SDK: tests use this to see what reaches the app. */
  omitRetryAfter: z.boolean().optional(),
});
/** The next N matching requests are accepted and never answered (a black-holed connection); the client must give up. */
const hangFault = z.object({
  route: z.string().min(1),
  method: z.enum(['GET', 'PUT', 'PATCH', 'POST', 'DELETE']).optional(),
  count: z.number().int().positive().default(1),
  hang: z.literal(true),
});
const lroFault = z.object({
  failLro: z.string().min(1),
  count: z.number().int().positive().default(1),
  code: z.string().default('InternalOperationError'),
  message: z.string().default('The operation failed (injected by the emulator).'),
});
const instanceFault = z.object({
  instance: z.object({ vmss: z.string().min(1), instanceId: z.string().min(1) }),
  page: z.enum(['page500', 'hang', 'close', 'wrongHost']).nullable(),
});
const extensionFault = z.object({
  extension: z.object({ vmss: z.string().min(1), instanceId: z.string().optional() }),
  message: z.string().min(1),
  /** How many extension runs fail; default every run until cleared. */
  count: z.number().int().positive().optional(),
});
/** The first status poll of each long-running operation started on a matching route fails (the poller must poll again). */
const firstPollFault = z.object({
  firstPoll: z.string().min(1),
  status: z.union([z.literal(500), z.literal(503)]),
  /** How many operations get it; default every one until cleared. */
  count: z.number().int().positive().optional(),
});
export const faultSpec = z.union([routeFault, hangFault, lroFault, instanceFault, extensionFault, firstPollFault]);
export type FaultSpec = z.input<typeof faultSpec>;

interface Counted<T> {
  spec: T;
  remaining: number;
  /** Matching requests let through so far (`after`). */
  skipped?: number;
}

export class FaultController implements GuestFaults {
  private routeFaults: Array<Counted<z.infer<typeof routeFault>>> = [];
  private hangFaults: Array<Counted<z.infer<typeof hangFault>>> = [];
  private lroFaults: Array<Counted<z.infer<typeof lroFault>>> = [];
  private readonly pages = new Map<string, 'page500' | 'hang' | 'close' | 'wrongHost'>();
  private extensionFaults: Array<{ vmss: string; instanceId?: string; message: string; remaining: number }> = [];
  private firstPollFaults: Array<{ route: string; status: 500 | 503; remaining: number }> = [];

  /** Adds a fault; returns the validation problems instead when the spec is malformed. */
  add(input: unknown): { ok: true } | { ok: false; problems: string[] } {
    const parsed = faultSpec.safeParse(input);
    if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) };
    const spec = parsed.data;
    if ('hang' in spec) this.hangFaults.push({ spec, remaining: spec.count });
    else if ('route' in spec) this.routeFaults.push({ spec, remaining: spec.count });
    else if ('failLro' in spec) this.lroFaults.push({ spec, remaining: spec.count });
    else if ('instance' in spec) {
      const k = `${spec.instance.vmss}/${spec.instance.instanceId}`.toLowerCase();
      if (spec.page === null) this.pages.delete(k);
      else this.pages.set(k, spec.page);
    } else if ('firstPoll' in spec) {
      this.firstPollFaults.push({ route: spec.firstPoll.toLowerCase(), status: spec.status, remaining: spec.count ?? Number.POSITIVE_INFINITY });
    } else {
      this.extensionFaults.push({ vmss: spec.extension.vmss.toLowerCase(), instanceId: spec.extension.instanceId, message: spec.message, remaining: spec.count ?? Number.POSITIVE_INFINITY });
    }
    return { ok: true };
  }

  clear(): void {
    this.routeFaults = [];
    this.hangFaults = [];
    this.lroFaults = [];
    this.pages.clear();
    this.extensionFaults = [];
    this.firstPollFaults = [];
  }

  /** True when a hang fault takes this request: the server must accept it and never answer. */
  takeHang(method: string, template: string, path: string): boolean {
    const fault = this.hangFaults.find(
      (f) =>
        f.remaining > 0 &&
        (f.spec.method === undefined || f.spec.method === method) &&
        (template.toLowerCase().includes(f.spec.route.toLowerCase()) || path.toLowerCase().includes(f.spec.route.toLowerCase())),
    );
    if (!fault) return false;
    fault.remaining -= 1;
    this.hangFaults = this.hangFaults.filter((f) => f.remaining > 0);
    return true;
  }

  /** Throws the injected ArmError when a route fault matches this request. */
  checkRoute(method: string, template: string, path: string): void {
    const fault = this.routeFaults.find(
      (f) =>
        f.remaining > 0 &&
        (f.spec.method === undefined || f.spec.method === method) &&
        (template.toLowerCase().includes(f.spec.route.toLowerCase()) || path.toLowerCase().includes(f.spec.route.toLowerCase())),
    );
    if (!fault) return;
    if ((fault.spec.after ?? 0) > (fault.skipped ?? 0)) {
      fault.skipped = (fault.skipped ?? 0) + 1;
      return;
    }
    fault.remaining -= 1;
    this.routeFaults = this.routeFaults.filter((f) => f.remaining > 0);
    const { status } = fault.spec;
    const headers: Record<string, string> = {};
    if (!fault.spec.omitRetryAfter && (status === 429 || status === 503)) headers['Retry-After'] = String(fault.spec.retryAfterSeconds ?? 1);
    const code = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : status === 408 ? 'RequestTimeout' : status === 409 ? 'OperationNotAllowed' : 'InternalServerError';
    throw new ArmError(status, code, `Injected fault: ${status} ${code} for ${method} ${template}.`, undefined, undefined, headers);
  }

  /** The failure to end this LRO with, if one is injected for its route. */
  takeLroFailure(template: string): { code: string; message: string } | undefined {
    const fault = this.lroFaults.find((f) => f.remaining > 0 && template.toLowerCase().includes(f.spec.failLro.toLowerCase()));
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.lroFaults = this.lroFaults.filter((f) => f.remaining > 0);
    return { code: fault.spec.code, message: fault.spec.message };
  }

  /** For an operation starting on this route: the status its first status poll must fail with, if injected. */
  takeFirstPollFault(template: string): 500 | 503 | undefined {
    const fault = this.firstPollFaults.find((f) => f.remaining > 0 && template.toLowerCase().includes(f.route));
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.status;
  }

  pageFault(vmssName: string, instanceId: string): 'page500' | 'hang' | 'close' | 'wrongHost' | undefined {
    return this.pages.get(`${vmssName}/${instanceId}`.toLowerCase());
  }

  extensionFault(vmssName: string, instanceId: string): string | undefined {
    const fault = this.extensionFaults.find(
      (f) => f.remaining > 0 && f.vmss === vmssName.toLowerCase() && (f.instanceId === undefined || f.instanceId === instanceId),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.message;
  }
}

export { ArmError };
