import type {
  DurableOptions,
  EventBusHooks,
  EventSubscriber,
  SubscriberQueue,
  SubscriberStats,
} from "../bus.js";
import type { SecurityEvent } from "../types.js";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js";
import { writeDeadLetters } from "./dead-letter.js";
import { encodeRecord, SegmentLog, type LogRecord } from "./segment-log.js";

export interface QueueLimits {
  maxBatch: number;
  /** Events held in memory: accepted-but-unwritten ones, and written ones kept to skip a disk read. */
  capacity: number;
}

/**
 * A subscriber queue that lives on disk: at-least-once, in order, across restarts and outages.
 *
 *   publish ─▶ buffer (memory) ─▶ append + fdatasync ─▶ log on disk ─▶ handle ─▶ ack (cursor)
 *                  setImmediate        one write per turn        memory copy, or read back
 *
 * `push` only appends to an array: the disk write happens on a later turn of the event loop, as
 * one write and one fdatasync for everything published meanwhile (group commit). A crash therefore
 * loses what was published since the write in progress began — the current event-loop turn plus one
 * write+fdatasync, a few ms — and nothing that had reached the disk. The reader hands out only
 * durable records, so an event is never delivered and then lost. A batch leaves the queue only when
 * `handle` resolves (or after `maxAttempts` failures, into `dead-letter.jsonl`); while it fails, this
 * subscriber waits with exponential backoff and the others keep flowing.
 */
export class DurableQueue implements SubscriberQueue {
  private readonly log: SegmentLog;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffOptions;

  private buffer: SecurityEvent[] = [];
  private bufferSince = 0;
  private flushScheduled = false;
  private writing: Promise<void> | undefined;
  /** Events taken from the buffer for the write in progress: still counted in depth and lag. */
  private unwritten = 0;
  private unwrittenSince = 0;

  /** Durable records still in memory: contiguous, ending at `log.end`, oldest evicted first. */
  private window: LogRecord[] = [];
  private windowHead = 0;
  /** Records on disk and not yet acknowledged. */
  private pending: number;
  /** Acceptance time of the last acknowledged record: a bound on the head's age when it is on disk. */
  private headTime: number | undefined;

  private running = false;
  private runTimer: NodeJS.Timeout | undefined;
  private inFlight: readonly LogRecord[] | undefined;
  private wakeRetry: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  private delivered = 0;
  private dropped = 0;
  private failed = 0;
  private retries = 0;
  private deadLettered = 0;

  constructor(
    readonly subscriber: EventSubscriber,
    private readonly options: DurableOptions,
    private readonly limits: QueueLimits,
    private readonly hooks: EventBusHooks,
  ) {
    validate(subscriber.name, options);
    this.maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.log = SegmentLog.open(options.dir, options.maxBytes);
    this.pending = this.log.recoveredRecords;
    this.headTime = this.log.recoveredHeadTime;
    // What a previous run left undelivered goes out first.
    this.startReader();
  }

  push(event: SecurityEvent): void {
    if (this.closed || this.buffer.length >= this.limits.capacity) {
      this.drop(event);
      return;
    }
    if (this.buffer.length === 0) this.bufferSince = Date.now();
    this.buffer.push(event);
    if (!this.flushScheduled && !this.writing) {
      this.flushScheduled = true;
      // Never on the caller's stack, never a microtask: the reply goes out before any disk work.
      setImmediate(() => {
        this.flush().catch((error: unknown) => this.hooks.onError?.(this.subscriber.name, error, 0));
      });
    }
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): SubscriberStats {
    return {
      name: this.subscriber.name,
      durable: true,
      depth: this.buffer.length + this.unwritten + this.pending,
      lag: this.lag(),
      delivered: this.delivered,
      dropped: this.dropped,
      failed: this.failed,
      retries: this.retries,
      deadLettered: this.deadLettered,
      spilledBytes: this.log.end - this.log.acked,
    };
  }

