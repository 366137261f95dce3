import { DurableQueue } from "./durable/queue.js";
import type { SecurityEvent } from "./types.js";

/**
 * Delivery that survives a restart and an outage of the consumer (issue 5: "at-least-once delivery
 * with a persistent per-exporter queue, retry with backoff, and a dead-letter file").
 */
export interface DurableOptions {
  /** The subscriber's own directory: segment files, the cursor and `dead-letter.jsonl` live here. */
  dir: string;
  /** Disk bound for the queue; when it is full, new events are dropped and counted, never silently. */
  maxBytes: number;
  /** Handle calls per batch before it goes to the dead-letter file. Unlimited by default: wait it out. */
  maxAttempts?: number;
  /** Delay between attempts: exponential from `initialMs`, capped at `maxMs`, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
}

/**
 * A consumer of security events (store, audit log, SIEM exporter, analytics). It receives events
 * in batches, in publication order, off the request path.
 */
export interface EventSubscriber {
  name: string;
  /**
   * Delivers one batch. A durable subscriber's batch leaves its queue only when this resolves; when
   * it throws, the same batch is tried again later. A plain subscriber's failed batch is counted and
   * lost. Events can therefore arrive twice (after a crash or a retry): consumers dedupe by `id`.
   */
  handle(batch: readonly SecurityEvent[]): void | Promise<void>;
  /**
   * Events held in memory: the queue bound of a plain subscriber (when full, new events are dropped
   * and counted); for a durable one, the events kept in memory besides the disk copy.
   */
  capacity?: number;
  maxBatch?: number;
  /**
   * Wait this long after the first queued event before delivering, so a busy gateway hands a
   * store one transaction per many events instead of one per event.
   */
  flushDelayMs?: number;
  /** Only events for which this returns true are queued (an exporter's minimum severity, …). */
  filter?(event: SecurityEvent): boolean;
  /** Persist the queue on disk, retry with backoff, dead-letter what keeps failing. */
  durable?: DurableOptions;
}

export interface SubscriberStats {
  name: string;
  durable: boolean;
  /** Events accepted and not yet delivered (memory and disk). */
  depth: number;
  /** Age of the oldest undelivered event, in ms (0 when the queue is empty). */
  lag: number;
  /** Events whose batch the subscriber accepted. */
  delivered: number;
  /** Events refused because the queue was full (memory bound, or the disk bound of a durable queue). */
  dropped: number;
  /** Events in handle calls that threw, counted per attempt. */
  failed: number;
  /** Handle calls that threw and were scheduled again (durable only). */
  retries: number;
  /** Events moved to the dead-letter file after `maxAttempts` (durable only). */
  deadLettered: number;
  /** Bytes of undelivered events held on disk (durable only). */
  spilledBytes: number;
}

export interface RetryInfo {
  /** How many times this batch has failed so far. */
  attempt: number;
  /** When it will be tried again. */
  delayMs: number;
}

export interface EventBusHooks {
  /** Called once per dropped event: the composition root counts it in metrics and logs it loudly. */
  onDrop?(subscriber: string, event: SecurityEvent): void;
  /** A handle call threw; `retry` is set when a durable queue will try the same batch again. */
  onError?(subscriber: string, error: unknown, batchSize: number, retry?: RetryInfo): void;
  /** A durable queue gave up on `count` events and wrote them to `file`: log this loudly. */
  onDeadLetter?(subscriber: string, count: number, error: unknown, file: string): void;
}

/** What the bus needs of a queue; the plain one is below, the durable one in `durable/`. */
export interface SubscriberQueue {
  readonly subscriber: EventSubscriber;
  push(event: SecurityEvent): void;
  idle(): Promise<void>;
  stats(): SubscriberStats;
  close(): Promise<void>;
}

export const DEFAULT_CAPACITY = 50_000;
export const DEFAULT_MAX_BATCH = 500;

/** The in-memory queue: bounded, lost on restart, a failed batch is counted and skipped. */
class MemoryQueue implements SubscriberQueue {
  private queue: SecurityEvent[] = [];
  private head = 0;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private delivered = 0;
  private dropped = 0;
  private failed = 0;
  private closed = false;

