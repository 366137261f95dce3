import { join } from "node:path";
import type { SecurityEvent } from "../events/index.js";
import { clean } from "./encode/text.js";
import { buildFilter } from "./filter.js";
import type { ExporterOptions } from "./options.js";
import type { Delivery, ExporterContext, ExporterStats, SiemSubscriber } from "./types.js";

/** Events handed to an exporter per call; bounded so one TCP write or HTTP body stays modest. */
const MAX_BATCH = 200;
/** Collect events this long before sending, so a busy gateway sends batches, not single events. */
const FLUSH_DELAY_MS = 25;

/**
 * Wraps a delivery as an event-bus subscriber: filters, counts, and rethrows failures so the bus
 * keeps the batch and retries it (durable queue in `<dataDir>/siem/<name>/`).
 */
export function toSubscriber(
  options: ExporterOptions,
  delivery: Delivery,
  context: ExporterContext,
): SiemSubscriber {
  const filter = buildFilter(options.filter);
  const counters = {
    sent: 0,
    failed: 0,
    lastSuccessTime: null as number | null,
    lastErrorTime: null as number | null,
    lastError: null as string | null,
  };
  return {
    name: `siem:${options.name}`,
    exporter: options.name,
    type: options.type,
    maxBatch: MAX_BATCH,
    flushDelayMs: FLUSH_DELAY_MS,
    filter,
    durable: {
      dir: join(context.dataDir, "siem", options.name),
      maxBytes: options.queue.maxBytes,
      ...(options.queue.maxAttempts !== undefined ? { maxAttempts: options.queue.maxAttempts } : {}),
      ...(options.queue.backoff ? { backoff: { ...options.queue.backoff } } : {}),
    },
    async handle(batch: readonly SecurityEvent[]) {
      // The bus applies `filter` before queueing; checking again costs little and keeps `handle` right
      // when called directly or by a bus without filters.
      const selected = batch.filter(filter);
      if (selected.length === 0) return;
      try {
        await delivery.deliver(selected);
      } catch (error) {
        counters.failed += selected.length;
        counters.lastErrorTime = Date.now();
        counters.lastError = clean(error instanceof Error ? error.message : String(error), 500);
        throw new Error(`SIEM exporter "${options.name}" (${options.type}): ${counters.lastError}`, {
          cause: error,
        });
      }
      counters.sent += selected.length;
      counters.lastSuccessTime = Date.now();
    },
    stats(): ExporterStats {
      return { name: options.name, type: options.type, ...counters, truncated: delivery.truncated?.() ?? 0 };
    },
    close: () => delivery.close(),
  };
}