  /**
   * Writes what is buffered and stops. A batch still inside `handle` is not acknowledged any more:
   * it stays on disk and comes again at the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.runTimer);
    this.wakeRetry?.();
    await this.flush();
    await this.log.close();
    this.settle();
  }

  private drop(event: SecurityEvent): void {
    this.dropped++;
    this.hooks.onDrop?.(this.subscriber.name, event);
  }

  private lag(): number {
    let oldest: number | undefined;
    if (this.pending > 0) {
      const head = this.window[this.windowHead];
      oldest =
        this.inFlight?.[0]?.time ?? (head && head.offset === this.log.acked ? head.time : this.headTime);
    } else if (this.unwritten > 0) {
      oldest = this.unwrittenSince;
    } else if (this.buffer.length > 0) {
      oldest = this.bufferSince;
    }
    return oldest === undefined ? 0 : Math.max(0, Date.now() - oldest);
  }

  /** Group commit: everything pushed since the last write goes to disk in one write + fdatasync. */
  private flush(): Promise<void> {
    this.flushScheduled = false;
    this.writing ??= (async () => {
      while (this.buffer.length > 0) {
        const events = this.buffer;
        const since = this.bufferSince;
        this.buffer = [];
        await this.append(events, since);
      }
    })().finally(() => {
      this.writing = undefined;
      this.settle();
    });
    return this.writing;
  }

  private async append(events: readonly SecurityEvent[], time: number): Promise<void> {
    const lines: string[] = [];
    const records: LogRecord[] = [];
    const start = this.log.end;
    let bytes = 0;
    for (const event of events) {
      let line: string;
      try {
        line = encodeRecord(time, event);
      } catch (error) {
        // Not serialisable (a BigInt or a cycle in `details`): it cannot be queued; say so.
        this.hooks.onError?.(this.subscriber.name, error, 1);
        this.drop(event);
        continue;
      }
      const size = Buffer.byteLength(line);
      if (!this.log.fits(bytes + size)) {
        this.drop(event);
        continue;
      }
      lines.push(line);
      records.push({ offset: start + bytes, end: start + bytes + size, time, event });
      bytes += size;
    }
    if (records.length === 0) return;
    this.unwritten = records.length;
    this.unwrittenSince = time;
    try {
      await this.log.append(Buffer.from(lines.join(""), "utf8"));
    } catch (error) {
      // Disk full or failing: these events are not durable, so they count as dropped, loudly.
      this.unwritten = 0;
      this.hooks.onError?.(this.subscriber.name, error, records.length);
      for (const record of records) this.drop(record.event!);
      return;
    }
    this.unwritten = 0;
    this.pending += records.length;
    for (const record of records) this.window.push(record);
    const excess = this.window.length - this.windowHead - this.limits.capacity;
    if (excess > 0) this.windowHead += excess;
    if (this.windowHead > 4096 && this.windowHead * 2 > this.window.length) {
      this.window = this.window.slice(this.windowHead);
      this.windowHead = 0;
    }
    this.startReader();
  }

  private startReader(): void {
    if (this.running || this.closed || this.pending === 0) return;
    this.running = true;
    const delay = this.subscriber.flushDelayMs ?? 0;
    if (delay > 0) this.runTimer = setTimeout(() => void this.run(), delay);
    else setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    let readFailed = false;
    try {
      while (!this.closed && this.pending > 0) {
        const batch = await this.nextBatch();
        if (batch.length === 0) {
          // Nothing readable before the end of the log: the count was off (a segment removed by hand).
          this.pending = 0;
          break;
        }
        if (!(await this.deliver(batch))) break;
      }
    } catch (error) {
      // Reading the log failed (EIO, a file removed underneath): report it and try again later.
      // During close, a read cut short by the closing files is expected and not reported.
      readFailed = true;
      if (!this.closed) this.hooks.onError?.(this.subscriber.name, error, 0);
    } finally {
      this.running = false;
      this.inFlight = undefined;
    }
    if (readFailed && !this.closed) {
      await this.sleep(backoffDelay(1, this.backoff));
      this.startReader();
    } else if (!this.closed) {
      this.startReader();
    }
    this.settle();
  }