  constructor(
    readonly subscriber: EventSubscriber,
    private readonly hooks: EventBusHooks,
  ) {}

  private get depth(): number {
    return this.queue.length - this.head;
  }

  push(event: SecurityEvent): void {
    if (this.closed || this.depth >= (this.subscriber.capacity ?? DEFAULT_CAPACITY)) {
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

  stats(): SubscriberStats {
    // The event's own time stands in for its arrival: events are published as they are made, and
    // stamping each one here would cost a clock read per event on the request path.
    const oldest = this.depth > 0 ? this.queue[this.head]?.time : undefined;
    return {
      name: this.subscriber.name,
      durable: false,
      depth: this.depth,
      lag: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest),
      delivered: this.delivered,
      dropped: this.dropped,
      failed: this.failed,
      retries: 0,
      deadLettered: 0,
      spilledBytes: 0,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * The only door through which side effects leave the hot path (ARCHITECTURE.md). `publish` is
 * synchronous and O(subscribers); each subscriber drains its own bounded queue, so a slow SIEM
 * never slows the store or a reply, and an overflow is counted, never silent. Durable subscribers
 * (see `DurableOptions`) keep their queue on disk and get every event at least once.
 */
export class EventBus {
  private queues: SubscriberQueue[] = [];
  /** The subscribers' filters, index-aligned with `queues`, so publish does one array walk. */
  private filters: Array<((event: SecurityEvent) => boolean) | undefined> = [];

  constructor(private readonly hooks: EventBusHooks = {}) {}

  /**
   * Adds a subscriber. A durable one recovers its directory here, synchronously (start-up only), so
   * a bad directory or a queue held by another process fails the start rather than the first event.
   */
  subscribe(subscriber: EventSubscriber): () => void {
    const queue: SubscriberQueue = subscriber.durable
      ? new DurableQueue(
          subscriber,
          subscriber.durable,
          {
            maxBatch: subscriber.maxBatch ?? DEFAULT_MAX_BATCH,
            capacity: subscriber.capacity ?? DEFAULT_CAPACITY,
          },
          this.hooks,
        )
      : new MemoryQueue(subscriber, this.hooks);
    this.queues = [...this.queues, queue];
    this.filters = this.queues.map((q) => q.subscriber.filter?.bind(q.subscriber));
    return () => {
      const index = this.queues.indexOf(queue);
      if (index < 0) return;
      this.queues = this.queues.filter((q) => q !== queue);
      this.filters = this.queues.map((q) => q.subscriber.filter?.bind(q.subscriber));
      queue.close().catch((error: unknown) => this.hooks.onError?.(subscriber.name, error, 0));
    };
  }

  publish(event: SecurityEvent): void {
    const queues = this.queues;
    for (let i = 0; i < queues.length; i++) {
      const queue = queues[i]!;
      const filter = this.filters[i];
      if (filter) {
        try {
          if (!filter(event)) continue;
        } catch (error) {
          // A broken filter must not fail the request that published: deliver, and report it.
          this.hooks.onError?.(queue.subscriber.name, error, 1);
        }
      }
      queue.push(event);
    }
  }

  stats(): SubscriberStats[] {
    return this.queues.map((q) => q.stats());
  }

  /**
   * Resolves when every queue is empty, or after `timeoutMs` (returns false then). `only` names
   * the subscribers to wait for — a reader of the store need not wait for a SIEM that is retrying.
   */
  async drain(timeoutMs = 10_000, only?: readonly string[]): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const queues = only ? this.queues.filter((q) => only.includes(q.subscriber.name)) : this.queues;
    const idle = Promise.all(queues.map((q) => q.idle())).then(() => true as const);
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Shutdown: waits up to `timeoutMs` for delivery, then stops. Durable queues write what they hold
   * in memory to disk and keep anything undelivered for the next start; plain queues lose it (the
   * return value says whether everything was delivered).
   */
  async close(timeoutMs = 10_000): Promise<boolean> {
    const drained = await this.drain(timeoutMs);
    // The queues stay subscribed: an event published after this is dropped and counted, not lost quietly.
    await Promise.all(this.queues.map((q) => q.close()));
    return drained;
  }
}
