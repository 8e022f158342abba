/**
 * One read budget for all of the app's ARM reads in a subscription (verification, fleet page,
 * schedule evaluation, events), as a pipeline policy every ARM client carries.
 *
 * Why: ARM and Compute count reads per subscription, not per caller. Compute's per-policy counters
 * (`HighCostGetVMScaleSet3Min` / `30Min`, … reported in `x-ms-ratelimit-remaining-resource`) are
 * shared by every scale set, every concurrent run and the fleet page, and a 429 from them can ask
 * for a 20-minute wait (azure-rest-api-specs #270; aks-engine #2295: allowed 180 per 3 min and 900
 * per 30 min). Kubernetes' Azure provider learned this the hard way: reads fired without regard
 * for the shared budget made throttling storms that took clusters down (kubernetes #93106,
 * AKS #1187) until it cached scale-set VM lists and paced its calls. So the app never spends a
 * budget blindly: it follows what ARM says is left.
 *
 * How:
 * - Every response's `x-ms-ratelimit-remaining-subscription-reads` and
 *   `x-ms-ratelimit-remaining-resource` (policy;remaining, comma-joined) update what is known to be
 *   left per policy. Which policies a kind of request draws on (e.g. the VM list → the HighCost
 *   policies) is learned from its first answer; until then one request of that kind is in flight.
 * - A read goes out only while every policy it draws on keeps `reserve` calls spare after it
 *   (room for other processes and people in the same subscription). Counts are conservative: our
 *   own calls since an answer are subtracted, and a slot is given back only when one of our own
 *   calls has left the policy's window (3Min → 180 s, 30Min → 1800 s), never on a guess.
 * - Reads waiting for budget are served round-robin by scale set, so one scale set's listing
 *   cannot starve another's: verification pages of different scale sets interleave.
 * - A 429 that slips through (another caller spent the budget) closes the policies it reports
 *   spent for its Retry-After.
 * Writes are not paced here (ARM's write buckets are separate; the orchestrations bound them).
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';

export interface ReadPacerClock {
  now(): number;
  /** Resolves after `ms`; `unref`'d so a waiting pacer never keeps a process alive on its own. */
  sleep(ms: number): Promise<void>;
}

export interface ReadBudgetOptions {
  /** Calls each policy keeps spare for other callers in the subscription: max(minReserve, fraction of its limit). */
  reserveFraction?: number;
  minReserve?: number;
  clock?: ReadPacerClock;
}

/** One read let through: when, and when its answer came (null while in flight). */
export interface ReadGrant {
  seq: number;
  at: number;
  answeredAt: number | null;
}

/** What the budget knows about one throttling policy (a Compute policy, or the subscription's read bucket). */
export interface PolicyState {
  name: string;
  windowMs: number;
  /** The largest count ever seen left, + 1: the policy's limit as far as we know. */
  limit: number;
  /** Left, as of the answer to grant `observedSeq`. */
  remaining: number;
  observedSeq: number;
  /** When that answer arrived. */
  observedAt: number;
  /** Our own grants on this policy, oldest first, kept until they have left the window. */
  grants: ReadGrant[];
  /** Closed until then by a 429's Retry-After. */
  closedUntil: number;
}

const SUBSCRIPTION_READS = 'subscription-reads';
/** ARM's read bucket refills 25/s up to 250 (docs: request-limits-and-throttling); counted here as 250 per 10 s. */
const SUBSCRIPTION_READS_WINDOW_MS = 10_000;

/** The window a Compute policy's name states (…3Min, …30Min, …5Min); one minute when it states none. */
export function policyWindowMs(policy: string): number {
  const m = /(\d+)Min$/i.exec(policy);
  return (m ? Number(m[1]) : 1) * 60_000;
}

/** `Microsoft.Compute/HighCostGetVMScaleSet3Min;107,Microsoft.Compute/HighCostGetVMScaleSet30Min;587` → policy → remaining. */
export function parseRemainingResource(header: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*(?:[^/;]+\/)?([^;/\s]+)\s*;\s*(\d+)\s*$/.exec(part);
    if (m?.[1] && m[2] !== undefined) out.set(m[1], Number(m[2]));
  }
  return out;
}

