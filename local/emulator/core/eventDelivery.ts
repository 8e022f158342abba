/**
 * Event Grid delivery of resource events to webhook subscriptions, as the resource group's system
 * topic does: a validation handshake first (Event Grid schema: a SubscriptionValidationEvent
 * answered with its code; CloudEvents: an OPTIONS with WebHook-Request-Origin), then at-least-once
 * delivery with retries and backoff. Tests can ask for every event twice and for batches in
 * reverse order.
 */
import { randomUUID } from 'node:crypto';
import type { PublishedEvent, ResourceEventLog } from './events';

export interface EventSubscriptionOptions {
  endpoint: string;
  schema?: 'EventGridSchema' | 'CloudEventSchemaV1_0';
  /** Deliver every event twice (at-least-once delivery, made visible). */
  duplicates?: boolean;
  /** Deliver each batch in reverse order. */
  reorder?: boolean;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Only events whose subject contains this (like an advanced filter). */
  subjectContains?: string;
}

interface Subscription extends Required<Omit<EventSubscriptionOptions, 'subjectContains'>> {
  id: string;
  subjectContains?: string;
  validated: boolean;
  delivered: number;
  failedAttempts: number;
  dropped: number;
}

export class EventDelivery {
  private readonly subscriptions: Subscription[] = [];
  private pending = new Set<Promise<void>>();
  private queue: PublishedEvent[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(events: ResourceEventLog, private readonly tenantId = '72f988bf-0000-0000-0000-00000000f41d') {
    events.subscribe((event) => {
      this.queue.push(event);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Events of one operation go out together, like a batch.
        setTimeout(() => this.flush(), 20).unref();
      }
    });
  }

  async add(options: EventSubscriptionOptions): Promise<{ id: string; validated: boolean; error?: string }> {
    const sub: Subscription = {
      id: randomUUID(),
      endpoint: options.endpoint,
      schema: options.schema ?? 'EventGridSchema',
      duplicates: options.duplicates ?? false,
      reorder: options.reorder ?? false,
      maxAttempts: options.maxAttempts ?? 6,
      retryDelayMs: options.retryDelayMs ?? 200,
      ...(options.subjectContains ? { subjectContains: options.subjectContains } : {}),
      validated: false,
      delivered: 0,
      failedAttempts: 0,
      dropped: 0,
    };
    try {
      sub.validated = await this.handshake(sub);
    } catch (error) {
      return { id: sub.id, validated: false, error: (error as Error).message };
    }
    if (!sub.validated) return { id: sub.id, validated: false, error: 'the endpoint did not answer the validation handshake' };
    this.subscriptions.push(sub);
    return { id: sub.id, validated: true };
  }

  list(): Array<Omit<Subscription, 'endpoint'> & { endpoint: string }> {
    return this.subscriptions.map((s) => ({ ...s, endpoint: s.endpoint.replace(/([?&]code=)[^&]+/, '$1<redacted>') }));
  }

  /** Resolves when everything queued so far has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.queue.length || this.pending.size || this.flushScheduled) {
      await Promise.all([...this.pending]);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): void {
    this.closed = true;
  }

  private async handshake(sub: Subscription): Promise<boolean> {
    if (sub.schema === 'CloudEventSchemaV1_0') {
      const res = await fetch(sub.endpoint, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' }, signal: AbortSignal.timeout(30_000) });
      return res.ok && (res.headers.get('webhook-allowed-origin') === 'eventgrid.azure.net' || res.headers.get('webhook-allowed-origin') === '*');
    }
    const validationCode = randomUUID();
    const res = await fetch(sub.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([
        {
          id: randomUUID(),
          topic: '/subscriptions/emulator',
          subject: '',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          eventTime: new Date().toISOString(),
          data: { validationCode, validationUrl: 'https://eventgrid.emulator.invalid/validate' },
          dataVersion: '2',
          metadataVersion: '1',
        },
      ]),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { validationResponse?: string };
    return body.validationResponse === validationCode;
  }

  private shape(event: PublishedEvent, schema: Subscription['schema']): Record<string, unknown> {
    const topic = `/subscriptions/${event.subscriptionId}/resourceGroups/${event.resourceGroupName}`;
    const data = {
      authorization: { scope: event.resourceUri, action: event.operationName, evidence: { role: 'friday-fleet operator' } },
      claims: {},
      correlationId: randomUUID(),
      httpRequest: { clientRequestId: randomUUID(), clientIpAddress: '127.0.0.1', method: event.httpMethod, url: event.httpUrl },
      resourceProvider: event.operationName.split('/')[0],
      resourceUri: event.resourceUri,
      operationName: event.operationName,
      status: 'Succeeded',
      subscriptionId: event.subscriptionId,
      tenantId: this.tenantId,
    };
    const type = `Microsoft.Resources.${event.kind}`;
    if (schema === 'CloudEventSchemaV1_0') return { specversion: '1.0', id: event.id, source: topic, type, subject: event.resourceUri, time: event.eventTime, datacontenttype: 'application/json', data };
    return { topic, subject: event.resourceUri, eventType: type, eventTime: event.eventTime, id: event.id, data, dataVersion: '2', metadataVersion: '1' };
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0);
    if (this.closed || batch.length === 0) return;
    for (const sub of this.subscriptions) {
      let events = batch.filter((e) => !sub.subjectContains || e.resourceUri.toLowerCase().includes(sub.subjectContains.toLowerCase()));
      if (events.length === 0) continue;
      if (sub.duplicates) events = events.flatMap((e) => [e, e]);
      if (sub.reorder) events = [...events].reverse();
      const bodies = events.map((e) => this.shape(e, sub.schema));
      const task = this.deliver(sub, bodies).finally(() => this.pending.delete(task));
      this.pending.add(task);
    }
  }

  private async deliver(sub: Subscription, bodies: Array<Record<string, unknown>>): Promise<void> {
    // Event Grid schema: a batch per POST; CloudEvents: one event per POST (structured mode).
    const posts = sub.schema === 'CloudEventSchemaV1_0' ? bodies.map((b) => ({ body: b, count: 1 })) : [{ body: bodies, count: bodies.length }];
    for (const post of posts) {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(sub.endpoint, {
            method: 'POST',
            headers: {
              'content-type': sub.schema === 'CloudEventSchemaV1_0' ? 'application/cloudevents+json' : 'application/json',
              'aeg-event-type': 'Notification',
              'aeg-delivery-count': String(attempt - 1),
            },
            body: JSON.stringify(post.body),
            signal: AbortSignal.timeout(30_000),
          });
          if (res.ok) {
            sub.delivered += post.count;
            break;
          }
          if (res.status === 400 || res.status === 413) {
            sub.dropped += post.count; // Event Grid does not retry these
            break;
          }
        } catch {
          // network error: retried below
        }
        sub.failedAttempts++;
        if (attempt >= sub.maxAttempts || this.closed) {
          sub.dropped += post.count;
          break;
        }
        await new Promise((r) => setTimeout(r, sub.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
