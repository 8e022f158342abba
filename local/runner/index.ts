/**
 * The local Functions runner: loads the app's entry (package.json `main`) the way the Node worker
 * does, captures every registration through the `@azure/functions-core` seam, and serves them:
 * HTTP triggers (`/api/<route>`, auth levels and keys), timers (NCRONTAB with seconds,
 * WEBSITE_TIME_ZONE, runOnStartup), Event Grid (`/runtime/webhooks/eventgrid`, validation
 * handshakes), Durable Functions (the library's own replay code, persisted history, the durable
 * HTTP API) and the host's admin API. See README.md beside this file.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
// Safe to load before the seam is installed: @azure/functions looks up the core module lazily, at the first registration.
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { installCoreModule, type BindingMetadata, type Registration } from './coreModule';
import { scaledClock } from '../emulator/core/clock';
import { DurableEngine, InstanceConflictError, type FunctionTimeout, type RunnerClock } from './durable/engine';

/** The binding type of a function's trigger: httpTrigger, timerTrigger, eventGridTrigger, orchestrationTrigger, activityTrigger, entityTrigger. */
export type TriggerType = string;

export interface RunnerOptions {
  /** Folder holding package.json (its `main` is the entry) and host.json. */
  appRoot: string;
  /** Entry module to load instead of package.json `main`. */
  entry?: string;
  /** App settings (override local.settings.json `Values`). */
  settings?: Record<string, string>;
  /** Path of local.settings.json; default `<appRoot>/local.settings.json` when present. */
  localSettingsFile?: string;
  port?: number;
  /** Durable state (history, status) lives here. */
  dataDir: string;
  /** `manual`: timers fire only on demand (tests). Default `auto`. */
  timers?: 'auto' | 'manual';
  taskHubName?: string;
  /**
   * Azure ms per real ms (default 1). Durable timers, `currentUtcDateTime`, timer triggers and the
   * `functionTimeout` cut-off run on this one scaled clock — the emulator's, when given the same
   * scale and origin (see local/emulator/core/clock.ts).
   */
  timeScale?: number;
  /** The real instant Azure time is measured from (the emulator's, so both read one clock). */
  clockOriginMs?: number;
  /** Overrides host.json's `functionTimeout` (`hh:mm:ss`); `false` turns the limit off. */
  functionTimeout?: string | false;
  log?: (line: string) => void;
}

export interface RunnerHandle {
  baseUrl: string;
  functionKey: string;
  masterKey: string;
  taskHubName: string;
  functions: Array<{ name: string; trigger: TriggerType }>;
  setClock(now: Date): void;
  now(): Date;
  fireTimer(name: string, now?: Date): Promise<void>;
  /** Resolves when no orchestration or activity work is pending. */
  durableIdle(): Promise<void>;
  close(): Promise<void>;
}

const WINDOWS_TIME_ZONES: Record<string, string> = {
  UTC: 'UTC',
  'Korea Standard Time': 'Asia/Seoul',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Eastern Standard Time': 'America/New_York',
  'Pacific Standard Time': 'America/Los_Angeles',
  'GMT Standard Time': 'Europe/London',
  'Tokyo Standard Time': 'Asia/Tokyo',
};

const bindingText = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/**
 * host.json's `functionTimeout`: a TimeSpan `[d.]hh:mm:ss[.fff]`; `-1` or null means no limit (plans
 * that allow unbounded). https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout
 */
export function parseFunctionTimeout(value: unknown): FunctionTimeout | undefined {
  if (value === undefined || value === null || value === '-1' || value === -1) return undefined;
  const m = typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value.trim()) : null;
  if (!m) throw new Error(`host.json functionTimeout ${JSON.stringify(value)} is not a TimeSpan like 00:10:00`);
  const [, days, hours, minutes, seconds, fraction] = m;
  const azureMs = (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
  return { text: (value as string).trim(), azureMs };
}

function triggerOf(reg: Registration): BindingMetadata & { name: string } {
  const entry = Object.entries(reg.metadata.bindings).find(([, b]) => b.direction === 'in' && /Trigger$/.test(b.type));
  if (!entry) throw new Error(`Function ${reg.metadata.name} has no trigger binding.`);
  return { ...entry[1], name: entry[0] };
}