/**
 * The kind of a request, for learning which policies it draws on: method + path with every name
 * replaced (`GET /subscriptions/{}/resourcegroups/{}/providers/microsoft.compute/virtualmachinescalesets/{}/virtualmachines`).
 */
export function requestKind(method: string, url: string): string {
  const path = new URL(url).pathname.toLowerCase().replace(/\/+$/, '');
  const segments = path.split('/').filter(Boolean);
  const out: string[] = [];
  let afterProvider = -1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    const prev = segments[i - 1];
    if (prev === 'subscriptions' || prev === 'resourcegroups') out.push('{}');
    else if (afterProvider >= 0 && (i - afterProvider) % 2 === 0) out.push('{}');
    else out.push(s);
    if (prev === 'providers') afterProvider = i; // the namespace; type/name pairs follow
  }
  return `${method.toUpperCase()} /${out.join('/')}`;
}

/** The scale set a request reads (fairness key), or its resource group, or the subscription. */
export function fairnessKey(url: string): string {
  const path = new URL(url).pathname.toLowerCase();
  const m = /\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachinescalesets\/([^/]+)/.exec(path);
  if (m) return `${m[1]}/${m[2]}`;
  const rg = /\/resourcegroups\/([^/]+)/.exec(path);
  return rg ? `${rg[1]}/` : '/';
}

interface Waiter {
  kind: string;
  enqueuedAt: number;
  grant: (grant: ReadGrant) => void;
}

const realClock: ReadPacerClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
    }),
};

export interface ReadBudgetStats {
  granted: number;
  waited: number;
  /** Total ms reads spent waiting for budget. */
  waitedMs: number;
  throttled429: number;
}

/** A subscription's read budget, shared by every ARM client of the process. */
export class ArmReadBudget {
  readonly policies = new Map<string, PolicyState>();
  /** Kind → the policies its answers named (always includes the subscription's read bucket). */
  private readonly kinds = new Map<string, string[]>();
  /** Kinds whose first request is in flight: the rest of that kind wait for its answer. */
  private readonly discovering = new Set<string>();
  private readonly queues = new Map<string, Waiter[]>();
  private rotation: string[] = [];
  private wake: { at: number } | null = null;
  private nextSeq = 0;
  private readonly reserveFraction: number;
  private readonly minReserve: number;
  private readonly clock: ReadPacerClock;
  readonly stats: ReadBudgetStats = { granted: 0, waited: 0, waitedMs: 0, throttled429: 0 };

  constructor(options: ReadBudgetOptions = {}) {
    this.reserveFraction = options.reserveFraction ?? 0.05;
    this.minReserve = options.minReserve ?? 2;
    this.clock = options.clock ?? realClock;
  }

  /** Waits until a read of this URL may go out; pass the grant to `observe` with its answer. */
  acquire(method: string, url: string): Promise<ReadGrant> {
    const kind = requestKind(method, url);
    const key = fairnessKey(url);
    return new Promise<ReadGrant>((grant) => {
      const queue = this.queues.get(key);
      const waiter: Waiter = { kind, enqueuedAt: this.clock.now(), grant };
      if (queue) queue.push(waiter);
      else {
        this.queues.set(key, [waiter]);
        this.rotation.push(key);
      }
      this.pump();
    });
  }

