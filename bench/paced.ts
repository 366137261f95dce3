import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { distribution, type Distribution } from "./stats.js";
import { CHAT_PATH, chatBody, type Target } from "./workload.js";

/** The raw samples of one fixed-rate run; runs are pooled before percentiles are taken. */
export interface PacedSamples {
  /** From the moment a request was handed to the socket to the last byte of its answer, in ms. */
  latencies: number[];
  /** How late the generator sent each request compared with the schedule (its own event loop delay). */
  lags: number[];
  /** The numeric values of the requested response header. */
  header: number[];
  errors: number;
  non2xx: number;
  /** Length of the measured window in ms, from the first send to the last answer. */
  windowMs: number;
}

export interface PacedResult {
  rate: number;
  /** Requests answered per second in the measured windows (should equal `rate`). */
  achievedRate: number;
  latency: Distribution;
  sendLagMs: Distribution;
  errors: number;
  non2xx: number;
  /** The distribution of the response header's values, when one was asked for and present. */
  header?: Distribution;
}

export function summarisePaced(rate: number, runs: readonly PacedSamples[]): PacedResult {
  const all = (pick: (r: PacedSamples) => number[]) => runs.flatMap(pick);
  const latencies = all((r) => r.latencies);
  const header = all((r) => r.header);
  const windowMs = runs.reduce((sum, r) => sum + r.windowMs, 0);
  return {
    rate,
    achievedRate: windowMs > 0 ? latencies.length / (windowMs / 1000) : 0,
    latency: distribution(latencies),
    sendLagMs: distribution(all((r) => r.lags)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    ...(header.length > 0 ? { header: distribution(header) } : {}),
  };
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate whether or not earlier ones
 * have been answered, which is what real traffic does and what a closed loop cannot show.
 *
 * autocannon's `overallRate` is not used here because it is a per-second budget: each connection
 * fires its share back to back at the start of every second and then idles, so "1,000 req/s"
 * becomes bursts at saturation, and its histogram keeps whole milliseconds. Here requests are
 * spread evenly and every latency is kept at full resolution.
 */
export async function paced(
  target: Target,
  options: { rate: number; durationS: number; warmupS?: number; header?: string },
): Promise<PacedSamples> {
  const { rate, durationS } = options;
  const warmupMs = (options.warmupS ?? 0.5) * 1000;
  const interval = 1000 / rate;
  const total = Math.round((rate * (warmupMs + durationS * 1000)) / 1000);
  // Enough connections that a slow answer never holds back the schedule (open loop).
  const pool = new Pool(target.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const body = chatBody(false);
  const latencies: number[] = [];
  const lags: number[] = [];
  const headerValues: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let firstMeasured = Number.POSITIVE_INFINITY;
  let lastMeasured = 0;

  const start = performance.now();
  const measureFrom = start + warmupMs;

  const one = async (due: number): Promise<void> => {
    const sentAt = performance.now();
    const measured = due >= measureFrom;
    try {
      const response = await pool.request({ path: CHAT_PATH, method: "POST", headers: target.headers, body });
      await response.body.dump({ limit: 1024 * 1024 });
      const doneAt = performance.now();
      if (!measured) return;
      if (response.statusCode !== 200) non2xx++;
      latencies.push(doneAt - sentAt);
      lags.push(sentAt - due);
      firstMeasured = Math.min(firstMeasured, sentAt);
      lastMeasured = Math.max(lastMeasured, doneAt);
      const value = options.header ? response.headers[options.header] : undefined;
      if (typeof value === "string" && value !== "") headerValues.push(Number(value));
    } catch {
      if (measured) errors++;
    }
  };

  const inFlight: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    let sent = 0;
    const tick = () => {
      // Timers fire late by up to a millisecond or so; every request that fell due meanwhile goes
      // out now, and its lateness is recorded as send lag rather than hidden.
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        inFlight.push(one(start + sent * interval));
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  await pool.close();

  return {
    latencies,
    lags,
    header: headerValues,
    errors,
    non2xx,
    windowMs: latencies.length > 0 ? lastMeasured - firstMeasured : 0,
  };
}
