import { randomUUID } from 'node:crypto';
import type { Clock, ResourceEventSink } from './contract';

export type PublishedEvent = Parameters<ResourceEventSink['publish']>[0] & { id: string; eventTime: string };

/** Records resource events and hands them to listeners (Event Grid delivery subscribes here). */
export class ResourceEventLog implements ResourceEventSink {
  private readonly events: PublishedEvent[] = [];
  private readonly listeners = new Set<(event: PublishedEvent) => void>();
  constructor(private readonly clock: Clock, private readonly capacity = 50_000) {}

  publish(event: Parameters<ResourceEventSink['publish']>[0]): void {
    const full: PublishedEvent = { ...event, id: randomUUID(), eventTime: this.clock.now().toISOString() };
    this.events.push(full);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    for (const listener of this.listeners) listener(full);
  }

  subscribe(listener: (event: PublishedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): PublishedEvent[] {
    return [...this.events];
  }
}