  /** Reads an answer's rate-limit headers (and a 429's Retry-After) into the budget. */
  observe(method: string, url: string, grant: ReadGrant, response: { status: number; headers: { get(name: string): string | undefined } }): void {
    const kind = requestKind(method, url);
    const now = this.clock.now();
    grant.answeredAt = now;
    const seen = new Map<string, number>();
    const subscriptionReads = response.headers.get('x-ms-ratelimit-remaining-subscription-reads');
    if (subscriptionReads !== undefined && /^\d+$/.test(subscriptionReads.trim())) seen.set(SUBSCRIPTION_READS, Number(subscriptionReads));
    for (const [policy, remaining] of parseRemainingResource(response.headers.get('x-ms-ratelimit-remaining-resource'))) seen.set(policy, remaining);
    this.kinds.set(kind, [...new Set([...(this.kinds.get(kind) ?? []), ...seen.keys()])]);
    this.discovering.delete(kind);
    for (const [name, remaining] of seen) {
      const state = this.policy(name);
      state.limit = Math.max(state.limit, remaining + 1);
      // The answer to our newest read is the count to go by; an older one only if it says less.
      if (grant.seq >= state.observedSeq || remaining < this.estimate(state, now)) {
        state.remaining = remaining;
        state.observedSeq = Math.max(state.observedSeq, grant.seq);
        state.observedAt = now;
      }
    }
    if (response.status === 429) {
      this.stats.throttled429++;
      // Only the policies the 429 reports as spent are closed, for as long as it asks (a 429 that
      // reports none — a fault, a gateway — is left to the retry policies).
      const retryAfter = Number(response.headers.get('retry-after') ?? '');
      const closedUntil = now + (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000);
      for (const [name, remaining] of seen) if (remaining === 0) this.policy(name).closedUntil = Math.max(this.policy(name).closedUntil, closedUntil);
    }
    this.pump();
  }

  /** The answer never came (network error): it may still have been counted; the kind may be discovered by the next request. */
  abandon(method: string, url: string, grant: ReadGrant): void {
    grant.answeredAt = this.clock.now();
    this.discovering.delete(requestKind(method, url));
    this.pump();
  }

  /**
   * Calls left on a policy now, as far as this process can tell, never optimistic: every read of
   * ours not yet answered when the last count came is taken as spent, and one of ours counted in
   * it comes back only a full window after its answer (the server counted it before answering).
   */
  estimate(state: PolicyState, now: number): number {
    if (state.remaining === Number.POSITIVE_INFINITY) return state.remaining;
    let notCounted = 0;
    let freed = 0;
    for (const g of state.grants) {
      if (g.answeredAt === null || g.answeredAt > state.observedAt) notCounted++;
      else if (this.countedIn(state, g) && g.answeredAt + state.windowMs <= now) freed++;
    }
    return Math.min(state.limit, state.remaining - notCounted + freed);
  }

  /** Whether our answered grant was surely inside the window when the last count was made. */
  private countedIn(state: PolicyState, g: ReadGrant): boolean {
    return g.answeredAt !== null && g.answeredAt <= state.observedAt && g.at > state.observedAt - state.windowMs;
  }

  /** Every read draws on the subscription's read bucket, and on the policies its kind's answers named. */
  private policiesOf(kind: string): string[] {
    const named = this.kinds.get(kind) ?? [];
    return named.includes(SUBSCRIPTION_READS) ? named : [SUBSCRIPTION_READS, ...named];
  }

  private reserveOf(state: PolicyState): number {
    return Math.max(this.minReserve, Math.ceil(state.limit * this.reserveFraction));
  }

  private policy(name: string): PolicyState {
    let state = this.policies.get(name);
    if (!state) {
      state = {
        name,
        windowMs: name === SUBSCRIPTION_READS ? SUBSCRIPTION_READS_WINDOW_MS : policyWindowMs(name),
        limit: 0,
        remaining: Number.POSITIVE_INFINITY,
        observedSeq: -1,
        observedAt: Number.NEGATIVE_INFINITY,
        grants: [],
        closedUntil: 0,
      };
      this.policies.set(name, state);
    }
    return state;
  }

