import type { SecurityEvent } from "./types.js";

/**
 * A consumer of security events (store, audit log, SIEM exporter, analytics). It receives events
 * in batches, in publication order, off the request path.
 */
export interface EventSubscriber {
  name: string;
  handle(batch: readonly SecurityEvent[]): void | Promise<void>;
  /** Queue bound; when full, new events for this subscriber are dropped and counted. */
  capacity?: number;
  maxBatch?: number;
  /**
   * Wait this long after the first queued event before delivering, so a busy gateway hands a
   * store one transaction per many events instead of one per event.
   */
  flushDelayMs?: number;
}

export interface SubscriberStats {
  name: string;
  depth: number;
  delivered: number;
  dropped: number;
  failed: number;
}

export interface EventBusHooks {
  /** Called once per dropped event: the composition root counts it in metrics and logs it loudly. */
  onDrop?(subscriber: string, event: SecurityEvent): void;
  onError?(subscriber: string, error: unknown, batchSize: number): void;
}

const DEFAULT_CAPACITY = 50_000;
const DEFAULT_MAX_BATCH = 500;

class SubscriberQueue {
  private queue: SecurityEvent[] = [];
  private head = 0;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  delivered = 0;
  dropped = 0;
  failed = 0;

  constructor(
    readonly subscriber: EventSubscriber,
    private readonly hooks: EventBusHooks,
  ) {}

  get depth(): number {
    return this.queue.length - this.head;
  }

  push(event: SecurityEvent): void {
    if (this.depth >= (this.subscriber.capacity ?? DEFAULT_CAPACITY)) {
      this.dropped++;
      this.hooks.onDrop?.(this.subscriber.name, event);
      return;
    }
    this.queue.push(event);
    if (!this.running) {
      this.running = true;
      // Never a microtask: the reply is written before any consumer runs.
      const delay = this.subscriber.flushDelayMs ?? 0;
      if (delay > 0) setTimeout(() => void this.run(), delay);
      else setImmediate(() => void this.run());
    }
  }

  private async run(): Promise<void> {
    const maxBatch = this.subscriber.maxBatch ?? DEFAULT_MAX_BATCH;
    while (this.depth > 0) {
      const batch = this.queue.slice(this.head, this.head + maxBatch);
      this.head += batch.length;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      try {
        await this.subscriber.handle(batch);
        this.delivered += batch.length;
      } catch (error) {
        this.failed += batch.length;
        this.hooks.onError?.(this.subscriber.name, error, batch.length);
      }
    }
    this.queue = [];
    this.head = 0;
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  idle(): Promise<void> {
    if (!this.running && this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * The only door through which side effects leave the hot path (ARCHITECTURE.md). `publish` is
 * synchronous and O(subscribers); each subscriber drains its own bounded queue, so a slow SIEM
 * never slows the store or a reply, and an overflow is counted, never silent.
 */
export class EventBus {
  private readonly queues: SubscriberQueue[] = [];

  constructor(private readonly hooks: EventBusHooks = {}) {}

  subscribe(subscriber: EventSubscriber): () => void {
    const queue = new SubscriberQueue(subscriber, this.hooks);
    this.queues.push(queue);
    return () => {
      const index = this.queues.indexOf(queue);
      if (index >= 0) this.queues.splice(index, 1);
    };
  }

  publish(event: SecurityEvent): void {
    for (const queue of this.queues) queue.push(event);
  }

  stats(): SubscriberStats[] {
    return this.queues.map((q) => ({
      name: q.subscriber.name,
      depth: q.depth,
      delivered: q.delivered,
      dropped: q.dropped,
      failed: q.failed,
    }));
  }

  /** Resolves when every queue is empty, or after `timeoutMs` (returns false then). */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const idle = Promise.all(this.queues.map((q) => q.idle())).then(() => true as const);
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