function contextOptions(reg: Registration): { trigger: Record<string, unknown>; extraInputs: Array<Record<string, unknown>>; extraOutputs: Array<Record<string, unknown>> } {
  const trigger = triggerOf(reg);
  const extraInputs: Array<Record<string, unknown>> = [];
  const extraOutputs: Array<Record<string, unknown>> = [];
  for (const [name, b] of Object.entries(reg.metadata.bindings)) {
    if (name === trigger.name || name === '$return') continue;
    (b.direction === 'out' ? extraOutputs : extraInputs).push({ ...b, name });
  }
  return { trigger: { ...trigger }, extraInputs, extraOutputs };
}

function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...headers });
  res.end(text);
}

const safeEqual = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Matches `deployments/{id}`, `{name?}`, `{id:int}` style Functions routes. */
function matchRoute(template: string, actual: string): Record<string, string> | undefined {
  const t = template.replace(/^\/+|\/+$/g, '').split('/');
  const a = actual.replace(/^\/+|\/+$/g, '').split('/').filter((s, i, arr) => s !== '' || arr.length === 1);
  const params: Record<string, string> = {};
  for (let i = 0; i < Math.max(t.length, a.length); i++) {
    const seg = t[i];
    const val = a[i];
    if (seg === undefined) return undefined;
    const m = /^\{(\*?)(\w+)(?::[^?}]+)?(\?)?\}$/.exec(seg);
    if (m) {
      if (m[1] === '*') {
        params[m[2] ?? ''] = a.slice(i).join('/');
        return params;
      }
      if (val === undefined || val === '') {
        if (m[3]) continue;
        return undefined;
      }
      params[m[2] ?? ''] = decodeURIComponent(val);
    } else if (val === undefined || seg.toLowerCase() !== val.toLowerCase()) return undefined;
  }
  return params;
}