  /** The next batch at the cursor: from memory when it is still there, else read back from disk. */
  private async nextBatch(): Promise<readonly LogRecord[]> {
    const pos = this.log.acked;
    while (this.windowHead < this.window.length && this.window[this.windowHead]!.end <= pos)
      this.windowHead++;
    const head = this.window[this.windowHead];
    if (head && head.offset === pos) {
      return this.window.slice(this.windowHead, this.windowHead + this.limits.maxBatch);
    }
    return this.log.read(pos, head ? head.offset : this.log.end, this.limits.maxBatch);
  }

  /**
   * Hands one batch to the subscriber until it is accepted or set aside. Returns false when the
   * queue closed meanwhile (the batch then stays on disk for the next start).
   */
  private async deliver(batch: readonly LogRecord[]): Promise<boolean> {
    this.inFlight = batch;
    const events: SecurityEvent[] = [];
    const unreadable: LogRecord[] = [];
    for (const record of batch) {
      if (record.event) events.push(record.event);
      else unreadable.push(record);
    }
    let attempt = 0;
    let lastError: unknown;
    while (!this.closed) {
      try {
        if (unreadable.length > 0) {
          // A damaged line cannot be delivered, however often it is tried: set it aside at once.
          await this.deadLetter(unreadable, new Error("unreadable record in the queue file"), 0);
          unreadable.length = 0;
        }
        if (attempt < this.maxAttempts) {
          if (events.length > 0) await this.subscriber.handle(events);
          this.delivered += events.length;
        } else {
          await this.deadLetter(
            batch.filter((r) => r.event),
            lastError,
            attempt,
          );
        }
        this.ack(batch);
        return true;
      } catch (error) {
        if (this.closed) break;
        if (attempt < this.maxAttempts) {
          this.failed += events.length;
          attempt++;
          lastError = error;
          if (attempt >= this.maxAttempts) continue;
          this.retries++;
        }
        // Either the subscriber failed, or writing the dead-letter file did (disk full): wait.
        const delayMs = backoffDelay(attempt, this.backoff);
        this.hooks.onError?.(this.subscriber.name, error, events.length, { attempt, delayMs });
        await this.sleep(delayMs);
      }
    }
    return false;
  }

  private async deadLetter(records: readonly LogRecord[], error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const file = await writeDeadLetters(this.options.dir, this.subscriber.name, records, reason, attempts);
    this.deadLettered += records.length;
    this.hooks.onDeadLetter?.(this.subscriber.name, records.length, error, file);
  }

  private ack(batch: readonly LogRecord[]): void {
    const last = batch.at(-1)!;
    this.log.ack(last.end);
    this.pending -= batch.length;
    this.headTime = last.time;
    this.inFlight = undefined;
  }

  /** A backoff wait that `close` can cut short; it does not keep the process alive on its own. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeRetry = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.wakeRetry = () => {
        clearTimeout(timer);
        this.wakeRetry = undefined;
        resolve();
      };
    });
  }

  private isIdle(): boolean {
    return (
      this.buffer.length === 0 && !this.writing && !this.flushScheduled && this.pending === 0 && !this.running
    );
  }

  private settle(): void {
    if (this.isIdle()) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

function validate(name: string, options: DurableOptions): void {
  const problem = (what: string) => new RangeError(`subscriber "${name}": durable.${what}`);
  if (typeof options.dir !== "string" || options.dir === "") throw problem("dir must be a directory path");
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1024)
    throw problem("maxBytes must be an integer of at least 1024");
  if (
    options.maxAttempts !== undefined &&
    !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)
  )
    throw problem("maxAttempts must be an integer of at least 1");
  const backoff = options.backoff;
  if (backoff && !(backoff.initialMs > 0 && backoff.maxMs >= backoff.initialMs))
    throw problem("backoff needs 0 < initialMs <= maxMs");
}
