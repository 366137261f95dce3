import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Latency buckets in seconds: the gateway's own overhead lives in the sub-millisecond range. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface QueueStats {
  name: string;
  depth: number;
  dropped: number;
  /** Durable delivery (src/events/durable): age of the oldest undelivered event, in ms. */
  lag?: number;
  retries?: number;
  deadLettered?: number;
  spilledBytes?: number;
  failed?: number;
  /** Events the subscriber accepted (a drill compares it before and after an attack). */
  delivered?: number;
}

/** Per-subscriber delivery gauges beyond depth and drops: lag and failures (issue 5, SIEM export). */
const DELIVERY_GAUGES: Array<[name: string, help: string, value: (q: QueueStats) => number | undefined]> = [
  [
    "portcullis_event_queue_lag_seconds",
    "Age of the oldest security event a subscriber has not accepted yet",
    (q) => (q.lag === undefined ? undefined : q.lag / 1000),
  ],
  [
    "portcullis_event_retries_total",
    "Failed deliveries a durable subscriber retries after a backoff",
    (q) => q.retries,
  ],
  [
    "portcullis_events_dead_lettered_total",
    "Security events moved to a subscriber's dead-letter file after too many failed attempts (should stay 0)",
    (q) => q.deadLettered,
  ],
  [
    "portcullis_event_queue_spilled_bytes",
    "Bytes of undelivered security events a durable subscriber holds on disk",
    (q) => q.spilledBytes,
  ],
  [
    "portcullis_events_delivered_total",
    "Security events a subscriber accepted (written, exported)",
    (q) => q.delivered,
  ],
  [
    "portcullis_event_delivery_failures_total",
    "Security events in deliveries that failed, counted per attempt",
    (q) => q.failed,
  ],
];

export function createMetrics(queueStats: () => QueueStats[]) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "portcullis_process_" });
  const requests = new Counter({
    name: "portcullis_requests_total",
    help: "Requests by route, model, decision and HTTP status",
    labelNames: ["route", "model", "decision", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "portcullis_request_duration_seconds",
    help: "Time from request to the end of the reply",
    labelNames: ["route", "model", "decision"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const upstream = new Histogram({
    name: "portcullis_upstream_duration_seconds",
    help: "Time the provider took, from sending the request to the end of its answer",
    labelNames: ["provider", "model"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const overhead = new Histogram({
    name: "portcullis_overhead_seconds",
    help: "Time the gateway itself added to a request (total minus provider time)",
    labelNames: ["route"] as const,
    buckets: OVERHEAD_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: "portcullis_event_queue_depth",
    help: "Security events waiting for a subscriber",
    labelNames: ["subscriber"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const q of queueStats()) this.set({ subscriber: q.name }, q.depth);
    },
  });
  new Gauge({
    name: "portcullis_events_dropped_total",
    help: "Security events a subscriber lost because its queue was full (should stay 0)",
    labelNames: ["subscriber"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const q of queueStats()) this.set({ subscriber: q.name }, q.dropped);
    },
  });
  for (const [name, help, value] of DELIVERY_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ["subscriber"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const q of queueStats()) {
          const v = value(q);
          if (v !== undefined) this.set({ subscriber: q.name }, v);
        }
      },
    });
  }
  return { registry, requests, duration, upstream, overhead };
}

export type Metrics = ReturnType<typeof createMetrics>;