export async function startRunner(options: RunnerOptions): Promise<RunnerHandle> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Settings first: the host puts app settings in the environment before the worker loads the app.
  const settingsFile = options.localSettingsFile ?? path.join(options.appRoot, 'local.settings.json');
  const fileValues = existsSync(settingsFile) ? ((JSON.parse(readFileSync(settingsFile, 'utf8')) as { Values?: Record<string, string> }).Values ?? {}) : {};
  const settings = { ...fileValues, ...(options.settings ?? {}) };
  for (const [k, v] of Object.entries(settings)) process.env[k] = v;
  const functionKey = settings.FRIDAY_LOCAL_FUNCTION_KEY ?? randomBytes(24).toString('base64url');
  const masterKey = settings.FRIDAY_LOCAL_MASTER_KEY ?? randomBytes(24).toString('base64url');
  const hostJsonPath = path.join(options.appRoot, 'host.json');
  const hostJson = existsSync(hostJsonPath) ? (JSON.parse(readFileSync(hostJsonPath, 'utf8')) as { functionTimeout?: unknown; extensions?: { durableTask?: { maxConcurrentActivityFunctions?: number; hubName?: string } } }) : {};
  const functionTimeout = options.functionTimeout === false ? undefined : parseFunctionTimeout(options.functionTimeout ?? hostJson.functionTimeout);
  const hubSetting = hostJson.extensions?.durableTask?.hubName?.replace(/^%(.+)%$/, (_m, name: string) => settings[name] ?? process.env[name] ?? 'TestHubName');
  const taskHubName = options.taskHubName ?? hubSetting ?? 'TestHubName';

  // One scaled clock (Azure time); tests may also jump it (`setClock`), which shifts it by an offset.
  const azureClock = scaledClock({ timeScale: options.timeScale ?? 1, ...(options.clockOriginMs !== undefined ? { originMs: options.clockOriginMs } : {}) });
  let clockOffsetMs = 0;
  const clock: RunnerClock & { set(now: Date): void } = {
    now: () => new Date(azureClock.now().getTime() + clockOffsetMs),
    realMs: (azureMs) => azureClock.realMs(azureMs),
    set: (now) => {
      clockOffsetMs = now.getTime() - azureClock.now().getTime();
    },
  };

  const seam = installCoreModule();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The host sets this; durable-functions rewrites client URLs to localhost:7071 without it.
  process.env.WEBSITE_HOSTNAME = baseUrl.replace('http://', '');

  const entry = options.entry ?? path.join(options.appRoot, (JSON.parse(readFileSync(path.join(options.appRoot, 'package.json'), 'utf8')) as { main: string }).main);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the worker loads the app with require, so do we
  require(path.resolve(entry));
  const registrations = seam.registrations;
  const byTrigger = (type: string): Registration[] => [...registrations.values()].filter((r) => triggerOf(r).type === type);

  // Like the host's local RPC endpoint for the client: no key (loopback only); the public webhook path needs the system key.
  const rpcBaseUrl = `${baseUrl}/_rpc/durabletask/`;
  const clientData = () => {
    const mgmt = `${baseUrl}/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=${taskHubName}&connection=Storage&code=${masterKey}`;
    return {
      taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${baseUrl}/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?code=${masterKey}`,
        waitOnNewInstancePostUri: `${baseUrl}/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${masterKey}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: mgmt,
        sendEventPostUri: mgmt.replace('INSTANCEID?', 'INSTANCEID/raiseEvent/{eventName}?'),
        terminatePostUri: mgmt.replace('INSTANCEID?', 'INSTANCEID/terminate?reason={text}&'),
        rewindPostUri: mgmt.replace('INSTANCEID?', 'INSTANCEID/rewind?reason={text}&'),
        purgeHistoryDeleteUri: mgmt,
        restartPostUri: mgmt.replace('INSTANCEID?', 'INSTANCEID/restart?'),
        suspendPostUri: mgmt.replace('INSTANCEID?', 'INSTANCEID/suspend?reason={text}&'),
        resumePostUri: mgmt.replace('INSTANCEID?', 'INSTANCEID/resume?reason={text}&'),
      },
      baseUrl: `${baseUrl}/runtime/webhooks/durabletask`,
      requiredQueryStringParameters: `code=${masterKey}`,
      rpcBaseUrl,
    };
  };


  /** Invokes a function as the worker would: trigger value first, context last, extra inputs set. */
  const invoke = async (reg: Registration, triggerValue: unknown, context?: InstanceType<typeof InvocationContext>): Promise<unknown> => {
    const options = contextOptions(reg);
    const ctx =
      context ??
      new InvocationContext({
        invocationId: randomUUID(),
        functionName: reg.metadata.name,
        options: options as never,
        logHandler: (level, ...args) => log(`[${reg.metadata.name}] ${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
      });
    if (context) Object.assign(ctx.options, options);
    for (const input of options.extraInputs) {
      if (input.type === 'durableClient' || input.type === 'orchestrationClient') ctx.extraInputs.set(String(input.name), clientData());
    }
    return reg.handler(triggerValue, ctx);
  };

  const engine = new DurableEngine({
    dataDir: path.join(options.dataDir, taskHubName),
    clock,
    isOrchestrator: (name) => registrations.get(name) !== undefined && triggerOf(registrations.get(name) as Registration).type === 'orchestrationTrigger',
    isActivity: (name) => registrations.get(name) !== undefined && triggerOf(registrations.get(name) as Registration).type === 'activityTrigger',
    invoke: (name, value, context) => invoke(registrations.get(name) as Registration, value, context),
    maxConcurrentActivities: hostJson.extensions?.durableTask?.maxConcurrentActivityFunctions ?? 10,
    ...(functionTimeout ? { functionTimeout } : {}),
    log,
  });
  engine.resume();

  // ---- timers ----------------------------------------------------------------------------
  const timeZone = (() => {
    const tz = settings.WEBSITE_TIME_ZONE ?? process.env.WEBSITE_TIME_ZONE ?? 'UTC';
    return WINDOWS_TIME_ZONES[tz] ?? tz;
  })();
  const lastFired = new Map<string, Date>();
  const timerHandles = new Map<string, NodeJS.Timeout>();
  const nextOccurrence = (schedule: string, after: Date): Date => CronExpressionParser.parse(schedule, { currentDate: after, tz: timeZone }).next().toDate();
  const fire = async (reg: Registration, now: Date, isPastDue = false): Promise<void> => {
    const schedule = bindingText(triggerOf(reg).schedule, '');
    const last = lastFired.get(reg.metadata.name) ?? now;
    lastFired.set(reg.metadata.name, now);
    const timer = { isPastDue, scheduleStatus: { last: last.toISOString(), next: nextOccurrence(schedule, now).toISOString(), lastUpdated: now.toISOString() } };
    try {
      await invoke(reg, timer);
    } catch (error) {
      log(`[${reg.metadata.name}] timer invocation failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const armTimer = (reg: Registration): void => {
    const schedule = bindingText(triggerOf(reg).schedule, '');
    const next = nextOccurrence(schedule, clock.now());
    const handle = setTimeout(() => {
      void fire(reg, clock.now()).finally(() => {
        if (timerHandles.has(reg.metadata.name)) armTimer(reg);
      });
    }, Math.min(2 ** 31 - 1, clock.realMs(next.getTime() - clock.now().getTime())));
    timerHandles.set(reg.metadata.name, handle);
  };
  for (const reg of byTrigger('timerTrigger')) {
    const schedule = bindingText(triggerOf(reg).schedule, '');
    try {
      nextOccurrence(schedule, clock.now());
    } catch (error) {
      throw new Error(`Timer function ${reg.metadata.name} has an invalid schedule '${schedule}': ${(error as Error).message}`);
    }
    if (options.timers !== 'manual') {
      armTimer(reg);
      if (triggerOf(reg).runOnStartup === true) void fire(reg, clock.now());
    }
  }

  // ---- HTTP ------------------------------------------------------------------------------
  const keyOf = (req: IncomingMessage, url: URL): string | undefined => {
    const header = req.headers['x-functions-key'];
    return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? undefined;
  };
  const isMaster = (key: string | undefined): boolean => key !== undefined && safeEqual(key, masterKey);
  const authorised = (level: string, key: string | undefined): boolean =>
    level === 'anonymous' || isMaster(key) || (level === 'function' && key !== undefined && safeEqual(key, functionKey));

  const toResponse = async (result: unknown, res: ServerResponse): Promise<void> => {
    const response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}));
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => (headers[k] = v));
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, headers);
    res.end(body);
  };

  const handleHttpTrigger = async (req: IncomingMessage, res: ServerResponse, url: URL, routePath: string): Promise<boolean> => {
    const method = (req.method ?? 'GET').toUpperCase();
    for (const reg of byTrigger('httpTrigger')) {
      const trigger = triggerOf(reg);
      const route = bindingText(trigger.route, reg.metadata.name);
      const params = matchRoute(route, routePath);
      if (!params) continue;
      const methods = ((trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase());
      if (!methods.includes(method)) continue;
      if (!authorised(bindingText(trigger.authLevel, 'function'), keyOf(req, url))) {
        sendJson(res, 401, { error: 'Unauthorized: a valid function key is required (x-functions-key header or code query parameter).' });
        return true;
      }
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (query[k] = v));
      const request = new HttpRequest({ method, url: url.href, headers, query, params, body: body.length ? { bytes: body } : undefined });
      const result = await invoke(reg, request);
      await toResponse(result, res);
      return true;
    }
    return false;
  };

  const handleEventGrid = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const name = url.searchParams.get('functionName') ?? '';
    const reg = registrations.get(name);
    if (!reg || triggerOf(reg).type !== 'eventGridTrigger') return sendJson(res, 404, { error: `No Event Grid function named '${name}'.` });
    if (!isMaster(keyOf(req, url))) return sendJson(res, 401, { error: 'Unauthorized: the system key is required (code query parameter).' });
    const method = (req.method ?? 'POST').toUpperCase();
    if (method === 'OPTIONS') {
      // CloudEvents abuse-protection handshake.
      const origin = req.headers['webhook-request-origin'];
      res.writeHead(200, { 'WebHook-Allowed-Origin': Array.isArray(origin) ? (origin[0] ?? '*') : (origin ?? '*'), 'WebHook-Allowed-Rate': '*' });
      res.end();
      return;
    }
    if (method !== 'POST') return sendJson(res, 405, { error: 'Event Grid deliveries are POSTs.' });
    let payload: unknown;
    try {
      payload = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'The body is not valid JSON.' });
    }
    const events = Array.isArray(payload) ? payload : [payload];
    if (events.length === 0 || !events.every((e) => typeof e === 'object' && e !== null)) return sendJson(res, 400, { error: 'The body must be an event object or a non-empty array of events.' });
    const kind = req.headers['aeg-event-type'];
    const first = events[0] as { eventType?: string; data?: { validationCode?: string } };
    if (kind === 'SubscriptionValidation' || first.eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent') {
      if (!first.data?.validationCode) return sendJson(res, 400, { error: 'Subscription validation event without data.validationCode.' });
      return sendJson(res, 200, { validationResponse: first.data.validationCode });
    }
    const malformed = events.findIndex((e) => {
      const ev = e as Record<string, unknown>;
      const isEventGrid = typeof ev.eventType === 'string' && typeof ev.id === 'string' && typeof ev.subject === 'string';
      const isCloudEvent = ev.specversion === '1.0' && typeof ev.type === 'string' && typeof ev.id === 'string' && typeof ev.source === 'string';
      return !isEventGrid && !isCloudEvent;
    });
    if (malformed >= 0) return sendJson(res, 400, { error: `Event ${malformed} is neither an Event Grid event (id, eventType, subject) nor a CloudEvent 1.0 (specversion, id, type, source).` });
    try {
      for (const event of events) await invoke(reg, event);
    } catch (error) {
      // Event Grid retries on 5xx.
      return sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
    sendJson(res, 202, undefined);
  };

  const handleDurable = async (req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
    const bodyText = (await readBody(req)).toString('utf8');
    if (parts[0] === 'orchestrators' && method === 'POST' && parts[1]) {
      try {
        const id = engine.startNew(parts[1], { instanceId: parts[2], input: bodyText });
        const links = clientData().managementUrls;
        const payload = Object.fromEntries(Object.entries(links).map(([k, v]) => [k, v.replace('INSTANCEID', id)]));
        return sendJson(res, 202, { ...payload, id }, { Location: payload.statusQueryGetUri ?? '' });
      } catch (error) {
        if (error instanceof InstanceConflictError) return sendJson(res, 409, { error: error.message });
        return sendJson(res, 400, { error: (error as Error).message });
      }
    }
    if (parts[0] !== 'instances') return sendJson(res, 404, { error: `Unknown durable route ${rest}` });
    const id = parts[1];
    if (!id) {
      if (method !== 'GET') return sendJson(res, 405, { error: 'Use GET to list instances.' });
      const statuses = url.searchParams.get('runtimeStatus')?.split(',').filter(Boolean);
      const from = url.searchParams.get('createdTimeFrom');
      const to = url.searchParams.get('createdTimeTo');
      return sendJson(res, 200, engine.list({ runtimeStatus: statuses, createdTimeFrom: from ? new Date(from) : undefined, createdTimeTo: to ? new Date(to) : undefined }));
    }
    const action = parts[2];
    if (!action && method === 'GET') {
      const status = engine.getStatus(id, { showHistory: url.searchParams.get('showHistory') === 'true', showInput: url.searchParams.get('showInput') !== 'false' });
      if (!status) return sendJson(res, 404, { error: `No instance ${id}.` });
      const code = status.runtimeStatus === 'Completed' ? 200 : status.runtimeStatus === 'Failed' || status.runtimeStatus === 'Terminated' ? 400 : 202;
      return sendJson(res, code, status);
    }
    if (!action && method === 'DELETE') {
      return engine.purge(id) ? sendJson(res, 200, { instancesDeleted: 1 }) : sendJson(res, 404, { instancesDeleted: 0 });
    }
    const outcome =
      action === 'raiseEvent' && parts[3] && method === 'POST'
        ? engine.raiseEvent(id, parts[3], bodyText === '' ? null : bodyText)
        : action === 'terminate' && method === 'POST'
          ? engine.terminate(id, url.searchParams.get('reason') ?? '')
          : undefined;
    if (outcome === undefined) return sendJson(res, 404, { error: `Unsupported durable operation ${method} ${rest}` });
    return sendJson(res, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404, undefined);
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> => {
    if (!isMaster(keyOf(req, url))) return sendJson(res, 401, { error: 'Unauthorized: the master key is required for the admin API.' });
    const method = (req.method ?? 'GET').toUpperCase();
    const body = (await readBody(req)).toString('utf8');
    const parsed = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    const clockMatch = rest === 'clock';
    if (clockMatch && method === 'POST') {
      const now = new Date(String(parsed.now));
      if (Number.isNaN(now.getTime())) return sendJson(res, 400, { error: 'Body must be {"now": "<ISO date>"}.' });
      clock.set(now);
      engine.rearmTimers();
      return sendJson(res, 200, { now: clock.now().toISOString() });
    }
    if (clockMatch && method === 'GET') return sendJson(res, 200, { now: clock.now().toISOString() });
    if (rest === 'host/status') return sendJson(res, 200, { state: 'Running', version: 'friday-local-runner' });
    const timer = /^timers\/([^/]+)\/fire$/.exec(rest);
    if (timer && method === 'POST') {
      const name = decodeURIComponent(timer[1] ?? '');
      if (typeof parsed.now === 'string') clock.set(new Date(parsed.now));
      await handle.fireTimer(name);
      return sendJson(res, 202, undefined);
    }
    const fn = /^functions\/([^/]+)$/.exec(rest);
    if (fn && method === 'POST') {
      const reg = registrations.get(decodeURIComponent(fn[1] ?? ''));
      if (!reg) return sendJson(res, 404, { error: `No function ${fn[1]}.` });
      const type = triggerOf(reg).type;
      const input = typeof parsed.input === 'string' ? parsed.input : JSON.stringify(parsed.input ?? '');
      if (type === 'timerTrigger') void fire(reg, clock.now());
      else if (type === 'eventGridTrigger') void invoke(reg, JSON.parse(input) as unknown).catch((e: unknown) => log(String(e)));
      else if (type === 'httpTrigger') return sendJson(res, 400, { error: 'HTTP functions are called on /api/<route>.' });
      else void invoke(reg, input).catch((e: unknown) => log(String(e)));
      return sendJson(res, 202, undefined);
    }
    return sendJson(res, 404, { error: `Unknown admin route ${rest}` });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const p = url.pathname;
    const work = async (): Promise<void> => {
      if (p.startsWith('/api/')) {
        if (!(await handleHttpTrigger(req, res, url, p.slice(5)))) sendJson(res, 404, { error: `No function serves ${req.method} ${p}.` });
      } else if (p === '/runtime/webhooks/eventgrid') await handleEventGrid(req, res, url);
      else if (p.startsWith('/runtime/webhooks/durabletask/')) {
        if (!isMaster(keyOf(req, url))) return sendJson(res, 401, { error: 'Unauthorized: the system key is required.' });
        await handleDurable(req, res, url, p.slice('/runtime/webhooks/durabletask/'.length));
      } else if (p.startsWith('/_rpc/durabletask/')) await handleDurable(req, res, url, p.slice('/_rpc/durabletask/'.length));
      else if (p.startsWith('/admin/')) await handleAdmin(req, res, url, p.slice('/admin/'.length));
      else sendJson(res, 404, { error: `Nothing here: ${p}` });
    };
    work().catch((error: unknown) => {
      log(`runner: ${req.method} ${p} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'The function failed; see the runner log.' });
      else res.end();
    });
  });

  mkdirSync(options.dataDir, { recursive: true });
  const handle: RunnerHandle = {
    baseUrl,
    functionKey,
    masterKey,
    taskHubName,
    functions: [...registrations.values()].map((r) => ({ name: r.metadata.name, trigger: triggerOf(r).type })),
    setClock: (now) => {
      clock.set(now);
      engine.rearmTimers();
    },
    now: () => clock.now(),
    fireTimer: async (name, now) => {
      const reg = registrations.get(name);
      if (!reg || triggerOf(reg).type !== 'timerTrigger') throw new Error(`No timer function named '${name}'.`);
      if (now) {
        clock.set(now);
        engine.rearmTimers();
      }
      await fire(reg, clock.now());
    },
    durableIdle: () => engine.idle(),
    close: async () => {
      for (const h of timerHandles.values()) clearTimeout(h);
      timerHandles.clear();
      engine.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return handle;
}