  /** 0 when a read of this kind may go now; otherwise the earliest time worth looking again (Infinity: when an answer comes). */
  private blockedUntil(kind: string, now: number): number {
    let until = this.kinds.has(kind) || !this.discovering.has(kind) ? 0 : Number.POSITIVE_INFINITY;
    for (const name of this.policiesOf(kind)) {
      const state = this.policy(name);
      if (state.closedUntil > now) {
        until = Math.max(until, state.closedUntil);
        continue;
      }
      const left = this.estimate(state, now);
      if (left - 1 >= this.reserveOf(state)) continue;
      // A slot comes back when one of our calls counted in the last answer leaves the window.
      const next = state.grants.find((g) => this.countedIn(state, g) && (g.answeredAt as number) + state.windowMs > now);
      if (next) {
        until = Math.max(until, (next.answeredAt as number) + state.windowMs + 1);
        continue;
      }
      if (state.grants.some((g) => g.answeredAt === null)) {
        until = Number.POSITIVE_INFINITY; // an answer on its way brings a fresh count
        continue;
      }
      // Someone else spent it: look again (one read, which brings a fresh count) at the policy's
      // sustained rate while the count says there is room, else at a tenth of its window.
      const last = state.grants[state.grants.length - 1]?.at ?? Number.NEGATIVE_INFINITY;
      const probeAt = last + (left >= 1 ? state.windowMs / Math.max(1, state.limit) : state.windowMs / 10);
      if (probeAt > now) until = Math.max(until, probeAt);
    }
    return until;
  }

  private take(kind: string, now: number): ReadGrant {
    if (!this.kinds.has(kind)) this.discovering.add(kind);
    const grant: ReadGrant = { seq: this.nextSeq++, at: now, answeredAt: null };
    for (const name of this.policiesOf(kind)) {
      const state = this.policy(name);
      // Grants that left the window after the last count: a counted one gives its slot back for good.
      while (state.grants.length > 0) {
        const g = state.grants[0] as ReadGrant;
        if (g.answeredAt === null || g.answeredAt > state.observedAt || g.answeredAt + state.windowMs > now) break;
        state.grants.shift();
        if (this.countedIn(state, g)) state.remaining += 1;
      }
      state.grants.push(grant);
    }
    this.stats.granted++;
    return grant;
  }

  /** Grants every read that may go, scale sets in turn; sets a timer for the next chance otherwise. */
  private pump(): void {
    const now = this.clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (let r = 0; r < this.rotation.length; r++) {
        const key = this.rotation[r] as string;
        const queue = this.queues.get(key) ?? [];
        const index = queue.findIndex((w) => {
          const until = this.blockedUntil(w.kind, now);
          if (until > 0) earliest = Math.min(earliest, until);
          return until === 0;
        });
        if (index < 0) continue;
        const [waiter] = queue.splice(index, 1) as [Waiter];
        const grant = this.take(waiter.kind, now);
        if (now > waiter.enqueuedAt) {
          this.stats.waited++;
          this.stats.waitedMs += now - waiter.enqueuedAt;
        }
        waiter.grant(grant);
        progressed = true;
        // This scale set goes to the back of the line.
        this.rotation.splice(r, 1);
        if (queue.length > 0) this.rotation.push(key);
        else this.queues.delete(key);
        r--;
      }
    }
    if (earliest !== Number.POSITIVE_INFINITY && this.rotation.length > 0 && (!this.wake || this.wake.at > earliest)) {
      const wake = { at: earliest };
      this.wake = wake;
      void this.clock.sleep(Math.max(1, earliest - now)).then(() => {
        if (this.wake === wake) this.wake = null;
        this.pump();
      });
    }
  }
}

const budgets = new Map<string, ArmReadBudget>();

/** The process-wide budget of a subscription at an ARM endpoint (every client of the process shares it). */
export function armReadBudgetFor(endpoint: string, subscriptionId: string, options?: ReadBudgetOptions): ArmReadBudget {
  const key = `${endpoint.toLowerCase()}|${subscriptionId.toLowerCase()}`;
  let budget = budgets.get(key);
  if (!budget) budgets.set(key, (budget = new ArmReadBudget(options)));
  return budget;
}

const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD';

/** The pipeline policy: each read (each retry too) waits for the budget and reports what ARM said is left. */
export function armReadPacerPolicy(budget: ArmReadBudget): PipelinePolicy {
  return {
    name: 'fridayArmReadPacer',
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      if (!isRead(request.method)) return next(request);
      const grant = await budget.acquire(request.method, request.url);
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        const answered = (error as { response?: PipelineResponse }).response;
        if (answered) budget.observe(request.method, request.url, grant, answered);
        else budget.abandon(request.method, request.url, grant);
        throw error;
      }
      budget.observe(request.method, request.url, grant, response);
      return response;
    },
  };
}
