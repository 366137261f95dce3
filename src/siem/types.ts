import type { EventSubscriber, SecurityEvent } from "../events/index.js";
import type { ExporterType } from "./options.js";

/** What an exporter's factory gets from the composition root (this room imports no config). */
export interface ExporterContext {
  /** The gateway's data directory: each exporter's queue lives in `<dataDir>/siem/<name>/`. */
  dataDir: string;
  /** Resolves `env:`/`file:` references once, at start-up; throws naming the reference, never the value. */
  resolveSecret(ref: string, where: string): string;
  /** Resolves a path relative to the configuration file. */
  resolvePath(path: string): string;
  /** HOSTNAME for syslog and `host` for Splunk; default: os.hostname(). */
  hostname?: string;
  /** Product version in CEF headers and OCSF metadata; default: package.json's. */
  productVersion?: string;
}

/**
 * One destination's delivery: encodes and sends a batch, and rejects when the receiver did not take
 * all of it, so the bus keeps the batch and tries again (at-least-once).
 */
export interface Delivery {
  deliver(batch: readonly SecurityEvent[]): Promise<void>;
  close(): Promise<void>;
  /** Messages shortened to fit the transport's size limit. */
  truncated?(): number;
}

/** Counters for /metrics, per exporter. */
export interface ExporterStats {
  name: string;
  type: ExporterType;
  /** Events delivered (a retried event counts once per successful delivery). */
  sent: number;
  /** Events in batches whose delivery failed (counted per attempt). */
  failed: number;
  /** Messages truncated to the transport's size limit. */
  truncated: number;
  /** Milliseconds since the epoch, or null. */
  lastSuccessTime: number | null;
  lastErrorTime: number | null;
  /** The last failure's message (never contains a secret: tokens travel in headers, not URLs). */
  lastError: string | null;
}

/**
 * The durable-delivery request an exporter makes of the event bus, shaped like the bus's
 * `DurableOptions` (which the events room does not re-export).
 */
export interface DurableRequest {
  dir: string;
  maxBytes: number;
  maxAttempts?: number;
  backoff?: { initialMs: number; maxMs: number };
}

/** An exporter as the bus sees it: a subscriber whose `handle` throws when delivery failed. */
export interface SiemSubscriber extends EventSubscriber {
  readonly exporter: string;
  readonly type: ExporterType;
  handle(batch: readonly SecurityEvent[]): Promise<void>;
  filter(event: SecurityEvent): boolean;
  /**
   * Always set: the bus keeps this exporter's queue on disk in `dir`, removes a batch only when
   * `handle` resolved, retries with backoff when it threw, and dead-letters after `maxAttempts`.
   */
  durable: DurableRequest;
  stats(): ExporterStats;
  /** Closes connections and handles; call after the bus has drained. */
  close(): Promise<void>;
}

export type ExporterFactory<O> = (options: O, context: ExporterContext) => Delivery;
